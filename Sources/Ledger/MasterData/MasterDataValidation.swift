/// Checks a ``MasterDataDefinition`` and builds the indexes of ``MasterData``.
///
/// Two rules shape it:
/// - Whatever the posting rules and the stores look up at run time is checked here, so that a
///   definition that passes never fails at run time for a reason visible in the file (tax code
///   accounts, reconciliation accounts, number ranges of every document type in every company
///   code, codes longer than a request can carry, number ranges that would hand out one number twice).
/// - One mistake is reported once: an entry that is declared but broken (an unknown currency on a
///   company code, an account number that is too long, a malformed number range) still counts as
///   declared, so the entries that refer to it are not reported again.
struct MasterDataValidator {
    /// Longest codes a request can carry (SAP's XSD types), so longer ones could never be used.
    static let companyCodeLength = 4  // CompanyCodeID
    static let documentTypeLength = 5  // AccountingDocumentTypeCode
    static let taxCodeLength = 4  // ProductTaxationCharacteristicsCode
    static let accountNumberLength = 10  // ChartOfAccountsItemCode, BusinessPartnerInternalID
    /// Number range numbers are two characters in SAP (`NRIV-NRRANGENR`).
    static let numberRangeIDLength = 2
    /// Tax rates are percentages with at most three decimals, as in SAP's condition records.
    static let taxRateDecimals = 3
    /// Ledgers have two characters in SAP (`FINS_LEDGER`), ledger groups four (`FINS_LDGRP`).
    static let ledgerIDLength = 2
    static let ledgerGroupIDLength = 4

    struct Indexed {
        var currencies: [String: MasterData.Currency] = [:]
        var companyCodes: [String: MasterData.CompanyCode] = [:]
        var charts: [String: [String: MasterData.Account]] = [:]
        var documentTypes: [String: MasterData.DocumentType] = [:]
        var customers: [String: MasterData.BusinessPartner] = [:]
        var vendors: [String: MasterData.BusinessPartner] = [:]
        var exchangeRates: [String: ExchangeRateValue] = [:]
        var ledgers: [String: MasterData.Ledger] = [:]
        var ledgerGroups: [String: MasterData.LedgerGroup] = [:]
        var leadingLedger = "0L"
        var companyCodeLedgers: [String: [String]] = [:]
    }

    /// What is known about a declared company code, even a broken one, for checking references to it.
    private struct CompanyCodeShape {
        let id: String
        /// Every number range ID written in it, valid or not.
        var numberRangeIDs: Set<String> = []
        /// Its G/L accounts; `nil` when its chart is unknown (references are then not checked).
        var accounts: Set<String>?
        var chart: [String: MasterData.Account]?
        var brokenAccounts: Set<String> = []
    }

    private var problems: [MasterData.Problem] = []
    private var indexed = Indexed()
    /// Every currency code written in `currencies`, valid or not.
    private var declaredCurrencies: Set<String> = []
    /// Every chart ID written in `chartsOfAccounts`.
    private var declaredCharts: Set<String> = []
    /// Per chart, account numbers that are declared but broken.
    private var brokenAccounts: [String: Set<String>] = [:]
    /// Declared company codes (first declaration of each ID), in file order.
    private var shapes: [CompanyCodeShape] = []
    /// Every ledger ID written in `ledgers` (or the default `0L`), valid or not.
    private var declaredLedgers: Set<String> = []
    /// Valid ledgers, the leading ledger first, then in file order.
    private var ledgerOrder: [String] = []

    static func index(_ definition: MasterDataDefinition) -> Result<Indexed, MasterData.InvalidDefinition> {
        var validator = MasterDataValidator()
        validator.checkCurrencies(definition.currencies)
        validator.checkExchangeRates(definition.exchangeRates)
        validator.checkCharts(definition.chartsOfAccounts)
        validator.checkCompanyCodes(definition.companyCodes)
        validator.checkDocumentTypes(definition.documentTypes)
        validator.indexed.customers = validator.checkPartners(definition.customers, kind: .customer, key: "customers")
        validator.indexed.vendors = validator.checkPartners(definition.vendors, kind: .vendor, key: "vendors")
        validator.checkPostingPeriods(definition.openPostingPeriods)
        validator.checkLedgers(definition.ledgers)
        validator.checkLedgerGroups(definition.ledgerGroups)
        if definition.companyCodes.isEmpty { validator.problem("companyCodes", "at least one company code is needed") }
        if definition.documentTypes.isEmpty { validator.problem("documentTypes", "at least one document type is needed") }
        guard validator.problems.isEmpty else { return .failure(MasterData.InvalidDefinition(problems: validator.problems)) }
        validator.assignLedgersToCompanyCodes()
        return .success(validator.indexed)
    }

    private mutating func problem(_ location: String, _ message: String, path: String? = nil) {
        problems.append(MasterData.Problem(location: location, message: message, path: path))
    }

    /// `nil` when `value` can be a code of at most `maxLength` characters, else why not.
    static func codeProblem(_ value: String, _ what: String, maxLength: Int, limit: String) -> String? {
        if value.isEmpty { return "\(what) must not be empty" }
        if value.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) {
            return "\(what) '\(value)' must not contain spaces or control characters"
        }
        if value.count > maxLength { return "\(what) '\(value)' has more than \(maxLength) characters (\(limit))" }
        return nil
    }

    // MARK: Currencies and rates

    private mutating func checkCurrencies(_ list: [MasterDataDefinition.Currency]) {
        var first: [String: Int] = [:]
        for (index, currency) in list.enumerated() {
            let location = "currencies[\(index)]"
            declaredCurrencies.insert(currency.code)
            declaredCurrencies.insert(currency.code.uppercased())
            guard currency.code.count == 3, currency.code.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
                problem(location, "currency code '\(currency.code)' must be three upper-case letters", path: location + ".code")
                continue
            }
            guard (0...3).contains(currency.decimals) else {
                problem(location, "decimals of \(currency.code) must be 0…3, not \(currency.decimals)", path: location + ".decimals")
                continue
            }
            if let earlier = first[currency.code] {
                problem(location, "currency \(currency.code) is defined twice (also currencies[\(earlier)])", path: location + ".code")
                continue
            }
            first[currency.code] = index
            indexed.currencies[currency.code] = MasterData.Currency(code: currency.code, decimals: currency.decimals)
        }
    }

    /// The currency `code`; reports it unless it is known or declared (and then reported where declared).
    private mutating func currency(_ code: String, _ location: String, path: String) -> MasterData.Currency? {
        if let currency = indexed.currencies[code] { return currency }
        if !declaredCurrencies.contains(code) { problem(location, "unknown currency '\(code)'", path: path) }
        return nil
    }

    private mutating func checkExchangeRates(_ list: [MasterDataDefinition.ExchangeRate]) {
        var first: [String: (index: Int, text: String, value: ExchangeRateValue)] = [:]
        for (index, rate) in list.enumerated() {
            let location = "exchangeRates[\(index)]"
            let from = currency(rate.from, location, path: location + ".from")
            let to = currency(rate.to, location, path: location + ".to")
            guard let value = ExchangeRateValue(parsing: rate.rate), value.isPositive else {
                problem(location, "rate '\(rate.rate)' is not a positive decimal number", path: location + ".rate")
                continue
            }
            if rate.from == rate.to {
                problem(location, "from and to are both \(rate.from); a currency needs no rate to itself", path: location + ".to")
                continue
            }
            guard let from, let to else { continue }
            let pair = from.code + ">" + to.code
            let text = String(rate.rate.trimmingASCIIWhitespace())
            if let earlier = first[pair] {
                if earlier.value == value {
                    problem(location, "\(from.code)→\(to.code) is given twice (also exchangeRates[\(earlier.index)]); give each pair once", path: location)
                } else {
                    problem(
                        location, "\(from.code)→\(to.code) \(text) conflicts with exchangeRates[\(earlier.index)] (\(earlier.text)); give each pair once",
                        path: location + ".rate")
                }
                continue
            }
            if let inverse = first[to.code + ">" + from.code], !Self.agree(text, inverse.text) {
                problem(
                    location,
                    "\(from.code)→\(to.code) \(text) does not agree with the inverse of exchangeRates[\(inverse.index)] (\(to.code)→\(from.code) \(inverse.text)): "
                        + "the two may differ only by the rounding of their last digit",
                    path: location + ".rate")
            }
            first[pair] = (index, text, value)
            indexed.exchangeRates[pair] = value
        }
    }

    /// Whether a rate and a rate of the opposite direction, both as written, can be the same
    /// exchange rate rounded to the digits written: some exact rate r lies within half a unit of
    /// the last digit of `forward` while 1/r lies within half a unit of the last digit of `backward`.
    /// `0.92` and `1.087` agree (1/0.92 = 1.08696…); `0.92` and `1.2` do not.
    static func agree(_ forward: String, _ backward: String) -> Bool {
        guard let a = scaledDigits(forward), let b = scaledDigits(backward) else { return true }
        // In units of 10^-(decimals+1): the interval [10A − 5, 10A + 5] around each rate.
        let (aLow, aHigh) = (a.digits * 10 - 5, a.digits * 10 + 5)
        let (bLow, bHigh) = (b.digits * 10 - 5, b.digits * 10 + 5)
        var one: UInt128 = 1
        for _ in 0..<(a.decimals + b.decimals + 2) { one *= 10 }
        // The intervals [aLow, aHigh] and [1/bHigh, 1/bLow] meet ⇔ aLow·bLow ≤ 1 ≤ aHigh·bHigh.
        let low = aLow.multipliedFullWidth(by: bLow)
        let high = aHigh.multipliedFullWidth(by: bHigh)
        let lowFits = low.high == 0 && low.low <= one
        let highReaches = high.high > 0 || high.low >= one
        return lowFits && highReaches
    }

    /// `"0.920"` → (920, 3); `nil` for values too large to compare exactly.
    private static func scaledDigits(_ text: String) -> (digits: UInt128, decimals: Int)? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let integer = parts[0].drop { $0 == "+" }
        let fraction = parts.count > 1 ? parts[1] : ""
        let all = String(integer) + String(fraction)
        guard all.count <= 18, !all.isEmpty, let digits = UInt128(all) else { return nil }
        return (digits, fraction.count)
    }

    // MARK: Charts of accounts

    private mutating func checkCharts(_ list: [MasterDataDefinition.ChartOfAccounts]) {
        for (chartIndex, chart) in list.enumerated() {
            let chartLocation = "chartsOfAccounts[\(chartIndex)] (\(chart.id))"
            if chart.id.isEmpty { problem(chartLocation, "chart of accounts id must not be empty", path: "chartsOfAccounts[\(chartIndex)].id") }
            guard !declaredCharts.contains(chart.id) else {
                problem(chartLocation, "chart of accounts \(chart.id) is defined twice", path: "chartsOfAccounts[\(chartIndex)].id")
                continue
            }
            declaredCharts.insert(chart.id)
            var accounts: [String: MasterData.Account] = [:]
            var broken: Set<String> = []
            for (index, account) in chart.accounts.enumerated() {
                let location = "chartsOfAccounts[\(chartIndex)].accounts[\(index)]"
                let number = MasterData.canonicalNumber(account.number)
                if let message = Self.codeProblem(
                    number, "account number", maxLength: Self.accountNumberLength, limit: "SAP's GLAccount allows 10")
                {
                    problem(location, message, path: location + ".number")
                    broken.insert(number)
                    continue
                }
                var reconciliation: MasterData.ReconciliationKind?
                if let kind = account.reconciliation {
                    reconciliation = MasterData.ReconciliationKind(rawValue: kind)
                    if reconciliation == nil {
                        problem(location, "reconciliation must be \"customer\" or \"vendor\", not '\(kind)'", path: location + ".reconciliation")
                        broken.insert(number)
                    }
                }
                if accounts[number] != nil {
                    problem(location, "account \(number) is defined twice in chart \(chart.id)", path: location + ".number")
                    continue
                }
                accounts[number] = MasterData.Account(
                    number: number, name: account.name, reconciliation: reconciliation, openItemManaged: account.openItemManaged ?? false)
            }
            indexed.charts[chart.id] = accounts
            brokenAccounts[chart.id] = broken
        }
    }

    // MARK: Company codes

    private mutating func checkCompanyCodes(_ list: [MasterDataDefinition.CompanyCode]) {
        var firstIndex: [String: Int] = [:]
        for (ccIndex, cc) in list.enumerated() {
            let location = "companyCodes[\(ccIndex)] (\(cc.id))"
            let base = "companyCodes[\(ccIndex)]"
            var usable = true
            if let message = Self.codeProblem(cc.id, "company code id", maxLength: Self.companyCodeLength, limit: "SAP's CompanyCode allows 4") {
                problem(location, message, path: base + ".id")
                usable = false
            }
            let duplicate = firstIndex[cc.id] != nil
            if let earlier = firstIndex[cc.id] {
                problem(location, "company code \(cc.id) is defined twice (also companyCodes[\(earlier)])", path: base + ".id")
                usable = false
            } else {
                firstIndex[cc.id] = ccIndex
            }
            let currency = currency(cc.currency, location, path: base + ".currency")
            if currency == nil { usable = false }

            var shape = CompanyCodeShape(id: cc.id)
            let chart = indexed.charts[cc.chartOfAccounts]
            if chart == nil {
                usable = false
                if !declaredCharts.contains(cc.chartOfAccounts) {
                    problem(location, "unknown chart of accounts '\(cc.chartOfAccounts)'", path: base + ".chartOfAccounts")
                }
            }
            let broken = brokenAccounts[cc.chartOfAccounts] ?? []
            var accounts: Set<String>?
            if let chart {
                if let listed = cc.accounts {
                    var set = Set<String>()
                    for (index, raw) in listed.enumerated() {
                        let number = MasterData.canonicalNumber(raw)
                        if chart[number] == nil && !broken.contains(number) {
                            problem(location, "account \(number) is not in chart \(cc.chartOfAccounts)", path: base + ".accounts[\(index)]")
                        }
                        set.insert(number)
                    }
                    accounts = set
                } else {
                    accounts = Set(chart.keys)
                }
            }
            shape.accounts = accounts
            shape.chart = chart
            shape.brokenAccounts = broken

            let taxCodes = checkTaxCodes(cc.taxCodes ?? [], location: location, base: base, shape: shape)
            let (ranges, rangeIDs) = checkNumberRanges(cc.numberRanges, location: location, base: base)
            shape.numberRangeIDs = rangeIDs
            if !duplicate { shapes.append(shape) }
            let discount = checkClearingAccounts(
                [("granted", cc.cashDiscountAccounts?.granted), ("received", cc.cashDiscountAccounts?.received)], key: "cashDiscountAccounts",
                purpose: "cash discount", location: location, base: base, shape: shape)
            let exchange = checkClearingAccounts(
                [("gain", cc.exchangeRateDifferenceAccounts?.gain), ("loss", cc.exchangeRateDifferenceAccounts?.loss)],
                key: "exchangeRateDifferenceAccounts", purpose: "exchange rate difference", location: location, base: base, shape: shape)

            guard usable, let currency, let accounts, taxCodes.valid, ranges.valid, discount.valid, exchange.valid else { continue }
            indexed.companyCodes[cc.id] = MasterData.CompanyCode(
                id: cc.id, name: cc.name, currency: currency, chartOfAccounts: cc.chartOfAccounts, accounts: accounts,
                taxCodes: taxCodes.codes, numberRanges: ranges.ranges, cashDiscountGrantedAccount: discount.accounts[0],
                cashDiscountReceivedAccount: discount.accounts[1], exchangeRateGainAccount: exchange.accounts[0],
                exchangeRateLossAccount: exchange.accounts[1])
        }
    }

    /// The accounts a clearing posts its own G/L lines to (cash discount, realized exchange rate
    /// differences) must be ordinary G/L accounts of the company code. `key` is the definition's
    /// field (`cashDiscountAccounts`), `purpose` how the problems name them (`cash discount`);
    /// `accounts` are the field's entries by name, `nil` when not given.
    private mutating func checkClearingAccounts(
        _ accounts: [(name: String, raw: String?)], key: String, purpose: String, location: String, base: String, shape: CompanyCodeShape
    ) -> (accounts: [String?], valid: Bool) {
        var valid = true
        let checked = accounts.map { name, raw -> String? in
            guard let raw else { return nil }
            let account = MasterData.canonicalNumber(raw)
            let path = base + ".\(key).\(name)"
            let label = "\(purpose) \(name) account \(account)"
            guard let accounts = shape.accounts, !shape.brokenAccounts.contains(account) else { return account }
            if !accounts.contains(account) {
                problem(location, "\(label) is not in the company code", path: path)
                valid = false
            } else if let kind = shape.chart?[account]?.reconciliation {
                problem(location, "\(label) is a \(kind.rawValue) reconciliation account; \(purpose) posts to a plain G/L account", path: path)
                valid = false
            } else if shape.chart?[account]?.openItemManaged == true {
                problem(location, "\(label) is open-item managed; \(purpose) posts to a plain G/L account", path: path)
                valid = false
            }
            return account
        }
        return (checked, valid)
    }

    private mutating func checkTaxCodes(
        _ list: [MasterDataDefinition.TaxCode], location: String, base: String, shape: CompanyCodeShape
    ) -> (codes: [String: MasterData.TaxCode], valid: Bool) {
        var codes: [String: MasterData.TaxCode] = [:]
        var valid = true
        for (index, tax) in list.enumerated() {
            let path = base + ".taxCodes[\(index)]"
            let before = problems.count
            if let message = Self.codeProblem(tax.code, "tax code", maxLength: Self.taxCodeLength, limit: "SAP's TaxCode allows 4") {
                problem(location, message, path: path + ".code")
            } else if list[..<index].contains(where: { $0.code == tax.code }) {
                problem(location, "tax code \(tax.code) is defined twice", path: path + ".code")
            }
            let kind = MasterData.TaxKind(rawValue: tax.kind)
            if kind == nil {
                problem(location, "tax code \(tax.code): kind must be \"output\" or \"input\", not '\(tax.kind)'", path: path + ".kind")
            }
            let rate = DecimalAmount(parsing: tax.rate)
            if let rate {
                if rate.isNegative || rate > DecimalAmount(100) {
                    problem(location, "tax code \(tax.code): rate \(tax.rate) % is outside 0…100 %", path: path + ".rate")
                } else if rate.significantFractionDigits > Self.taxRateDecimals {
                    problem(
                        location, "tax code \(tax.code): rate \(tax.rate) has more than \(Self.taxRateDecimals) decimal places",
                        path: path + ".rate")
                }
            } else {
                problem(
                    location, "tax code \(tax.code): rate '\(tax.rate)' is not a decimal percentage (e.g. \"19\" or \"7.5\")",
                    path: path + ".rate")
            }
            let account = MasterData.canonicalNumber(tax.account)
            if let accounts = shape.accounts, !shape.brokenAccounts.contains(account) {
                if !accounts.contains(account) {
                    problem(location, "tax code \(tax.code): account \(account) is not in the company code", path: path + ".account")
                } else if let kind = shape.chart?[account]?.reconciliation {
                    problem(
                        location, "tax code \(tax.code): account \(account) is a \(kind.rawValue) reconciliation account; tax lines cannot post to it",
                        path: path + ".account")
                }
            }
            guard problems.count == before, let kind, let rate else {
                valid = false
                continue
            }
            codes[tax.code] = MasterData.TaxCode(code: tax.code, kind: kind, rate: rate, account: account)
        }
        return (codes, valid)
    }

    private mutating func checkNumberRanges(
        _ list: [MasterDataDefinition.NumberRange], location: String, base: String
    ) -> (ranges: (ranges: [String: MasterData.NumberRange], valid: Bool), ids: Set<String>) {
        var ranges: [String: MasterData.NumberRange] = [:]
        var ordered: [(index: Int, range: MasterData.NumberRange)] = []
        var ids: Set<String> = []
        var valid = true
        for (index, range) in list.enumerated() {
            let path = base + ".numberRanges[\(index)]"
            let before = problems.count
            if let message = Self.codeProblem(range.id, "number range id", maxLength: Self.numberRangeIDLength, limit: "SAP's number range numbers have 2") {
                problem(location, message, path: path + ".id")
            } else if ids.contains(range.id) {
                problem(location, "number range \(range.id) is defined twice", path: path + ".id")
            }
            ids.insert(range.id)
            func number(_ text: String, _ field: String) -> Int64? {
                guard text.count == 10, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let value = Int64(text) else {
                    problem(location, "number range \(range.id): \(field) '\(text)' must be a 10-digit number", path: path + "." + field)
                    return nil
                }
                return value
            }
            let first = number(range.from, "from")
            let last = number(range.to, "to")
            if let first, let last, first > last {
                problem(location, "number range \(range.id): from \(range.from) is after to \(range.to)", path: path + ".to")
            }
            guard problems.count == before, let first, let last else {
                valid = false
                continue
            }
            let checked = MasterData.NumberRange(id: range.id, first: first, last: last)
            ranges[range.id] = checked
            ordered.append((index, checked))
        }
        // Two ranges of one company code that share numbers would give two documents the same number.
        ordered.sort { ($0.range.first, $0.index) < ($1.range.first, $1.index) }
        var reach: (index: Int, range: MasterData.NumberRange)?
        for entry in ordered {
            if let widest = reach, entry.range.first <= widest.range.last {
                let (earlier, later) = widest.index < entry.index ? (widest, entry) : (entry, widest)
                problem(
                    location,
                    "number ranges \(earlier.range.id) (\(Self.format(earlier.range))) and \(later.range.id) (\(Self.format(later.range))) overlap: "
                        + "documents of both would get the same numbers",
                    path: base + ".numberRanges[\(later.index)]")
                valid = false
            }
            if reach == nil || entry.range.last > reach!.range.last { reach = entry }
        }
        return ((ranges, valid), ids)
    }

    private static func format(_ range: MasterData.NumberRange) -> String {
        func ten(_ value: Int64) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, 10 - digits.count)) + digits
        }
        return "\(ten(range.first))…\(ten(range.last))"
    }

    // MARK: Document types

    private mutating func checkDocumentTypes(_ list: [MasterDataDefinition.DocumentType]) {
        for (index, type) in list.enumerated() {
            let location = "documentTypes[\(index)] (\(type.code))"
            let base = "documentTypes[\(index)]"
            let before = problems.count
            if let message = Self.codeProblem(
                type.code, "document type", maxLength: Self.documentTypeLength, limit: "SAP's AccountingDocumentType allows 5")
            {
                problem(location, message, path: base + ".code")
            } else if list[..<index].contains(where: { $0.code == type.code }) {
                problem(location, "document type \(type.code) is defined twice", path: base + ".code")
            }
            let accountTypes = Set(type.accountTypes ?? "SDK")
            if !accountTypes.isSubset(of: ["S", "D", "K"]) {
                problem(location, "accountTypes may only contain S, D and K", path: base + ".accountTypes")
            } else if accountTypes.isEmpty {
                problem(location, "accountTypes must name at least one of S, D and K (omit it to allow all)", path: base + ".accountTypes")
            }
            let lacking = shapes.filter { !$0.numberRangeIDs.contains(type.numberRange) }.map(\.id)
            if !lacking.isEmpty {
                let which = lacking.count == 1 ? "company code \(lacking[0])" : "company codes \(lacking.joined(separator: ", "))"
                problem(location, "number range \(type.numberRange) is not defined in \(which)", path: base + ".numberRange")
            }
            guard problems.count == before else { continue }
            indexed.documentTypes[type.code] = MasterData.DocumentType(
                code: type.code, name: type.name, numberRange: type.numberRange, accountTypes: accountTypes)
        }
    }

    // MARK: Customers and vendors

    private mutating func checkPartners(
        _ list: [MasterDataDefinition.BusinessPartner], kind: MasterData.ReconciliationKind, key: String
    ) -> [String: MasterData.BusinessPartner] {
        var result: [String: MasterData.BusinessPartner] = [:]
        var firstIndex: [String: Int] = [:]
        for (index, partner) in list.enumerated() {
            let location = "\(key)[\(index)] (\(partner.id))"
            let base = "\(key)[\(index)]"
            let id = MasterData.canonicalNumber(partner.id)
            if let message = Self.codeProblem(
                id, "\(kind.rawValue) number", maxLength: Self.accountNumberLength, limit: "SAP's \(kind == .customer ? "Debtor" : "Creditor") allows 10")
            {
                problem(location, message, path: base + ".id")
                continue
            }
            if let earlier = firstIndex[id] {
                problem(location, "\(kind.rawValue) \(id) is defined twice (also \(key)[\(earlier)])", path: base + ".id")
                continue
            }
            firstIndex[id] = index
            var reconciliation: [String: String] = [:]
            for ccID in partner.companyCodes.keys.sorted() {
                let account = MasterData.canonicalNumber(partner.companyCodes[ccID]!)
                let path = base + ".companyCodes." + ccID
                guard let shape = shapes.first(where: { $0.id == ccID }) else {
                    problem(location, "unknown company code '\(ccID)'", path: path)
                    continue
                }
                guard let accounts = shape.accounts, !shape.brokenAccounts.contains(account) else { continue }  // reported where declared
                guard accounts.contains(account), shape.chart?[account]?.reconciliation == kind else {
                    problem(location, "account \(account) is not a \(kind.rawValue) reconciliation account of company code \(ccID)", path: path)
                    continue
                }
                reconciliation[ccID] = account
            }
            result[id] = MasterData.BusinessPartner(id: id, name: partner.name, reconciliationAccounts: reconciliation)
        }
        return result
    }

    // MARK: Posting periods

    private mutating func checkPostingPeriods(_ list: [MasterDataDefinition.PostingPeriodRange]) {
        for (index, range) in list.enumerated() {
            let location = "openPostingPeriods[\(index)]"
            if range.companyCode != "*" && !shapes.contains(where: { $0.id == range.companyCode }) {
                problem(location, "unknown company code '\(range.companyCode)'", path: location + ".companyCode")
            }
            var comparable = true
            if !(1...16).contains(range.fromPeriod) || !(1...16).contains(range.toPeriod) {
                problem(location, "periods must be 1…16", path: location + (!(1...16).contains(range.fromPeriod) ? ".fromPeriod" : ".toPeriod"))
                comparable = false
            }
            if !(1...9999).contains(range.fromYear) || !(1...9999).contains(range.toYear) {
                problem(location, "years must be 1…9999", path: location + (!(1...9999).contains(range.fromYear) ? ".fromYear" : ".toYear"))
                comparable = false
            }
            if comparable, (range.fromYear, range.fromPeriod) > (range.toYear, range.toPeriod) {
                problem(location, "from (\(range.fromYear)/\(range.fromPeriod)) is after to (\(range.toYear)/\(range.toPeriod))", path: location)
            }
        }
    }

    // MARK: Ledgers and ledger groups

    private mutating func checkLedgers(_ written: [MasterDataDefinition.Ledger]?) {
        let list = written ?? MasterDataDefinition.defaultLedgers
        if list.isEmpty {
            problem("ledgers", "at least one ledger is needed (omit ledgers for the leading ledger 0L alone)", path: "ledgers")
            return
        }
        var firstIndex: [String: Int] = [:]
        var leading: [(index: Int, id: String)] = []
        var order: [String] = []
        for (index, ledger) in list.enumerated() {
            let location = "ledgers[\(index)] (\(ledger.id))"
            let base = "ledgers[\(index)]"
            let before = problems.count
            declaredLedgers.insert(ledger.id)
            if let message = Self.codeProblem(ledger.id, "ledger id", maxLength: Self.ledgerIDLength, limit: "SAP's Ledger allows 2") {
                problem(location, message, path: base + ".id")
            } else if let earlier = firstIndex[ledger.id] {
                problem(location, "ledger \(ledger.id) is defined twice (also ledgers[\(earlier)])", path: base + ".id")
                continue
            }
            firstIndex[ledger.id] = index
            let isLeading = ledger.leading ?? false
            var companyCodes: Set<String>?
            if isLeading {
                leading.append((index, ledger.id))
                if ledger.companyCodes != nil {
                    problem(
                        location, "the leading ledger is in every company code; companyCodes is only for non-leading ledgers",
                        path: base + ".companyCodes")
                }
            } else if let listed = ledger.companyCodes {
                if listed.isEmpty {
                    problem(location, "companyCodes must name at least one company code (omit it for all)", path: base + ".companyCodes")
                }
                var assigned = Set<String>()
                for (codeIndex, code) in listed.enumerated() {
                    let path = base + ".companyCodes[\(codeIndex)]"
                    if !shapes.contains(where: { $0.id == code }) {
                        problem(location, "unknown company code '\(code)'", path: path)
                    } else if assigned.contains(code) {
                        problem(location, "company code \(code) is listed twice", path: path)
                    }
                    assigned.insert(code)
                }
                companyCodes = assigned
            }
            guard problems.count == before else { continue }
            indexed.ledgers[ledger.id] = MasterData.Ledger(
                id: ledger.id, name: ledger.name ?? ledger.id, isLeading: isLeading, companyCodes: isLeading ? nil : companyCodes)
            order.append(ledger.id)
        }
        if leading.isEmpty {
            problem("ledgers", "no ledger is the leading ledger; mark exactly one with \"leading\": true", path: "ledgers")
        } else {
            for extra in leading.dropFirst() {
                problem(
                    "ledgers[\(extra.index)] (\(extra.id))",
                    "ledger \(extra.id) is leading too (also ledgers[\(leading[0].index)] \(leading[0].id)); "
                        + "exactly one ledger is the leading ledger",
                    path: "ledgers[\(extra.index)].leading")
            }
            indexed.leadingLedger = leading[0].id
        }
        ledgerOrder = order.filter { indexed.ledgers[$0]?.isLeading == true } + order.filter { indexed.ledgers[$0]?.isLeading != true }
    }

    private mutating func checkLedgerGroups(_ list: [MasterDataDefinition.LedgerGroup]?) {
        // Every ledger has a ledger group of its own name with just itself, as SAP creates it.
        for id in ledgerOrder {
            indexed.ledgerGroups[id] = MasterData.LedgerGroup(id: id, name: indexed.ledgers[id]?.name ?? id, ledgers: [id])
        }
        var firstIndex: [String: Int] = [:]
        for (index, group) in (list ?? []).enumerated() {
            let location = "ledgerGroups[\(index)] (\(group.id))"
            let base = "ledgerGroups[\(index)]"
            let before = problems.count
            if let message = Self.codeProblem(
                group.id, "ledger group id", maxLength: Self.ledgerGroupIDLength, limit: "SAP's LedgerGroup allows 4")
            {
                problem(location, message, path: base + ".id")
            } else if declaredLedgers.contains(group.id) {
                problem(
                    location,
                    "ledger group \(group.id) is the own group of ledger \(group.id) (every ledger has a group of its id with just that ledger); "
                        + "give this group another id",
                    path: base + ".id")
            } else if let earlier = firstIndex[group.id] {
                problem(location, "ledger group \(group.id) is defined twice (also ledgerGroups[\(earlier)])", path: base + ".id")
            } else {
                firstIndex[group.id] = index
            }
            if group.ledgers.isEmpty { problem(location, "a ledger group needs at least one ledger", path: base + ".ledgers") }
            var members = Set<String>()
            for (ledgerIndex, id) in group.ledgers.enumerated() {
                let path = base + ".ledgers[\(ledgerIndex)]"
                if !declaredLedgers.contains(id) {
                    problem(location, "unknown ledger '\(id)'", path: path)
                } else if members.contains(id) {
                    problem(location, "ledger \(id) is listed twice", path: path)
                }
                members.insert(id)
            }
            guard problems.count == before else { continue }
            indexed.ledgerGroups[group.id] = MasterData.LedgerGroup(
                id: group.id, name: group.name ?? group.id, ledgers: ledgerOrder.filter(members.contains))
        }
    }

    /// Each company code's ledgers, the leading ledger first (only called for a valid definition).
    private mutating func assignLedgersToCompanyCodes() {
        for id in indexed.companyCodes.keys {
            indexed.companyCodeLedgers[id] = ledgerOrder.filter { indexed.ledgers[$0]?.isAssigned(to: id) == true }
        }
    }
}
