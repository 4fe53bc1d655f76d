/// What to do with one entry of a message.
public struct EntrySubmission: Sendable {
    public enum Action: Sendable {
        /// Number and store the entry.
        case post(PostingPlan)
        /// `TestDataIndicator`: the entry passed every check; store nothing.
        case check(PostingPlan)
        /// The entry failed the checks.
        case reject(PostingRejection)
        /// Change fields of a posted document (`JournalEntryBulkChangeRequest_In`).
        case change(JournalEntryChange)
        /// `TestDataIndicator` on a change: checked, nothing changed.
        case checkChange(JournalEntryChange)
        /// Clear open items with a clearing document (`JournalEntryBulkClearingRequest_In`).
        case clear(ClearingPlan)
        /// `TestDataIndicator` on a clearing: checked, nothing posted.
        case checkClear(ClearingPlan)
    }

    public var action: Action
    /// The entry's own `MessageHeader/ID` and `UUID`.
    public var messageID: String?
    public var messageUUID: String?
    /// `MessageHeader/UUID` of the entry's confirmation.
    public var confirmationUUID: String
    /// Named in the entry's `605(RW)`/`609(RW)`/`614(RW)`.
    public var originalReferenceDocumentType: String
    public var logicalSystem: String

    public init(
        action: Action, messageID: String?, messageUUID: String?, confirmationUUID: String, originalReferenceDocumentType: String,
        logicalSystem: String
    ) {
        self.action = action
        self.messageID = messageID
        self.messageUUID = messageUUID
        self.confirmationUUID = confirmationUUID
        self.originalReferenceDocumentType = originalReferenceDocumentType
        self.logicalSystem = logicalSystem
    }

    /// The record of this entry with `outcome`, at `index`.
    public func record(_ outcome: EntryOutcome, index: Int) -> EntryRecord {
        EntryRecord(
            index: index, outcome: outcome, messageID: messageID, messageUUID: messageUUID, confirmationUUID: confirmationUUID,
            originalReferenceDocumentType: originalReferenceDocumentType, logicalSystem: logicalSystem)
    }
}

/// A synchronous message with all its entries checked, as handed to ``MessageProcessor/process(_:in:)``.
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
    /// every entry): it is answered from its checks alone and nothing is written, so the same ID
    /// can be posted for real later. Its entries are `.check` or `.reject`.
    public var isTestMessage: Bool
    public var entries: [EntrySubmission]
    /// A digest of the message's payload (hex SHA-256 of its canonical form): a later message with
    /// the same key but another digest is a ``ProcessingResult/conflict(firstReceivedAt:)``.
    /// `nil` when the caller has none; then the same key is always a replay.
    public var payloadDigest: String?
    public var confirmation: ConfirmationHeader

    public init(
        key: InboundMessageKey?, interface: String, sender: String, messageID: String?, messageUUID: String?, receivedAt: String,
        isTestMessage: Bool, entries: [EntrySubmission], payloadDigest: String? = nil, confirmation: ConfirmationHeader
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
        self.confirmation = confirmation
    }

    /// The records of a check-only message: computed without the store (nothing is numbered or
    /// written). A `.post` entry in a test message is reported as checked.
    public var checkOnlyRecords: [EntryRecord] {
        entries.enumerated().map { index, entry in
            switch entry.action {
            case .reject(let rejection): entry.record(.rejected(rejection), index: index)
            case .check(let plan), .post(let plan): entry.record(.checked(plan.summary), index: index)
            case .change(let change), .checkChange(let change):
                entry.record(.checked(PostingPlan.Summary(companyCode: change.document.companyCode, fiscalYear: change.document.fiscalYear)), index: index)
            case .clear(let plan), .checkClear(let plan):
                entry.record(.checked(PostingPlan.Summary(companyCode: plan.header.companyCode, fiscalYear: plan.header.fiscalYear)), index: index)
            }
        }
    }

    /// Rows a transaction writing this message touches, about (``LedgerStore/write(rows:_:)``).
    public var estimatedRows: Int {
        entries.reduce(2) { rows, entry in
            if case .post(let plan) = entry.action { return rows + 3 + plan.lines.count }
            if case .change(let change) = entry.action { return rows + 1 + 2 * change.changes.count }
            if case .clear(let plan) = entry.action { return rows + 3 + 3 * plan.items.count }
            return rows + 1
        }
    }
}

/// The result of processing a synchronous message.
///
/// The rules for a message whose key was seen before (``MessageProcessor/admit(key:payloadDigest:receivedAt:in:)``):
/// 1. The recorded message is processed and posted nothing (all rejected or checked): the key does
///    not block; the message is processed again as a new attempt (`.processed`).
/// 2. Otherwise (it posted entries, or it is still waiting to be posted) with the same payload
///    digest (or either digest unknown): `.replayed` with the original outcomes; nothing is posted.
/// 3. Otherwise with another payload digest: `.conflict`; nothing is posted or recorded.
public enum ProcessingResult: Sendable {
    /// The message was new (or its earlier attempts posted nothing): its record (`nil` for a
    /// check-only message, which is not recorded) and its entries' outcomes, in entry order.
    case processed(MessageRecord?, [EntryRecord])
    /// The message had been processed before: nothing was posted; these are its original records.
    case replayed(MessageRecord, [EntryRecord])
    /// The key was already used for a message with a different payload; nothing was posted.
    /// `firstReceivedAt` is when that key was first received (UTC, ISO 8601).
    case conflict(firstReceivedAt: String)
}

/// The message algorithm, written once for every store: admission by key (replays, conflicts,
/// reprocessing), gapless numbering, posting and recording outcomes. It runs inside a
/// transaction body and uses only ``LedgerTransaction`` primitives.
public struct MessageProcessor: Sendable {
    /// How a message relates to what the store holds under its key.
    public enum Admission: Sendable, Hashable {
        /// Record it: a new key, or a key whose earlier attempt posted nothing (released now).
        case new(firstReceivedAt: String, attempt: Int)
        /// The same message again: acknowledge it, process nothing.
        case duplicate(MessageRecord)
        /// The key is taken by a message with another payload.
        case conflict(MessageRecord)
    }

    let masterData: MasterData

    public init(masterData: MasterData) { self.masterData = masterData }

    /// Decides what a message with `key` and `payloadDigest` is (rules at ``ProcessingResult``);
    /// releases the key of an earlier attempt that posted nothing.
    public static func admit(
        key: InboundMessageKey?, payloadDigest: String?, receivedAt: String, in transaction: any LedgerTransaction
    ) throws -> Admission {
        guard let key, let recorded = try transaction.message(forKey: key) else { return .new(firstReceivedAt: receivedAt, attempt: 1) }
        if recorded.state == .processed && recorded.postedCount == 0 {
            try transaction.releaseKey(ofMessage: recorded.id)
            return .new(firstReceivedAt: recorded.firstReceivedAt, attempt: recorded.attempt + 1)
        }
        if let stored = recorded.payloadDigest, let payloadDigest, stored != payloadDigest { return .conflict(recorded) }
        return .duplicate(recorded)
    }

    /// Processes a synchronous message in one transaction: admission, recording, posting, outcomes.
    /// A check-only message is not handed here (see ``InboundMessage/checkOnlyRecords``).
    public func process(_ message: InboundMessage, in transaction: any LedgerTransaction) throws -> ProcessingResult {
        switch try Self.admit(key: message.key, payloadDigest: message.payloadDigest, receivedAt: message.receivedAt, in: transaction) {
        case .conflict(let recorded):
            return .conflict(firstReceivedAt: recorded.firstReceivedAt)
        case .duplicate(let recorded):
            return .replayed(recorded, try transaction.entries(ofMessage: recorded.id))
        case .new(let firstReceivedAt, let attempt):
            let new = NewMessage(
                key: message.key, interface: message.interface, sender: message.sender, messageID: message.messageID,
                messageUUID: message.messageUUID, transportMessageID: nil, receivedAt: message.receivedAt,
                firstReceivedAt: firstReceivedAt, attempt: attempt, entryCount: message.entries.count,
                payloadDigest: message.payloadDigest, state: .processed, confirmation: message.confirmation, isTest: false)
            let id = try transaction.insertMessage(new)
            let records = try post(message.entries, ofMessage: id, sender: message.sender, postedAt: message.receivedAt, in: transaction)
            // Built from what was just written rather than read back: the writer's serial work is
            // binding and stepping statements, nothing more.
            return .processed(MessageRecord(inserted: new, id: id, postedCount: records.count { $0.outcome.isPosted }), records)
        }
    }

    /// Posts the entries of a recorded message and records their outcomes (in entry order).
    /// Each `.post` entry gets the next gapless number of its range and is stored with all its
    /// lines, or is rejected (range undefined or used up).
    public func post(
        _ entries: [EntrySubmission], ofMessage id: MessageRowID, sender: String, postedAt: String, in transaction: any LedgerTransaction
    ) throws -> [EntryRecord] {
        var records: [EntryRecord] = []
        records.reserveCapacity(entries.count)
        for (index, entry) in entries.enumerated() {
            let outcome: EntryOutcome
            switch entry.action {
            case .reject(let rejection): outcome = .rejected(rejection)
            case .check(let plan): outcome = .checked(plan.summary)
            case .post(let plan): outcome = try post(plan, entry: entry, ofMessage: id, sender: sender, postedAt: postedAt, in: transaction)
            case .change(let change):
                outcome = try Self.apply(change, ofMessage: id, messageID: entry.messageID, sender: sender, at: postedAt, in: transaction)
            case .checkChange(let change):
                // Decided against the ledger as it is, then undone: the answer a real change would get.
                let simulated = try transaction.simulate {
                    try Self.apply(change, ofMessage: id, messageID: entry.messageID, sender: sender, at: postedAt, in: transaction)
                }
                outcome = simulated.isPosted
                    ? .checked(PostingPlan.Summary(companyCode: change.document.companyCode, fiscalYear: change.document.fiscalYear)) : simulated
            case .clear(let plan): outcome = try clear(plan, entry: entry, ofMessage: id, sender: sender, postedAt: postedAt, in: transaction)
            case .checkClear(let plan):
                let simulated = try transaction.simulate {
                    try clear(plan, entry: entry, ofMessage: id, sender: sender, postedAt: postedAt, in: transaction)
                }
                outcome = simulated.isPosted
                    ? .checked(PostingPlan.Summary(companyCode: plan.header.companyCode, fiscalYear: plan.header.fiscalYear)) : simulated
            }
            records.append(entry.record(outcome, index: index))
        }
        try transaction.recordEntries(records, ofMessage: id)
        return records
    }

    private func post(
        _ plan: PostingPlan, entry: EntrySubmission, ofMessage id: MessageRowID, sender: String, postedAt: String,
        in transaction: any LedgerTransaction
    ) throws -> EntryOutcome {
        if let reversal = plan.reversal, let refusal = try Self.reversalRefusal(plan, reversal, in: transaction) {
            return .rejected(PostingRejection(refusal))
        }
        let key: DocumentKey
        switch try number(companyCode: plan.companyCode, fiscalYear: plan.fiscalYear, numberRange: plan.numberRange, in: transaction) {
        case .success(let taken): key = taken
        case .failure(let rejection): return .rejected(rejection)
        }
        var plan = plan
        var clearedOriginalItems: [Int] = []
        if let reversal = plan.reversal, let original = try transaction.journalEntry(reversal.original) {
            clearedOriginalItems = Self.clearAgainstOriginal(&plan, original, by: key)
        }
        try transaction.insertJournalEntry(
            NewJournalEntry(
                key: key, plan: plan, postedBy: sender, postedAt: postedAt, messageRowID: id, entryMessageID: entry.messageID,
                entryMessageUUID: entry.messageUUID))
        if let reversal = plan.reversal {
            try transaction.markReversed(reversal.original, by: key)
            for item in clearedOriginalItems {
                try transaction.markCleared(reversal.original, item: item, by: key, on: plan.postingDate)
            }
        }
        return .posted(key)
    }

    /// A reversal clears the original's open items against its own mirrored items, as SAP does:
    /// each open item of `original` is paired with an unpaired line of `reversal` on the same
    /// account with the opposite amount, and the pair is cleared by the reversal document `key`.
    /// Marks the reversal's lines in the plan and returns the original's item numbers to mark.
    static func clearAgainstOriginal(_ reversal: inout PostingPlan, _ original: StoredJournalEntry, by key: DocumentKey) -> [Int] {
        var paired: [Int] = []
        var used = Set<Int>()
        for line in original.lines where line.openItemState == .open {
            guard
                let index = reversal.lines.indices.first(where: { index in
                    let candidate = reversal.lines[index]
                    return !used.contains(index) && candidate.openItemState == .open && candidate.accountType == line.accountType
                        && candidate.glAccount == line.glAccount && candidate.businessPartner == line.businessPartner
                        && candidate.amountInCompanyCodeCurrency == -line.amountInCompanyCodeCurrency
                })
            else { continue }
            used.insert(index)
            reversal.lines[index].openItemState = .cleared
            reversal.lines[index].clearingDocument = key
            reversal.lines[index].clearingDate = reversal.postingDate
            paired.append(line.lineNumber)
        }
        return paired
    }

    /// Why `plan` cannot reverse its original as the store holds it now, or `nil` when it can:
    /// the original exists, is not reversed and is not a reversal itself, and the plan's items are
    /// the original's items with the opposite amounts (same accounts, partners and tax codes; in
    /// any order).
    static func reversalRefusal(_ plan: PostingPlan, _ reversal: PostingPlan.Reversal, in transaction: any LedgerTransaction) throws
        -> [LedgerMessage]?
    {
        let key = reversal.original
        let keyFields = [key.documentNumber, key.companyCode, String(key.fiscalYear)]
        guard let original = try transaction.journalEntry(key) else {
            return [LedgerMessage(.reversalDocumentNotFound, keyFields[0], keyFields[1], keyFields[2])]
        }
        if let by = original.reversedBy {
            return [LedgerMessage(.documentAlreadyReversed, keyFields[0], keyFields[1], keyFields[2], by.documentNumber)]
        }
        if original.reverses != nil { return [LedgerMessage(.documentIsReversalDocument)] }
        if let cleared = original.lines.first(where: { $0.openItemState == .cleared }) {
            return [LedgerMessage(.reversalOfClearedItems, keyFields[0], keyFields[1], keyFields[2], cleared.clearingDocument?.documentNumber ?? "?")]
        }
        struct Mirror: Hashable {
            var accountType: AccountType
            var glAccount: String
            var businessPartner: String?
            var transactionAmount: DecimalAmount
            var companyCodeAmount: DecimalAmount
            var taxCode: String?
        }
        func mirror(_ line: PlannedLine, negated: Bool) -> Mirror {
            Mirror(
                accountType: line.accountType, glAccount: line.glAccount, businessPartner: line.businessPartner,
                transactionAmount: negated ? -line.amountInTransactionCurrency : line.amountInTransactionCurrency,
                companyCodeAmount: negated ? -line.amountInCompanyCodeCurrency : line.amountInCompanyCodeCurrency, taxCode: line.taxCode)
        }
        var expected: [Mirror: Int] = [:]
        for line in original.lines { expected[mirror(line, negated: true), default: 0] += 1 }
        let document = keyFields.joined(separator: " ")
        if plan.transactionCurrency != original.plan.transactionCurrency {
            return [LedgerMessage(.reversalCurrencyDiffers, plan.transactionCurrency, document, original.plan.transactionCurrency)]
        }
        if plan.lines.count != original.lines.count {
            return [LedgerMessage(.reversalItemCountDiffers, String(plan.lines.count), document, String(original.lines.count))]
        }
        for line in plan.lines {
            let item = mirror(line, negated: false)
            guard let count = expected[item], count > 0 else {
                let account = line.businessPartner.map { "\(line.accountType.rawValue) \($0)" } ?? line.glAccount
                let amount = line.amountInTransactionCurrency
                let text = amount.formatted(fractionDigits: max(2, amount.significantFractionDigits)) + " " + plan.transactionCurrency
                return [LedgerMessage(.reversalItemsDoNotMirror, String(line.lineNumber), account, text, document)]
            }
            expected[item] = count - 1
        }
        return nil
    }
}
