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
    /// Requests this process's intake has stored, already decoded (see ``AcceptedRequestHandOff``).
    public let handOff: AcceptedRequestHandOff

    public init(rules: PostingRules, system: GatewaySystem, limits: XMLParseLimits, handOff: AcceptedRequestHandOff = AcceptedRequestHandOff()) {
        self.checks = EntryChecks(rules: rules, system: system)
        self.limits = limits
        self.handOff = handOff
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
        switch Self.decode(envelope, interface: message.interface, entryCount: message.entryCount) {
        case .success(let decoded):
            return prepare(message, decoded: decoded, authorization: authorization)
                ?? PreparedPosting(entries: [], problem: "the stored request decoded to nothing")
        case .failure(let problems):
            return PreparedPosting(entries: [], problem: "the stored request no longer decodes: \(problems.issues.map(\.description).joined(separator: "; "))")
        }
    }

    /// The entries of a request the intake handed over: as the intake checked them when the
    /// sender's authorisation is unchanged, else checked again from the decoded request; `nil`
    /// when neither is possible (then the stored request is read back).
    public func prepare(_ message: MessageRecord, decoded: DecodedAcceptedRequest, authorization: PostingAuthorization?) -> PreparedPosting? {
        let user = authorization ?? PostingAuthorization(userName: message.sender, companyCodes: [])
        if let checked = decoded.checked, checked.authorization == user { return checked.entries }
        guard let body = decoded.body else { return nil }
        return check(decoded, body: body, authorization: user)
    }

    /// The intake's part, side by side with storing the request: decode it and check its entries
    /// for the sender's authorisation now (the worker reuses them while it is unchanged).
    public func decodeAndCheck(
        _ envelope: SOAPEnvelope, interface: String, entryCount: Int, authorization: PostingAuthorization
    ) -> DecodedAcceptedRequest? {
        guard var decoded = try? Self.decode(envelope, interface: interface, entryCount: entryCount).get(), let body = decoded.body else {
            return nil
        }
        decoded.checked = (check(decoded, body: body, authorization: authorization), authorization)
        decoded.body = nil
        return decoded
    }

    private func check(_ decoded: DecodedAcceptedRequest, body: DecodedAcceptedRequest.Body, authorization user: PostingAuthorization) -> PreparedPosting {
        let entries: [EntrySubmission]
        let header: MessageHeaderFields
        switch body {
        case .create(let request): (entries, header) = (checks.submissions(for: request, authorization: user), request.messageHeader)
        case .change(let request): (entries, header) = (checks.submissions(for: request, authorization: user), request.messageHeader)
        case .clearing(let request): (entries, header) = (checks.submissions(for: request, authorization: user), request.messageHeader)
        }
        var prepared = PreparedPosting(entries: entries, senderBusinessSystemID: header.senderBusinessSystemID, replyTo: decoded.replyTo)
        prepared.soapVersion = decoded.soapVersion == .soap12 ? "1.2" : "1.1"
        return prepared
    }

    /// Decodes an accepted request of `interface` (one decoder per service); no rules, no store.
    public static func decode(
        _ envelope: SOAPEnvelope, interface: String, entryCount: Int
    ) -> Result<DecodedAcceptedRequest, BulkCreateRequestDecoder.DecodingProblems> {
        let replyTo = envelope.addressing.replyTo.flatMap { WSAddressing.isAnonymous($0) ? nil : $0 }
        let body: Result<DecodedAcceptedRequest.Body, BulkCreateRequestDecoder.DecodingProblems>
        switch interface {
        case JournalEntryOperations.bulkClearingInterface: body = BulkClearingRequestDecoder.decode(envelope.payload).map { .clearing($0) }
        case JournalEntryOperations.bulkChangeInterface: body = BulkChangeRequestDecoder.decode(envelope.payload).map { .change($0) }
        default: body = BulkCreateRequestDecoder.decode(envelope.payload).map { .create($0) }
        }
        return body.map { DecodedAcceptedRequest(body: $0, replyTo: replyTo, soapVersion: envelope.version, entryCount: entryCount) }
    }
}
