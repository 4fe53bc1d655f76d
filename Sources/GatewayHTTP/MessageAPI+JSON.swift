public import ConfirmationDelivery
public import Foundation
public import Ledger

/// A message as the monitor shows it (`GET /api/messages`, `GET /api/messages/{id}`,
/// `journal-gateway messages … --json`): its identity, where it stands with the time it got
/// there, and its confirmation's delivery. The detail adds the entries' outcomes and the
/// delivery attempts; in a listing those (and the counts that need the entries) are absent.
///
/// Every state carries its time: `receivedAt` (accepted), `stateChangedAt` (the current
/// `state`), `claim.until` (processing), and in `delivery` `createdAt`, `nextAttemptAt`
/// (pending, retry scheduled), `leaseUntil` (in flight), `deliveredAt` or `failedAt`, plus each
/// attempt's `startedAt`/`finishedAt`. Times are UTC, ISO 8601 with 6 fractional digits, so
/// they sort as text. Absent values (`null`) are left out.
public struct MessageView: Encodable, Sendable, Hashable {
    /// Row ID: the `{id}` of `/api/messages/{id}` and of `journal-gateway messages show`.
    public let id: MessageRowID
    public let interface: String
    /// The authenticated user who sent it.
    public let sender: String
    /// Bulk `MessageHeader/ID` and `UUID`.
    public let messageID: String?
    public let messageUUID: String?
    /// `?MessageId=`, `wsa:MessageID` or SAP's `messageId` header of an asynchronous request.
    public let transportMessageID: String?
    /// `true` while this message holds its ID for replay protection; `false` once a later attempt
    /// under the same ID took it over (this one posted nothing), or when it had no ID.
    public let holdsKey: Bool
    public let receivedAt: String
    /// When the ID was first received (an earlier attempt's time when `attempt` > 1).
    public let firstReceivedAt: String
    /// 1 for the first attempt under its ID, n + 1 after an attempt that posted nothing.
    public let attempt: Int
    /// `accepted`, `processing` or `processed`.
    public let state: String
    public let stateChangedAt: String
    /// The posting worker holding it while `processing`.
    public let claim: Claim?
    /// `TestDataIndicator`: the whole message was a check.
    public let isTest: Bool
    public let entryCount: Int
    public let postedCount: Int
    /// Detail only: entries rejected and entries only checked.
    public let rejectedCount: Int?
    public let checkedCount: Int?
    public let confirmation: Confirmation
    /// `true` for a message recorded before outcomes were stored as data: its entries are not
    /// listed (its confirmation was stored as sent).
    public let legacyConfirmation: Bool?
    /// The confirmation's delivery; absent when there is none (a synchronous message is answered
    /// in its response).
    public let delivery: Delivery?
    /// Detail only, in entry order.
    public let entries: [Entry]?
    /// Detail only, oldest first.
    public let attempts: [Attempt]?

    /// A listing's row.
    public init(_ summary: MessageSummary) {
        self.init(summary.message, delivery: summary.delivery, entries: nil, attempts: nil)
    }

    /// The detail of one message.
    public init(_ detail: MessageDetail) {
        self.init(detail.message, delivery: detail.delivery, entries: detail.entries, attempts: detail.attempts)
    }

    private init(_ message: MessageRecord, delivery: DeliveryRecord?, entries: [EntryRecord]?, attempts: [DeliveryAttempt]?) {
        id = message.id
        interface = message.interface
        sender = message.sender
        messageID = message.messageID
        messageUUID = message.messageUUID
        transportMessageID = message.transportMessageID
        holdsKey = message.key != nil
        receivedAt = message.receivedAt
        firstReceivedAt = message.firstReceivedAt
        attempt = message.attempt
        state = message.state.rawValue
        stateChangedAt = message.stateChangedAt
        claim = message.claim.map { Claim(by: $0.by, until: $0.until) }
        isTest = message.isTest
        entryCount = message.entryCount
        postedCount = message.postedCount
        rejectedCount = entries.map { $0.count { if case .rejected = $0.outcome { true } else { false } } }
        checkedCount = entries.map { $0.count { if case .checked = $0.outcome { true } else { false } } }
        confirmation = Confirmation(message.confirmation)
        legacyConfirmation = message.legacyConfirmation == nil ? nil : true
        self.delivery = delivery.map(Delivery.init)
        self.entries = entries?.map(Entry.init)
        self.attempts = attempts?.map(Attempt.init)
    }

    /// A posting worker's hold on a message being posted.
    public struct Claim: Encodable, Sendable, Hashable {
        public let by: String
        /// After this another worker may take the message.
        public let until: String
    }

    /// What the message's confirmation says about the message as a whole.
    public struct Confirmation: Encodable, Sendable, Hashable {
        /// `MessageHeader/UUID` of the confirmation (the same in every resend).
        public let uuid: String
        public let creationDateTime: String
        /// The request's bulk `MessageHeader/ID` and `UUID`, confirmed as `ReferenceID`/`ReferenceUUID`.
        public let referenceID: String?
        public let referenceUUID: String?
        public let recipientBusinessSystemID: String?
        /// The request's `wsa:MessageID`, sent back as `wsa:RelatesTo`.
        public let relatesTo: String?

        init(_ header: ConfirmationHeader) {
            uuid = header.uuid
            creationDateTime = header.creationDateTime
            referenceID = header.referenceID
            referenceUUID = header.referenceUUID
            recipientBusinessSystemID = header.recipientBusinessSystemID
            relatesTo = header.relatesTo
        }
    }

    /// What happened to one entry.
    public struct Entry: Encodable, Sendable, Hashable {
        /// Position in the message, from 0.
        public let index: Int
        /// `posted`, `changed`, `checked` or `rejected`.
        public let outcome: String
        /// `posted` or `changed`: the journal entry (`path` is its `/api/journal-entries/…` resource).
        public let journalEntry: JournalEntryReference?
        /// `changed`: the item changed (absent for a header change).
        public let item: Int?
        /// `checked`: where it would have been posted.
        public let companyCode: String?
        public let fiscalYear: Int?
        /// `rejected`: why, as the confirmation's `Log/Item`s say it.
        public let log: [LogItem]?
        /// The entry's own request `MessageHeader/ID` and `UUID`, and its confirmation's `UUID`.
        public let messageID: String?
        public let messageUUID: String?
        public let confirmationUUID: String

        init(_ record: EntryRecord) {
            index = record.index
            messageID = record.messageID
            messageUUID = record.messageUUID
            confirmationUUID = record.confirmationUUID
            item = if case .changed(_, let item) = record.outcome { item } else { nil }
            switch record.outcome {
            case .posted(let key):
                outcome = "posted"
                journalEntry = JournalEntryReference(key)
                (companyCode, fiscalYear, log) = (nil, nil, nil)
            case .changed(let key, _):
                outcome = "changed"
                journalEntry = JournalEntryReference(key)
                (companyCode, fiscalYear, log) = (nil, nil, nil)
            case .checked(let summary):
                outcome = "checked"
                (companyCode, fiscalYear) = (summary.companyCode, summary.fiscalYear)
                (journalEntry, log) = (nil, nil)
            case .rejected(let rejection):
                outcome = "rejected"
                log = rejection.messages.map(LogItem.init)
                (journalEntry, companyCode, fiscalYear) = (nil, nil, nil)
            }
        }
    }

    /// A posted journal entry's key.
    public struct JournalEntryReference: Encodable, Sendable, Hashable {
        public let companyCode: String
        public let fiscalYear: Int
        public let accountingDocument: String
        /// `/api/journal-entries/<companyCode>/<fiscalYear>/<accountingDocument>`.
        public let path: String

        init(_ key: DocumentKey) {
            companyCode = key.companyCode
            fiscalYear = key.fiscalYear
            accountingDocument = key.documentNumber
            let encodedCode = key.companyCode.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? key.companyCode
            path = "/api/journal-entries/\(encodedCode)/\(key.fiscalYear)/\(key.documentNumber)"
        }
    }

    /// One message of a rejection, as in the confirmation's log.
    public struct LogItem: Encodable, Sendable, Hashable {
        /// `702(F5)`: number and message class.
        public let typeID: String
        /// `information`, `warning`, `error` or `abort`; `severityCode` is SAP's 1…4.
        public let severity: String
        public let severityCode: Int
        public let text: String

        init(_ message: LedgerMessage) {
            typeID = message.typeID
            severityCode = message.severity.rawValue
            severity =
                switch message.severity {
                case .information: "information"
                case .warning: "warning"
                case .error: "error"
                case .abort: "abort"
                }
            text = message.text
        }
    }

    /// Where the confirmation's delivery stands.
    public struct Delivery: Encodable, Sendable, Hashable {
        /// `pending`, `inFlight`, `retryScheduled`, `delivered` or `failed` (``DeliveryState/Status``).
        public let status: String
        /// The receiver's URL, without user information (`https://user:secret@host/…` → `https://host/…`).
        public let url: String
        /// The communication system (business system ID) whose endpoint it is; absent for a `wsa:ReplyTo` address.
        public let communicationSystem: String?
        public let outboundInterface: String
        /// `1.1` or `1.2`.
        public let soapVersion: String
        /// The attempt being made or due next (1…the policy's maximum) while not finished.
        public let attempt: Int?
        /// Attempts finished in the current budget, and over the delivery's whole life.
        public let attemptsMade: Int
        public let totalAttempts: Int
        /// `pending`, `retryScheduled`: when the next attempt is due.
        public let nextAttemptAt: String?
        /// `inFlight`: the dispatcher holding it, and until when.
        public let claimedBy: String?
        public let leaseUntil: String?
        /// The last attempt's HTTP status (absent when it got no answer) and error (absent when delivered).
        public let lastStatus: Int?
        public let lastError: String?
        /// `delivered`: when, with which status.
        public let deliveredAt: String?
        public let deliveredStatus: Int?
        /// `failed`: when, and the last error.
        public let failedAt: String?
        public let failureReason: String?
        /// When the delivery was enqueued and last changed.
        public let createdAt: String
        public let updatedAt: String

        public init(_ record: DeliveryRecord) {
            let state = record.state
            status = state.status.rawValue
            url = Self.redacted(record.target.url)
            communicationSystem = record.target.communicationSystem
            outboundInterface = record.target.outboundInterface
            soapVersion = record.target.soapVersion
            attemptsMade = state.attemptsMade
            totalAttempts = state.totalAttempts
            nextAttemptAt = state.nextAttemptAt.map(MessageTime.text)
            lastStatus = state.lastStatus
            lastError = state.lastError
            createdAt = MessageTime.text(record.createdAt)
            updatedAt = MessageTime.text(record.updatedAt)
            var (attempt, leaseUntil, deliveredAt, deliveredStatus, failedAt, failureReason): (Int?, Date?, Date?, Int?, Date?, String?)
            switch state.phase {
            case .pending(let number, _), .retryScheduled(let number, _): attempt = number
            case .inFlight(let number, let until): (attempt, leaseUntil) = (number, until)
            case .delivered(let at, let status): (deliveredAt, deliveredStatus) = (at, status)
            case .failed(let reason, let at): (failedAt, failureReason) = (at, reason)
            }
            self.attempt = attempt
            self.claimedBy = state.status == .inFlight ? record.claimedBy : nil
            self.leaseUntil = leaseUntil.map(MessageTime.text)
            self.deliveredAt = deliveredAt.map(MessageTime.text)
            self.deliveredStatus = deliveredStatus
            self.failedAt = failedAt.map(MessageTime.text)
            self.failureReason = failureReason
        }

        /// `url` without the user information of its authority.
        public static func redacted(_ url: String) -> String {
            guard let schemeEnd = url.range(of: "://") else { return url }
            let rest = url[schemeEnd.upperBound...]
            let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
            guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return url }
            return String(url[..<schemeEnd.upperBound]) + String(rest[rest.index(after: at)...])
        }
    }

    /// One attempt to send the confirmation.
    public struct Attempt: Encodable, Sendable, Hashable {
        /// 1, 2, … over the delivery's whole life.
        public let number: Int
        public let startedAt: String
        public let finishedAt: String
        /// The receiver's HTTP status; absent when it did not answer.
        public let httpStatus: Int?
        /// What went wrong; absent when delivered.
        public let error: String?

        init(_ attempt: DeliveryAttempt) {
            number = attempt.number
            startedAt = MessageTime.text(attempt.startedAt)
            finishedAt = MessageTime.text(attempt.finishedAt)
            httpStatus = attempt.httpStatus
            error = attempt.error
        }
    }
}

/// One page of `GET /api/messages`, newest first. Pass `nextPageToken` back as `pageToken` for
/// the following page; it is absent on the last page.
public struct MessageListView: Encodable, Sendable, Hashable {
    public let messages: [MessageView]
    public let nextPageToken: String?

    public init(_ page: MessagePage) {
        messages = page.messages.map(MessageView.init)
        nextPageToken = page.next.map(MessagePageToken.encode)
    }
}

/// How the monitor writes times: UTC, ISO 8601 with 6 fractional digits, as the messages' own
/// times (``UTCTimestamp``), so that all of them sort as text.
public enum MessageTime {
    public static func text(_ date: Date) -> String {
        let interval = date.timeIntervalSince1970
        var seconds = interval.rounded(.down)
        var microseconds = ((interval - seconds) * 1_000_000).rounded()
        if microseconds >= 1_000_000 {
            seconds += 1
            microseconds -= 1_000_000
        }
        return UTCTimestamp.format(seconds: Int(seconds), microseconds: Int(microseconds))
    }
}

/// JSON as the monitor writes it: keys sorted (stable, easy to diff), slashes of URLs and paths
/// unescaped; `pretty` for people (the command line), compact for the API.
public enum MonitorJSON {
    public static func encode(_ value: some Encodable, pretty: Bool = false) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted] : [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }
}
