import CurlClient
import Foundation
import GatewayHTTP
import SOAPCore
import Testing

extension GatewayHarness {
    /// Posts `request` (one entry) and checks it was rejected as SAP does: HTTP 200, key
    /// `" "`/`" "`/`0000` (SAP's unposted key), severity 3, `609(RW)` followed by exactly `details`, nothing stored.
    @discardableResult
    func expectRejected(
        _ request: BulkRequest, details: [String], note: String? = nil,
        credentials: Credentials = .integration, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Confirmation.Entry {
        let confirmation = try expectConfirmation(
            try await postSOAP(request.envelope(), credentials: credentials), sourceLocation: sourceLocation)
        let entry = try #require(confirmation.entries.first, sourceLocation: sourceLocation)
        #expect(confirmation.entries.count == 1, sourceLocation: sourceLocation)
        #expect(entry.accountingDocument == " ", sourceLocation: sourceLocation)
        #expect(entry.companyCode == " ", sourceLocation: sourceLocation)
        #expect(entry.fiscalYear == "0000", sourceLocation: sourceLocation)
        #expect(entry.maximumSeverity == "3", sourceLocation: sourceLocation)
        #expect(entry.typeIDs == ["609(RW)"] + details, "log: \(entry.log)", sourceLocation: sourceLocation)
        #expect(entry.log.allSatisfy { $0.severity == "3" }, "log: \(entry.log)", sourceLocation: sourceLocation)
        if let note { #expect(entry.log.last?.note == note, sourceLocation: sourceLocation) }
        try await expectLedgerEmpty(sourceLocation: sourceLocation)
        return entry
    }

    /// Posts `request` and requires every entry to be posted; returns the confirmation.
    func expectPosted(
        _ request: BulkRequest, version: SOAPVersion = .soap11, credentials: Credentials = .integration,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Confirmation {
        let confirmation = try expectConfirmation(
            try await postSOAP(request.envelope(version), version: version, credentials: credentials), version: version,
            sourceLocation: sourceLocation)
        for entry in confirmation.entries {
            #expect(entry.typeIDs == ["605(RW)"], "log: \(entry.log)", sourceLocation: sourceLocation)
            #expect(entry.accountingDocument.count == 10 && entry.accountingDocument.allSatisfy(\.isNumber), sourceLocation: sourceLocation)
        }
        return confirmation
    }
}

@Suite("Posting rules, as seen by a SOAP client")
struct PostingRuleTests {
    @Test("an unbalanced entry is rejected with 702(F5)")
    func unbalanced() async throws {
        try await withGateway { gateway in
            try await gateway.expectRejected(
                BulkRequest(EntrySpec(lines: [.gl("65000000", "100.00"), .gl("11001000", "-90.00")])),
                details: ["702(F5)"], note: "Balance in transaction currency 10.00 EUR")
        }
    }

    @Test("an unknown company code is rejected with 001(FH)")
    func unknownCompanyCode() async throws {
        try await withGateway { gateway in
            try await gateway.expectRejected(
                BulkRequest(EntrySpec(companyCode: "9999", lines: [.gl("65000000", "100.00"), .gl("11001000", "-100.00")])),
                details: ["001(FH)"], note: "Company code 9999 not defined")
        }
    }

    @Test("a G/L account missing from the chart of accounts is rejected with 507(F5)")
    func glAccountNotInChart() async throws {
        try await withGateway { gateway in
            try await gateway.expectRejected(
                BulkRequest(EntrySpec(lines: [.gl("99999999", "100.00"), .gl("11001000", "-100.00")])),
                details: ["507(F5)"], note: "G/L account 99999999 is not defined in chart of accounts YCOA")
        }
    }

    @Test("a G/L account of the chart that the company code does not use is rejected with 016(JGW)")
    func glAccountNotInCompanyCode() async throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Company code 1710 keeps only bank, reconciliation and revenue accounts; rent 65000000 stays in the chart.
        let config = try Repo.writeConfig(in: directory) { json in
            var ledger = json["ledger"] as! [String: Any]
            var companyCodes = ledger["companyCodes"] as! [[String: Any]]
            let index = try #require(companyCodes.firstIndex { $0["id"] as? String == "1710" })
            companyCodes[index]["accounts"] = ["11001000", "12100000", "21100000", "41000000", "52010000", "71010000", "72100000", "72200000"]
            ledger["companyCodes"] = companyCodes
            json["ledger"] = ledger
        }
        try await withGateway(configPath: config) { gateway in
            try await gateway.expectRejected(
                BulkRequest(EntrySpec.balanced(companyCode: "1710")),
                details: ["016(JGW)"], note: "G/L account 65000000 is not defined in company code 1710")
            // The same account still posts in 1010, which uses the whole chart.
            _ = try await gateway.expectPosted(BulkRequest(EntrySpec.balanced(companyCode: "1010")))
        }
    }

    @Test("a customer not defined in the company code is rejected with 102(F5)")
    func customerNotInCompanyCode() async throws {
        try await withGateway { gateway in
            try await gateway.expectRejected(
                BulkRequest(EntrySpec(lines: [.gl("41000000", "-100.00"), .customer("17100001", "100.00")])),
                details: ["102(F5)"], note: "Customer 17100001 is not defined in company code 1010")
        }
    }

    @Test("a vendor not defined in the company code is rejected with 104(F5)")
    func vendorNotInCompanyCode() async throws {
        try await withGateway { gateway in
            try await gateway.expectRejected(
                BulkRequest(EntrySpec(lines: [.gl("65000000", "100.00"), .vendor("17300001", "-100.00")])),
                details: ["104(F5)"], note: "Vendor 17300001 is not defined in company code 1010")
        }
    }

    @Test("a G/L line on the customer reconciliation account is rejected with 354(F5)")
    func reconciliationAccountNotDirectlyPostable() async throws {
        try await withGateway { gateway in
            try await gateway.expectRejected(
                BulkRequest(EntrySpec(lines: [.gl("12100000", "100.00"), .gl("11001000", "-100.00")])),
                details: ["354(F5)"], note: "Account 12100000 in company code 1010 cannot be directly posted to")
        }
    }

    @Test("a posting date in a closed period (2023) is rejected with 201(F5)")
    func postingPeriodClosed() async throws {
        try await withGateway { gateway in
            try await gateway.expectRejected(
                BulkRequest(EntrySpec.balanced(postingDate: "2023-03-01")),
                details: ["201(F5)"], note: "Posting period 003 2023 is not open")
        }
    }

    @Test("an unknown document type is rejected with 017(JGW)")
    func unknownDocumentType() async throws {
        try await withGateway { gateway in
            try await gateway.expectRejected(
                BulkRequest(EntrySpec(documentType: "ZZ", lines: [.gl("65000000", "100.00"), .gl("11001000", "-100.00")])),
                details: ["017(JGW)"], note: "Document type ZZ is not defined")
        }
    }

    @Test("an unknown currency is rejected with 816(F5)")
    func unknownCurrency() async throws {
        try await withGateway { gateway in
            try await gateway.expectRejected(
                BulkRequest(EntrySpec(lines: [.gl("65000000", "100.00", "XXX"), .gl("11001000", "-100.00", "XXX")])),
                details: ["816(F5)"], note: "Currency code XXX not defined")
        }
    }

    @Test("an amount whose sign contradicts its DebitCreditCode is rejected with 005(JGW)")
    func signInconsistentWithDebitCreditCode() async throws {
        try await withGateway { gateway in
            try await gateway.expectRejected(
                BulkRequest(EntrySpec(lines: [.gl("65000000", "100.00", dc: "H"), .gl("11001000", "-100.00", dc: "H")])),
                details: ["005(JGW)"], note: "Item 1: amount 100 does not match debit/credit code H (S needs a positive, H a negative amount)")
        }
    }

    @Test("an entry with more than 999 lines is rejected with 727(F5)")
    func tooManyLines() async throws {
        let lines = (0..<500).flatMap { _ in [LineSpec.gl("65000000", "1.00"), .gl("11001000", "-1.00")] }
        #expect(lines.count == 1000)
        try await withGateway { gateway in
            try await gateway.expectRejected(BulkRequest(EntrySpec(lines: lines)), details: ["727(F5)"])
        }
    }

    @Test(
        "an amount with more decimals than its currency allows is rejected with 008(JGW)",
        arguments: [
            ("JPY", "100.5", "-100", "Item 1: amount 100.5 has more decimal places than currency JPY allows (0)"),
            ("EUR", "1.001", "-1.00", "Item 1: amount 1.001 has more decimal places than currency EUR allows (2)"),
        ])
    func tooManyDecimals(currency: String, debit: String, credit: String, note: String) async throws {
        try await withGateway { gateway in
            try await gateway.expectRejected(
                BulkRequest(EntrySpec(lines: [.gl("65000000", debit, currency), .gl("11001000", credit, currency)])),
                details: ["008(JGW)"], note: note)
        }
    }

    @Test("a tax line with a tax code the company code does not know is rejected with 101(FF)")
    func unknownTaxCode() async throws {
        try await withGateway { gateway in
            try await gateway.expectRejected(
                BulkRequest(
                    EntrySpec(
                        documentType: "KR",
                        lines: [.gl("65000000", "100.00"), .vendor("10300001", "-119.00"), .tax("Z9", "19.00", base: "100.00")])),
                details: ["101(FF)"], note: "Tax code Z9 is not defined; check your entry")
        }
    }

    @Test("a USD entry in EUR company code 1010 is converted with the demo rate, rounded half away from zero")
    func foreignCurrencyConversion() async throws {
        try await withGateway { gateway in
            let request = BulkRequest(entries: [
                // 100.01 × 0.92 = 92.0092 → 92.01
                EntrySpec(id: "FX-USD", lines: [.gl("65000000", "100.01", "USD"), .gl("11001000", "-100.01", "USD")]),
                // 50 × 0.0061 = 0.305 → 0.31 (half away from zero; half-even would give 0.30)
                EntrySpec(id: "FX-JPY", lines: [.gl("65000000", "50", "JPY"), .gl("11001000", "-50", "JPY")]),
                // 30.6636 + 30.6636 + 30.6728 → 30.66 + 30.66 + 30.67 = 91.99 against −92.00:
                // the 0.01 rounding difference goes to the largest line.
                EntrySpec(
                    id: "FX-SPLIT",
                    lines: [
                        .gl("65000000", "33.33", "USD"), .gl("61000000", "33.33", "USD"), .gl("65000000", "33.34", "USD"),
                        .gl("11001000", "-100.00", "USD"),
                    ]),
            ])
            let confirmation = try await gateway.expectPosted(request)
            #expect(confirmation.entries.count == 3)

            let entries = try await gateway.listAll("companyCode=1010")
            try #require(entries.count == 3)
            let byID = Dictionary(uniqueKeysWithValues: entries.map { ($0.source.entryMessageID ?? "", $0) })

            let usd = try #require(byID["FX-USD"])
            #expect(usd.transactionCurrency == "USD" && usd.companyCodeCurrency == "EUR")
            #expect(usd.items.map(\.amountInTransactionCurrency) == [.init(amount: "100.01", currency: "USD"), .init(amount: "-100.01", currency: "USD")])
            #expect(usd.items.map(\.amountInCompanyCodeCurrency) == [.init(amount: "92.01", currency: "EUR"), .init(amount: "-92.01", currency: "EUR")])

            let jpy = try #require(byID["FX-JPY"])
            #expect(jpy.items.map(\.amountInTransactionCurrency) == [.init(amount: "50", currency: "JPY"), .init(amount: "-50", currency: "JPY")])
            #expect(jpy.items.map(\.amountInCompanyCodeCurrency) == [.init(amount: "0.31", currency: "EUR"), .init(amount: "-0.31", currency: "EUR")])

            let split = try #require(byID["FX-SPLIT"])
            #expect(split.items.map(\.amountInCompanyCodeCurrency.amount) == ["30.66", "30.66", "30.67", "-91.99"])
        }
    }

    @Test("an exchange rate sent by the client converts with one rounding to the currency's decimals, half away from zero")
    func clientExchangeRateSingleRounding() async throws {
        try await withGateway { gateway in
            // 1000.19 × 0.92105 = 921.2249995 → 921.22. Rounding to six decimals first (921.225000)
            // and then to two would give 921.23.
            var entry = EntrySpec(id: "FX-CLIENT-RATE", lines: [.gl("65000000", "1000.19", "USD"), .gl("11001000", "-1000.19", "USD")])
            entry.exchangeRate = "0.92105"
            let confirmation = try await gateway.expectPosted(BulkRequest(entry))
            let posted = try #require(confirmation.entries.first)
            let stored = try #require(try await gateway.journalEntry("1010", posted.fiscalYear, posted.accountingDocument))
            #expect(stored.items.map(\.amountInCompanyCodeCurrency) == [.init(amount: "921.22", currency: "EUR"), .init(amount: "-921.22", currency: "EUR")])
        }
    }

    @Test("G/L accounts and customers are accepted with SAP's leading zeros and stored without them")
    func leadingZeros() async throws {
        try await withGateway { gateway in
            let confirmation = try await gateway.expectPosted(
                BulkRequest(EntrySpec(lines: [.gl("0065000000", "-100.00"), .customer("0010100001", "100.00")])))
            let entry = try #require(confirmation.entries.first)
            let stored = try #require(try await gateway.journalEntry("1010", entry.fiscalYear, entry.accountingDocument))
            #expect(stored.items.map(\.glAccount) == ["65000000", "12100000"])
            #expect(stored.items.map(\.customer) == [nil, "10100001"])
        }
    }

    @Test("605(RW) names the sender's logical system when the entry carries one")
    func logicalSystemInSuccessMessage() async throws {
        try await withGateway { gateway in
            var entry = EntrySpec.balanced()
            entry.logicalSystem = "S5SCLNT100"
            let confirmation = try await gateway.expectPosted(BulkRequest(entry))
            let posted = try #require(confirmation.entries.first)
            #expect(posted.log.first?.note == "Document posted successfully: BKPFF \(posted.accountingDocument)10102025 S5SCLNT100")
        }
    }

    @Test("US_POSTER may post in 1710 but is refused in 1010 with 019(JGW)")
    func companyCodeAuthorization() async throws {
        try await withGateway { gateway in
            try await gateway.expectRejected(
                BulkRequest(EntrySpec.balanced(companyCode: "1010")), details: ["019(JGW)"],
                note: "User US_POSTER is not authorized to post in company code 1010", credentials: .usPoster)
            let confirmation = try await gateway.expectPosted(BulkRequest(EntrySpec.balanced(companyCode: "1710")), credentials: .usPoster)
            let entry = try #require(confirmation.entries.first)
            #expect(entry.companyCode == "1710")
            let stored = try #require(try await gateway.journalEntry("1710", "2025", entry.accountingDocument, credentials: .usPoster))
            #expect(stored.postedBy == "US_POSTER")
            #expect(stored.transactionCurrency == "USD")
        }
    }

    @Test("TestDataIndicator only checks (614(RW), nothing stored); the same message ID then posts for real")
    func testDataIndicator() async throws {
        try await withGateway { gateway in
            let messageID = BulkRequest.newMessageID("CHECK")
            let check = try expectConfirmation(
                try await gateway.postSOAP(BulkRequest(EntrySpec.balanced(), messageID: messageID, testData: true).envelope()))
            let checked = try #require(check.entries.first)
            #expect(checked.typeIDs == ["614(RW)"])
            #expect(checked.maximumSeverity == "1")
            #expect(checked.log.first?.note == "Document check without errors: BKPFF $ JGWCLNT100")
            #expect(checked.accountingDocument == " ")
            #expect(checked.companyCode == " ")
            #expect(checked.fiscalYear == "0000")
            try await gateway.expectLedgerEmpty()

            let real = try await gateway.expectPosted(BulkRequest(EntrySpec.balanced(), messageID: messageID))
            let posted = try #require(real.entries.first)
            #expect(posted.accountingDocument == "0100000000")
            #expect(try await gateway.listAll().map(\.accountingDocument) == ["0100000000"])
        }
    }

    @Test("TestDataIndicator on every entry header only checks, and the message ID can still be posted for real later")
    func entryLevelTestDataIndicator() async throws {
        try await withGateway { gateway in
            let messageID = BulkRequest.newMessageID("ENTRY-CHECK")
            var entry = EntrySpec.balanced(id: messageID + "-1")
            entry.testData = true
            let check = try expectConfirmation(try await gateway.postSOAP(BulkRequest(entry, messageID: messageID).envelope()))
            #expect(check.entries.map(\.typeIDs) == [["614(RW)"]])
            try await gateway.expectLedgerEmpty()

            entry.testData = false
            let real = try expectConfirmation(try await gateway.postSOAP(BulkRequest(entry, messageID: messageID).envelope()))
            #expect(real.entries.map(\.typeIDs) == [["605(RW)"]], "the check-only message blocked its ID: \(real.entries.map(\.log))")
            #expect(real.entries.map(\.accountingDocument) == ["0100000000"])
        }
    }
}
