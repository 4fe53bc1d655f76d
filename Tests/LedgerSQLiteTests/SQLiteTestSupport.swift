import Foundation
import Ledger
import LedgerSQLite
import Synchronization
import Testing

/// The demo master data (`config/demo.json` → `ledger`) and plans built from it.
enum Demo {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private struct ConfigurationFile: Decodable {
        var ledger: MasterDataDefinition
    }

    static func definition() throws -> MasterDataDefinition {
        let data = try Data(contentsOf: repositoryRoot.appendingPathComponent("config/demo.json"))
        return try JSONDecoder().decode(ConfigurationFile.self, from: data).ledger
    }

    static func masterData() throws -> MasterData { try MasterData(definition: definition()) }

    static let authorization = PostingAuthorization(userName: "INTEGRATION", companyCodes: nil)
}

func day(_ iso: String) -> LedgerDate {
    guard let date = LedgerDate(iso: iso) else { preconditionFailure("bad test date \(iso)") }
    return date
}

func dec(_ text: String) -> DecimalAmount {
    guard let value = DecimalAmount(parsing: text) else { preconditionFailure("bad test amount \(text)") }
    return value
}

func glItem(_ account: String, _ amount: String, _ currency: String) -> DraftItem {
    DraftItem(kind: .glAccount(account), amount: CurrencyAmount(dec(amount), currency))
}

/// A balanced draft: `lineCount − 1` debit lines of `amount` and one credit line, optionally with a customer line.
func draft(
    companyCode: String = "1010", documentType: String = "SA", postingDate: String = "2025-03-01", amount: String = "100.00",
    lineCount: Int = 2, withCustomer: Bool = false, text: String? = nil
) -> JournalEntryDraft {
    let currency = companyCode == "1710" ? "USD" : "EUR"
    var items = (0..<(lineCount - 1)).map { _ in glItem("65000000", amount, currency) }
    if withCustomer {
        items.append(DraftItem(kind: .customer("10100001", alternativeReconciliationAccount: nil), amount: CurrencyAmount(dec(amount), currency)))
    }
    let debitLines = lineCount - 1 + (withCustomer ? 1 : 0)
    let total = DecimalAmount(micros: dec(amount).micros * Int128(debitLines))
    var credit = DraftItem(kind: .glAccount("11001000"), amount: CurrencyAmount(-total, currency))
    credit.valueDate = day(postingDate)
    credit.itemText = text
    items.append(credit)
    var result = JournalEntryDraft(
        originalReferenceDocumentType: "BKPFF", businessTransactionType: "RFBU", documentType: documentType, createdByUser: "TESTER",
        companyCode: companyCode, documentDate: day(postingDate), postingDate: day(postingDate), items: items)
    result.documentHeaderText = text
    return result
}

func plan(_ draft: JournalEntryDraft, masterData: MasterData) throws -> PostingPlan {
    let result = PostingRules(masterData: masterData).check(draft, authorization: Demo.authorization)
    switch result {
    case .success(let plan): return plan
    case .failure(let rejection):
        Issue.record("the test draft was rejected: \(rejection.messages)")
        throw rejection
    }
}

/// Renders outcomes as a short text, standing in for a confirmation.
typealias OutcomeRenderer = @Sendable ([EntryOutcome]) -> String

let plainRenderer: OutcomeRenderer = { outcomes in
    outcomes.map { outcome in
        switch outcome {
        case .posted(let key): "posted \(key)"
        case .checked(let summary): "checked \(summary.companyCode)/\(summary.fiscalYear)"
        case .rejected(let rejection): "rejected " + rejection.messages.map(\.typeID).joined(separator: ",")
        case .changed(let key, let item): "changed \(key) item \(item.map(String.init) ?? "-")"
        }
    }.joined(separator: "; ")
}

let testInterface = "JournalEntryCreateRequestConfirmation_In"

func inbound(
    key: String?, sender: String = "INTEGRATION", isTest: Bool = false, digest: String? = nil,
    receivedAt: String = "2025-03-01T10:00:00.000000Z", _ actions: [EntrySubmission.Action]
) -> InboundMessage {
    InboundMessage(
        key: key.map { InboundMessageKey(sender: sender, interface: testInterface, messageID: $0) }, interface: testInterface,
        sender: sender, messageID: key, messageUUID: key.map { _ in "6a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b" },
        receivedAt: receivedAt, isTestMessage: isTest,
        entries: actions.enumerated().map { index, action in
            EntrySubmission(
                action: action, messageID: key.map { "\($0)-\(index + 1)" }, messageUUID: nil, confirmationUUID: "conf-\(index)",
                originalReferenceDocumentType: "BKPFF", logicalSystem: "")
        }, payloadDigest: digest,
        confirmation: ConfirmationHeader(
            uuid: "conf", creationDateTime: receivedAt, referenceID: key, referenceUUID: nil, recipientBusinessSystemID: nil))
}

/// What the synchronous service gets from processing a message, with its confirmation rendered
/// from the stored outcomes (as the service renders them after the commit).
enum TestResult: Sendable {
    case processed(outcomes: [EntryOutcome], confirmation: String)
    case replayed(confirmation: String)
    case conflict(firstReceivedAt: String)

    var outcomes: [EntryOutcome]? {
        if case .processed(let outcomes, _) = self { return outcomes }
        return nil
    }

    var confirmation: String? {
        switch self {
        case .processed(_, let confirmation), .replayed(let confirmation): confirmation
        case .conflict: nil
        }
    }

    var isReplay: Bool {
        if case .replayed = self { return true }
        return false
    }

    /// When the conflicting key was first received, for a `.conflict`.
    var conflictFirstReceivedAt: String? {
        if case .conflict(let firstReceivedAt) = self { return firstReceivedAt }
        return nil
    }

    var postedKeys: [DocumentKey] {
        (outcomes ?? []).compactMap { if case .posted(let key) = $0 { key } else { nil } }
    }
}

extension LedgerStore {
    /// Processes a synchronous message as the service does: a check-only message is answered from
    /// its checks without the store; any other runs ``MessageProcessor`` in one transaction.
    func process(
        _ message: InboundMessage, masterData: MasterData? = nil, confirmation render: @escaping OutcomeRenderer = plainRenderer
    ) async throws -> TestResult {
        if message.isTestMessage {
            let outcomes = message.checkOnlyRecords.map(\.outcome)
            return .processed(outcomes: outcomes, confirmation: render(outcomes))
        }
        let processor = MessageProcessor(masterData: try masterData ?? Demo.masterData())
        let result = try await write(rows: message.estimatedRows) { transaction in try processor.process(message, in: transaction) }
        switch result {
        case .processed(_, let records):
            let outcomes = records.map(\.outcome)
            return .processed(outcomes: outcomes, confirmation: render(outcomes))
        case .replayed(let record, let records):
            return .replayed(confirmation: record.legacyConfirmation ?? render(records.map(\.outcome)))
        case .conflict(let firstReceivedAt):
            return .conflict(firstReceivedAt: firstReceivedAt)
        }
    }
}

/// A fresh directory for database files, removed by `remove()`.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-sqlite-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Collects every page of a query by following `next`.
func allEntries(_ store: some LedgerStore, _ query: JournalEntryQuery) async throws -> (entries: [StoredJournalEntry], pages: Int) {
    var query = query
    var entries: [StoredJournalEntry] = []
    var pages = 0
    while true {
        let page = try await store.journalEntries(query)
        pages += 1
        entries += page.entries
        guard let next = page.next else { return (entries, pages) }
        query.after = next
        if pages > 10_000 { throw LedgerStoreError("paging does not end") }
    }
}

/// Counts calls from concurrent code.
final class CallCounter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
