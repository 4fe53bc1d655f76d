import Ledger
import Testing

@Suite("MasterData")
struct MasterDataTests {
    private func refusal(of definition: MasterDataDefinition) -> MasterData.InvalidDefinition? {
        do {
            _ = try MasterData(definition: definition)
            return nil
        } catch {
            return error
        }
    }

    private func problems(of definition: MasterDataDefinition) -> [MasterData.Problem] {
        refusal(of: definition)?.problems ?? []
    }

    private func contains(_ problems: [MasterData.Problem], _ location: String, _ message: String) -> Bool {
        problems.contains { $0.location == location && $0.message == message }
    }

    @Test("the demo definition in config/demo.json loads and is indexed")
    func demoLoads() throws {
        let data = try Demo.masterData()
        #expect(Set(data.currencies.keys) == ["EUR", "USD", "JPY"])
        #expect(data.currencies["JPY"]?.decimals == 0)
        #expect(Set(data.companyCodes.keys) == ["1010", "1710"])
        let germany = try #require(data.companyCodes["1010"])
        #expect(germany.currency.code == "EUR")
        #expect(germany.chartOfAccounts == "YCOA")
        #expect(germany.cashDiscountGrantedAccount == "52010000")
        #expect(germany.cashDiscountReceivedAccount == "71010000")
        #expect(germany.exchangeRateGainAccount == "72100000")
        #expect(germany.exchangeRateLossAccount == "72200000")
        #expect(germany.exchangeRateDifferenceAccount(for: dec("-0.01")) == "72100000", "a credit difference is a gain")
        #expect(germany.exchangeRateDifferenceAccount(for: dec("0.01")) == "72200000", "a debit difference is a loss")
        #expect(germany.accounts.count == 13, "no account list means every account of the chart")
        #expect(germany.taxCodes["A1"]?.rate == dec("19"))
        #expect(germany.taxCodes["A1"]?.kind == .output)
        #expect(germany.taxCodes["V1"]?.account == "15400000")
        #expect(germany.numberRanges["01"]?.first == 100_000_000)
        #expect(germany.numberRanges["01"]?.last == 199_999_999)
        #expect(data.companyCodes["1710"]?.taxCodes.isEmpty == true)
        #expect(data.charts["YCOA"]?["12100000"]?.reconciliation == .customer)
        #expect(data.charts["YCOA"]?["21100000"]?.reconciliation == .vendor)
        #expect(data.charts["YCOA"]?["21900000"]?.openItemManaged == true)
        #expect(data.charts["YCOA"]?["65000000"]?.openItemManaged == false)
        #expect(data.documentTypes["DR"]?.accountTypes == ["S", "D"])
        #expect(data.documentTypes["KR"]?.numberRange == "19")
        #expect(data.customers["10100001"]?.reconciliationAccounts == ["1010": "12100000"])
        #expect(data.vendors["17300001"]?.reconciliationAccounts == ["1710": "21100000"])
    }

    // MARK: Broken definitions

    struct Breakage: Sendable, CustomTestStringConvertible {
        let name: String
        let apply: @Sendable (inout MasterDataDefinition) throws -> Void
        let location: String
        let message: String
        var testDescription: String { name }
    }

    static let breakages: [Breakage] = [
        Breakage(
            name: "unknown currency of a company code", apply: { $0.companyCodes[0].currency = "XYZ" },
            location: "companyCodes[0] (1010)", message: "unknown currency 'XYZ'"),
        Breakage(
            name: "account listed for a company code but not in its chart",
            apply: { definition in
                definition.companyCodes[0].accounts = definition.chartsOfAccounts[0].accounts.map(\.number) + ["0099999999"]
            },
            location: "companyCodes[0] (1010)", message: "account 99999999 is not in chart YCOA"),
        Breakage(
            name: "unknown chart of accounts", apply: { $0.companyCodes[1].chartOfAccounts = "NOPE" },
            location: "companyCodes[1] (1710)", message: "unknown chart of accounts 'NOPE'"),
        Breakage(
            name: "customer on a non-reconciliation account", apply: { $0.customers[0].companyCodes = ["1010": "41000000"] },
            location: "customers[0] (10100001)", message: "account 41000000 is not a customer reconciliation account of company code 1010"),
        Breakage(
            name: "vendor on a customer reconciliation account", apply: { $0.vendors[1].companyCodes = ["1010": "12100000"] },
            location: "vendors[1] (10300002)", message: "account 12100000 is not a vendor reconciliation account of company code 1010"),
        Breakage(
            name: "customer in an unknown company code", apply: { $0.customers[2].companyCodes = ["9999": "12100000"] },
            location: "customers[2] (17100001)", message: "unknown company code '9999'"),
        Breakage(
            name: "document type with a number range no company code has", apply: { $0.documentTypes[2].numberRange = "99" },
            location: "documentTypes[2] (DR)", message: "number range 99 is not defined in company codes 1010, 1710"),
        Breakage(
            name: "document type with a number range one company code lacks", apply: { $0.companyCodes[1].numberRanges.removeAll { $0.id == "18" } },
            location: "documentTypes[2] (DR)", message: "number range 18 is not defined in company code 1710"),
        Breakage(
            name: "document type with invalid account types", apply: { $0.documentTypes[0].accountTypes = "SX" },
            location: "documentTypes[0] (SA)", message: "accountTypes may only contain S, D and K"),
        Breakage(
            name: "exchange rate that is not a number", apply: { $0.exchangeRates[0].rate = "abc" },
            location: "exchangeRates[0]", message: "rate 'abc' is not a positive decimal number"),
        Breakage(
            name: "zero exchange rate", apply: { $0.exchangeRates[1].rate = "0" },
            location: "exchangeRates[1]", message: "rate '0' is not a positive decimal number"),
        Breakage(
            name: "negative exchange rate", apply: { $0.exchangeRates[2].rate = "-0.5" },
            location: "exchangeRates[2]", message: "rate '-0.5' is not a positive decimal number"),
        Breakage(
            name: "exchange rate from an unknown currency", apply: { $0.exchangeRates[3].from = "GBP" },
            location: "exchangeRates[3]", message: "unknown currency 'GBP'"),
        Breakage(
            name: "posting period 17", apply: { $0.openPostingPeriods[0].toPeriod = 17 },
            location: "openPostingPeriods[0]", message: "periods must be 1…16"),
        Breakage(
            name: "posting period 0", apply: { $0.openPostingPeriods[0].fromPeriod = 0 },
            location: "openPostingPeriods[0]", message: "periods must be 1…16"),
        Breakage(
            name: "posting period range that ends before it starts", apply: { $0.openPostingPeriods[0].fromYear = 2028 },
            location: "openPostingPeriods[0]", message: "from (2028/1) is after to (2027/16)"),
        Breakage(
            name: "posting periods of an unknown company code", apply: { $0.openPostingPeriods[0].companyCode = "9999" },
            location: "openPostingPeriods[0]", message: "unknown company code '9999'"),
        Breakage(
            name: "currency with too many decimals", apply: { $0.currencies[2].decimals = 4 },
            location: "currencies[2]", message: "decimals of JPY must be 0…3, not 4"),
        Breakage(
            name: "lower-case currency code", apply: { $0.currencies[0].code = "eur" },
            location: "currencies[0]", message: "currency code 'eur' must be three upper-case letters"),
        Breakage(
            name: "number range with fewer than 10 digits", apply: { $0.companyCodes[0].numberRanges[0].from = "100" },
            location: "companyCodes[0] (1010)", message: "number range 01: from '100' must be a 10-digit number"),
        Breakage(
            name: "number range that ends before it starts", apply: { $0.companyCodes[0].numberRanges[1].to = "1300000000" },
            location: "companyCodes[0] (1010)", message: "number range 14: from 1400000000 is after to 1300000000"),
        Breakage(
            name: "tax code of an unknown kind", apply: { $0.companyCodes[0].taxCodes?[0].kind = "sales" },
            location: "companyCodes[0] (1010)", message: "tax code A1: kind must be \"output\" or \"input\", not 'sales'"),
        Breakage(
            name: "tax code with a negative rate", apply: { $0.companyCodes[0].taxCodes?[1].rate = "-19" },
            location: "companyCodes[0] (1010)", message: "tax code V1: rate -19 % is outside 0…100 %"),
        Breakage(
            name: "reconciliation of an unknown kind", apply: { $0.chartsOfAccounts[0].accounts[1].reconciliation = "asset" },
            location: "chartsOfAccounts[0].accounts[1]", message: "reconciliation must be \"customer\" or \"vendor\", not 'asset'"),
        Breakage(
            name: "company code defined twice", apply: { $0.companyCodes[1].id = "1010" },
            location: "companyCodes[1] (1010)", message: "company code 1010 is defined twice (also companyCodes[0])"),
    ] + newBreakages

    @Test("a broken definition is refused and the problem is reported with its location", arguments: breakages)
    func reportsProblem(_ breakage: Breakage) throws {
        var definition = try Demo.definition()
        try breakage.apply(&definition)
        let found = problems(of: definition)
        #expect(contains(found, breakage.location, breakage.message), "got: \(found.map(\.description))")
    }

    @Test("every problem of a definition is reported at once")
    func reportsEveryProblem() throws {
        var definition = try Demo.definition()
        definition.companyCodes[0].accounts = definition.chartsOfAccounts[0].accounts.map(\.number) + ["99999999"]
        definition.customers[0].companyCodes = ["1010": "41000000"]
        definition.documentTypes[0].numberRange = "99"
        definition.exchangeRates[0].rate = "abc"
        definition.openPostingPeriods[0].toPeriod = 17
        let error = try #require(refusal(of: definition))
        let found = error.problems
        #expect(found.count == 5, "got: \(found.map(\.description))")
        #expect(contains(found, "companyCodes[0] (1010)", "account 99999999 is not in chart YCOA"))
        #expect(contains(found, "customers[0] (10100001)", "account 41000000 is not a customer reconciliation account of company code 1010"))
        #expect(contains(found, "documentTypes[0] (SA)", "number range 99 is not defined in company codes 1010, 1710"))
        #expect(contains(found, "exchangeRates[0]", "rate 'abc' is not a positive decimal number"))
        #expect(contains(found, "openPostingPeriods[0]", "periods must be 1…16"))
        #expect(error.description.hasPrefix("invalid master data (5 problems):\n  - "))
    }

    @Test("a definition without company codes is refused")
    func needsACompanyCode() throws {
        var definition = try Demo.definition()
        definition.companyCodes = []
        definition.customers = []
        definition.vendors = []
        definition.openPostingPeriods = []
        definition.ledgers = nil  // 3L is assigned to company code 1710
        definition.ledgerGroups = nil
        let found = problems(of: definition)
        #expect(found.map(\.description) == ["companyCodes: at least one company code is needed"])
    }

    // MARK: Lookups

    @Test(
        "canonicalNumber strips leading zeros only from numeric ids",
        arguments: [
            ("0011001000", "11001000"), ("11001000", "11001000"), ("0000", "0"), (" 0042 ", "42"), ("00AB", "00AB"), ("abc", "ABC"),
            ("0A01", "0A01"), ("C-0001", "C-0001"), ("0", "0"),
        ])
    func canonicalNumber(raw: String, canonical: String) {
        #expect(MasterData.canonicalNumber(raw) == canonical)
    }

    @Test("leading zeros in the definition are canonical too")
    func definitionNumbersAreCanonical() throws {
        var definition = try Demo.definition()
        definition.chartsOfAccounts[0].accounts[0].number = "0011001000"
        definition.customers[0].id = "0010100001"
        definition.customers[0].companyCodes = ["1010": "0012100000"]
        let data = try MasterData(definition: definition)
        #expect(data.charts["YCOA"]?["11001000"] != nil)
        #expect(data.customers["10100001"]?.reconciliationAccounts["1010"] == "12100000")
    }

    @Test(
        "isPeriodOpen follows the configured ranges (demo: every company code, 2024/1 … 2027/16)",
        arguments: [
            ("1010", 2023, 12, false), ("1010", 2024, 1, true), ("1710", 2025, 13, true), ("1010", 2027, 16, true),
            ("1010", 2028, 1, false), ("9999", 2025, 1, true),
        ])
    func periodsOfDemo(companyCode: String, year: Int, period: Int, open: Bool) throws {
        #expect(try Demo.masterData().isPeriodOpen(companyCode: companyCode, fiscalYear: year, period: period) == open)
    }

    @Test("a company-specific period range opens periods only for that company code")
    func companySpecificPeriods() throws {
        var definition = try Demo.definition()
        definition.openPostingPeriods = [
            try Demo.decode(
                MasterDataDefinition.PostingPeriodRange.self,
                #"{"companyCode": "1010", "fromYear": 2024, "fromPeriod": 11, "toYear": 2025, "toPeriod": 3}"#)
        ]
        let data = try MasterData(definition: definition)
        #expect(data.isPeriodOpen(companyCode: "1010", fiscalYear: 2024, period: 11))
        #expect(data.isPeriodOpen(companyCode: "1010", fiscalYear: 2024, period: 16))
        #expect(data.isPeriodOpen(companyCode: "1010", fiscalYear: 2025, period: 3))
        #expect(!data.isPeriodOpen(companyCode: "1010", fiscalYear: 2024, period: 10))
        #expect(!data.isPeriodOpen(companyCode: "1010", fiscalYear: 2025, period: 4))
        #expect(!data.isPeriodOpen(companyCode: "1710", fiscalYear: 2025, period: 1))
    }

    @Test("exchange rates are used directly when configured and inverted otherwise")
    func exchangeRates() throws {
        let data = try Demo.masterData()
        #expect(data.exchangeRate(from: "USD", to: "EUR") == .direct(rate("0.92")))
        #expect(data.exchangeRate(from: "EUR", to: "USD") == .direct(rate("1.087")))
        #expect(data.exchangeRate(from: "EUR", to: "JPY") == .indirect(rate("0.0061")))
        #expect(data.exchangeRate(from: "USD", to: "JPY") == .indirect(rate("0.0067")))
        #expect(data.exchangeRate(from: "EUR", to: "GBP") == nil)

        #expect(MasterData.ExchangeRate.direct(rate("0.92")).convert(dec("100"), fractionDigits: 2) == dec("92"))
        #expect(MasterData.ExchangeRate.indirect(rate("0.0061")).convert(dec("1"), fractionDigits: 6) == dec("163.934426"))
        #expect(MasterData.ExchangeRate.indirect(rate("0.0061")).convert(dec("1"), fractionDigits: 2) == dec("163.93"))
        // one rounding, not two: 1000.19 × 0.92105 = 921.2249995 → 921.22 (rounding first to 6 digits would give 921.23)
        #expect(MasterData.ExchangeRate.direct(rate("0.92105")).convert(dec("1000.19"), fractionDigits: 2) == dec("921.22"))
        #expect(MasterData.ExchangeRate.indirect(rate("0")).convert(dec("1"), fractionDigits: 2) == nil)
    }
}
