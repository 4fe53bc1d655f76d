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

    public let currencies: [String: Currency]
    public let companyCodes: [String: CompanyCode]
    public let charts: [String: [String: Account]]
    public let documentTypes: [String: DocumentType]
    public let customers: [String: BusinessPartner]
    public let vendors: [String: BusinessPartner]
    let exchangeRates: [String: ExchangeRateValue]
    let openPeriods: [MasterDataDefinition.PostingPeriodRange]

    /// A problem found in the configuration, with where it is.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public let location: String
        public let message: String
        public var description: String { "\(location): \(message)" }
    }

    /// All problems found in a definition; thrown by `init(definition:)`.
    public struct InvalidDefinition: Error, Sendable, CustomStringConvertible {
        public let problems: [Problem]
        public var description: String {
            "invalid master data (\(problems.count) problem\(problems.count == 1 ? "" : "s")):\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
        }
    }

    /// Checks a definition and indexes it. Throws ``InvalidDefinition`` listing every problem.
    public init(definition: MasterDataDefinition) throws(InvalidDefinition) {
        var problems: [Problem] = []
        func problem(_ location: String, _ message: String) { problems.append(Problem(location: location, message: message)) }

        var currencies: [String: Currency] = [:]
        for (index, currency) in definition.currencies.enumerated() {
            let location = "currencies[\(index)]"
            guard currency.code.count == 3, currency.code.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
                problem(location, "currency code '\(currency.code)' must be three upper-case letters")
                continue
            }
            guard (0...3).contains(currency.decimals) else {
                problem(location, "decimals of \(currency.code) must be 0…3, not \(currency.decimals)")
                continue
            }
            if currencies[currency.code] != nil { problem(location, "currency \(currency.code) is defined twice") }
            currencies[currency.code] = Currency(code: currency.code, decimals: currency.decimals)
        }

        var rates: [String: ExchangeRateValue] = [:]
        for (index, rate) in definition.exchangeRates.enumerated() {
            let location = "exchangeRates[\(index)]"
            if currencies[rate.from] == nil { problem(location, "unknown currency '\(rate.from)'") }
            if currencies[rate.to] == nil { problem(location, "unknown currency '\(rate.to)'") }
            guard let value = ExchangeRateValue(parsing: rate.rate), value.isPositive else {
                problem(location, "rate '\(rate.rate)' is not a positive decimal number")
                continue
            }
            rates[rate.from + ">" + rate.to] = value
        }

        var charts: [String: [String: Account]] = [:]
        for (chartIndex, chart) in definition.chartsOfAccounts.enumerated() {
            var accounts: [String: Account] = [:]
            for (index, account) in chart.accounts.enumerated() {
                let location = "chartsOfAccounts[\(chartIndex)].accounts[\(index)]"
                let number = MasterData.canonicalNumber(account.number)
                guard !number.isEmpty, number.count <= 10 else {
                    problem(location, "account number '\(account.number)' must have 1…10 characters")
                    continue
                }
                var reconciliation: ReconciliationKind?
                if let kind = account.reconciliation {
                    reconciliation = ReconciliationKind(rawValue: kind)
                    if reconciliation == nil { problem(location, "reconciliation must be \"customer\" or \"vendor\", not '\(kind)'") }
                }
                if accounts[number] != nil { problem(location, "account \(number) is defined twice in chart \(chart.id)") }
                accounts[number] = Account(
                    number: number, name: account.name, reconciliation: reconciliation, openItemManaged: account.openItemManaged ?? false)
            }
            charts[chart.id] = accounts
        }

        var companyCodes: [String: CompanyCode] = [:]
        for (ccIndex, cc) in definition.companyCodes.enumerated() {
            let location = "companyCodes[\(ccIndex)] (\(cc.id))"
            guard (1...4).contains(cc.id.count) else {
                problem(location, "company code id must have 1…4 characters")
                continue
            }
            guard let currency = currencies[cc.currency] else {
                problem(location, "unknown currency '\(cc.currency)'")
                continue
            }
            guard let chart = charts[cc.chartOfAccounts] else {
                problem(location, "unknown chart of accounts '\(cc.chartOfAccounts)'")
                continue
            }
            var accounts = Set<String>()
            if let listed = cc.accounts {
                for number in listed.map(MasterData.canonicalNumber) {
                    if chart[number] == nil { problem(location, "account \(number) is not in chart \(cc.chartOfAccounts)") }
                    accounts.insert(number)
                }
            } else {
                accounts = Set(chart.keys)
            }
            var taxCodes: [String: TaxCode] = [:]
            for tax in cc.taxCodes ?? [] {
                let account = MasterData.canonicalNumber(tax.account)
                guard let kind = TaxKind(rawValue: tax.kind) else {
                    problem(location, "tax code \(tax.code): kind must be \"output\" or \"input\", not '\(tax.kind)'")
                    continue
                }
                guard let rate = DecimalAmount(parsing: tax.rate), !rate.isNegative else {
                    problem(location, "tax code \(tax.code): rate '\(tax.rate)' is not a decimal percentage")
                    continue
                }
                if !accounts.contains(account) { problem(location, "tax code \(tax.code): account \(account) is not in the company code") }
                taxCodes[tax.code] = TaxCode(code: tax.code, kind: kind, rate: rate, account: account)
            }
            var ranges: [String: NumberRange] = [:]
            for range in cc.numberRanges {
                guard range.from.count == 10, range.to.count == 10, let first = Int64(range.from), let last = Int64(range.to), first >= 0,
                    first <= last
                else {
                    problem(location, "number range \(range.id): from/to must be 10-digit numbers with from ≤ to")
                    continue
                }
                ranges[range.id] = NumberRange(id: range.id, first: first, last: last)
            }
            if companyCodes[cc.id] != nil { problem(location, "company code \(cc.id) is defined twice") }
            companyCodes[cc.id] = CompanyCode(
                id: cc.id, name: cc.name, currency: currency, chartOfAccounts: cc.chartOfAccounts, accounts: accounts,
                taxCodes: taxCodes, numberRanges: ranges)
        }

        var documentTypes: [String: DocumentType] = [:]
        for (index, type) in definition.documentTypes.enumerated() {
            let location = "documentTypes[\(index)] (\(type.code))"
            let accountTypes = Set(type.accountTypes ?? "SDK")
            if !accountTypes.isSubset(of: ["S", "D", "K"]) { problem(location, "accountTypes may only contain S, D and K") }
            for cc in companyCodes.values where cc.numberRanges[type.numberRange] == nil {
                problem(location, "number range \(type.numberRange) is not defined in company code \(cc.id)")
            }
            documentTypes[type.code] = DocumentType(
                code: type.code, name: type.name, numberRange: type.numberRange, accountTypes: accountTypes)
        }

        func partners(_ list: [MasterDataDefinition.BusinessPartner], kind: ReconciliationKind, key: String) -> [String: BusinessPartner] {
            var result: [String: BusinessPartner] = [:]
            for (index, partner) in list.enumerated() {
                let location = "\(key)[\(index)] (\(partner.id))"
                let id = MasterData.canonicalNumber(partner.id)
                var reconciliation: [String: String] = [:]
                for (ccID, accountNumber) in partner.companyCodes {
                    let account = MasterData.canonicalNumber(accountNumber)
                    guard let cc = companyCodes[ccID] else {
                        problem(location, "unknown company code '\(ccID)'")
                        continue
                    }
                    guard cc.accounts.contains(account), charts[cc.chartOfAccounts]?[account]?.reconciliation == kind else {
                        problem(location, "account \(account) is not a \(kind.rawValue) reconciliation account of company code \(ccID)")
                        continue
                    }
                    reconciliation[ccID] = account
                }
                if result[id] != nil { problem(location, "\(kind.rawValue) \(id) is defined twice") }
                result[id] = BusinessPartner(id: id, name: partner.name, reconciliationAccounts: reconciliation)
            }
            return result
        }
        let customers = partners(definition.customers, kind: .customer, key: "customers")
        let vendors = partners(definition.vendors, kind: .vendor, key: "vendors")

        for (index, range) in definition.openPostingPeriods.enumerated() {
            let location = "openPostingPeriods[\(index)]"
            if range.companyCode != "*" && companyCodes[range.companyCode] == nil {
                problem(location, "unknown company code '\(range.companyCode)'")
            }
            if !(1...16).contains(range.fromPeriod) || !(1...16).contains(range.toPeriod) {
                problem(location, "periods must be 1…16")
            }
            if (range.fromYear, range.fromPeriod) > (range.toYear, range.toPeriod) {
                problem(location, "from (\(range.fromYear)/\(range.fromPeriod)) is after to (\(range.toYear)/\(range.toPeriod))")
            }
        }

        if companyCodes.isEmpty && problems.isEmpty { problem("companyCodes", "at least one company code is needed") }
        guard problems.isEmpty else { throw InvalidDefinition(problems: problems) }
        self.currencies = currencies
        self.companyCodes = companyCodes
        self.charts = charts
        self.documentTypes = documentTypes
        self.customers = customers
        self.vendors = vendors
        self.exchangeRates = rates
        self.openPeriods = definition.openPostingPeriods
    }

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
