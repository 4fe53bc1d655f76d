import Ledger
import Testing

/// Mistakes the run time would trip over later (a number handed out twice, a tax line on a
/// reconciliation account, a code no request can carry, rates that contradict each other).
extension MasterDataTests {
    static let newBreakages: [Breakage] = [
        // Number ranges
        Breakage(
            name: "two number ranges of a company code that overlap",
            apply: { $0.companyCodes[0].numberRanges[1].from = "0150000000" },
            location: "companyCodes[0] (1010)",
            message: "number ranges 01 (0100000000…0199999999) and 14 (0150000000…1499999999) overlap: documents of both would get the same numbers"),
        Breakage(
            name: "a number range inside another",
            apply: { definition in
                definition.companyCodes[1].numberRanges[4].from = "0110000000"
                definition.companyCodes[1].numberRanges[4].to = "0120000000"
            },
            location: "companyCodes[1] (1710)",
            message: "number ranges 01 (0100000000…0199999999) and 19 (0110000000…0120000000) overlap: documents of both would get the same numbers"),
        Breakage(
            name: "number range with a non-digit", apply: { $0.companyCodes[0].numberRanges[0].to = "01999999AB" },
            location: "companyCodes[0] (1010)", message: "number range 01: to '01999999AB' must be a 10-digit number"),
        Breakage(
            name: "number range defined twice in a company code", apply: { $0.companyCodes[0].numberRanges[4].id = "18" },
            location: "companyCodes[0] (1010)", message: "number range 18 is defined twice"),
        Breakage(
            name: "number range id longer than SAP's two characters", apply: { $0.companyCodes[0].numberRanges[4].id = "019" },
            location: "companyCodes[0] (1010)", message: "number range id '019' has more than 2 characters (SAP's number range numbers have 2)"),
        // Tax codes
        Breakage(
            name: "tax rate above 100 %", apply: { $0.companyCodes[0].taxCodes?[0].rate = "119" },
            location: "companyCodes[0] (1010)", message: "tax code A1: rate 119 % is outside 0…100 %"),
        Breakage(
            name: "tax rate with four decimals", apply: { $0.companyCodes[0].taxCodes?[0].rate = "19.0001" },
            location: "companyCodes[0] (1010)", message: "tax code A1: rate 19.0001 has more than 3 decimal places"),
        Breakage(
            name: "tax rate that is not a number", apply: { $0.companyCodes[0].taxCodes?[0].rate = "19%" },
            location: "companyCodes[0] (1010)", message: "tax code A1: rate '19%' is not a decimal percentage (e.g. \"19\" or \"7.5\")"),
        Breakage(
            name: "tax code defined twice", apply: { $0.companyCodes[0].taxCodes?[1].code = "A1" },
            location: "companyCodes[0] (1010)", message: "tax code A1 is defined twice"),
        Breakage(
            name: "tax code longer than a request can carry", apply: { $0.companyCodes[0].taxCodes?[1].code = "V1234" },
            location: "companyCodes[0] (1010)", message: "tax code 'V1234' has more than 4 characters (SAP's TaxCode allows 4)"),
        Breakage(
            name: "tax code posting to an account the company code lacks", apply: { $0.companyCodes[0].taxCodes?[0].account = "99999999" },
            location: "companyCodes[0] (1010)", message: "tax code A1: account 99999999 is not in the company code"),
        Breakage(
            name: "tax code posting to a reconciliation account", apply: { $0.companyCodes[0].taxCodes?[1].account = "0021100000" },
            location: "companyCodes[0] (1010)",
            message: "tax code V1: account 21100000 is a vendor reconciliation account; tax lines cannot post to it"),
        // Cash discount accounts
        Breakage(
            name: "cash discount account the company code lacks", apply: { $0.companyCodes[0].cashDiscountAccounts?.granted = "99999999" },
            location: "companyCodes[0] (1010)", message: "cash discount granted account 99999999 is not in the company code"),
        Breakage(
            name: "cash discount on a reconciliation account", apply: { $0.companyCodes[1].cashDiscountAccounts?.received = "21100000" },
            location: "companyCodes[1] (1710)",
            message: "cash discount received account 21100000 is a vendor reconciliation account; cash discount posts to a plain G/L account"),
        Breakage(
            name: "cash discount on an open-item managed account", apply: { $0.companyCodes[0].cashDiscountAccounts?.granted = "21900000" },
            location: "companyCodes[0] (1010)",
            message: "cash discount granted account 21900000 is open-item managed; cash discount posts to a plain G/L account"),
        // Exchange rate difference accounts
        Breakage(
            name: "exchange rate gain account the company code lacks", apply: { $0.companyCodes[0].exchangeRateDifferenceAccounts?.gain = "99999999" },
            location: "companyCodes[0] (1010)", message: "exchange rate difference gain account 99999999 is not in the company code"),
        Breakage(
            name: "exchange rate loss on a reconciliation account", apply: { $0.companyCodes[1].exchangeRateDifferenceAccounts?.loss = "0012100000" },
            location: "companyCodes[1] (1710)",
            message: "exchange rate difference loss account 12100000 is a customer reconciliation account; exchange rate difference posts to a plain G/L account"),
        Breakage(
            name: "exchange rate gain on an open-item managed account", apply: { $0.companyCodes[0].exchangeRateDifferenceAccounts?.gain = "21900000" },
            location: "companyCodes[0] (1010)",
            message: "exchange rate difference gain account 21900000 is open-item managed; exchange rate difference posts to a plain G/L account"),
        // Exchange rates
        Breakage(
            name: "the same pair twice with another rate",
            apply: { definition in
                var copy = definition.exchangeRates[0]
                copy.rate = "0.95"
                definition.exchangeRates.append(copy)
            },
            location: "exchangeRates[4]", message: "USD→EUR 0.95 conflicts with exchangeRates[0] (0.92); give each pair once"),
        Breakage(
            name: "the same pair twice with the same rate", apply: { $0.exchangeRates.append($0.exchangeRates[2]) },
            location: "exchangeRates[4]", message: "JPY→EUR is given twice (also exchangeRates[2]); give each pair once"),
        Breakage(
            name: "a rate whose inverse disagrees beyond rounding", apply: { $0.exchangeRates[1].rate = "1.2" },
            location: "exchangeRates[1]",
            message: "EUR→USD 1.2 does not agree with the inverse of exchangeRates[0] (USD→EUR 0.92): the two may differ only by the rounding of their last digit"),
        Breakage(
            name: "a rate from a currency to itself", apply: { $0.exchangeRates[0].to = "USD" },
            location: "exchangeRates[0]", message: "from and to are both USD; a currency needs no rate to itself"),
        // Codes and duplicates
        Breakage(
            name: "document type longer than a request can carry", apply: { $0.documentTypes[0].code = "SAXXXX" },
            location: "documentTypes[0] (SAXXXX)", message: "document type 'SAXXXX' has more than 5 characters (SAP's AccountingDocumentType allows 5)"),
        Breakage(
            name: "document type defined twice", apply: { $0.documentTypes[1].code = "SA" },
            location: "documentTypes[1] (SA)", message: "document type SA is defined twice"),
        Breakage(
            name: "document type that allows no account type", apply: { $0.documentTypes[0].accountTypes = "" },
            location: "documentTypes[0] (SA)", message: "accountTypes must name at least one of S, D and K (omit it to allow all)"),
        Breakage(
            name: "customer defined twice (leading zeros do not make another customer)", apply: { $0.customers[1].id = "0010100001" },
            location: "customers[1] (0010100001)", message: "customer 10100001 is defined twice (also customers[0])"),
        Breakage(
            name: "vendor number longer than a request can carry", apply: { $0.vendors[0].id = "103000010000" },
            location: "vendors[0] (103000010000)", message: "vendor number '103000010000' has more than 10 characters (SAP's Creditor allows 10)"),
        Breakage(
            name: "account number longer than a request can carry", apply: { $0.chartsOfAccounts[0].accounts[8].number = "65000000000" },
            location: "chartsOfAccounts[0].accounts[8]", message: "account number '65000000000' has more than 10 characters (SAP's GLAccount allows 10)"),
        Breakage(
            name: "account defined twice in a chart", apply: { $0.chartsOfAccounts[0].accounts[8].number = "0061000000" },
            location: "chartsOfAccounts[0].accounts[8]", message: "account 61000000 is defined twice in chart YCOA"),
        Breakage(
            name: "chart of accounts defined twice", apply: { $0.chartsOfAccounts.append($0.chartsOfAccounts[0]) },
            location: "chartsOfAccounts[1] (YCOA)", message: "chart of accounts YCOA is defined twice"),
        Breakage(
            name: "currency defined twice", apply: { $0.currencies[2].code = "EUR" },
            location: "currencies[2]", message: "currency EUR is defined twice (also currencies[0])"),
        Breakage(
            name: "company code id longer than a request can carry", apply: { $0.companyCodes[1].id = "17100" },
            location: "companyCodes[1] (17100)", message: "company code id '17100' has more than 4 characters (SAP's CompanyCode allows 4)"),
        Breakage(
            name: "posting period range with year 0", apply: { $0.openPostingPeriods[0].fromYear = 0 },
            location: "openPostingPeriods[0]", message: "years must be 1…9999"),
        Breakage(
            name: "no document types", apply: { $0.documentTypes = [] },
            location: "documentTypes", message: "at least one document type is needed"),
    ]
}

@Suite("MasterData: one mistake, one report")
struct MasterDataCascadeTests {
    private func problems(_ edit: (inout MasterDataDefinition) -> Void) throws -> [String] {
        var definition = try Demo.definition()
        edit(&definition)
        do {
            _ = try MasterData(definition: definition)
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    @Test("an unknown currency on a company code is reported once, not again for its tax codes, partners, document types and periods")
    func unknownCompanyCodeCurrency() throws {
        #expect(try problems { $0.companyCodes[0].currency = "EUX" } == ["companyCodes[0] (1010): unknown currency 'EUX'"])
    }

    @Test("a malformed currency is reported where it is declared, not at every company code and rate that uses it")
    func malformedCurrency() throws {
        #expect(try problems { $0.currencies[0].code = "eur" } == ["currencies[0]: currency code 'eur' must be three upper-case letters"])
        #expect(try problems { $0.currencies[1].decimals = 7 } == ["currencies[1]: decimals of USD must be 0…3, not 7"])
    }

    @Test("an unknown chart of accounts is reported once, not for the company code's tax codes and reconciliation accounts")
    func unknownChart() throws {
        #expect(try problems { $0.companyCodes[0].chartOfAccounts = "YCOX" } == ["companyCodes[0] (1010): unknown chart of accounts 'YCOX'"])
    }

    @Test("a broken reconciliation account is reported once, not for every customer that uses it")
    func brokenReconciliationAccount() throws {
        #expect(
            try problems { $0.chartsOfAccounts[0].accounts[1].reconciliation = "debtor" } == [
                "chartsOfAccounts[0].accounts[1]: reconciliation must be \"customer\" or \"vendor\", not 'debtor'"
            ])
    }

    @Test("a malformed number range is reported once, not for the document types that use it")
    func malformedNumberRange() throws {
        #expect(
            try problems { $0.companyCodes[0].numberRanges[0].from = "1" } == ["companyCodes[0] (1010): number range 01: from '1' must be a 10-digit number"])
    }

    @Test("a document type whose range no company code has is one problem naming every company code")
    func missingRangeOnce() throws {
        #expect(try problems { $0.documentTypes[3].numberRange = "77" } == ["documentTypes[3] (DZ): number range 77 is not defined in company codes 1010, 1710"])
    }

    @Test("problems carry the JSON path of the value at fault")
    func paths() throws {
        var definition = try Demo.definition()
        definition.companyCodes[0].taxCodes?[1].rate = "190"
        definition.exchangeRates[3].from = "GBP"
        definition.customers[2].companyCodes = ["9999": "12100000"]
        let error = try #require(throws: MasterData.InvalidDefinition.self) { try MasterData(definition: definition) }
        #expect(error.problems.map(\.path) == ["exchangeRates[3].from", "companyCodes[0].taxCodes[1].rate", "customers[2].companyCodes.9999"])
    }

    @Test("a wrong exchange rate difference account is located at its key, like a cash discount account")
    func exchangeRateDifferenceAccountPath() throws {
        var definition = try Demo.definition()
        definition.companyCodes[1].exchangeRateDifferenceAccounts?.loss = "99999999"
        definition.companyCodes[1].cashDiscountAccounts?.granted = "99999998"
        let error = try #require(throws: MasterData.InvalidDefinition.self) { try MasterData(definition: definition) }
        #expect(error.problems.map(\.path) == ["companyCodes[1].cashDiscountAccounts.granted", "companyCodes[1].exchangeRateDifferenceAccounts.loss"])
    }
}

@Suite("Exchange rates and their inverses agree within the rounding of the digits written")
struct ExchangeRateAgreementTests {
    private func check(_ forward: String, _ backward: String) throws -> [String] {
        var definition = try Demo.definition()
        definition.exchangeRates[0].rate = forward  // USD→EUR
        definition.exchangeRates[1].rate = backward  // EUR→USD
        do {
            _ = try MasterData(definition: definition)
            return []
        } catch {
            return error.problems.map(\.message)
        }
    }

    @Test(
        "rates that round to each other's inverse are accepted",
        arguments: [
            ("0.92", "1.087"),  // the demo: 1/0.92 = 1.08696
            ("0.92", "1.09"),  // 1/0.92 rounded to two decimals
            ("0.92", "1.1"),  // one decimal is coarse enough
            ("0.9200", "1.0870"),  // 1/1.087 = 0.919963 → 0.9200
            ("1", "1"),
            ("0.0061", "163.93"),
            ("0.0061", "164"),
        ])
    func agree(forward: String, backward: String) throws {
        #expect(try check(forward, backward) == [])
    }

    @Test(
        "rates that no exact rate rounds to both are refused",
        arguments: [
            ("0.92", "1.2"),
            ("0.92", "1.080"),  // 1/1.080 = 0.9259 is outside 0.915…0.925
            ("0.9200", "1.0880"),  // 1/1.088 = 0.91912 is outside 0.91995…0.92005
            ("0.0061", "150"),
        ])
    func disagree(forward: String, backward: String) throws {
        let found = try check(forward, backward)
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.hasPrefix("EUR→USD \(backward) does not agree with the inverse of exchangeRates[0] (USD→EUR \(forward))") == true, "\(found)")
    }
}
