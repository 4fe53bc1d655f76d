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
        /// G/L accounts for cash discount taken when clearing; omitted = cash discount is refused.
        public var cashDiscountAccounts: CashDiscountAccounts?
        /// G/L accounts for the realized exchange rate difference of a clearing in a foreign
        /// currency; omitted = such a clearing is refused when it has a difference.
        public var exchangeRateDifferenceAccounts: ExchangeRateDifferenceAccounts?
    }

    /// Where a clearing posts cash discount (SAP's automatic account determination, transaction
    /// keys `SKT` and `SKE`). Each is an ordinary G/L account of the company code: not a
    /// reconciliation account and not open-item managed.
    public struct CashDiscountAccounts: Codable, Sendable {
        /// Cash discount granted to customers (expense, `SKT`); used for customer items.
        public var granted: String?
        /// Cash discount received from vendors (revenue, `SKE`); used for vendor items.
        public var received: String?
    }

    /// Where a clearing in a foreign currency posts the realized exchange rate difference: the
    /// cleared items' company-code amounts, posted at different rates, do not sum to zero (SAP's
    /// automatic account determination of transaction OBA1, key `KDF`, realized gains and losses).
    /// Each is an ordinary G/L account of the company code: not a reconciliation account and not
    /// open-item managed.
    public struct ExchangeRateDifferenceAccounts: Codable, Sendable {
        /// Realized exchange rate gains (revenue): the difference is a credit.
        public var gain: String?
        /// Realized exchange rate losses (expense): the difference is a debit.
        public var loss: String?
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

    /// A ledger (SAP's `FINS_LEDGER`, two characters): the leading ledger (`0L`), or a parallel
    /// ledger for another accounting principle (`2L` IFRS, `3L` US GAAP).
    public struct Ledger: Codable, Sendable {
        /// 1–2 characters.
        public var id: String
        public var name: String?
        /// `true` for the one leading ledger; it is in every company code.
        public var leading: Bool?
        /// Company codes a non-leading ledger is assigned to; omitted = all of them.
        public var companyCodes: [String]?
    }

    /// A ledger group (SAP's `FINS_LDGRP`, four characters) of several ledgers, for postings by
    /// ledger. Every ledger has a group of its own name with just itself, so these are the others.
    public struct LedgerGroup: Codable, Sendable {
        /// 1–4 characters, not the id of a ledger.
        public var id: String
        public var name: String?
        /// Member ledgers, at least one.
        public var ledgers: [String]
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
    /// The ledgers; omitted = ``defaultLedgers`` (the leading ledger `0L` alone).
    public var ledgers: [Ledger]?
    /// Ledger groups of several ledgers; omitted = none (each ledger's own group still exists).
    public var ledgerGroups: [LedgerGroup]?

    /// What a definition without `ledgers` has: the leading ledger `0L` in every company code.
    public static var defaultLedgers: [Ledger] { [Ledger(id: "0L", name: "Leading ledger", leading: true, companyCodes: nil)] }
}
