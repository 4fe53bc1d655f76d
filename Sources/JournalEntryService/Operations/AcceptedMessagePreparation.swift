import Ledger
import SOAPCore
import XMLCore

/// What a posting worker needs to post an accepted asynchronous message: its entries checked
/// against the posting rules, and what decides where its confirmation goes.
public struct PreparedPosting: Sendable {
    public var entries: [EntrySubmission]
    /// The request's bulk `MessageHeader/SenderBusinessSystemID`.
    public var senderBusinessSystemID: String?
    /// The request's `wsa:ReplyTo` address (not the anonymous one).
    public var replyTo: String?
    /// The request's SOAP version (`"1.1"` or `"1.2"`): a `wsa:ReplyTo` receiver gets its confirmation in it.
    public var soapVersion: String = "1.1"
    /// Set when the stored request could not be read back (it was valid when it was accepted):
    /// the message is then recorded as processed with no entries and this is logged.
    public var problem: String?

    public init(entries: [EntrySubmission], senderBusinessSystemID: String? = nil, replyTo: String? = nil, problem: String? = nil) {
        self.entries = entries
        self.senderBusinessSystemID = senderBusinessSystemID
        self.replyTo = replyTo
        self.problem = problem
    }

    /// Rows the posting transaction writes, about.
    public var estimatedRows: Int {
        entries.reduce(4) { rows, entry in
            if case .post(let plan) = entry.action { return rows + 3 + plan.lines.count + plan.ledgers.count }
            if case .change(let change) = entry.action { return rows + 1 + 2 * change.changes.count }
            if case .clear(let plan) = entry.action { return rows + 3 + 3 * plan.items.count }
            return rows + 1
        }
    }
}

/// Reads an accepted message's stored request back and checks its entries: the part of posting
/// that needs no store, run on the blocking-work runner (parse, decode, posting rules).
public struct AcceptedMessagePreparation: Sendable {
    let checks: EntryChecks
    let limits: XMLParseLimits

    public init(rules: PostingRules, system: GatewaySystem, limits: XMLParseLimits) {
        self.checks = EntryChecks(rules: rules, system: system)
        self.limits = limits
    }

    /// - Parameter authorization: the posting user's authorisation now (`nil` when the user is no
    ///   longer configured: every entry is then refused for lack of authorisation).
    public func prepare(_ message: MessageRecord, payload: StoredPayload, authorization: PostingAuthorization?) -> PreparedPosting {
        let envelope: SOAPEnvelope
        do {
            let mediaType = try? SOAPMediaType.parse(payload.contentType)
            envelope = try payload.body.withUnsafeBytes { bytes throws(SOAPFault) in
                try SOAPEnvelope.parse(bytes, limits: limits, mediaType: mediaType)
            }
        } catch {
            return PreparedPosting(entries: [], problem: "the stored request no longer parses: \((error as? SOAPFault)?.reason ?? "\(error)")")
        }
        let user = authorization ?? PostingAuthorization(userName: message.sender, companyCodes: [])
        let replyTo = envelope.addressing.replyTo.flatMap { WSAddressing.isAnonymous($0) ? nil : $0 }
        // Decoded by the inbound interface: one decoder and one set of checks per service.
        let decoded: Result<(entries: [EntrySubmission], header: MessageHeaderFields), BulkCreateRequestDecoder.DecodingProblems>
        switch message.interface {
        case JournalEntryOperations.bulkClearingInterface:
            decoded = BulkClearingRequestDecoder.decode(envelope.payload).map { (checks.submissions(for: $0, authorization: user), $0.messageHeader) }
        case JournalEntryOperations.bulkChangeInterface:
            decoded = BulkChangeRequestDecoder.decode(envelope.payload).map { (checks.submissions(for: $0, authorization: user), $0.messageHeader) }
        default:
            decoded = BulkCreateRequestDecoder.decode(envelope.payload).map { (checks.submissions(for: $0, authorization: user), $0.messageHeader) }
        }
        switch decoded {
        case .success(let (entries, header)):
            var prepared = PreparedPosting(entries: entries, senderBusinessSystemID: header.senderBusinessSystemID, replyTo: replyTo)
            prepared.soapVersion = envelope.version == .soap12 ? "1.2" : "1.1"
            return prepared
        case .failure(let problems):
            return PreparedPosting(entries: [], problem: "the stored request no longer decodes: \(problems.issues.map(\.description).joined(separator: "; "))")
        }
    }
}
