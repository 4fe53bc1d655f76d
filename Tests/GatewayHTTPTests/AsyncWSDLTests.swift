import CurlClient
import Foundation
import SOAPCore
import Testing
import XMLCore

/// The WSDLs of the asynchronous services (`?wsdl`) and of the outbound confirmation
/// interface, in SAP's shape, and zeep (Python) as an independent client of all three.
@Suite("Service descriptions of the asynchronous services and the confirmation", .timeLimit(.minutes(3)))
struct AsyncWSDLTests {
    struct Service: Sendable, CustomTestStringConvertible {
        let path: String
        let interface: String
        let rootElement: String
        var testDescription: String { interface }
    }

    static let services = [
        Service(path: AsyncContract.createPath, interface: AsyncContract.createInterface, rootElement: AsyncContract.createRoot),
        Service(path: AsyncContract.ledgerPath, interface: AsyncContract.ledgerInterface, rootElement: AsyncContract.ledgerRoot),
    ]

    /// The outbound interface's WSDL in the repository (the file a receiver is generated from).
    static let confirmationWSDLFile = Repo.root + "/WSDL/\(AsyncContract.confirmationInterface).wsdl"

    static let wsdl = WSDLTests.wsdlNamespace

    /// SAP's one-way shape: a portType and an operation named after the interface, an input of the
    /// root element and no output, and the SOAPAction `…/<Interface>/<Interface>Request` in both bindings.
    static func expectOneWay(
        _ definitions: XMLElement, interface: String, inputElement: String, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let portType = try #require(definitions.firstChild(named: "portType", namespaceURI: wsdl), sourceLocation: sourceLocation)
        #expect(portType.attribute("name") == interface, sourceLocation: sourceLocation)
        let operations = portType.childElements(named: "operation", namespaceURI: wsdl)
        #expect(operations.compactMap { $0.attribute("name") } == [interface], sourceLocation: sourceLocation)
        let operation = try #require(operations.first, sourceLocation: sourceLocation)
        #expect(operation.firstChild(named: "output", namespaceURI: wsdl) == nil, "a one-way operation has no output", sourceLocation: sourceLocation)
        let inputMessage = try #require(
            operation.firstChild(named: "input", namespaceURI: wsdl)?.attribute("message"), sourceLocation: sourceLocation)
        let messageName = inputMessage.split(separator: ":").last.map(String.init) ?? inputMessage
        let message = try #require(
            definitions.childElements(named: "message", namespaceURI: wsdl).first { $0.attribute("name") == messageName },
            "no wsdl:message \(messageName)", sourceLocation: sourceLocation)
        let part = try #require(message.firstChild(named: "part", namespaceURI: wsdl), sourceLocation: sourceLocation)
        #expect(part.attribute("element")?.split(separator: ":").last.map(String.init) == inputElement, sourceLocation: sourceLocation)

        let actions = WSDLTests.descendants(of: definitions) { $0.localName == "operation" && $0.attribute("soapAction") != nil }
            .compactMap { $0.attribute("soapAction") }
        #expect(actions == Array(repeating: AsyncContract.soapAction(interface), count: 2), "soapActions \(actions)", sourceLocation: sourceLocation)
    }

    @Test("GET <path>?wsdl needs no credentials and serves SAP's one-way WSDL with both ports at this gateway", arguments: services)
    func servedWSDL(_ service: Service) async throws {
        try await withGateway { gateway in
            let (text, definitions) = try await WSDLTests.served(gateway, service.path)
            try Self.expectOneWay(definitions, interface: service.interface, inputElement: service.rootElement)
            #expect(try WSDLTests.addresses(definitions) == [gateway.baseURL + service.path, gateway.baseURL + service.path])
            // Self-contained: the schema is inline, compiles, and declares the request's root.
            let types = try #require(definitions.firstChild(named: "types", namespaceURI: Self.wsdl))
            let schema = try #require(types.firstChild(named: "schema", namespaceURI: WSDLTests.xsdNamespace))
            #expect(WSDLTests.declarations(schema).contains("element:\(service.rootElement)"), "\(WSDLTests.declarations(schema))")
            let prefix = try #require(schema.prefix)
            _ = try WSDLTests.compileInlineSchema(text, prefix: prefix)
        }
    }

    @Test("the confirmation's WSDL (JournalEntryBulkCreateConfirmation_Out) is one-way with the sync answer's message")
    func confirmationWSDL() throws {
        let data = try #require(FileManager.default.contents(atPath: Self.confirmationWSDLFile), "\(Self.confirmationWSDLFile) is missing")
        let definitions = try #require(try XMLDoc.parse(Array(data)).rootElement)
        #expect(definitions.isNamed("definitions", namespaceURI: Self.wsdl))
        #expect(definitions.attribute("targetNamespace") == Repo.sfinNamespace)
        try Self.expectOneWay(definitions, interface: AsyncContract.confirmationInterface, inputElement: "JournalEntryBulkCreateConfirmation")
    }

    /// Runs a Python script with arguments; returns the last JSON line it printed.
    static func runPython(_ script: String, _ arguments: [String]) async throws -> [String: Any] {
        let child = try ChildProcess(executable: "/usr/bin/env", arguments: ["python3", "-c", script] + arguments, timeLimit: .seconds(120))
        let (exit, log) = await child.waitForExit()
        try #require(exit.reason == .exit && exit.status == 0, "the zeep script failed (\(exit)):\n\(log)")
        let line = try #require(log.split(separator: "\n").last { $0.hasPrefix("{") }, "no JSON in:\n\(log)")
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test("zeep loads both asynchronous WSDLs, sends through both bindings (202), and a zeep receiver reads the confirmations")
    func zeepRoundTrip() async throws {
        try await withAsyncScenario { scenario in
            let output = try await Self.runPython(
                Self.zeepClient, [scenario.gateway.baseURL, Credentials.integration.user, Credentials.integration.password, "Z" + UUID().uuidString.prefix(8)])
            let calls = try #require(output["calls"] as? [[String: Any]])
            #expect(calls.map { "\($0["service"] ?? "")/\($0["binding"] ?? "")" } == [
                "create/binding", "create/binding_soap12", "ledger/binding", "ledger/binding_soap12",
            ])
            #expect(calls.allSatisfy { $0["result"] is NSNull }, "a one-way call returns nothing: \(calls)")

            let received = try await scenario.receiver.waitForRequests(4, timeout: .seconds(20))
            let sentIDs = Set(calls.compactMap { $0["messageID"] as? String })
            let confirmations = try received.map(ReceivedConfirmation.init)
            #expect(Set(confirmations.compactMap(\.confirmation.referenceID)) == sentIDs)
            #expect(confirmations.allSatisfy { $0.confirmation.entries.map(\.typeIDs) == [["605(RW)"]] }, "\(confirmations.map(\.confirmation.entries))")

            // zeep, given only the confirmation's WSDL, reads what the gateway sent.
            let directory = try Repo.makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            var files: [String] = []
            for (index, request) in received.enumerated() {
                let path = directory + "/confirmation-\(index).xml"
                try Data(request.body).write(to: URL(fileURLWithPath: path))
                files.append(path)
            }
            let parsed = try await Self.runPython(Self.zeepReceiver, [Self.confirmationWSDLFile] + files)
            let read = try #require(parsed["confirmations"] as? [[String: Any]])
            #expect(read.count == 4)
            #expect(Set(read.compactMap { $0["referenceID"] as? String }) == sentIDs)
            #expect(Set(read.compactMap { $0["origin"] as? String }) == [AsyncContract.createInterface, AsyncContract.ledgerInterface])
            #expect(read.allSatisfy { ($0["documents"] as? [String])?.count == 1 }, "\(read)")
        }
    }

    /// Posts one entry through each binding of each asynchronous service; prints
    /// `{"calls": [{"service", "binding", "messageID", "result"}]}`.
    static let zeepClient = #"""
        import json, sys
        import requests, zeep
        from zeep.transports import Transport

        base, user, password, prefix = sys.argv[1:5]
        session = requests.Session()
        session.auth = (user, password)
        session.trust_env = False
        transport = Transport(session=session, timeout=30, operation_timeout=30)

        def amount(value):
            return {"_value_1": value, "currencyCode": "EUR"}

        def create_entry(message_id):
            return {
                "MessageHeader": {"ID": message_id + "-1", "CreationDateTime": "2025-03-01T10:00:00Z"},
                "JournalEntry": {
                    "OriginalReferenceDocumentType": "BKPFF", "BusinessTransactionType": "RFBU", "AccountingDocumentType": "SA",
                    "CreatedByUser": "ZEEP", "CompanyCode": "1010", "DocumentDate": "2025-03-01", "PostingDate": "2025-03-01",
                    "Item": [
                        {"ReferenceDocumentItem": "1", "GLAccount": "65000000", "AmountInTransactionCurrency": amount("100.00"), "DebitCreditCode": "S"},
                        {"ReferenceDocumentItem": "2", "GLAccount": "11001000", "AmountInTransactionCurrency": amount("-100.00"), "DebitCreditCode": "H"},
                    ],
                },
            }

        def ledger_entry(message_id):
            return {
                "MessageHeader": {"ID": message_id + "-1", "CreationDateTime": "2025-03-01T10:00:00Z"},
                "JournalEntry": {
                    "OriginalReferenceDocumentType": "BKPFF", "BusinessTransactionType": "RFBU", "AccountingDocumentType": "SA",
                    "LedgerGroup": "0L", "CreatedByUser": "ZEEP", "CompanyCode": "1010", "DocumentDate": "2025-03-01",
                    "PostingDate": "2025-03-01",
                    "Item": [
                        {"GLAccount": "65000000", "AmountInTransactionCurrency": amount("100.00"), "DebitCreditCode": "S"},
                        {"GLAccount": "11001000", "AmountInTransactionCurrency": amount("-100.00"), "DebitCreditCode": "H"},
                    ],
                },
            }

        services = [
            ("create", "/sap/bc/srt/scs_ext/sap/journalentrybulkcreationreques", "JournalEntryBulkCreationRequest_In", create_entry),
            ("ledger", "/sap/bc/srt/scs_ext/sap/journalentrybulkledgercreation", "JournalEntryBulkLedgerCreationRequest_In", ledger_entry),
        ]
        calls = []
        for label, path, operation, entry in services:
            client = zeep.Client(base + path + "?wsdl", transport=transport)
            for binding in ["binding", "binding_soap12"]:
                service = client.bind("service", binding)
                message_id = "%s-%s-%s" % (prefix, label[0], "12" if binding.endswith("12") else "11")
                result = getattr(service, operation)(
                    MessageHeader={"ID": message_id, "CreationDateTime": "2025-03-01T10:00:00Z", "SenderBusinessSystemID": "DEMO_SENDER"},
                    JournalEntryCreateRequest=[entry(message_id)],
                )
                calls.append({"service": label, "binding": binding, "messageID": message_id, "result": None if result is None else str(result)})
        json.dump({"zeep": zeep.__version__, "calls": calls}, sys.stdout)
        sys.stdout.write("\n")
        """#

    /// Loads the confirmation's WSDL from a file and reads each confirmation envelope given as a
    /// file with it (SOAP 1.1 or 1.2 binding after the envelope's namespace); prints
    /// `{"confirmations": [{"referenceID", "origin", "documents"}]}`.
    static let zeepReceiver = #"""
        import json, sys
        import zeep
        from lxml import etree

        wsdl, files = sys.argv[1], sys.argv[2:]
        client = zeep.Client(wsdl)
        operation_name = "JournalEntryBulkCreateConfirmation_Out"
        bindings = {}
        for name, binding in client.wsdl.bindings.items():
            version = "1.2" if "soap12" in type(binding).__name__.lower() or name.endswith("soap12") else "1.1"
            bindings[version] = binding.get(operation_name)
        confirmations = []
        for path in files:
            envelope = etree.parse(path).getroot()
            version = "1.2" if envelope.tag.startswith("{http://www.w3.org/2003/05/soap-envelope}") else "1.1"
            message = bindings[version].input.deserialize(envelope)
            confirmations.append({
                "referenceID": message.MessageHeader.ReferenceID._value_1 if hasattr(message.MessageHeader.ReferenceID, "_value_1") else message.MessageHeader.ReferenceID,
                "origin": message.ConfirmationInterfaceOrignName,
                "documents": [c.JournalEntryCreateConfirmation.AccountingDocument for c in (message.JournalEntryCreateConfirmation or [])],
            })
        json.dump({"confirmations": confirmations}, sys.stdout)
        sys.stdout.write("\n")
        """#
}
