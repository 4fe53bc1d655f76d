public import ConfirmationDelivery
public import Foundation

/// Where the ledger, the inbound messages and the confirmation outbox live. Implementations:
/// ``InMemoryLedgerStore`` (tests), the SQLite store (default) and, later, PostgreSQL.
///
/// The unit of writing is a transaction: ``write(rows:_:)`` runs a body against a
/// ``LedgerTransaction`` and commits everything the body did, or nothing. What the body does
/// (the message algorithm, posting, outcomes, outbox) is written once, above the store, in
/// ``MessageProcessor`` and the services; a store only offers the primitives.
///
/// Contract (checked for every implementation by the `LedgerStoreConformance` suite):
/// - A body's writes are atomic and durable when `write` returns; when the body throws, none of
///   its writes remain and `write` rethrows its error.
/// - Bodies of concurrent `write` calls are serialised (as if one ran after the other): a body
///   sees the writes of every body that committed before it.
/// - A store may run several bodies in one physical transaction (group commit) and may, after a
///   failed commit, run a body again; so a body must have no effect outside the transaction.
/// - Reads see only committed data and never wait for writes.
public protocol LedgerStore: Sendable {
    /// Runs `body` in one write transaction and returns its result once it is committed.
    /// - Parameter rows: about how many rows the body writes; a group-committing store bounds a
    ///   shared transaction by rows, so that one large message is written alone.
    func write<T: Sendable>(rows: Int, _ body: @escaping @Sendable (any LedgerTransaction) throws -> T) async throws -> T

    // MARK: Reads (committed data, no writer involved)

    func journalEntry(_ key: DocumentKey) async throws -> StoredJournalEntry?
    /// A document's change history, oldest first.
    func changeHistory(of key: DocumentKey) async throws -> [ChangeRecord]
    func journalEntries(_ query: JournalEntryQuery) async throws -> JournalEntryPage
    /// One message with its entry outcomes, delivery and delivery attempts (the monitor's view).
    func messageDetail(_ id: MessageRowID) async throws -> MessageDetail?
    /// Messages matching `query`, newest first.
    func messages(_ query: MessageQuery) async throws -> MessagePage
    /// The stored request of an asynchronous message (until it is processed).
    func messagePayload(_ id: MessageRowID) async throws -> StoredPayload?
    /// Readiness (`GET /ready`): returns when the store is open and can take a write right now;
    /// throws a ``LedgerStoreError`` saying why not (e.g. the database is read-only). Changes nothing.
    func checkWritable() async throws
}

extension LedgerStore {
    /// ``write(rows:_:)`` for a body that writes a handful of rows.
    public func write<T: Sendable>(_ body: @escaping @Sendable (any LedgerTransaction) throws -> T) async throws -> T {
        try await write(rows: 1, body)
    }
}

/// The primitives a transaction body uses. Only valid inside the body it was passed to.
///
/// Primitives do what they say and nothing more: the rules (replays, conflicts, numbering,
/// retry schedule) are decided by the caller. Times are passed in by the caller (no wall clock
/// inside a store), as UTC ISO 8601 strings for message times and `Date` for deliveries.
public protocol LedgerTransaction: AnyObject {
    // MARK: Inbound messages

    /// The message currently holding `key`, if any.
    func message(forKey key: InboundMessageKey) throws -> MessageRecord?
    /// A message by its row ID.
    func message(id: MessageRowID) throws -> MessageRecord?
    /// Records a new message (its ``NewMessage/key`` must be free) and returns its row ID.
    func insertMessage(_ message: NewMessage) throws -> MessageRowID
    /// Frees the key of an earlier attempt that posted nothing; the row stays for the monitor.
    func releaseKey(ofMessage id: MessageRowID) throws
    /// Moves a message to `state` at `at`, with the claim it holds in that state (`nil` = none).
    func setState(ofMessage id: MessageRowID, to state: MessageState, at: String, claim: MessageClaim?) throws
    /// Up to `limit` asynchronous messages waiting to be posted, oldest first: `accepted`, or
    /// `processing` with a claim that expired before `now`.
    func claimableMessages(now: String, limit: Int) throws -> [MessageRecord]
    /// Stores the request of an asynchronous message.
    func insertPayload(_ payload: StoredPayload, forMessage id: MessageRowID) throws
    /// Drops the stored request of a processed message.
    func deletePayload(ofMessage id: MessageRowID) throws

    // MARK: Posting

    /// Takes the next number of a number range interval, gapless: `nil` when the interval
    /// `first…last` is used up. The number is given back when the transaction rolls back.
    func takeDocumentNumber(companyCode: String, fiscalYear: Int, numberRange: String, first: Int64, last: Int64) throws -> Int64?
    /// Stores a posted entry with all its lines.
    func insertJournalEntry(_ entry: NewJournalEntry) throws
    /// A posted entry as stored now (within this transaction), with its reversal links.
    func journalEntry(_ key: DocumentKey) throws -> StoredJournalEntry?
    /// Links `original` to the reversal document that reverses it (`reversedBy`); the reversal
    /// document itself carries `reverses` from its plan.
    func markReversed(_ original: DocumentKey, by reversal: DocumentKey) throws
    /// Sets a changeable field of a document's header (`item` nil) or item; `nil` clears it.
    func setField(_ field: ChangeableField, of document: DocumentKey, item: Int?, to value: String?) throws
    /// Marks an open item cleared by `clearing` on `date`; throws when it is not open.
    func markCleared(_ document: DocumentKey, item: Int, by clearing: DocumentKey, on date: LedgerDate) throws
    /// Makes a cleared item open again (no clearing document, no clearing date); throws when it is not cleared.
    func reopen(_ document: DocumentKey, item: Int) throws
    /// The items cleared by `clearing` (in its company code), in any document including its own, by key and item.
    func itemsCleared(by clearing: DocumentKey) throws -> [OpenItemKey]
    /// Appends to a document's change history.
    func recordChange(_ change: ChangeRecord) throws
    /// Runs `body` against this transaction and then undoes everything it wrote (a savepoint
    /// rolled back), returning its result: a check run (`TestDataIndicator`) of a change or a
    /// clearing is decided against the ledger as it is, exactly as the real one, and leaves no trace.
    func simulate<T>(_ body: () throws -> T) throws -> T
    /// Records what happened to the entries of a message (outcomes as data) and its posted count.
    func recordEntries(_ entries: [EntryRecord], ofMessage id: MessageRowID) throws
    /// The recorded entries of a message, in entry order.
    func entries(ofMessage id: MessageRowID) throws -> [EntryRecord]

    // MARK: Confirmation outbox

    /// Adds the confirmation delivery of a message (at most one per message).
    func enqueueDelivery(_ delivery: NewDelivery) throws -> DeliveryRowID
    /// Up to `limit` deliveries that are due at `now`: pending or retry scheduled with
    /// `nextAttemptAt <= now`, or in flight with a lease that ended before `now`; oldest due first.
    func dueDeliveries(now: Date, limit: Int) throws -> [DeliveryRecord]
    /// A delivery by row ID, or the one of a message.
    func delivery(id: DeliveryRowID) throws -> DeliveryRecord?
    func delivery(ofMessage id: MessageRowID) throws -> DeliveryRecord?
    /// Stores a delivery's new state (and who holds it while in flight).
    func updateDelivery(_ id: DeliveryRowID, state: DeliveryState, claimedBy: String?) throws
    /// Appends one attempt to a delivery's history.
    func recordAttempt(_ attempt: DeliveryAttempt, ofDelivery id: DeliveryRowID) throws
    /// Deliveries in status `failed`, oldest first (for `messages redeliver --all-failed`).
    func failedDeliveries(limit: Int) throws -> [DeliveryRecord]
}
