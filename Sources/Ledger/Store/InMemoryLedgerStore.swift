public import ConfirmationDelivery
public import Foundation
import Synchronization

/// A ``LedgerStore`` that keeps everything in memory, for tests. It offers the same primitives
/// as the durable stores (the message algorithm is ``MessageProcessor``'s, not a copy) and
/// passes the same conformance suite: a body works on a copy of the state, which replaces the
/// state only when the body returns.
public final class InMemoryLedgerStore: LedgerStore {
    struct State {
        var entries: [DocumentKey: StoredJournalEntry] = [:]
        var nextNumbers: [String: Int64] = [:]
        var messages: [MessageRowID: MessageRecord] = [:]
        var keys: [InboundMessageKey: MessageRowID] = [:]
        var entryRecords: [MessageRowID: [EntryRecord]] = [:]
        var payloads: [MessageRowID: StoredPayload] = [:]
        var deliveries: [DeliveryRowID: DeliveryRecord] = [:]
        var deliveryOfMessage: [MessageRowID: DeliveryRowID] = [:]
        var attempts: [DeliveryRowID: [DeliveryAttempt]] = [:]
        var lastMessageID: MessageRowID = 0
        var lastDeliveryID: DeliveryRowID = 0
        var changes: [DocumentKey: [ChangeRecord]] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// For source compatibility with the durable stores' initialisers; master data is not needed.
    public convenience init(masterData: MasterData) { self.init() }

    public func write<T: Sendable>(rows: Int, _ body: @escaping @Sendable (any LedgerTransaction) throws -> T) async throws -> T {
        try state.withLock { state in
            let transaction = InMemoryTransaction(state: state)
            let result = try body(transaction)
            state = transaction.state
            return result
        }
    }

    public func journalEntry(_ key: DocumentKey) async throws -> StoredJournalEntry? {
        state.withLock { $0.entries[key] }
    }

    public func changeHistory(of key: DocumentKey) async throws -> [ChangeRecord] {
        state.withLock { $0.changes[key] ?? [] }
    }

    /// Always writable.
    public func checkWritable() async throws {}

    public func journalEntries(_ query: JournalEntryQuery) async throws -> JournalEntryPage {
        state.withLock { state in
            let matching = state.entries.values
                .filter { query.matches($0) }
                .sorted { $0.key < $1.key }
            let page = Array(matching.prefix(query.limit))
            return JournalEntryPage(entries: page, next: matching.count > query.limit ? page.last?.key : nil)
        }
    }

    public func messageDetail(_ id: MessageRowID) async throws -> MessageDetail? {
        state.withLock { state in
            guard let message = state.messages[id] else { return nil }
            let delivery = state.deliveryOfMessage[id].flatMap { state.deliveries[$0] }
            return MessageDetail(
                message: message, entries: state.entryRecords[id] ?? [], delivery: delivery,
                attempts: delivery.map { state.attempts[$0.id] ?? [] } ?? [])
        }
    }

    public func messages(_ query: MessageQuery) async throws -> MessagePage {
        state.withLock { state in
            let matching = state.messages.values
                .map { MessageSummary(message: $0, delivery: state.deliveryOfMessage[$0.id].flatMap { state.deliveries[$0] }) }
                .filter { query.matches($0) }
                .sorted { $0.message.id > $1.message.id }
            let page = Array(matching.prefix(query.limit))
            return MessagePage(messages: page, next: matching.count > query.limit ? page.last?.message.id : nil)
        }
    }

    public func messagePayload(_ id: MessageRowID) async throws -> StoredPayload? {
        state.withLock { $0.payloads[id] }
    }
}

/// The in-memory store's transaction: works on its own copy of the state.
final class InMemoryTransaction: LedgerTransaction {
    var state: InMemoryLedgerStore.State

    init(state: InMemoryLedgerStore.State) { self.state = state }

    func message(forKey key: InboundMessageKey) throws -> MessageRecord? {
        state.keys[key].flatMap { state.messages[$0] }
    }

    func message(id: MessageRowID) throws -> MessageRecord? { state.messages[id] }

    func insertMessage(_ message: NewMessage) throws -> MessageRowID {
        if let key = message.key, state.keys[key] != nil { throw LedgerStoreError("message key \(key) is already recorded") }
        state.lastMessageID += 1
        let id = state.lastMessageID
        state.messages[id] = MessageRecord(
            id: id, key: message.key, interface: message.interface, sender: message.sender, messageID: message.messageID,
            messageUUID: message.messageUUID, transportMessageID: message.transportMessageID, receivedAt: message.receivedAt,
            firstReceivedAt: message.firstReceivedAt, attempt: message.attempt, entryCount: message.entryCount,
            payloadDigest: message.payloadDigest, postedCount: 0, state: message.state, stateChangedAt: message.receivedAt, claim: nil,
            confirmation: message.confirmation, isTest: message.isTest)
        if let key = message.key { state.keys[key] = id }
        return id
    }

    func releaseKey(ofMessage id: MessageRowID) throws {
        guard let key = state.messages[id]?.key else { return }
        state.keys[key] = nil
        state.messages[id]?.key = nil
    }

    func setState(ofMessage id: MessageRowID, to newState: MessageState, at: String, claim: MessageClaim?) throws {
        guard state.messages[id] != nil else { throw LedgerStoreError("no message \(id)") }
        state.messages[id]?.state = newState
        state.messages[id]?.stateChangedAt = at
        state.messages[id]?.claim = claim
    }

    func claimableMessages(now: String, limit: Int) throws -> [MessageRecord] {
        let claimable = state.messages.values.filter { message in
            message.state == .accepted || (message.state == .processing && (message.claim.map { $0.until < now } ?? true))
        }
        return Array(claimable.sorted { $0.id < $1.id }.prefix(limit))
    }

    func insertPayload(_ payload: StoredPayload, forMessage id: MessageRowID) throws { state.payloads[id] = payload }

    func deletePayload(ofMessage id: MessageRowID) throws { state.payloads[id] = nil }

    func takeDocumentNumber(companyCode: String, fiscalYear: Int, numberRange: String, first: Int64, last: Int64) throws -> Int64? {
        let counter = "\(companyCode)/\(fiscalYear)/\(numberRange)"
        let number = state.nextNumbers[counter] ?? first
        guard number <= last else { return nil }
        state.nextNumbers[counter] = number + 1
        return number
    }

    func insertJournalEntry(_ entry: NewJournalEntry) throws {
        guard state.entries[entry.key] == nil else { throw LedgerStoreError("document \(entry.key) already exists") }
        guard let message = state.messages[entry.messageRowID] else { throw LedgerStoreError("no message \(entry.messageRowID)") }
        state.entries[entry.key] = StoredJournalEntry(
            key: entry.key, plan: entry.plan.header, lines: entry.plan.lines, postedBy: entry.postedBy, postedAt: entry.postedAt,
            source: .init(
                interface: message.interface, messageID: message.messageID, messageUUID: message.messageUUID,
                entryMessageID: entry.entryMessageID, entryMessageUUID: entry.entryMessageUUID, receivedAt: message.receivedAt),
            ledgerGroup: entry.plan.ledgerGroup, ledgers: entry.plan.ledgers, reverses: entry.plan.reversal?.original,
            reversalReason: entry.plan.reversal?.reason)
    }

    func journalEntry(_ key: DocumentKey) throws -> StoredJournalEntry? { state.entries[key] }

    func setField(_ field: ChangeableField, of document: DocumentKey, item: Int?, to value: String?) throws {
        guard var entry = state.entries[document] else { throw LedgerStoreError("document \(document) does not exist") }
        let lineIndex = item.flatMap { item in entry.lines.firstIndex { $0.lineNumber == item } }
        if item != nil && lineIndex == nil { throw LedgerStoreError("document \(document) has no item \(item!)") }
        switch (field.name, lineIndex) {
        case ("DocumentHeaderText", nil): entry.plan.documentHeaderText = value
        case ("DocumentReferenceID", nil): entry.plan.documentReferenceID = value
        case ("DocumentItemText", let index?): entry.lines[index].itemText = value
        case ("AssignmentReference", let index?): entry.lines[index].assignmentReference = value
        case ("DueCalculationBaseDate", let index?):
            guard let date = value.map({ LedgerDate(iso: $0) }) ?? .some(nil) else { throw LedgerStoreError("'\(value!)' is not a date") }
            entry.lines[index].dueCalculationBaseDate = date
        default: entry.additionalFields[item ?? 0, default: [:]][field.name] = value
        }
        state.entries[document] = entry
    }

    func markCleared(_ document: DocumentKey, item: Int, by clearing: DocumentKey, on date: LedgerDate) throws {
        guard let index = state.entries[document]?.lines.firstIndex(where: { $0.lineNumber == item }),
            state.entries[document]?.lines[index].openItemState == .open
        else { throw LedgerStoreError("item \(item) of \(document) is not an open item") }
        state.entries[document]?.lines[index].openItemState = .cleared
        state.entries[document]?.lines[index].clearingDocument = clearing
        state.entries[document]?.lines[index].clearingDate = date
    }

    func reopen(_ document: DocumentKey, item: Int) throws {
        guard let index = state.entries[document]?.lines.firstIndex(where: { $0.lineNumber == item }),
            state.entries[document]?.lines[index].openItemState == .cleared
        else { throw LedgerStoreError("item \(item) of \(document) is not a cleared item") }
        state.entries[document]?.lines[index].openItemState = .open
        state.entries[document]?.lines[index].clearingDocument = nil
        state.entries[document]?.lines[index].clearingDate = nil
    }

    func itemsCleared(by clearing: DocumentKey) throws -> [OpenItemKey] {
        state.entries.values.filter { $0.key.companyCode == clearing.companyCode }.flatMap { entry in
            entry.lines.filter { $0.openItemState == .cleared && $0.clearingDocument == clearing }.map { OpenItemKey(document: entry.key, item: $0.lineNumber) }
        }.sorted()
    }

    func simulate<T>(_ body: () throws -> T) throws -> T {
        let saved = state
        defer { state = saved }
        return try body()
    }

    func recordChange(_ change: ChangeRecord) throws { state.changes[change.document, default: []].append(change) }

    func markReversed(_ original: DocumentKey, by reversal: DocumentKey) throws {
        guard state.entries[original] != nil else { throw LedgerStoreError("document \(original) does not exist") }
        guard state.entries[original]?.reversedBy == nil else { throw LedgerStoreError("document \(original) is already reversed") }
        state.entries[original]?.reversedBy = reversal
    }

    func recordEntries(_ entries: [EntryRecord], ofMessage id: MessageRowID) throws {
        guard state.messages[id] != nil else { throw LedgerStoreError("no message \(id)") }
        state.entryRecords[id] = entries
        state.messages[id]?.postedCount = entries.count { $0.outcome.isPosted }
    }

    func entries(ofMessage id: MessageRowID) throws -> [EntryRecord] { state.entryRecords[id] ?? [] }

    func enqueueDelivery(_ delivery: NewDelivery) throws -> DeliveryRowID {
        guard state.messages[delivery.messageRowID] != nil else { throw LedgerStoreError("no message \(delivery.messageRowID)") }
        guard state.deliveryOfMessage[delivery.messageRowID] == nil else {
            throw LedgerStoreError("message \(delivery.messageRowID) already has a delivery")
        }
        state.lastDeliveryID += 1
        let id = state.lastDeliveryID
        state.deliveries[id] = DeliveryRecord(
            id: id, messageRowID: delivery.messageRowID, target: delivery.target, state: delivery.state, claimedBy: nil,
            createdAt: delivery.createdAt, updatedAt: delivery.createdAt)
        state.deliveryOfMessage[delivery.messageRowID] = id
        return id
    }

    func dueDeliveries(now: Date, limit: Int) throws -> [DeliveryRecord] {
        let due = state.deliveries.values.compactMap { delivery -> (Date, DeliveryRecord)? in
            switch delivery.state.phase {
            case .pending(_, let at), .retryScheduled(_, let at): at <= now ? (at, delivery) : nil
            case .inFlight(_, let leaseUntil): leaseUntil < now ? (leaseUntil, delivery) : nil
            case .delivered, .failed: nil
            }
        }
        return Array(due.sorted { ($0.0, $0.1.id) < ($1.0, $1.1.id) }.prefix(limit).map(\.1))
    }

    func delivery(id: DeliveryRowID) throws -> DeliveryRecord? { state.deliveries[id] }

    func delivery(ofMessage id: MessageRowID) throws -> DeliveryRecord? {
        state.deliveryOfMessage[id].flatMap { state.deliveries[$0] }
    }

    func updateDelivery(_ id: DeliveryRowID, state newState: DeliveryState, claimedBy: String?) throws {
        guard state.deliveries[id] != nil else { throw LedgerStoreError("no delivery \(id)") }
        state.deliveries[id]?.state = newState
        state.deliveries[id]?.claimedBy = claimedBy
    }

    func recordAttempt(_ attempt: DeliveryAttempt, ofDelivery id: DeliveryRowID) throws {
        guard state.deliveries[id] != nil else { throw LedgerStoreError("no delivery \(id)") }
        state.attempts[id, default: []].append(attempt)
        state.deliveries[id]?.updatedAt = attempt.finishedAt
    }

    func failedDeliveries(limit: Int) throws -> [DeliveryRecord] {
        Array(state.deliveries.values.filter { $0.state.status == .failed }.sorted { $0.id < $1.id }.prefix(limit))
    }
}

extension JournalEntryQuery {
    /// Whether an entry passes this filter (the reference semantics for every store).
    public func matches(_ entry: StoredJournalEntry) -> Bool {
        if let visibleCompanyCodes, !visibleCompanyCodes.contains(entry.key.companyCode) { return false }
        if let companyCode, entry.key.companyCode != companyCode { return false }
        if let fiscalYear, entry.key.fiscalYear != fiscalYear { return false }
        if let postingDateFrom, entry.plan.postingDate < postingDateFrom { return false }
        if let postingDateTo, entry.plan.postingDate > postingDateTo { return false }
        if let after, !(after < entry.key) { return false }
        if let account, !entry.lines.contains(where: { $0.glAccount == account || $0.businessPartner == account }) { return false }
        return true
    }
}

extension MessageQuery {
    /// Whether a message passes this filter (the reference semantics for every store).
    public func matches(_ summary: MessageSummary) -> Bool {
        let message = summary.message
        if let interface, message.interface != interface { return false }
        if let sender, message.sender != sender { return false }
        if let state, message.state != state { return false }
        if let deliveryStatus, summary.delivery?.state.status != deliveryStatus { return false }
        if let messageID, ![message.messageID, message.messageUUID, message.transportMessageID].contains(messageID) { return false }
        if let receivedFrom, message.receivedAt < receivedFrom { return false }
        if let receivedTo, message.receivedAt > receivedTo { return false }
        if let before, message.id >= before { return false }
        return true
    }
}
