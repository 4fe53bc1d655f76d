/// The ledger part of the configuration file, exactly as written in JSON.
///
/// `MasterData(definition:)` checks it and builds the indexed form the posting rules use.
/// Field names are documented in the README ("Configuration reference").
public struct MasterDataDefinition: Codable, Sendable {
    public struct Currency: Codable, Sendable {
        public var code: String
        public var decimals: Int
    }

    public struct ExchangeRate: Codable, Sendable {
        /// Foreign currency.
        public var from: String
        /// Local currency.
        public var to: String
        /// Units of `to` per unit of `from` (direct quotation), as a decimal string.
        public var rate: String
    }

    public struct Account: Codable, Sendable {
        public var number: String
        public var name: String
        /// `"customer"` or `"vendor"` for reconciliation accounts.
        public var reconciliation: String?
        /// Items on this account are managed as open items (cleared later).
        public var openItemManaged: Bool?
    }

    public struct ChartOfAccounts: Codable, Sendable {
        public var id: String
        public var accounts: [Account]
    }

    public struct TaxCode: Codable, Sendable {
        public var code: String
        /// `"output"` (sales) or `"input"` (purchases).
        public var kind: String
        /// Rate in percent, as a decimal string (`"19"`).
        public var rate: String
        /// G/L account that tax lines with this code post to.
        public var account: String
    }

    public struct NumberRange: Codable, Sendable {
        public var id: String
        /// First and last number, 10 digits.
        public var from: String
        public var to: String
    }

    public struct CompanyCode: Codable, Sendable {
        public var id: String
        public var name: String
        public var currency: String
        public var chartOfAccounts: String
        public var country: String?
        /// G/L accounts of the chart that exist in this company code; omitted = all of them.
        public var accounts: [String]?
        public var taxCodes: [TaxCode]?
        public var numberRanges: [NumberRange]
    }

    public struct DocumentType: Codable, Sendable {
        public var code: String
        public var name: String
        public var numberRange: String
        /// Allowed account types: `S` G/L, `D` customer, `K` vendor (e.g. `"SDK"`); omitted = all.
        public var accountTypes: String?
    }

    public struct BusinessPartner: Codable, Sendable {
        public var id: String
        public var name: String
        /// Company code → reconciliation account.
        public var companyCodes: [String: String]
    }

    public struct PostingPeriodRange: Codable, Sendable {
        /// A company code, or `"*"` for all.
        public var companyCode: String
        public var fromYear: Int
        public var fromPeriod: Int
        public var toYear: Int
        public var toPeriod: Int
    }

    public var currencies: [Currency]
    public var exchangeRates: [ExchangeRate]
    public var chartsOfAccounts: [ChartOfAccounts]
    public var companyCodes: [CompanyCode]
    public var documentTypes: [DocumentType]
    public var customers: [BusinessPartner]
    public var vendors: [BusinessPartner]
    /// Open posting periods; every period not listed is closed.
    public var openPostingPeriods: [PostingPeriodRange]
}
