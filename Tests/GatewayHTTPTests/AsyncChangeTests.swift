import CurlClient
import Foundation
import Testing
import XMLCore

/// *Journal Entry – Change* (`JournalEntryBulkChangeRequest_In`): accepted with 202, applied by
/// the posting worker, confirmed to the sender's endpoint with `JournalEntryBulkChangeConfirmation_Out`.
@Suite("Changing posted documents asynchronously", .timeLimit(.minutes(2)))
struct AsyncChangeTests {
    static let path = "/sap/bc/srt/scs_ext/sap/journalentrybulkchangerequest_"
    static let interface = "JournalEntryBulkChangeRequest_In"
    static let confirmationInterface = "JournalEntryBulkChangeConfirmation_Out"

    /// One `…Change` wrapper: the value element, then `FieldValueChangeIsRequested`.
    static func wrapper(_ field: String, _ value: String, requested: Bool = true, attributes: String = "") -> String {
        "<\(field)Change><\(field)\(attributes)>\(value)</\(field)><FieldValueChangeIsRequested>\(requested)</FieldValueChangeIsRequested></\(field)Change>"
    }

    static func header(_ id: String) -> String {
        "<MessageHeader><ID>\(id)</ID><CreationDateTime>2025-03-02T09:00:00Z</CreationDateTime></MessageHeader>"
    }

    static func key(_ document: String, item: Int? = nil) -> String {
        let fields = "<AccountingDocument>\(document)</AccountingDocument><CompanyCode>1010</CompanyCode><FiscalYear>2025</FiscalYear>"
        return item.map { "<ItemKey>\(fields)<AccountingDocumentItemID>\($0)</AccountingDocumentItemID></ItemKey>" } ?? "<HeaderKey>\(fields)</HeaderKey>"
    }

    static func envelope(_ id: String, _ parts: [String]) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sfin="http://sap.com/xi/SAPSCORE/SFIN">
        <soapenv:Header/><soapenv:Body><sfin:JournalEntryBulkChangeRequestMessage>
        <MessageHeader><ID>\(id)</ID><CreationDateTime>2025-03-02T09:00:00Z</CreationDateTime><SenderBusinessSystemID>DEMO_SENDER</SenderBusinessSystemID></MessageHeader>
        \(parts.joined(separator: "\n"))
        </sfin:JournalEntryBulkChangeRequestMessage></soapenv:Body></soapenv:Envelope>
        """
    }

    /// The confirmation's per-change results: (key, item, TypeIDs).
    static func results(_ payload: XMLElement) -> [(document: String, item: String?, typeIDs: [String])] {
        payload.childElements(named: "JournalEntryChangeConfirmation").map { element in
            (
                element.firstChild(named: "AccountingDocument")?.text ?? "", element.firstChild(named: "AccountingDocumentItemID")?.text,
                element.firstChild(named: "Log")?.childElements(named: "Item").map { $0.firstChild(named: "TypeID")?.text ?? "" } ?? []
            )
        }
    }

    @Test("header and item changes are applied, kept in the history and confirmed; a change of the wrong item kind is refused in the Log")
    func changesAppliedAndConfirmed() async throws {
        try await withAsyncScenario { scenario in
            let gateway = scenario.gateway
            let invoice = EntrySpec(documentType: "DR", lines: [.gl("41000000", "-119.00"), .customer("10100001", "119.00")])
            let posted = try await gateway.expectPosted(BulkRequest(invoice)).entries[0]
            let document = posted.accountingDocument
            let id = BulkRequest.newMessageID("CHANGE")
            let xml = Self.envelope(
                id,
                [
                    "<JournalEntryHeader>\(Self.header(id + "-H"))\(Self.key(document))"
                        + Self.wrapper("DocumentHeaderText", "Corrected invoice text") + Self.wrapper("DocumentReferenceID", "IGNORED", requested: false)
                        + Self.wrapper("JrnlEntryCntrySpecificRef1", "COUNTRY-REF") + "</JournalEntryHeader>",
                    "<JournalEntryGLItem>\(Self.header(id + "-G"))\(Self.key(document, item: 2))" + Self.wrapper("DocumentItemText", "x")
                        + "</JournalEntryGLItem>",
                    "<JournalEntryDebtorCreditorItem>\(Self.header(id + "-D"))\(Self.key(document, item: 2))"
                        + Self.wrapper("DueCalculationBaseDate", "2025-04-15") + Self.wrapper("PaymentBlockingReasonCode", "A")
                        + "</JournalEntryDebtorCreditorItem>",
                ])
            let transportID = newTransportID()
            expectAccepted(try await gateway.postAsyncXML(xml, path: Self.path, interface: Self.interface, queryMessageID: transportID))
            let received = try await scenario.receiver.waitForRequests(1)[0]
            #expect(received.header("SOAPAction")?.contains("\(Self.confirmationInterface)/\(Self.confirmationInterface)Request") == true)
            let envelope = try ResponseEnvelope(received.body)
            #expect(envelope.payload.isNamed("JournalEntryBulkChangeConfirmationMessage", namespaceURI: Repo.sfinNamespace))
            let schema = try XSDSchema(path: Repo.root + "/Schemas/JournalEntryBulkChange.xsd")
            #expect(schema.validate(envelope.payload).isEmpty, "\(schema.validate(envelope.payload))")
            #expect(envelope.payload.firstChild(named: "MessageHeader")?.firstChild(named: "ReferenceID")?.text == id)
            let results = Self.results(envelope.payload)
            #expect(results.map(\.document) == [document, " ", document])
            #expect(results.map(\.item) == [nil, nil, "2"])
            #expect(results.map(\.typeIDs) == [["033(JGW)"], ["037(JGW)"], ["033(JGW)"]])

            let entry = try #require(try await gateway.journalEntry("1010", posted.fiscalYear, document))
            #expect(entry.documentHeaderText == "Corrected invoice text")
            let raw = try await gateway.get("/api/journal-entries/1010/\(posted.fiscalYear)/\(document)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(raw.body)) as? [String: Any])
            #expect((json["additionalFields"] as? [String: String]) == ["JrnlEntryCntrySpecificRef1": "COUNTRY-REF"])
            let items = try #require(json["items"] as? [[String: Any]])
            #expect((items[1]["additionalFields"] as? [String: String]) == ["PaymentBlockingReasonCode": "A"])
            #expect(items[1]["dueCalculationBaseDate"] as? String == "2025-04-15")
            #expect(items.map { $0["amountInTransactionCurrency"] as? [String: String] } == [["amount": "-119.00", "currency": "EUR"], ["amount": "119.00", "currency": "EUR"]])
            let changes = try #require(json["changes"] as? [[String: Any]])
            #expect(changes.map { $0["field"] as? String } == ["DocumentHeaderText", "JrnlEntryCntrySpecificRef1", "DueCalculationBaseDate", "PaymentBlockingReasonCode"])
            #expect(changes.first?["oldValue"] as? String == "Integration test")
            #expect(changes.first?["newValue"] as? String == "Corrected invoice text")
            #expect(changes.allSatisfy { $0["changedBy"] as? String == "INTEGRATION" })

            // The same message again (same transport message ID): acknowledged, not applied twice, not confirmed twice.
            expectAccepted(try await gateway.postAsyncXML(xml, path: Self.path, interface: Self.interface, queryMessageID: transportID))
            try await Task.sleep(for: .milliseconds(300))
            let again = try await gateway.get("/api/journal-entries/1010/\(posted.fiscalYear)/\(document)")
            let againJSON = try #require(try JSONSerialization.jsonObject(with: Data(again.body)) as? [String: Any])
            #expect((againJSON["changes"] as? [[String: Any]])?.count == 4)
            #expect(try scenario.receiver.requests.count == 1)
        }
    }

    @Test("an empty value with FieldValueChangeIsRequested true clears the field; a missing document is refused in the Log")
    func clearAndMissing() async throws {
        try await withAsyncScenario { scenario in
            let gateway = scenario.gateway
            let posted = try await gateway.expectPosted(BulkRequest(.balanced())).entries[0]
            let id = BulkRequest.newMessageID("CLEAR")
            let xml = Self.envelope(
                id,
                [
                    "<JournalEntryHeader>\(Self.header(id + "-1"))\(Self.key(posted.accountingDocument))" + Self.wrapper("DocumentHeaderText", "")
                        + "</JournalEntryHeader>",
                    "<JournalEntryHeader>\(Self.header(id + "-2"))\(Self.key("0199999999"))" + Self.wrapper("DocumentHeaderText", "x")
                        + "</JournalEntryHeader>",
                ])
            expectAccepted(try await gateway.postAsyncXML(xml, path: Self.path, interface: Self.interface, queryMessageID: newTransportID()))
            let received = try await scenario.receiver.waitForRequests(1)[0]
            let results = Self.results(try ResponseEnvelope(received.body).payload)
            #expect(results.map(\.typeIDs) == [["033(JGW)"], ["035(JGW)"]])
            let entry = try #require(try await gateway.journalEntry("1010", posted.fiscalYear, posted.accountingDocument))
            #expect(entry.documentHeaderText == nil)
        }
    }

    @Test("a change request that breaks the schema gets a fault naming the element, and nothing is stored")
    func invalidChangeFaults() async throws {
        try await withAsyncScenario { scenario in
            let gateway = scenario.gateway
            let xml = try Repo.fixture("invalid_change_wrapper_order.xml")
            let response = try await gateway.postAsyncXML(xml, path: Self.path, interface: Self.interface, queryMessageID: newTransportID())
            #expect(response.status == 500)
            #expect(response.text.contains("FieldValueChangeIsRequested"), "\(response.text)")
            #expect(response.text.contains("nothing was stored"), "\(response.text)")
            #expect(try await gateway.storedMessages().isEmpty)
        }
    }

    @Test("the change service and its confirmation publish their WSDLs")
    func wsdls() async throws {
        try await withGateway { gateway in
            let inbound = try await gateway.get(Self.path + "?wsdl", credentials: nil)
            #expect(inbound.status == 200)
            #expect(inbound.text.contains("JournalEntryBulkChangeRequest_In"))
            #expect(inbound.text.contains("JournalEntryBulkChangeRequestMessage"))
            let outbound = try await gateway.get("/WSDL/JournalEntryBulkChangeConfirmation_Out.wsdl", credentials: nil)
            #expect(outbound.status == 200, "\(outbound.text.prefix(300))")
            #expect(outbound.text.contains("JournalEntryBulkChangeConfirmationMessage"))
        }
    }

    @Test("zeep loads the change WSDL by URL, sends a change through both bindings (202), and reads the confirmations with the confirmation's WSDL")
    func zeepChange() async throws {
        try await withAsyncScenario { scenario in
            let gateway = scenario.gateway
            let posted = try await gateway.expectPosted(BulkRequest(.balanced())).entries[0]
            let output = try await AsyncWSDLTests.runPython(
                Self.zeepClient,
                [gateway.baseURL, Credentials.integration.user, Credentials.integration.password, "ZC" + UUID().uuidString.prefix(8), posted.accountingDocument])
            let calls = try #require(output["calls"] as? [String])
            #expect(calls == ["binding", "binding_soap12"])
            let received = try await scenario.receiver.waitForRequests(2, timeout: .seconds(20))
            let directory = try Repo.makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            var files: [String] = []
            for (index, request) in received.enumerated() {
                let path = directory + "/change-confirmation-\(index).xml"
                try Data(request.body).write(to: URL(fileURLWithPath: path))
                files.append(path)
            }
            let parsed = try await AsyncWSDLTests.runPython(Self.zeepReceiver, [Repo.root + "/WSDL/JournalEntryBulkChangeConfirmation_Out.wsdl"] + files)
            let read = try #require(parsed["confirmations"] as? [[String]])
            #expect(read == [[posted.accountingDocument], [posted.accountingDocument]])
            let entry = try #require(try await gateway.journalEntry("1010", posted.fiscalYear, posted.accountingDocument))
            // Two messages, posted side by side: either may be the last to change the text.
            #expect(["Changed by zeep 11", "Changed by zeep 12"].contains(entry.documentHeaderText ?? ""), "\(entry.documentHeaderText ?? "nil")")
        }
    }

    /// Changes the header text of one document through each binding of the change service.
    static let zeepClient = #"""
        import json, sys
        import requests, zeep
        from zeep.transports import Transport

        base, user, password, prefix, document = sys.argv[1:6]
        session = requests.Session()
        session.auth = (user, password)
        session.trust_env = False
        client = zeep.Client(base + "/sap/bc/srt/scs_ext/sap/journalentrybulkchangerequest_?wsdl",
                             transport=Transport(session=session, timeout=30, operation_timeout=30))
        calls = []
        for binding in ["binding", "binding_soap12"]:
            service = client.bind("service", binding)
            suffix = "12" if binding.endswith("12") else "11"
            message_id = prefix + "-" + suffix
            service.JournalEntryBulkChangeRequest_In(
                MessageHeader={"ID": message_id, "CreationDateTime": "2025-03-02T09:00:00Z", "SenderBusinessSystemID": "DEMO_SENDER"},
                JournalEntryHeader=[{
                    "MessageHeader": {"ID": message_id + "-H", "CreationDateTime": "2025-03-02T09:00:00Z"},
                    "HeaderKey": {"AccountingDocument": document, "CompanyCode": "1010", "FiscalYear": "2025"},
                    "DocumentHeaderTextChange": {"DocumentHeaderText": "Changed by zeep " + suffix, "FieldValueChangeIsRequested": True},
                }],
            )
            calls.append(binding)
        json.dump({"calls": calls}, sys.stdout)
        sys.stdout.write("\n")
        """#

    /// Reads change confirmations with the confirmation's WSDL; prints the keys they confirm.
    static let zeepReceiver = #"""
        import json, sys
        import zeep
        from lxml import etree

        wsdl, files = sys.argv[1], sys.argv[2:]
        client = zeep.Client(wsdl)
        bindings = {}
        for name, binding in client.wsdl.bindings.items():
            version = "1.2" if "soap12" in type(binding).__name__.lower() or name.endswith("soap12") else "1.1"
            bindings[version] = binding.get("JournalEntryBulkChangeConfirmation_Out")
        confirmations = []
        for path in files:
            envelope = etree.parse(path).getroot()
            version = "1.2" if envelope.tag.startswith("{http://www.w3.org/2003/05/soap-envelope}") else "1.1"
            message = bindings[version].input.deserialize(envelope)
            confirmations.append([c.AccountingDocument for c in (message.JournalEntryChangeConfirmation or [])])
        json.dump({"confirmations": confirmations}, sys.stdout)
        sys.stdout.write("\n")
        """#
}
