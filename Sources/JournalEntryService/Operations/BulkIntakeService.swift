import Foundation
import Ledger
import Logging
import SOAPCore
import Synchronization
import XMLCore

/// The intake of SAP's asynchronous services (`JournalEntryBulkCreationRequest_In`,
/// `JournalEntryBulkLedgerCreationRequest_In`): validates the request as strictly as the
/// synchronous service, stores it durably under its idempotency key and answers `202 Accepted`;
/// a posting worker processes it later and the confirmation goes to the caller's endpoint.
///
/// - Invalid requests get the same precise SOAP faults as the synchronous service; nothing is stored.
/// - The idempotency key is (user, interface, transport message ID), else the bulk `MessageHeader/ID`,
///   else its `UUID`; a request without any of them is refused (exactly-once needs an ID).
/// - A message already held under the key is acknowledged again and not stored twice; the same key
///   with another payload is refused with a fault. A key whose message was processed and posted
///   nothing is free again (as in the synchronous service).
/// - `202` is sent only after the request is committed.
public final class BulkIntakeService: Sendable {
    /// The operation this intake serves.
    public struct Operation: Sendable {
        public var interface: String
        public var rootElement: String
        public var schema: XSDSchema
        /// The payload's child elements that are one entry each (counted against the entry limit).
        public var entryElements: Set<String>

        public init(interface: String, rootElement: String, schema: XSDSchema, entryElements: Set<String> = ["JournalEntryCreateRequest"]) {
            self.interface = interface
            self.rootElement = rootElement
            self.schema = schema
            self.entryElements = entryElements
        }
    }

    /// Says why a `wsa:ReplyTo` address may not be used for a user (`nil` = allowed).
    public typealias ReplyToPolicy = @Sendable (_ user: String, _ address: String) -> String?

    let operation: Operation
    let store: any LedgerStore
    let runner: any BlockingWorkRunner
    let limits: ServiceLimits
    let replyToPolicy: ReplyToPolicy
    let onAccepted: @Sendable () -> Void
    let preparation: AcceptedMessagePreparation?
    let logger: Logger

    /// - Parameter preparation: the posting worker's preparation: a stored request is decoded and
    ///   checked while it is being stored and left in its ``AcceptedMessagePreparation/handOff``
    ///   for this process's worker; `nil`: the worker parses and checks it from the store.
    public init(
        operation: Operation, store: any LedgerStore, runner: any BlockingWorkRunner, limits: ServiceLimits,
        replyToPolicy: @escaping ReplyToPolicy, onAccepted: @escaping @Sendable () -> Void, preparation: AcceptedMessagePreparation? = nil,
        logger: Logger
    ) {
        self.operation = operation
        self.store = store
        self.runner = runner
        self.limits = limits
        self.replyToPolicy = replyToPolicy
        self.onAccepted = onAccepted
        self.preparation = preparation
        self.logger = logger
    }

    /// Requests from this size on are decoded and checked at intake for the posting worker; a
    /// smaller one (a few entries) is parsed by the worker from the store, which costs less than
    /// handing it over.
    static let handOffMinimumBytes = 64 * 1024

    /// What the checks found out about a valid request.
    struct Checked: Sendable {
        var header: MessageHeaderFields
        var entryCount: Int
        var digest: String
    }

    public func handle(_ request: OperationRequest) async throws(SOAPFault) -> OperationResponse {
        let envelope = request.envelope
        let operation = self.operation, limits = self.limits
        let checked = try await runner.run { () throws(SOAPFault) -> Checked in
            try Self.check(envelope, operation: operation, limits: limits)
        }
        let user = request.authorization.userName
        if let replyTo = envelope.addressing.replyTo, !WSAddressing.isAnonymous(replyTo), let refusal = replyToPolicy(user, replyTo) {
            throw SOAPFault(
                code: .sender,
                reason: "wsa:ReplyTo '\(replyTo)' is not allowed: \(refusal); nothing was stored. Send without wsa:ReplyTo to get the "
                    + "confirmation at your communication system's endpoint.",
                version: envelope.version)
        }
        let transportID = TransportMessageID.of(queryValue: request.queryMessageID, envelope: envelope)
        let header = checked.header
        guard let keyID = transportID.map({ "TID:" + $0 }) ?? header.id ?? header.uuid.map({ "UUID:" + $0.lowercased() }) else {
            throw SOAPFault(
                code: .sender,
                reason: "\(operation.interface) is asynchronous and needs a message ID to process the request exactly once: send "
                    + "?MessageId=<GUID> in the URL, a wsa:MessageID or SAP messageId header, or MessageHeader/ID or UUID; nothing was stored",
                version: envelope.version)
        }
        let key = InboundMessageKey(sender: user, interface: operation.interface, messageID: keyID)
        let now = UTCTimestamp.now()
        let message = NewMessage(
            key: key, interface: operation.interface, sender: user, messageID: header.id, messageUUID: header.uuid,
            transportMessageID: transportID, receivedAt: now, firstReceivedAt: now, attempt: 1, entryCount: checked.entryCount,
            payloadDigest: checked.digest, state: .accepted,
            confirmation: ConfirmationHeader(
                uuid: RandomUUID.lowercased(), creationDateTime: now, referenceID: header.id, referenceUUID: header.uuid,
                recipientBusinessSystemID: header.senderBusinessSystemID, relatesTo: envelope.addressing.messageID),
            isTest: header.testDataIndicator)
        let payload = StoredPayload(body: request.body, contentType: request.contentType)
        // Decoded and checked for the posting worker while the request is being stored (parsed
        // once, not again after it was stored); on the runner, side by side with the store's write.
        let interface = operation.interface, entryCount = checked.entryCount, preparation = self.preparation
        let authorization = request.authorization
        let runner = self.runner
        // Only where parsing twice costs more than the hand-off itself (two tasks and a hop).
        let handsOff = request.body.count >= Self.handOffMinimumBytes
        let decoding: Task<DecodedAcceptedRequest?, Never>? = (handsOff ? preparation : nil).map { preparation in
            Task {
                await runner.run { preparation.decodeAndCheck(envelope, interface: interface, entryCount: entryCount, authorization: authorization) }
            }
        }
        enum Stored: Sendable { case stored(MessageRowID), duplicate(MessageRecord), conflict(MessageRecord) }
        let stored: Stored
        let handOff = handsOff ? preparation?.handOff : nil
        // The message's place in the hand-off is reserved in the transaction that stores it, so no
        // worker can claim it before; it is fulfilled (or given up) whatever the write's outcome.
        // (A body may run twice: when its batch fails, the writer runs each body again alone.)
        let reserved = Mutex<[MessageRowID]>([])
        do {
            stored = try await store.write(rows: 2 + payload.body.count / 8192) { transaction in
                switch try MessageProcessor.admit(key: key, payloadDigest: message.payloadDigest, receivedAt: now, in: transaction) {
                case .conflict(let recorded): return .conflict(recorded)
                case .duplicate(let recorded): return .duplicate(recorded)
                case .new(let firstReceivedAt, let attempt):
                    var message = message
                    message.firstReceivedAt = firstReceivedAt
                    message.attempt = attempt
                    let id = try transaction.insertMessage(message)
                    try transaction.insertPayload(payload, forMessage: id)
                    if let handOff {
                        handOff.reserve(id)
                        reserved.withLock { $0.append(id) }
                    }
                    return .stored(id)
                }
            }
        } catch {
            for id in reserved.withLock({ $0 }) { handOff?.fulfil(id, with: nil) }
            throw JournalEntryCreateService.internalFault(error, version: envelope.version, logger: logger)
        }
        var storedID: MessageRowID?
        if case .stored(let id) = stored { storedID = id }
        for abandoned in reserved.withLock({ $0 }) where abandoned != storedID { handOff?.fulfil(abandoned, with: nil) }
        switch stored {
        case .stored(let id):
            // The 202 does not wait for the decoding: the worker that claims the message does.
            if let handOff, let decoding { Task { handOff.fulfil(id, with: await decoding.value) } }
            onAccepted()
            return .accepted(IntakeResult(messageRowID: id, key: key, duplicate: false, entryCount: checked.entryCount))
        case .duplicate(let recorded):
            logger.info(
                "duplicate asynchronous message acknowledged again; not stored twice",
                metadata: ["sender": "\(user)", "messageKey": "\(keyID)", "message": "\(recorded.id)", "state": "\(recorded.state.rawValue)"])
            return .accepted(IntakeResult(messageRowID: recorded.id, key: key, duplicate: true, entryCount: recorded.entryCount))
        case .conflict(let recorded):
            logger.info(
                "message ID reused for a different message: refused",
                metadata: ["sender": "\(user)", "messageKey": "\(keyID)", "firstReceivedAt": "\(recorded.firstReceivedAt)"])
            throw Self.conflictFault(keyID: keyID, header: header, transportID: transportID, firstReceivedAt: recorded.firstReceivedAt, version: envelope.version)
        }
    }

    /// XSD validation, SoapUI placeholders, the entry limit and the payload digest: everything
    /// that needs the whole document. Runs on the blocking-work runner.
    static func check(_ envelope: SOAPEnvelope, operation: Operation, limits: ServiceLimits) throws(SOAPFault) -> Checked {
        let payload = envelope.payload
        var issues = operation.schema.validate(payload)
        if issues.isEmpty { issues = payload.placeholderIssues() }
        guard issues.isEmpty else {
            throw SOAPFault.invalidRequest(
                issues, reason: "The request does not conform to the schema of \(operation.interface); nothing was stored", version: envelope.version)
        }
        var header = MessageHeaderFields()
        var entryCount = 0
        payload.forEachChildElement { child in
            switch child.localName {
            case "MessageHeader": header = Self.messageHeader(child)
            case let name where operation.entryElements.contains(name): entryCount += 1
            default: break
            }
        }
        guard entryCount <= limits.maximumEntriesPerMessage else {
            throw SOAPFault(
                code: .sender,
                reason: "The message has \(entryCount) \(operation.entryElements.sorted().joined(separator: "/")) elements; this gateway accepts at most "
                    + "\(limits.maximumEntriesPerMessage) per message. Split it into smaller messages; nothing was stored.",
                version: envelope.version)
        }
        return Checked(header: header, entryCount: entryCount, digest: PayloadDigest.digest(of: payload))
    }

    /// The bulk `MessageHeader` fields the intake keys and routes by (the schema has checked them).
    static func messageHeader(_ element: XMLElement) -> MessageHeaderFields {
        var header = MessageHeaderFields()
        element.forEachChildElement { field in
            let text = field.text.trimmingCharacters(in: .whitespacesAndNewlines)
            switch field.localName {
            case "ID": header.id = text.isEmpty ? nil : text
            case "UUID": header.uuid = text.isEmpty ? nil : text
            case "ReferenceID": header.referenceID = text
            case "CreationDateTime": header.creationDateTime = text
            case "TestDataIndicator": header.testDataIndicator = text == "true" || text == "1"
            case "SenderBusinessSystemID": header.senderBusinessSystemID = text
            case "RecipientBusinessSystemID": header.recipientBusinessSystemID = text
            default: break
            }
        }
        return header
    }

    /// The Sender fault for a key already used by a message with another payload.
    static func conflictFault(
        keyID: String, header: MessageHeaderFields, transportID: String?, firstReceivedAt: String, version: SOAPVersion
    ) -> SOAPFault {
        if transportID == nil { return JournalEntryCreateService.conflictFault(header, firstReceivedAt: firstReceivedAt, version: version) }
        let value = transportID ?? ""
        return JournalEntryCreateService.messageIDConflict(
            element: "MessageId", value: value, firstReceivedAt: firstReceivedAt,
            reason: "The transport message ID '\(value)' was already used for a different message (first received at \(firstReceivedAt)); "
                + "nothing was stored. Send this message with a new message ID; resending the original message unchanged is acknowledged again.",
            version: version)
    }
}

extension WSAddressing {
    /// WS-Addressing's anonymous and none addresses: no reply endpoint is named.
    public static func isAnonymous(_ address: String) -> Bool {
        address.isEmpty || address == "http://www.w3.org/2005/08/addressing/anonymous" || address == "http://www.w3.org/2005/08/addressing/none"
            || address == "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
    }
}
