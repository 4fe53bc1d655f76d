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

    /// The key written as ``description`` (`1010/2026/0100000001`), e.g. as stored; `nil` otherwise.
    public init?(description text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, let year = Int(parts[1]), !parts[2].isEmpty else { return nil }
        self.init(companyCode: String(parts[0]), fiscalYear: year, documentNumber: String(parts[2]))
    }

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

/// A posted journal entry as read back from the store.
public struct StoredJournalEntry: Sendable, Hashable {
    public var key: DocumentKey
    public var plan: PostingPlan.Header
    public var lines: [PlannedLine]
    public var postedBy: String
    public var postedAt: String
    public var source: Source
    /// The ledger group of a by-ledger posting; `nil` for an ordinary posting.
    public var ledgerGroup: String?
    /// The ledgers the entry was posted into (the leading ledger first).
    public var ledgers: [String]
    /// The document this entry reverses, with the reversal reason (a reversal document).
    public var reverses: DocumentKey?
    public var reversalReason: String?
    /// The reversal document that reversed this entry.
    public var reversedBy: DocumentKey?
    /// Changeable fields without a column of their own (``ChangeableField/isColumn``), set by
    /// change requests: by item number, `0` for the header.
    public var additionalFields: [Int: [String: String]] = [:]

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

    public init(
        key: DocumentKey, plan: PostingPlan.Header, lines: [PlannedLine], postedBy: String, postedAt: String, source: Source,
        ledgerGroup: String? = nil, ledgers: [String] = [], reverses: DocumentKey? = nil, reversalReason: String? = nil,
        reversedBy: DocumentKey? = nil
    ) {
        self.reverses = reverses
        self.reversalReason = reversalReason
        self.reversedBy = reversedBy
        self.ledgerGroup = ledgerGroup
        self.ledgers = ledgers
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

