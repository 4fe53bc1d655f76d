/// Checked, indexed master data: what the posting rules look things up in.
///
/// Account, customer and vendor numbers are keyed by their canonical form (see
/// ``MasterData/canonicalNumber(_:)``) so that `0011001000` and `11001000` are the same account.
public struct MasterData: Sendable {
    public struct Currency: Sendable, Hashable {
        public let code: String
        public let decimals: Int
    }

    public enum ReconciliationKind: String, Sendable, Hashable {
        case customer, vendor
    }

    public struct Account: Sendable, Hashable {
        public let number: String
        public let name: String
        public let reconciliation: ReconciliationKind?
        public let openItemManaged: Bool
    }

    public enum TaxKind: String, Sendable, Hashable { case output, input }

    public struct TaxCode: Sendable, Hashable {
        public let code: String
        public let kind: TaxKind
        /// Percent.
        public let rate: DecimalAmount
        public let account: String
    }

    public struct NumberRange: Sendable, Hashable {
        public let id: String
        public let first: Int64
        public let last: Int64
    }

    public struct CompanyCode: Sendable {
        public let id: String
        public let name: String
        public let currency: Currency
        public let chartOfAccounts: String
        public let accounts: Set<String>
        public let taxCodes: [String: TaxCode]
        public let numberRanges: [String: NumberRange]
        /// Cash discount granted to customers (`SKT`), if configured.
        public let cashDiscountGrantedAccount: String?
        /// Cash discount received from vendors (`SKE`), if configured.
        public let cashDiscountReceivedAccount: String?

        /// The cash discount account for items of `accountType` (`D` granted, `K` received).
        public func cashDiscountAccount(for accountType: AccountType) -> String? {
            switch accountType {
            case .customer: cashDiscountGrantedAccount
            case .vendor: cashDiscountReceivedAccount
            default: nil
            }
        }

        /// Realized exchange rate gains (`KDF`), if configured.
        public let exchangeRateGainAccount: String?
        /// Realized exchange rate losses (`KDF`), if configured.
        public let exchangeRateLossAccount: String?

        /// The account for a realized exchange rate difference posted as `amount` in company code
        /// currency: a debit (positive) is a loss, a credit (negative) a gain.
        public func exchangeRateDifferenceAccount(for amount: DecimalAmount) -> String? {
            amount.isNegative ? exchangeRateGainAccount : exchangeRateLossAccount
        }
    }

    public struct DocumentType: Sendable, Hashable {
        public let code: String
        public let name: String
        public let numberRange: String
        public let accountTypes: Set<Character>
    }

    public struct BusinessPartner: Sendable, Hashable {
        public let id: String
        public let name: String
        public let reconciliationAccounts: [String: String]
    }

    /// A ledger: the leading one, or a parallel ledger assigned to some or all company codes.
    public struct Ledger: Sendable, Hashable {
        public let id: String
        public let name: String
        public let isLeading: Bool
        /// The company codes it is assigned to; `nil` = every company code (always for the leading ledger).
        public let companyCodes: Set<String>?

        public func isAssigned(to companyCode: String) -> Bool { companyCodes?.contains(companyCode) ?? true }
    }

    /// A ledger group: the ledgers a posting by ledger (`LedgerGroup`) goes into.
    public struct LedgerGroup: Sendable, Hashable {
        public let id: String
        public let name: String
        /// Member ledgers, the leading ledger first, then in the order of `ledgers` in the definition.
        public let ledgers: [String]
    }

    public let currencies: [String: Currency]
    public let companyCodes: [String: CompanyCode]
    public let charts: [String: [String: Account]]
    public let documentTypes: [String: DocumentType]
    public let customers: [String: BusinessPartner]
    public let vendors: [String: BusinessPartner]
    /// Every ledger, by id.
    public let ledgers: [String: Ledger]
    /// Every ledger group by id: each ledger's own group (same id, just that ledger) and the
    /// groups of the definition.
    public let ledgerGroups: [String: LedgerGroup]
    /// The id of the leading ledger (`0L` unless the definition says otherwise).
    public let leadingLedger: String
    let exchangeRates: [String: ExchangeRateValue]
    let openPeriods: [MasterDataDefinition.PostingPeriodRange]
    /// Per company code, its ledgers: the leading ledger first, then in definition order.
    let companyCodeLedgers: [String: [String]]

    /// A problem found in the configuration, with where it is.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        /// The entry, as the operator reads it: `companyCodes[0] (1010)`.
        public let location: String
        public let message: String
        /// JSON path of the value at fault inside the ledger definition (`companyCodes[0].currency`),
        /// so that a caller holding the file can point at its line; `nil` = the entry at `location`.
        public let path: String?

        public init(location: String, message: String, path: String? = nil) {
            self.location = location
            self.message = message
            self.path = path
        }

        public var description: String { "\(location): \(message)" }
    }

    /// All problems found in a definition; thrown by `init(definition:)`.
    public struct InvalidDefinition: Error, Sendable, CustomStringConvertible {
        public let problems: [Problem]
        public var description: String {
            "invalid master data (\(problems.count) problem\(problems.count == 1 ? "" : "s")):\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
        }
    }

    /// Checks a definition and indexes it. Throws ``InvalidDefinition`` listing every problem,
    /// each once (see `MasterDataValidator` for what is checked).
    public init(definition: MasterDataDefinition) throws(InvalidDefinition) {
        let indexed: MasterDataValidator.Indexed
        switch MasterDataValidator.index(definition) {
        case .success(let result): indexed = result
        case .failure(let error): throw error
        }
        self.currencies = indexed.currencies
        self.companyCodes = indexed.companyCodes
        self.charts = indexed.charts
        self.documentTypes = indexed.documentTypes
        self.customers = indexed.customers
        self.vendors = indexed.vendors
        self.exchangeRates = indexed.exchangeRates
        self.openPeriods = definition.openPostingPeriods
        self.ledgers = indexed.ledgers
        self.ledgerGroups = indexed.ledgerGroups
        self.leadingLedger = indexed.leadingLedger
        self.companyCodeLedgers = indexed.companyCodeLedgers
    }

    /// The ledgers of a company code, the leading ledger first: where an ordinary posting goes.
    /// Empty for an unknown company code.
    public func ledgers(ofCompanyCode companyCode: String) -> [String] { companyCodeLedgers[companyCode] ?? [] }

    /// The canonical form of an account, customer or vendor number: numeric values lose
    /// SAP's leading zeros (`0011001000` → `11001000`); others are upper-cased.
    public static func canonicalNumber(_ raw: some StringProtocol) -> String {
        let trimmed = raw.trimmingASCIIWhitespace()
        if !trimmed.isEmpty, trimmed.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
            let stripped = trimmed.drop(while: { $0 == "0" })
            return stripped.isEmpty ? "0" : String(stripped)
        }
        return trimmed.uppercased()
    }

    /// Whether posting period `period` of `fiscalYear` is open in `companyCode`.
    public func isPeriodOpen(companyCode: String, fiscalYear: Int, period: Int) -> Bool {
        openPeriods.contains { range in
            (range.companyCode == "*" || range.companyCode == companyCode)
                && (range.fromYear, range.fromPeriod) <= (fiscalYear, period)
                && (fiscalYear, period) <= (range.toYear, range.toPeriod)
        }
    }

    /// The configured rate from `foreign` to `local` (units of local per unit of foreign).
    /// The inverse of a configured `local → foreign` rate is used when only that exists.
    public func exchangeRate(from foreign: String, to local: String) -> ExchangeRate? {
        if let direct = exchangeRates[foreign + ">" + local] { return .direct(direct) }
        if let inverse = exchangeRates[local + ">" + foreign] { return .indirect(inverse) }
        return nil
    }

    /// How a foreign amount is turned into a local one.
    public enum ExchangeRate: Sendable, Hashable {
        /// local = foreign × rate
        case direct(ExchangeRateValue)
        /// local = foreign ÷ rate
        case indirect(ExchangeRateValue)

        /// Converts with one rounding, half away from zero, to `fractionDigits`; `nil` on overflow.
        public func convert(_ amount: DecimalAmount, fractionDigits: Int) -> DecimalAmount? {
            switch self {
            case .direct(let rate): amount.multiplied(by: rate, roundingToFractionDigits: fractionDigits)
            case .indirect(let rate): amount.divided(by: rate, roundingToFractionDigits: fractionDigits)
            }
        }
    }
}
