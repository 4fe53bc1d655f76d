import ConfirmationDelivery
import CurlClient
import Foundation
import GatewayHTTP
import Ledger
import LedgerSQLite
import SOAPCore
import Synchronization
import Testing
import XMLCore

// MARK: - What the asynchronous services are called (the contract, written out)

/// Names and paths of SAP's asynchronous journal-entry services as the tests expect them (written
/// out here rather than taken from the product, so that a changed constant fails a test).
enum AsyncContract {
    static let createPath = "/sap/bc/srt/scs_ext/sap/journalentrybulkcreationreques"
    static let ledgerPath = "/sap/bc/srt/scs_ext/sap/journalentrybulkledgercreation"
    static let createInterface = "JournalEntryBulkCreationRequest_In"
    static let ledgerInterface = "JournalEntryBulkLedgerCreationRequest_In"
    static let confirmationInterface = "JournalEntryBulkCreateConfirmation_Out"
    static let createRoot = "JournalEntryBulkCreateRequest"
    static let ledgerRoot = "JournalEntryBulkLedgerCreateRequest"
    /// The demo's communication system for the user INTEGRATION.
    static let demoSender = "DEMO_SENDER"
    /// The demo's confirmation endpoint, replaced by the test receiver's in test configurations.
    static let demoConfirmationBase = "http://127.0.0.1:9099"
    static let demoConfirmationPath = "/confirmations"
    /// `SenderBusinessSystemID` of the gateway's confirmations (`system.systemID` of the demo).
    static let gatewaySystemID = "JGW"
    static let wsaNamespace = "http://www.w3.org/2005/08/addressing"
    static let sapMessageIDNamespace = "http://www.sap.com/webas/640/soap/features/messageId/"

    /// SAP's SOAPAction pattern `http://sap.com/xi/SAPSCORE/SFIN/<Interface>/<Interface>Request`.
    static func soapAction(_ interface: String) -> String { "http://sap.com/xi/SAPSCORE/SFIN/\(interface)/\(interface)Request" }
}

// MARK: - Requests

/// One journal entry of a by-ledger request (`JournalEntryBulkLedgerCreateRequest`), in the
/// element order of SAP's SoapUI template.
struct LedgerEntrySpec: Sendable {
    enum Line: Sendable {
        case gl(account: String, amount: String)
        case customer(id: String, amount: String)
        case vendor(id: String, amount: String)
    }

    var companyCode: String
    var ledgerGroup: String
    var postingDate = "2025-03-01"
    var reversalReason: String?
    var reversalReferenceDocument: String?
    var lines: [Line]

    init(
        companyCode: String = "1010", ledgerGroup: String, reversalReason: String? = nil, reversalReferenceDocument: String? = nil,
        lines: [Line]? = nil
    ) {
        self.companyCode = companyCode
        self.ledgerGroup = ledgerGroup
        self.reversalReason = reversalReason
        self.reversalReferenceDocument = reversalReferenceDocument
        self.lines = lines ?? [.gl(account: "65000000", amount: "100.00"), .gl(account: "11001000", amount: "-100.00")]
    }

    var currency: String { companyCode == "1710" ? "USD" : "EUR" }

    func xml(indent: String) -> String {
        let i = indent + "  "
        var out = indent + "<JournalEntry>\n"
        out += i + "<OriginalReferenceDocumentType>BKPFF</OriginalReferenceDocumentType>\n"
        out += i + "<BusinessTransactionType>RFBU</BusinessTransactionType>\n"
        out += i + "<AccountingDocumentType>SA</AccountingDocumentType>\n"
        out += i + "<LedgerGroup>\(XMLEscaping.escapeText(ledgerGroup))</LedgerGroup>\n"
        out += i + "<DocumentHeaderText>By ledger \(XMLEscaping.escapeText(ledgerGroup))</DocumentHeaderText>\n"
        if let reversalReason { out += i + "<ReversalReason>\(reversalReason)</ReversalReason>\n" }
        if let reversalReferenceDocument { out += i + "<ReversalReferenceDocument>\(reversalReferenceDocument)</ReversalReferenceDocument>\n" }
        out += i + "<CreatedByUser>ITEST</CreatedByUser>\n"
        out += i + "<CompanyCode>\(companyCode)</CompanyCode>\n"
        out += i + "<DocumentDate>\(postingDate)</DocumentDate>\n"
        out += i + "<PostingDate>\(postingDate)</PostingDate>\n"
        func amount(_ value: String) -> String {
            "<AmountInTransactionCurrency currencyCode=\"\(currency)\">\(value)</AmountInTransactionCurrency>"
                + "<DebitCreditCode>\(value.hasPrefix("-") ? "H" : "S")</DebitCreditCode>"
        }
        // XSD order: Item*, then DebtorItem*, then CreditorItem*.
        for case .gl(let account, let value) in lines {
            out += i + "<Item><GLAccount>\(account)</GLAccount>\(amount(value))<DocumentItemText>G/L line</DocumentItemText></Item>\n"
        }
        var number = lines.count { if case .gl = $0 { true } else { false } }
        for case .customer(let id, let value) in lines {
            number += 1
            out += i + "<DebtorItem><ReferenceDocumentItem>\(number)</ReferenceDocumentItem><Debtor>\(id)</Debtor>\(amount(value))</DebtorItem>\n"
        }
        for case .vendor(let id, let value) in lines {
            number += 1
            out += i + "<CreditorItem><ReferenceDocumentItem>\(number)</ReferenceDocumentItem><Creditor>\(id)</Creditor>\(amount(value))</CreditorItem>\n"
        }
        return out + indent + "</JournalEntry>\n"
    }
}

/// A request to one of the asynchronous services, with everything the asynchronous path keys and
/// routes by: bulk `MessageHeader` (ID, UUID, `SenderBusinessSystemID`) and the SOAP header
/// blocks (`wsa:MessageID`, `wsa:ReplyTo`, SAP's `messageId`).
struct AsyncRequest: Sendable {
    enum Service: Sendable {
        case create([EntrySpec])
        case ledger([LedgerEntrySpec])
    }

    var service: Service
    var messageID: String?
    var messageUUID: String?
    var senderBusinessSystemID: String?
    /// `wsa:MessageID` as written (e.g. `uuid:…`).
    var wsaMessageID: String?
    /// `wsa:ReplyTo/wsa:Address`.
    var replyTo: String?
    /// SAP's `messageId` header as written (e.g. `uuid:…`).
    var sapMessageID: String?

    init(
        _ entries: [EntrySpec], messageID: String? = BulkRequest.newMessageID("ASYNC"), messageUUID: String? = UUID().uuidString.lowercased(),
        sender: String? = AsyncContract.demoSender, wsaMessageID: String? = nil, replyTo: String? = nil, sapMessageID: String? = nil
    ) {
        self.service = .create(entries)
        self.messageID = messageID
        self.messageUUID = messageUUID
        self.senderBusinessSystemID = sender
        self.wsaMessageID = wsaMessageID
        self.replyTo = replyTo
        self.sapMessageID = sapMessageID
    }

    init(ledger entries: [LedgerEntrySpec], messageID: String? = BulkRequest.newMessageID("LEDGER"), sender: String? = AsyncContract.demoSender) {
        self.service = .ledger(entries)
        self.messageID = messageID
        self.messageUUID = UUID().uuidString.lowercased()
        self.senderBusinessSystemID = sender
    }

    var path: String {
        switch service {
        case .create: AsyncContract.createPath
        case .ledger: AsyncContract.ledgerPath
        }
    }

    var interface: String {
        switch service {
        case .create: AsyncContract.createInterface
        case .ledger: AsyncContract.ledgerInterface
        }
    }

    var entryCount: Int {
        switch service {
        case .create(let entries): entries.count
        case .ledger(let entries): entries.count
        }
    }

    /// The `MessageHeader/ID` of entry `index` (from 0).
    func entryID(_ index: Int) -> String? { messageID.map { "\($0)-\(index + 1)" } }

    var payload: String {
        let root: String
        let bodies: [String]
        switch service {
        case .create(let entries):
            root = AsyncContract.createRoot
            bodies = entries.map { $0.xml(indent: "    ") }
        case .ledger(let entries):
            root = AsyncContract.ledgerRoot
            bodies = entries.map { $0.xml(indent: "    ") }
        }
        var out = "<sfin:\(root) xmlns:sfin=\"\(Repo.sfinNamespace)\">\n  <MessageHeader>"
        if let messageID { out += "<ID>\(XMLEscaping.escapeText(messageID))</ID>" }
        if let messageUUID { out += "<UUID>\(messageUUID)</UUID>" }
        out += "<CreationDateTime>2025-03-01T10:00:00Z</CreationDateTime>"
        if let senderBusinessSystemID { out += "<SenderBusinessSystemID>\(XMLEscaping.escapeText(senderBusinessSystemID))</SenderBusinessSystemID>" }
        out += "</MessageHeader>\n"
        for (index, body) in bodies.enumerated() {
            out += "  <JournalEntryCreateRequest>\n    <MessageHeader>"
            if let id = entryID(index) { out += "<ID>\(XMLEscaping.escapeText(id))</ID>" }
            out += "<CreationDateTime>2025-03-01T10:00:00Z</CreationDateTime></MessageHeader>\n"
            out += body
            out += "  </JournalEntryCreateRequest>\n"
        }
        return out + "</sfin:\(root)>"
    }

    /// The SOAP header blocks, as SAP's clients write them (`mustUnderstand` on WS-Addressing).
    var headerBlocks: String {
        var out = ""
        if wsaMessageID != nil || replyTo != nil {
            out += "<wsa:Action soapenv:mustUnderstand=\"1\">\(AsyncContract.soapAction(interface))</wsa:Action>"
        }
        if let wsaMessageID { out += "<wsa:MessageID soapenv:mustUnderstand=\"1\">\(XMLEscaping.escapeText(wsaMessageID))</wsa:MessageID>" }
        if let replyTo { out += "<wsa:ReplyTo><wsa:Address>\(XMLEscaping.escapeText(replyTo))</wsa:Address></wsa:ReplyTo>" }
        if let sapMessageID {
            out += "<msgID:messageId xmlns:msgID=\"\(AsyncContract.sapMessageIDNamespace)\">\(XMLEscaping.escapeText(sapMessageID))</msgID:messageId>"
        }
        return out
    }

    func envelope(_ version: SOAPVersion = .soap11) -> String {
        let blocks = headerBlocks
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<soapenv:Envelope xmlns:soapenv=\"\(version.envelopeNamespace)\" "
            + "xmlns:wsa=\"\(AsyncContract.wsaNamespace)\">\n"
            + (blocks.isEmpty ? "<soapenv:Header/>\n" : "<soapenv:Header>\(blocks)</soapenv:Header>\n")
            + "<soapenv:Body>\n" + payload + "\n</soapenv:Body>\n</soapenv:Envelope>\n"
    }
}

/// A fresh transport message ID in SAP's upper-case GUID form.
func newTransportID() -> String { UUID().uuidString.uppercased() }

/// A GUID as `TransportMessageID` keys it: lower case, no dashes, no `uuid:`.
func normalisedTransportID(_ raw: String) -> String {
    var value = raw.trimmingCharacters(in: .whitespaces)
    if value.lowercased().hasPrefix("uuid:") { value.removeFirst(5) }
    return value.replacingOccurrences(of: "-", with: "").lowercased()
}

// MARK: - A gateway with a receiver

/// A gateway whose configuration (derived from `config/demo.json`) sends the demo communication
/// system's confirmations to a test receiver on loopback, plus that receiver.
final class AsyncScenario: Sendable {
    let gateway: GatewayHarness
    let configPath: String
    /// The port of the communication system's confirmation URL (the receiver may be down).
    let confirmationsPort: Int
    private let current: Mutex<ConfirmationReceiver?>
    private let directory: String

    /// `http://127.0.0.1:<port>/confirmations`.
    var confirmationsURL: String { "http://127.0.0.1:\(confirmationsPort)\(AsyncContract.demoConfirmationPath)" }

    private init(gateway: GatewayHarness, configPath: String, confirmationsPort: Int, receiver: ConfirmationReceiver?, directory: String) {
        self.gateway = gateway
        self.configPath = configPath
        self.confirmationsPort = confirmationsPort
        self.current = Mutex(receiver)
        self.directory = directory
    }

    /// The running receiver (the test fails when it is down).
    var receiver: ConfirmationReceiver {
        get throws { try #require(current.withLock { $0 }, "the confirmation receiver is down") }
    }

    /// Brings the receiver (back) up on ``confirmationsPort``.
    @discardableResult
    func startReceiver(statuses: [Int] = [], defaultStatus: Int = 200) async throws -> ConfirmationReceiver {
        let receiver = try await ConfirmationReceiver.start(port: confirmationsPort, statuses: statuses, defaultStatus: defaultStatus)
        current.withLock { $0 = receiver }
        return receiver
    }

    /// Takes the receiver down (connections to ``confirmationsPort`` are refused).
    func stopReceiver() async {
        let receiver = current.withLock { r in
            defer { r = nil }
            return r
        }
        await receiver?.stop()
    }

    /// - Parameters:
    ///   - receiverUp: `false` starts with nobody listening on the confirmation port.
    ///   - statuses: the receiver's first answers (then `defaultStatus`).
    ///   - editConfig: further changes to the derived configuration.
    static func start(
        receiverUp: Bool = true, statuses: [Int] = [], defaultStatus: Int = 200, editConfig: (inout [String: Any]) throws -> Void = { _ in }
    ) async throws -> AsyncScenario {
        let directory = try Repo.makeTemporaryDirectory()
        var receiver: ConfirmationReceiver?
        do {
            let port: Int
            if receiverUp {
                let started = try await ConfirmationReceiver.start(statuses: statuses, defaultStatus: defaultStatus)
                receiver = started
                port = started.port
            } else {
                port = try await unusedLoopbackPort()
            }
            let config = try writeAsyncConfig(in: directory, confirmationsBase: "http://127.0.0.1:\(port)", edit: editConfig)
            let gateway = try await GatewayHarness.start(configPath: config)
            return AsyncScenario(gateway: gateway, configPath: config, confirmationsPort: port, receiver: receiver, directory: directory)
        } catch {
            await receiver?.stop()
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    func stop() async {
        await gateway.stop()
        await stopReceiver()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Runs `body` with a gateway and a receiver, and always stops both.
@discardableResult
func withAsyncScenario<T>(
    receiverUp: Bool = true, statuses: [Int] = [], defaultStatus: Int = 200, editConfig: (inout [String: Any]) throws -> Void = { _ in },
    _ body: (AsyncScenario) async throws -> T
) async throws -> T {
    let scenario = try await AsyncScenario.start(receiverUp: receiverUp, statuses: statuses, defaultStatus: defaultStatus, editConfig: editConfig)
    do {
        let result = try await body(scenario)
        await scenario.stop()
        return result
    } catch {
        await scenario.stop()
        throw error
    }
}

/// Writes a copy of `config/demo.json` in which every URL on the demo's confirmation endpoint
/// (`http://127.0.0.1:9099…`) points at `confirmationsBase` instead. Fails when the demo names no
/// such URL (its communication system is missing).
func writeAsyncConfig(in directory: String, confirmationsBase: String, edit: (inout [String: Any]) throws -> Void = { _ in }) throws -> String {
    try Repo.writeConfig(in: directory) { json in
        var replaced = 0
        func rewrite(_ value: Any) -> Any {
            switch value {
            case let text as String where text.hasPrefix(AsyncContract.demoConfirmationBase):
                replaced += 1
                return confirmationsBase + text.dropFirst(AsyncContract.demoConfirmationBase.count)
            case let object as [String: Any]: return object.mapValues(rewrite)
            case let array as [Any]: return array.map(rewrite)
            default: return value
            }
        }
        json = json.mapValues(rewrite)
        guard replaced > 0 else {
            throw HarnessError(
                "config/demo.json names no confirmation URL \(AsyncContract.demoConfirmationBase)\(AsyncContract.demoConfirmationPath) "
                    + "(the demo's communication system \(AsyncContract.demoSender) is missing)")
        }
        try edit(&json)
    }
}

// MARK: - Talking to the gateway

extension GatewayHarness {
    /// POSTs an asynchronous request with the headers a client of that SOAP version sends, and
    /// the transport message ID in the URL when `queryMessageID` is given.
    func postAsync(
        _ request: AsyncRequest, version: SOAPVersion = .soap11, queryMessageID: String? = nil, credentials: Credentials = .integration
    ) async throws -> HTTPResponseSummary {
        try await postAsyncXML(
            request.envelope(version), path: request.path, interface: request.interface, version: version, queryMessageID: queryMessageID,
            credentials: credentials)
    }

    func postAsyncXML(
        _ xml: String, path: String = AsyncContract.createPath, interface: String = AsyncContract.createInterface, version: SOAPVersion = .soap11,
        queryMessageID: String? = nil, credentials: Credentials = .integration
    ) async throws -> HTTPResponseSummary {
        let action = AsyncContract.soapAction(interface)
        let headers: [(name: String, value: String)] =
            switch version {
            case .soap11: [("Content-Type", "text/xml; charset=utf-8"), ("SOAPAction", "\"\(action)\"")]
            case .soap12: [("Content-Type", "application/soap+xml; charset=utf-8; action=\"\(action)\"")]
            }
        let query = queryMessageID.map { "?MessageId=" + percentEncoded($0) } ?? ""
        return try await send("POST", path + query, body: Array(xml.utf8), headers: headers, credentials: credentials)
    }

    /// Every message in the store, newest first.
    func storedMessages() async throws -> [MessageSummary] {
        try await store.messages(MessageQuery(limit: 1000)).messages
    }

    /// The message whose bulk `MessageHeader/ID`, `UUID` or transport message ID is `id`.
    func storedMessage(_ id: String) async throws -> MessageSummary? {
        var query = MessageQuery(limit: 10)
        query.messageID = id
        return try await store.messages(query).messages.first
    }

    /// Waits until the message `id` is processed and returns what the monitor shows of it.
    func waitUntilProcessed(_ id: String, timeout: Duration = .seconds(10)) async throws -> MessageDetail {
        try await poll("message \(id) to be processed", timeout: timeout) {
            guard let summary = try await self.storedMessage(id), summary.message.state == .processed else { return nil }
            return try await self.store.messageDetail(summary.message.id)
        }
    }

    /// Waits until the confirmation of message `id` has reached `status`.
    func waitForDelivery(_ id: String, _ status: DeliveryState.Status, timeout: Duration = .seconds(10)) async throws -> MessageDetail {
        try await poll("the confirmation of message \(id) to be \(status)", timeout: timeout) {
            guard let summary = try await self.storedMessage(id), summary.delivery?.state.status == status else { return nil }
            return try await self.store.messageDetail(summary.message.id)
        }
    }

    /// Waits until the message `id` has at least `count` recorded delivery attempts.
    func waitForAttempts(_ id: String, atLeast count: Int, timeout: Duration = .seconds(10)) async throws -> MessageDetail {
        try await poll("\(count) delivery attempt(s) of message \(id)", timeout: timeout) {
            guard let summary = try await self.storedMessage(id), let detail = try await self.store.messageDetail(summary.message.id),
                detail.attempts.count >= count
            else { return nil }
            return detail
        }
    }

    /// Entries as the read API shows them, with the ledgers they were posted to.
    func ledgerView(_ companyCode: String, _ fiscalYear: String, _ document: String) async throws -> APIEntryLedgers? {
        let response = try await get("/api/journal-entries/\(companyCode)/\(fiscalYear)/\(document)")
        if response.status == 404 { return nil }
        try #require(response.status == 200, "GET journal entry answered \(response.status): \(response.text)")
        return try JSONDecoder().decode(APIEntryLedgers.self, from: Data(response.body))
    }
}

/// The ledger fields of an entry in the read API.
struct APIEntryLedgers: Decodable, Sendable {
    let accountingDocument: String
    let ledgerGroup: String?
    let ledgers: [String]?
}

/// Checks that an asynchronous request was acknowledged as SAP does: `202 Accepted`, empty body.
func expectAccepted(_ response: HTTPResponseSummary, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(response.status == 202, "expected 202 Accepted, got \(response.status): \(response.text)", sourceLocation: sourceLocation)
    #expect(response.body.isEmpty, "a 202 has an empty body; got \(response.text)", sourceLocation: sourceLocation)
}

// MARK: - Confirmations as received

/// A confirmation as the receiver got it, read element by element.
struct ReceivedConfirmation: Sendable {
    let request: ConfirmationReceiver.Request
    let version: SOAPVersion
    /// The SOAP 1.1 `SOAPAction` header without quotes, or SOAP 1.2's `action` media-type parameter.
    let soapAction: String?
    let wsaAction: String?
    let wsaMessageID: String?
    let wsaRelatesTo: String?
    let wsaTo: String?
    /// Violations of `JournalEntryCreate.xsd` by the payload.
    let schemaIssues: [String]
    let interfaceOrignName: String?
    let referenceUUID: String?
    let recipientBusinessSystemID: String?
    let confirmation: Confirmation

    init(_ request: ConfirmationReceiver.Request) throws {
        self.request = request
        let envelope = try ResponseEnvelope(request.body)
        version = envelope.version
        let contentType = request.header("Content-Type") ?? ""
        switch envelope.version {
        case .soap11:
            soapAction = request.header("SOAPAction").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\" ")) }
        case .soap12:
            soapAction = contentType.range(of: "action=").map { range in
                String(contentType[range.upperBound...].prefix { $0 != ";" }).trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
            }
        }
        let header = envelope.envelope.firstChild(named: "Header", namespaceURI: envelope.version.envelopeNamespace)
        func wsa(_ name: String) -> String? {
            header?.firstChild(named: name, namespaceURI: AsyncContract.wsaNamespace)?.text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        wsaAction = wsa("Action")
        wsaMessageID = wsa("MessageID")
        wsaRelatesTo = wsa("RelatesTo")
        wsaTo = wsa("To")
        schemaIssues = try Repo.schema().validate(envelope.payload).map { "\($0)" }
        interfaceOrignName = envelope.payload.firstChild(named: "ConfirmationInterfaceOrignName")?.text
        let messageHeader = envelope.payload.firstChild(named: "MessageHeader")
        referenceUUID = messageHeader?.firstChild(named: "ReferenceUUID")?.text
        recipientBusinessSystemID = messageHeader?.firstChild(named: "RecipientBusinessSystemID")?.text
        confirmation = try Confirmation(envelope.payload)
    }
}

/// Checks everything a confirmation of `request` must say, as the issue specifies it:
/// POST to the endpoint with the outbound interface's SOAPAction and a consistent content type,
/// WS-Addressing (Action, MessageID = `uuid:` + the confirmation's UUID, RelatesTo = the request's
/// `wsa:MessageID`, To = the endpoint), a payload valid against the schema that names the inbound
/// interface, refers to the request (ReferenceID/ReferenceUUID) and its sender
/// (RecipientBusinessSystemID), and confirms every entry in request order.
@discardableResult
func expectConfirmation(
    _ received: ConfirmationReceiver.Request, confirming request: AsyncRequest, sentTo url: String,
    sourceLocation: SourceLocation = #_sourceLocation
) throws -> ReceivedConfirmation {
    let confirmation = try ReceivedConfirmation(received)
    let action = AsyncContract.soapAction(AsyncContract.confirmationInterface)
    #expect(received.method == "POST", sourceLocation: sourceLocation)
    #expect(received.path == (URL(string: url)?.path ?? url), "posted to \(received.path)", sourceLocation: sourceLocation)
    let contentType = (received.header("Content-Type") ?? "").lowercased()
    switch confirmation.version {
    case .soap11:
        #expect(contentType.hasPrefix("text/xml"), "SOAP 1.1 confirmation with Content-Type \(contentType)", sourceLocation: sourceLocation)
    case .soap12:
        #expect(
            contentType.hasPrefix("application/soap+xml"), "SOAP 1.2 confirmation with Content-Type \(contentType)", sourceLocation: sourceLocation)
    }
    #expect(confirmation.soapAction == action, "SOAPAction \(confirmation.soapAction ?? "none"); \(received)", sourceLocation: sourceLocation)
    #expect(confirmation.wsaAction == action, sourceLocation: sourceLocation)
    let header = confirmation.confirmation
    #expect(confirmation.wsaMessageID == "uuid:" + header.uuid, "wsa:MessageID \(confirmation.wsaMessageID ?? "none")", sourceLocation: sourceLocation)
    #expect(confirmation.wsaRelatesTo == request.wsaMessageID, "wsa:RelatesTo \(confirmation.wsaRelatesTo ?? "none")", sourceLocation: sourceLocation)
    #expect(confirmation.wsaTo == url, "wsa:To \(confirmation.wsaTo ?? "none")", sourceLocation: sourceLocation)
    #expect(confirmation.schemaIssues.isEmpty, "confirmation violates JournalEntryCreate.xsd: \(confirmation.schemaIssues)", sourceLocation: sourceLocation)
    #expect(confirmation.interfaceOrignName == request.interface, sourceLocation: sourceLocation)
    #expect(header.referenceID == request.messageID, sourceLocation: sourceLocation)
    #expect(confirmation.referenceUUID == request.messageUUID, sourceLocation: sourceLocation)
    #expect(header.senderBusinessSystemID == AsyncContract.gatewaySystemID, sourceLocation: sourceLocation)
    #expect(confirmation.recipientBusinessSystemID == request.senderBusinessSystemID, sourceLocation: sourceLocation)
    #expect(header.bulkLogIsEmpty, sourceLocation: sourceLocation)
    #expect(
        header.entries.map(\.referenceID) == (0..<request.entryCount).map(request.entryID), "entries confirmed in request order",
        sourceLocation: sourceLocation)
    return confirmation
}
