/// The key of a posted document: company code, fiscal year and 10-digit document number.
public struct DocumentKey: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var companyCode: String
    public var fiscalYear: Int
    public var documentNumber: String

    public init(companyCode: String, fiscalYear: Int, documentNumber: String) {
        self.companyCode = companyCode
        self.fiscalYear = fiscalYear
        self.documentNumber = documentNumber
    }

    /// SAP's object key: document number (10) + company code (4, blank-padded) + fiscal year (4),
    /// as in `Document posted successfully: BKPFF 010000000814102024 …`.
    public var objectKey: String {
        documentNumber + companyCode.padding(toLength: 4) + String(fiscalYear)
    }

    public var description: String { "\(companyCode)/\(fiscalYear)/\(documentNumber)" }

    public static func < (lhs: DocumentKey, rhs: DocumentKey) -> Bool {
        (lhs.companyCode, lhs.fiscalYear, lhs.documentNumber) < (rhs.companyCode, rhs.fiscalYear, rhs.documentNumber)
    }

    /// Formats a document number as SAP does: 10 digits, zero-padded.
    public static func formatNumber(_ number: Int64) -> String {
        let text = String(number)
        return String(repeating: "0", count: max(0, 10 - text.count)) + text
    }
}

extension String {
    func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }
}

/// The identity under which a message is processed exactly once: the authenticated sender
/// and the message's ID (bulk `MessageHeader/ID`, or its `UUID` when there is no ID).
public struct InboundMessageKey: Sendable, Hashable {
    public var sender: String
    public var messageID: String

    public init(sender: String, messageID: String) {
        self.sender = sender
        self.messageID = messageID
    }
}

/// What to do with one entry of a message.
public struct EntrySubmission: Sendable {
    public enum Action: Sendable {
        /// Number and store the entry.
        case post(PostingPlan)
        /// `TestDataIndicator`: the entry passed every check; store nothing.
        case check(PostingPlan)
        /// The entry failed the checks.
        case reject(PostingRejection)
    }

    public var action: Action
    /// The entry's own `MessageHeader/ID` and `UUID`.
    public var messageID: String?
    public var messageUUID: String?

    public init(action: Action, messageID: String?, messageUUID: String?) {
        self.action = action
        self.messageID = messageID
        self.messageUUID = messageUUID
    }
}

/// An inbound message with all its entries, as handed to the store.
public struct InboundMessage: Sendable {
    /// `nil` when the message carries neither ID nor UUID: it is processed without replay protection.
    public var key: InboundMessageKey?
    /// The service interface, e.g. `JournalEntryCreateRequestConfirmation_In`.
    public var interface: String
    public var sender: String
    public var messageID: String?
    public var messageUUID: String?
    /// UTC timestamp, ISO 8601 with microseconds.
    public var receivedAt: String
    /// `true` when the whole message is a check (`TestDataIndicator` on the bulk header, or on
    /// every entry): the store neither looks it up nor records it and writes nothing at all, so
    /// the same ID can be posted for real later. Its entries are `.check` or `.reject`.
    public var isTestMessage: Bool
    public var entries: [EntrySubmission]
    /// A digest of the message's payload (hex SHA-256 of its canonical form), recorded with the
    /// message: a later message with the same key but another digest is a ``ProcessingResult/conflict(firstReceivedAt:)``.
    /// `nil` when the caller has none; then the same key is always a replay.
    public var payloadDigest: String?

    public init(
        key: InboundMessageKey?, interface: String, sender: String, messageID: String?, messageUUID: String?,
        receivedAt: String, isTestMessage: Bool, entries: [EntrySubmission], payloadDigest: String? = nil
    ) {
        self.key = key
        self.interface = interface
        self.sender = sender
        self.messageID = messageID
        self.messageUUID = messageUUID
        self.receivedAt = receivedAt
        self.isTestMessage = isTestMessage
        self.entries = entries
        self.payloadDigest = payloadDigest
    }

    /// The outcomes of a check-only message: computed without the store (nothing is numbered or
    /// written). A `.post` entry in a test message is reported as checked.
    public var checkOnlyOutcomes: [EntryOutcome] {
        entries.map { entry in
            switch entry.action {
            case .reject(let rejection): .rejected(rejection)
            case .check(let plan), .post(let plan): .checked(plan.summary)
            }
        }
    }
}

/// What happened to one entry.
public enum EntryOutcome: Sendable, Hashable {
    case posted(DocumentKey)
    case checked(PostingPlan.Summary)
    case rejected(PostingRejection)
}

extension PostingPlan {
    /// What a check-only outcome reports.
    public struct Summary: Sendable, Hashable {
        public var companyCode: String
        public var fiscalYear: Int
    }

    public var summary: Summary { Summary(companyCode: header.companyCode, fiscalYear: header.fiscalYear) }
}

/// The result of handing a message to the store.
///
/// The rules for a message whose key was seen before, in this order:
/// 1. The recorded message has no posted entry (all rejected or checked): the key does not block;
///    the message is processed again as a new attempt (`.processed`).
/// 2. The recorded message has a posted entry and the same payload digest (or either digest is
///    unknown): `.replayed` with the original confirmation; nothing is posted.
/// 3. The recorded message has a posted entry and another payload digest: `.conflict`; nothing
///    is posted or recorded.
public enum ProcessingResult: Sendable {
    /// The message was new (or its earlier attempts posted nothing): these are its outcomes (in
    /// entry order) and its confirmation.
    case processed(outcomes: [EntryOutcome], confirmation: String)
    /// The message had been processed before: nothing was posted; this is the original confirmation.
    case replayed(confirmation: String)
    /// The key was already used for a message with a different payload that posted entries;
    /// nothing was posted. `firstReceivedAt` is when that key was first received (UTC, ISO 8601).
    case conflict(firstReceivedAt: String)

    /// The confirmation to answer with; `nil` for a conflict.
    public var confirmation: String? {
        switch self {
        case .processed(_, let confirmation), .replayed(let confirmation): confirmation
        case .conflict: nil
        }
    }
}

/// Renders the confirmation of a message from its stored outcomes. The store calls it inside
/// the transaction that records the message, and keeps the result for replays.
public typealias ConfirmationRenderer = @Sendable ([EntryOutcome]) -> String

/// A posted journal entry as read back from the store.
public struct StoredJournalEntry: Sendable, Hashable {
    public var key: DocumentKey
    public var plan: PostingPlan.Header
    public var lines: [PlannedLine]
    public var postedBy: String
    public var postedAt: String
    public var source: Source

    /// The message an entry came from.
    public struct Source: Sendable, Hashable {
        public var interface: String
        public var messageID: String?
        public var messageUUID: String?
        public var entryMessageID: String?
        public var entryMessageUUID: String?
        public var receivedAt: String

        public init(interface: String, messageID: String?, messageUUID: String?, entryMessageID: String?, entryMessageUUID: String?, receivedAt: String) {
            self.interface = interface
            self.messageID = messageID
            self.messageUUID = messageUUID
            self.entryMessageID = entryMessageID
            self.entryMessageUUID = entryMessageUUID
            self.receivedAt = receivedAt
        }
    }

    public init(key: DocumentKey, plan: PostingPlan.Header, lines: [PlannedLine], postedBy: String, postedAt: String, source: Source) {
        self.key = key
        self.plan = plan
        self.lines = lines
        self.postedBy = postedBy
        self.postedAt = postedAt
        self.source = source
    }
}

/// A filter for listing posted entries, newest key last, one page at a time.
public struct JournalEntryQuery: Sendable, Hashable {
    public var companyCode: String?
    public var fiscalYear: Int?
    public var postingDateFrom: LedgerDate?
    public var postingDateTo: LedgerDate?
    /// A G/L account, customer or vendor (canonical number) that at least one line must carry.
    public var account: String?
    /// Only these company codes are visible (`nil` = all).
    public var visibleCompanyCodes: Set<String>?
    /// Entries strictly after this key.
    public var after: DocumentKey?
    public var limit: Int

    public init(limit: Int = 50) { self.limit = limit }
}

/// One page of a listing; `next` is the cursor for the following page, `nil` on the last one.
public struct JournalEntryPage: Sendable {
    public var entries: [StoredJournalEntry]
    public var next: DocumentKey?

    public init(entries: [StoredJournalEntry], next: DocumentKey?) {
        self.entries = entries
        self.next = next
    }
}

/// Errors of a store (I/O, corruption). Business problems never come this way: they are
/// ``EntryOutcome/rejected(_:)`` outcomes.
public struct LedgerStoreError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Where posted entries live. Implementations: ``InMemoryLedgerStore`` (tests), the SQLite
/// store (default) and, later, PostgreSQL.
///
/// Contract:
/// - `process` posts every `.post` entry of a message atomically *per entry*; an entry is
///   either stored with all its lines and a fresh gapless document number, or not at all.
/// - A message with a key that was already recorded follows the rules of ``ProcessingResult``:
///   reprocessed when nothing of it was posted, else replayed (same payload) or a conflict.
/// - A test message (``InboundMessage/isTestMessage``) is answered from its checks alone:
///   no lookup, no transaction, nothing written, no fsync.
/// - The confirmation is rendered from the outcomes inside the same transaction that records
///   the message and its entries, and it is durable before `process` returns.
public protocol LedgerStore: Sendable {
    func process(_ message: InboundMessage, confirmation: @escaping ConfirmationRenderer) async throws -> ProcessingResult
    func journalEntry(_ key: DocumentKey) async throws -> StoredJournalEntry?
    func journalEntries(_ query: JournalEntryQuery) async throws -> JournalEntryPage
    /// Readiness (`GET /ready`): returns when the store is open and can take a write right now;
    /// throws a ``LedgerStoreError`` saying why not (e.g. the database is read-only). Changes nothing.
    func checkWritable() async throws
}
