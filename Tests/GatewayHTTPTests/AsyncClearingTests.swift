import CurlClient
import Foundation
import Testing
import XMLCore

/// *Journal Entry – Clearing* (`JournalEntryBulkClearingRequest_In`): accepted with 202, one
/// clearing document per request, confirmed with `JournalEntryBulkClearingConfirmation_Out`.
@Suite("Clearing open items asynchronously", .timeLimit(.minutes(2)))
struct AsyncClearingTests {
    static let path = "/sap/bc/srt/scs_ext/sap/journalentrybulkclearingreques"
    static let interface = "JournalEntryBulkClearingRequest_In"

    static func aparItem(_ document: String, item: Int, extra: String = "") -> String {
        "<APARItems><AccountType>D</AccountType><APARAccount>10100001</APARAccount><FiscalYear>2025</FiscalYear>"
            + "<AccountingDocument>\(document)</AccountingDocument><AccountingDocumentItem>\(item)</AccountingDocumentItem>\(extra)</APARItems>"
    }

    static func envelope(_ id: String, _ items: [String], currency: String = "EUR") -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sfin="http://sap.com/xi/SAPSCORE/SFIN">
        <soapenv:Header/><soapenv:Body><sfin:JournalEntryBulkClearingRequest>
        <MessageHeader><ID>\(id)</ID><CreationDateTime>2025-03-10T09:00:00Z</CreationDateTime><SenderBusinessSystemID>DEMO_SENDER</SenderBusinessSystemID></MessageHeader>
        <JournalEntryClearingRequest><MessageHeader><ID>\(id)-1</ID><CreationDateTime>2025-03-10T09:00:00Z</CreationDateTime></MessageHeader>
        <JournalEntry><CompanyCode>1010</CompanyCode><AccountingDocumentType>AB</AccountingDocumentType><DocumentDate>2025-03-10</DocumentDate>
        <PostingDate>2025-03-10</PostingDate><CurrencyCode>\(currency)</CurrencyCode><DocumentHeaderText>Clearing</DocumentHeaderText>
        \(items.joined())
        </JournalEntry></JournalEntryClearingRequest>
        </sfin:JournalEntryBulkClearingRequest></soapenv:Body></soapenv:Envelope>
        """
    }

    /// (clearing document, TypeIDs) of each `JournalEntryClearingConfirmation`.
    static func results(_ request: ConfirmationReceiver.Request) throws -> [(document: String, typeIDs: [String])] {
        let payload = try ResponseEnvelope(request.body).payload
        let schema = try XSDSchema(path: Repo.root + "/Schemas/JournalEntryBulkClearing.xsd")
        #expect(schema.validate(payload).isEmpty, "\(schema.validate(payload))")
        #expect(payload.isNamed("JournalEntryBulkClearingConfirmationMessage", namespaceURI: Repo.sfinNamespace))
        return payload.childElements(named: "JournalEntryClearingConfirmation").map { element in
            (
                element.firstChild(named: "AccountingDocument")?.text ?? "",
                element.firstChild(named: "Log")?.childElements(named: "Item").map { $0.firstChild(named: "TypeID")?.text ?? "" } ?? []
            )
        }
    }

    @Test("an invoice and its payment are cleared: one clearing document, the items cleared, the invoice no longer reversible; clearing again is refused")
    func clearInvoiceAndPayment() async throws {
        try await withAsyncScenario { scenario in
            let gateway = scenario.gateway
            let invoice = try await gateway.expectPosted(
                BulkRequest(EntrySpec(documentType: "DR", lines: [.gl("41000000", "-119.00"), .customer("10100001", "119.00")]))).entries[0]
            let payment = try await gateway.expectPosted(
                BulkRequest(EntrySpec(documentType: "DZ", lines: [.gl("11001000", "119.00"), .customer("10100001", "-119.00")]))).entries[0]
            let id = BulkRequest.newMessageID("CLR")
            let xml = Self.envelope(id, [Self.aparItem(invoice.accountingDocument, item: 2), Self.aparItem(payment.accountingDocument, item: 2)])
            expectAccepted(try await gateway.postAsyncXML(xml, path: Self.path, interface: Self.interface, queryMessageID: newTransportID()))
            let received = try await scenario.receiver.waitForRequests(1)[0]
            #expect(received.header("SOAPAction")?.contains("JournalEntryBulkClearingConfirmation_Out") == true)
            let results = try Self.results(received)
            try #require(results.count == 1)
            #expect(results[0].typeIDs == ["039(JGW)"])
            let clearing = results[0].document
            #expect(clearing.count == 10 && clearing != " ")

            let open = try await gateway.get("/api/open-items?companyCode=1010&account=10100001&status=all")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(open.body)) as? [String: Any])
            #expect((json["balance"] as? [String: String])?["amount"] == "0.00")
            #expect((json["openItemsTotal"] as? [String: String])?["amount"] == "0.00")
            let items = try #require(json["items"] as? [[String: Any]])
            #expect(items.count == 4)
            #expect(items.allSatisfy { $0["status"] as? String == "cleared" }, "\(items)")

            // The invoice cannot be reversed while its item is cleared.
            let reversal = ReversalTests.reversal(
                of: EntrySpec(documentType: "DR", lines: [.gl("41000000", "-119.00"), .customer("10100001", "119.00")]),
                objectKey: invoice.accountingDocument + "1010" + invoice.fiscalYear)
            let refused = try expectConfirmation(try await gateway.postSOAP(BulkRequest(reversal).envelope())).entries[0]
            #expect(refused.typeIDs == ["609(RW)", "054(JGW)"], "\(refused.log)")

            // Clearing the same items again: refused in the Log.
            let again = Self.envelope(BulkRequest.newMessageID("CLR2"), [Self.aparItem(invoice.accountingDocument, item: 2), Self.aparItem(payment.accountingDocument, item: 2)])
            expectAccepted(try await gateway.postAsyncXML(again, path: Self.path, interface: Self.interface, queryMessageID: newTransportID()))
            let second = try await scenario.receiver.waitForRequests(2)[1]
            #expect(try Self.results(second).map(\.typeIDs) == [["609(RW)", "044(JGW)", "044(JGW)"]])
            #expect(try Self.results(second).map(\.document) == [" "])
        }
    }

    @Test("a partial payment leaves the rest open; an unbalanced clearing is refused with 702(F5); a schema-invalid one faults")
    func partialUnbalancedInvalid() async throws {
        try await withAsyncScenario { scenario in
            let gateway = scenario.gateway
            let invoice = try await gateway.expectPosted(
                BulkRequest(EntrySpec(documentType: "DR", lines: [.gl("41000000", "-119.00"), .customer("10100001", "119.00")]))).entries[0]
            let payment = try await gateway.expectPosted(
                BulkRequest(EntrySpec(documentType: "DZ", lines: [.gl("11001000", "100.00"), .customer("10100001", "-100.00")]))).entries[0]
            let unbalanced = Self.envelope(BulkRequest.newMessageID("UNB"), [Self.aparItem(invoice.accountingDocument, item: 2), Self.aparItem(payment.accountingDocument, item: 2)])
            expectAccepted(try await gateway.postAsyncXML(unbalanced, path: Self.path, interface: Self.interface, queryMessageID: newTransportID()))
            let first = try await scenario.receiver.waitForRequests(1)[0]
            #expect(try Self.results(first).map(\.typeIDs) == [["609(RW)", "702(F5)"]])

            let partial = Self.envelope(
                BulkRequest.newMessageID("PART"),
                [
                    Self.aparItem(invoice.accountingDocument, item: 2, extra: "<PartialPaymentAmtInDspCrcy currencyCode=\"EUR\">100.00</PartialPaymentAmtInDspCrcy>"),
                    Self.aparItem(payment.accountingDocument, item: 2),
                ])
            expectAccepted(try await gateway.postAsyncXML(partial, path: Self.path, interface: Self.interface, queryMessageID: newTransportID()))
            let second = try await scenario.receiver.waitForRequests(2)[1]
            #expect(try Self.results(second).map(\.typeIDs) == [["039(JGW)"]])
            let open = try await gateway.get("/api/open-items?companyCode=1010&account=10100001")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(open.body)) as? [String: Any])
            #expect((json["openItemsTotal"] as? [String: String])?["amount"] == "19.00")
            #expect((json["items"] as? [[String: Any]])?.count == 1)

            let invalid = try Repo.fixture("invalid_clearing_missing_currency.xml")
            let fault = try await gateway.postAsyncXML(invalid, path: Self.path, interface: Self.interface, queryMessageID: newTransportID())
            #expect(fault.status == 500)
            #expect(fault.text.contains("CurrencyCode"), "\(fault.text)")
        }
    }

    @Test("cash discount posts to the cash discount account; `journal-gateway clearing reset` reopens the items and reverses the clearing")
    func cashDiscountAndReset() async throws {
        try await withAsyncScenario { scenario in
            let gateway = scenario.gateway
            let invoice = try await gateway.expectPosted(
                BulkRequest(EntrySpec(documentType: "DR", lines: [.gl("41000000", "-119.00"), .customer("10100001", "119.00")]))).entries[0]
            let payment = try await gateway.expectPosted(
                BulkRequest(EntrySpec(documentType: "DZ", lines: [.gl("11001000", "115.43"), .customer("10100001", "-115.43")]))).entries[0]
            let xml = Self.envelope(
                BulkRequest.newMessageID("SKT"),
                [
                    Self.aparItem(invoice.accountingDocument, item: 2, extra: "<CashDiscountAmountInDspCrcy currencyCode=\"EUR\">3.57</CashDiscountAmountInDspCrcy>"),
                    Self.aparItem(payment.accountingDocument, item: 2),
                ])
            expectAccepted(try await gateway.postAsyncXML(xml, path: Self.path, interface: Self.interface, queryMessageID: newTransportID()))
            let results = try Self.results(try await scenario.receiver.waitForRequests(1)[0])
            try #require(results.map(\.typeIDs) == [["039(JGW)"]], "\(results)")
            let clearing = results[0].document
            let entry = try await gateway.get("/api/journal-entries/1010/2025/\(clearing)")
            let lines = try #require((try JSONSerialization.jsonObject(with: Data(entry.body)) as? [String: Any])?["items"] as? [[String: Any]])
            #expect(lines.compactMap { $0["glAccount"] as? String } == ["12100000", "52010000", "12100000"], "\(lines)")

            let invoiceView = try await gateway.get("/api/journal-entries/1010/2025/\(invoice.accountingDocument)")
            let invoiceItems = try #require((try JSONSerialization.jsonObject(with: Data(invoiceView.body)) as? [String: Any])?["items"] as? [[String: Any]])
            #expect((invoiceItems[1]["clearingDocument"] as? [String: Any])?["accountingDocument"] as? String == clearing, "\(invoiceItems)")
            #expect(invoiceItems[1]["clearingDate"] as? String == "2025-03-10")

            // The operator resets the clearing while the gateway serves the ledger.
            let arguments = [
                "clearing", "reset", "1010", "2025", clearing, "--database", gateway.databasePath, "--config", Repo.demoConfig,
                "--resources", Repo.root, "--user", "OPS",
            ]
            let reset = try ChildProcess(executable: try GatewayExecutable.path(), arguments: arguments)
            let (exit, log) = await reset.waitForExit()
            #expect(exit.reason == .exit && exit.status == 0, "\(exit): \(log)")
            #expect(log.contains("Clearing \(clearing) 1010 2025 reset: 2 items open again"), "\(log)")
            let open = try await gateway.get("/api/open-items?companyCode=1010&account=10100001")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(open.body)) as? [String: Any])
            #expect((json["openItemsTotal"] as? [String: String])?["amount"] == "3.57")
            #expect(Set((json["items"] as? [[String: Any]] ?? []).compactMap { $0["accountingDocument"] as? String })
                == [invoice.accountingDocument, payment.accountingDocument], "\(json)")
            let cleared = try #require(try JSONSerialization.jsonObject(with: Data(try await gateway.get("/api/journal-entries/1010/2025/\(clearing)").body)) as? [String: Any])
            #expect(cleared["reversedBy"] != nil, "\(cleared)")

            let again = try ChildProcess(executable: try GatewayExecutable.path(), arguments: arguments)
            let (againExit, againLog) = await again.waitForExit()
            #expect(againExit.reason == .exit && againExit.status == 1, "\(againExit): \(againLog)")
            #expect(againLog.contains("JGW058"), "\(againLog)")
            let verify = try ChildProcess(
                executable: try GatewayExecutable.path(),
                arguments: ["verify", "--database", gateway.databasePath, "--config", Repo.demoConfig, "--resources", Repo.root])
            let (verifyExit, verifyLog) = await verify.waitForExit()
            #expect(verifyExit.status == 0 && verifyLog.contains("all invariants hold"), "\(verifyLog)")
        }
    }

    @Test("a USD invoice of company code 1010 (EUR) is cleared in USD: offsets in both currencies and the realized loss on 72200000, read back over the JSON API")
    func clearInForeignCurrency() async throws {
        try await withAsyncScenario { scenario in
            let gateway = scenario.gateway
            // 1,000.00 USD invoiced at 0.92 EUR (920.00 EUR) and paid at 0.90 (900.00 EUR).
            var invoiceSpec = EntrySpec(documentType: "DR", lines: [.gl("41000000", "-1000.00", "USD"), .customer("10100001", "1000.00", "USD")])
            invoiceSpec.exchangeRate = "0.92"
            var paymentSpec = EntrySpec(documentType: "DZ", lines: [.gl("11001000", "1000.00", "USD"), .customer("10100001", "-1000.00", "USD")])
            paymentSpec.exchangeRate = "0.90"
            let invoice = try await gateway.expectPosted(BulkRequest(invoiceSpec)).entries[0]
            let payment = try await gateway.expectPosted(BulkRequest(paymentSpec)).entries[0]
            let xml = Self.envelope(
                BulkRequest.newMessageID("FX"), [Self.aparItem(invoice.accountingDocument, item: 2), Self.aparItem(payment.accountingDocument, item: 2)],
                currency: "USD")
            expectAccepted(try await gateway.postAsyncXML(xml, path: Self.path, interface: Self.interface, queryMessageID: newTransportID()))
            let results = try Self.results(try await scenario.receiver.waitForRequests(1)[0])
            try #require(results.map(\.typeIDs) == [["039(JGW)"]], "\(results)")

            let entry = try #require(
                try JSONSerialization.jsonObject(with: Data(try await gateway.get("/api/journal-entries/1010/2025/\(results[0].document)").body)) as? [String: Any])
            let lines = try #require(entry["items"] as? [[String: Any]])
            func amounts(_ key: String) -> [String] { lines.compactMap { ($0[key] as? [String: String]).map { "\($0["amount"] ?? "") \($0["currency"] ?? "")" } } }
            #expect(lines.compactMap { $0["glAccount"] as? String } == ["12100000", "12100000", "72200000"], "\(lines)")
            #expect(amounts("amountInTransactionCurrency") == ["-1000.00 USD", "1000.00 USD", "0.00 USD"])
            #expect(amounts("amountInCompanyCodeCurrency") == ["-920.00 EUR", "900.00 EUR", "20.00 EUR"])
            #expect(lines.compactMap { $0["debitCreditCode"] as? String } == ["H", "S", "S"])

            let open = try #require(
                try JSONSerialization.jsonObject(with: Data(try await gateway.get("/api/open-items?companyCode=1010&account=10100001&status=all").body))
                    as? [String: Any])
            #expect((open["balance"] as? [String: String])?["amount"] == "0.00", "\(open)")
            #expect((open["items"] as? [[String: Any]])?.allSatisfy { $0["status"] as? String == "cleared" } == true, "\(open)")
            let verify = try ChildProcess(
                executable: try GatewayExecutable.path(),
                arguments: ["verify", "--database", gateway.databasePath, "--config", Repo.demoConfig, "--resources", Repo.root])
            let (verifyExit, verifyLog) = await verify.waitForExit()
            #expect(verifyExit.status == 0 && verifyLog.contains("all invariants hold"), "\(verifyLog)")
        }
    }

    @Test("zeep loads the clearing WSDL by URL and sends a clearing through both bindings (202); the confirmations arrive")
    func zeepClearing() async throws {
        try await withAsyncScenario { scenario in
            let gateway = scenario.gateway
            let output = try await AsyncWSDLTests.runPython(
                Self.zeepClient, [gateway.baseURL, Credentials.integration.user, Credentials.integration.password, "ZL" + UUID().uuidString.prefix(8)])
            #expect(output["calls"] as? [String] == ["binding", "binding_soap12"])
            let received = try await scenario.receiver.waitForRequests(2, timeout: .seconds(20))
            // Nothing to clear there: each is refused in its Log, with SAP's blank key.
            #expect(try received.map { try Self.results($0).map(\.typeIDs) } == [[["609(RW)", "040(JGW)"]], [["609(RW)", "040(JGW)"]]])
        }
    }

    static let zeepClient = #"""
        import json, sys
        import requests, zeep
        from zeep.transports import Transport

        base, user, password, prefix = sys.argv[1:5]
        session = requests.Session()
        session.auth = (user, password)
        session.trust_env = False
        client = zeep.Client(base + "/sap/bc/srt/scs_ext/sap/journalentrybulkclearingreques?wsdl",
                             transport=Transport(session=session, timeout=30, operation_timeout=30))
        calls = []
        for binding in ["binding", "binding_soap12"]:
            service = client.bind("service", binding)
            message_id = prefix + ("-12" if binding.endswith("12") else "-11")
            service.JournalEntryBulkClearingRequest_In(
                MessageHeader={"ID": message_id, "CreationDateTime": "2025-03-10T09:00:00Z", "SenderBusinessSystemID": "DEMO_SENDER"},
                JournalEntryClearingRequest=[{
                    "MessageHeader": {"ID": message_id + "-1", "CreationDateTime": "2025-03-10T09:00:00Z"},
                    "JournalEntry": {
                        "CompanyCode": "1010", "AccountingDocumentType": "AB", "DocumentDate": "2025-03-10", "PostingDate": "2025-03-10",
                        "CurrencyCode": "EUR",
                        "APARItems": [{"AccountType": "D", "APARAccount": "10100001", "FiscalYear": "2025",
                                       "AccountingDocument": "0199999999", "AccountingDocumentItem": 1}],
                    },
                }],
            )
            calls.append(binding)
        json.dump({"calls": calls}, sys.stdout)
        sys.stdout.write("\n")
        """#
}
