import Synchronization

/// A ``LedgerStore`` that keeps everything in memory. It follows the same contract as the
/// durable stores (gapless numbers per company code, fiscal year and number range; replays,
/// conflicts and reprocessing by key) and is meant for tests.
public final class InMemoryLedgerStore: LedgerStore {
    private struct Recorded {
        var confirmation: String
        var payloadDigest: String?
        var postedCount: Int
        var firstReceivedAt: String
    }

    private struct State {
        var entries: [DocumentKey: StoredJournalEntry] = [:]
        var nextNumbers: [String: Int64] = [:]
        var messages: [InboundMessageKey: Recorded] = [:]
    }

    private let state = Mutex(State())
    private let numberRanges: @Sendable (String, String) -> MasterData.NumberRange?

    /// - Parameter masterData: where number ranges are looked up.
    public init(masterData: MasterData) {
        self.numberRanges = { companyCode, range in masterData.companyCodes[companyCode]?.numberRanges[range] }
    }

    public func process(_ message: InboundMessage, confirmation: @escaping ConfirmationRenderer) async throws -> ProcessingResult {
        if message.isTestMessage {
            return .processed(outcomes: message.checkOnlyOutcomes, confirmation: confirmation(message.checkOnlyOutcomes))
        }
        return state.withLock { state in
            var firstReceivedAt = message.receivedAt
            if let key = message.key, let recorded = state.messages[key] {
                if recorded.postedCount > 0 {
                    if let stored = recorded.payloadDigest, let digest = message.payloadDigest, stored != digest {
                        return .conflict(firstReceivedAt: recorded.firstReceivedAt)
                    }
                    return .replayed(confirmation: recorded.confirmation)
                }
                firstReceivedAt = recorded.firstReceivedAt  // nothing of it was posted: process it again
            }
            var outcomes: [EntryOutcome] = []
            for entry in message.entries {
                switch entry.action {
                case .reject(let rejection): outcomes.append(.rejected(rejection))
                case .check(let plan): outcomes.append(.checked(plan.summary))
                case .post(let plan):
                    guard let range = numberRanges(plan.companyCode, plan.numberRange) else {
                        outcomes.append(
                            .rejected(PostingRejection([LedgerMessage(.numberRangeNotDefined, plan.companyCode, plan.numberRange, String(plan.fiscalYear))])))
                        continue
                    }
                    let counter = "\(plan.companyCode)/\(plan.fiscalYear)/\(plan.numberRange)"
                    let number = state.nextNumbers[counter] ?? range.first
                    guard number <= range.last else {
                        outcomes.append(
                            .rejected(PostingRejection([LedgerMessage(.numberRangeExhausted, plan.numberRange, plan.companyCode, String(plan.fiscalYear))])))
                        continue
                    }
                    state.nextNumbers[counter] = number + 1
                    let key = DocumentKey(companyCode: plan.companyCode, fiscalYear: plan.fiscalYear, documentNumber: DocumentKey.formatNumber(number))
                    state.entries[key] = StoredJournalEntry(
                        key: key, plan: plan.header, lines: plan.lines, postedBy: message.sender, postedAt: message.receivedAt,
                        source: .init(
                            interface: message.interface, messageID: message.messageID, messageUUID: message.messageUUID,
                            entryMessageID: entry.messageID, entryMessageUUID: entry.messageUUID, receivedAt: message.receivedAt))
                    outcomes.append(.posted(key))
                }
            }
            let rendered = confirmation(outcomes)
            if let key = message.key {
                let postedCount = outcomes.count { if case .posted = $0 { true } else { false } }
                state.messages[key] = Recorded(
                    confirmation: rendered, payloadDigest: message.payloadDigest, postedCount: postedCount, firstReceivedAt: firstReceivedAt)
            }
            return .processed(outcomes: outcomes, confirmation: rendered)
        }
    }

    public func journalEntry(_ key: DocumentKey) async throws -> StoredJournalEntry? {
        state.withLock { $0.entries[key] }
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
