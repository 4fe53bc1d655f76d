import Foundation
import Ledger
import Logging
import SOAPCore
import XMLCore

/// Limits of the service, from the configuration.
public struct ServiceLimits: Sendable, Hashable {
    /// Most `JournalEntryCreateRequest`s accepted in one bulk message.
    public var maximumEntriesPerMessage: Int

    public init(maximumEntriesPerMessage: Int = 10_000) {
        self.maximumEntriesPerMessage = maximumEntriesPerMessage
    }
}

/// What one request came to: the confirmation payload and what happened to its entries.
public struct ServiceResult: Sendable {
    /// The Body content of the answer.
    public var payload: String
    /// The bulk `MessageHeader/ID` (else its `UUID`), if the request had one.
    public var messageID: String?
    /// `true` when the message had been processed before and its original confirmation was returned.
    public var replayed: Bool
    /// The outcomes of this processing, in entry order (empty for a replay).
    public var outcomes: [EntryOutcome]

    public var postedCount: Int { outcomes.count { if case .posted = $0 { true } else { false } } }
    public var rejectedCount: Int { outcomes.count { if case .rejected = $0 { true } else { false } } }
    public var checkedCount: Int { outcomes.count { if case .checked = $0 { true } else { false } } }
}

/// The synchronous *Journal Entry – Post* operation `JournalEntryCreateRequestConfirmation_In`:
/// XSD-validates the body payload, decodes it, checks every entry against the posting rules,
/// posts through the ``LedgerStore`` and returns the `JournalEntryBulkCreateConfirmation` payload.
///
/// Technical problems (invalid XML, XSD violations) become SOAP faults; business problems
/// come back as HTTP 200 with the errors in each entry's `Log`, as SAP does.
public final class JournalEntryCreateService: Sendable {
    public static let interfaceName = "JournalEntryCreateRequestConfirmation_In"
    public static let requestElement = "JournalEntryBulkCreateRequest"
    public static let soapAction =
        "http://sap.com/xi/SAPSCORE/SFIN/JournalEntryCreateRequestConfirmation_In/JournalEntryCreateRequestConfirmation_InRequest"

    let schema: XSDSchema
    let rules: PostingRules
    let processor: MessageProcessor
    let store: any LedgerStore
    let writer: ConfirmationWriter
    let limits: ServiceLimits
    let runner: any BlockingWorkRunner
    let logger: Logger

    public init(
        schema: XSDSchema, masterData: MasterData, store: any LedgerStore, system: GatewaySystem, limits: ServiceLimits,
        runner: any BlockingWorkRunner = InlineWorkRunner(), logger: Logger
    ) {
        self.runner = runner
        self.schema = schema
        self.rules = PostingRules(masterData: masterData)
        self.processor = MessageProcessor(masterData: masterData)
        self.store = store
        self.writer = ConfirmationWriter(system: system)
        self.limits = limits
        self.logger = logger
    }

    /// Handles one request whose envelope was already parsed.
    /// - Returns: the confirmation payload (the Body content), to be wrapped in the request's SOAP version.
    public func handle(_ envelope: SOAPEnvelope, authorization: PostingAuthorization) async throws(SOAPFault) -> String {
        try await process(envelope, authorization: authorization).payload
    }

    /// Handles one request whose envelope was already parsed, and says what happened to it
    /// (for the request log and metrics).
    public func process(_ envelope: SOAPEnvelope, authorization: PostingAuthorization) async throws(SOAPFault) -> ServiceResult {
        // Strict validation, decoding and the posting rules run on the blocking-work runner.
        let message = try await runner.run { () throws(SOAPFault) -> InboundMessage in
            try self.prepare(envelope, authorization: authorization)
        }
        return try await process(message, version: envelope.version)
    }

    /// The blocking part of a request (root element, strict validation, decoding, posting rules):
    /// the message as the store takes it. Runs off the cooperative pool.
    func prepare(_ envelope: SOAPEnvelope, authorization: PostingAuthorization) throws(SOAPFault) -> InboundMessage {
        let payload = envelope.payload
        guard payload.isNamed(Self.requestElement, namespaceURI: ConfirmationWriter.namespace) else {
            throw SOAPFault(
                code: .sender,
                reason: "Body element \(payload.clarkName) is not accepted by \(Self.interfaceName); expected "
                    + "{\(ConfirmationWriter.namespace)}\(Self.requestElement)",
                version: envelope.version)
        }
        return try checkedMessage(envelope, authorization: authorization, receivedAt: UTCTimestamp.now())
    }

    /// Records and posts a prepared message (or answers it from its checks, or replays it) and
    /// renders the confirmation.
    func process(_ message: InboundMessage, version: SOAPVersion) async throws(SOAPFault) -> ServiceResult {
        let writer = self.writer
        // A check run writes nothing: no replay lookup, no transaction, no fsync.
        if message.isTestMessage {
            let records = message.checkOnlyRecords
            return ServiceResult(
                payload: writer.render(header: message.confirmation, entries: records), messageID: message.messageID ?? message.messageUUID,
                replayed: false, outcomes: records.map(\.outcome))
        }
        do {
            let processor = self.processor
            let result = try await store.write(rows: message.estimatedRows) { [message] transaction in
                try processor.process(message, in: transaction)
            }
            switch result {
            case .replayed(let recorded, let records):
                logger.info("replayed message: returning the original confirmation", metadata: ["sender": "\(message.sender)", "messageID": "\(message.key?.messageID ?? "")"])
                let payload = recorded.legacyConfirmation ?? writer.render(header: recorded.confirmation, entries: records)
                return ServiceResult(payload: payload, messageID: message.messageID ?? message.messageUUID, replayed: true, outcomes: [])
            case .processed(_, let records):
                return ServiceResult(
                    payload: writer.render(header: message.confirmation, entries: records), messageID: message.messageID ?? message.messageUUID,
                    replayed: false, outcomes: records.map(\.outcome))
            case .conflict(let firstReceivedAt):
                logger.info(
                    "message ID reused for a different message: refused",
                    metadata: ["sender": "\(message.sender)", "messageID": "\(message.key?.messageID ?? "")", "firstReceivedAt": "\(firstReceivedAt)"])
                var header = MessageHeaderFields()
                header.id = message.messageID
                header.uuid = message.messageUUID
                throw Self.conflictFault(header, firstReceivedAt: firstReceivedAt, version: version)
            }
        } catch let fault as SOAPFault {
            throw fault
        } catch {
            throw Self.internalFault(error, version: version, logger: logger)
        }
    }

    /// XSD first, then what SoapUI templates leave behind, then what the XSD cannot express;
    /// then every entry through the posting rules.
    func checkedMessage(_ envelope: SOAPEnvelope, authorization: PostingAuthorization, receivedAt now: String) throws(SOAPFault) -> InboundMessage {
        let payload = envelope.payload
        var issues = schema.validate(payload)
        if issues.isEmpty { issues = payload.placeholderIssues() }
        guard issues.isEmpty else { throw Self.invalidRequest(issues, version: envelope.version) }
        let request: BulkCreateRequest
        switch BulkCreateRequestDecoder.decode(payload) {
        case .success(let decoded): request = decoded
        case .failure(let problems): throw Self.invalidRequest(problems.issues, version: envelope.version)
        }
        guard request.entries.count <= limits.maximumEntriesPerMessage else {
            throw SOAPFault(
                code: .sender,
                reason: "The message has \(request.entries.count) JournalEntryCreateRequest elements; this gateway accepts at most "
                    + "\(limits.maximumEntriesPerMessage) per message. Split it into smaller messages.",
                version: envelope.version)
        }
        var message = inboundMessage(request, authorization: authorization, receivedAt: now)
        if message.key != nil && !message.isTestMessage { message.payloadDigest = PayloadDigest.digest(of: payload) }
        return message
    }

    /// This service as a registered operation, served at `paths`.
    public func operation(paths: [String]) -> SOAPOperation {
        SOAPOperation(
            interface: Self.interfaceName, paths: paths, rootElement: Self.requestElement, soapAction: Self.soapAction, mode: .synchronous,
            wsdlFile: "JournalEntryCreateRequestConfirmation_In.wsdl",
            prepare: { request throws(SOAPFault) in try self.prepare(request.envelope, authorization: request.authorization) }
        ) { request throws(SOAPFault) in
            if let message = request.prepared as? InboundMessage {
                return .confirmation(try await self.process(message, version: request.envelope.version))
            }
            return .confirmation(try await self.process(request.envelope, authorization: request.authorization))
        }
    }

    /// The Sender fault for a message ID (else UUID) that was already used for a message with
    /// another payload that posted entries. Its detail is `jg:MessageIDConflict` with the ID and
    /// when it was first received.
    static func conflictFault(_ header: MessageHeaderFields, firstReceivedAt: String, version: SOAPVersion) -> SOAPFault {
        let (element, value) = header.id.map { ("MessageHeader/ID", $0) } ?? ("MessageHeader/UUID", header.uuid ?? "")
        return messageIDConflict(
            element: element, value: value, firstReceivedAt: firstReceivedAt,
            reason: "\(element) '\(value)' was already used for a different message (first received at \(firstReceivedAt)); "
                + "nothing was posted. Send this message with a new \(element); resending the original message unchanged returns its confirmation.",
            version: version)
    }

    /// A Sender fault with the `jg:MessageIDConflict` detail: which ID (`element`, `value`) and when it was first received.
    static func messageIDConflict(element: String, value: String, firstReceivedAt: String, reason: String, version: SOAPVersion) -> SOAPFault {
        var detail = "<jg:MessageIDConflict xmlns:jg=\"\(SOAPNamespaces.gatewayFault)\"><jg:Element>\(element)</jg:Element><jg:MessageID>"
        XMLEscaping.appendEscapedText(value, to: &detail)
        detail += "</jg:MessageID><jg:FirstReceivedAt>"
        XMLEscaping.appendEscapedText(firstReceivedAt, to: &detail)
        detail += "</jg:FirstReceivedAt></jg:MessageIDConflict>"
        return SOAPFault(code: .sender, reason: reason, version: version, detailXML: detail)
    }

    /// Builds the store's view of the message: a replay key, and for each entry the checked plan or its rejection.
    func inboundMessage(_ request: BulkCreateRequest, authorization: PostingAuthorization, receivedAt: String) -> InboundMessage {
        let entries = EntryChecks(rules: rules, system: writer.system).submissions(for: request, authorization: authorization)
        // A message in which nothing is meant to be posted is a check: it is not recorded, so its ID stays usable.
        let isCheckOnly = request.isCheckOnly
        let replayID = request.messageHeader.id ?? request.messageHeader.uuid.map { "UUID:" + $0.lowercased() }
        return InboundMessage(
            key: replayID.map { InboundMessageKey(sender: authorization.userName, interface: Self.interfaceName, messageID: $0) },
            interface: Self.interfaceName, sender: authorization.userName, messageID: request.messageHeader.id,
            messageUUID: request.messageHeader.uuid, receivedAt: receivedAt, isTestMessage: isCheckOnly, entries: entries,
            confirmation: ConfirmationHeader(
                uuid: Self.newUUID(), creationDateTime: receivedAt, referenceID: request.messageHeader.id,
                referenceUUID: request.messageHeader.uuid, recipientBusinessSystemID: request.messageHeader.senderBusinessSystemID))
    }

    static func invalidRequest(_ issues: [XMLIssue], version: SOAPVersion) -> SOAPFault {
        SOAPFault.invalidRequest(
            issues, reason: "The request does not conform to the schema of \(interfaceName); nothing was posted", version: version)
    }

    /// SAP's generic SOAP-runtime fault, with a transaction ID that is also logged.
    static func internalFault(_ error: any Error, version: SOAPVersion, logger: Logger) -> SOAPFault {
        let transactionID = UUID().uuidString.replacingOccurrences(of: "-", with: "")
        logger.error("internal error while processing a request", metadata: ["transactionID": "\(transactionID)", "error": "\(error)"])
        let timestamp = UTCTimestamp.now().filter(\.isNumber).prefix(14)
        return SOAPFault(
            code: .receiver,
            reason: "Web service processing error; more details in the web service error log on provider side "
                + "(UTC timestamp \(timestamp); Transaction ID \(transactionID))",
            version: version)
    }

    static func newUUID() -> String { RandomUUID.lowercased() }
}
