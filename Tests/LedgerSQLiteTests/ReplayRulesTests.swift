import Foundation
import GRDB
import Ledger
@testable import LedgerSQLite
import Testing

/// The rules for a key seen before (``TestResult``): reprocessing when nothing was posted,
/// replay of the same payload, conflict for another payload.
@Suite("SQLiteLedgerStore replay, conflict and reprocessing rules")
struct ReplayRulesTests {
    let masterData: MasterData
    let directory: TemporaryDirectory

    init() throws {
        masterData = try Demo.masterData()
        directory = try TemporaryDirectory()
    }

    func plan(_ draft: JournalEntryDraft) throws -> PostingPlan {
        try LedgerSQLiteTests.plan(draft, masterData: masterData)
    }

    static let closedPeriod = PostingRejection([LedgerMessage(.postingPeriodNotOpen, "003", "2023")])

    /// The rows recorded for a message ID, oldest attempt first.
    func attempts(_ path: String, messageID: String) throws -> [Row] {
        let database = try DatabaseQueue(path: path)
        defer { try? database.close() }
        return try database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT key_id AS message_key, attempt, posted_count, payload_digest, received_at, first_received_at,
                        (SELECT group_concat(outcome, ',') FROM message_entry WHERE message_entry.message_id = inbound_message.id) AS outcomes
                    FROM inbound_message WHERE message_id = ? ORDER BY id
                    """, arguments: [messageID])
        }
    }

    @Test("a message whose entries were all rejected does not block its ID: the corrected message posts, each attempt is recorded")
    func reprocessingAfterRejection() async throws {
        let path = directory.path("reprocess.sqlite")
        let store = try SQLiteLedgerStore(path: path, masterData: masterData)
        defer { directory.remove() }
        let rejected = try await store.process(
            inbound(key: "MSG-R", digest: "d1", receivedAt: "2025-03-01T10:00:00.000000Z", [.reject(Self.closedPeriod), .reject(Self.closedPeriod)]),
            confirmation: plainRenderer)
        #expect(rejected.confirmation == "rejected 201(F5); rejected 201(F5)")
        let sameAgain = try await store.process(
            inbound(key: "MSG-R", digest: "d1", receivedAt: "2025-03-01T10:05:00.000000Z", [.reject(Self.closedPeriod), .reject(Self.closedPeriod)]),
            confirmation: plainRenderer)
        #expect(!sameAgain.isReplay, "a rejected message is processed again, not replayed")

        let corrected = try await store.process(
            inbound(key: "MSG-R", digest: "d2", receivedAt: "2025-03-01T11:00:00.000000Z", [.post(try plan(draft())), .post(try plan(draft()))]),
            confirmation: plainRenderer)
        #expect(corrected.postedKeys.map(\.documentNumber) == ["0100000000", "0100000001"])

        // Now the ID is taken: the same payload replays, another payload is a conflict.
        let replay = try await store.process(
            inbound(key: "MSG-R", digest: "d2", receivedAt: "2025-03-01T12:00:00.000000Z", [.post(try plan(draft()))]), confirmation: plainRenderer)
        #expect(replay.isReplay)
        #expect(replay.confirmation == corrected.confirmation)
        let conflict = try await store.process(
            inbound(key: "MSG-R", digest: "d3", receivedAt: "2025-03-01T12:00:00.000000Z", [.post(try plan(draft()))]), confirmation: plainRenderer)
        #expect(conflict.conflictFirstReceivedAt == "2025-03-01T10:00:00.000000Z")
        #expect(try await allEntries(store, JournalEntryQuery()).entries.count == 2)
        try store.close()

        let rows = try attempts(path, messageID: "MSG-R")
        #expect(rows.map { $0["attempt"] as Int } == [1, 2, 3])
        #expect(rows.map { $0["message_key"] as String? } == [nil, nil, "MSG-R"], "only the attempt that posted holds the key")
        #expect(rows.map { $0["posted_count"] as Int } == [0, 0, 2])
        #expect(rows.map { $0["payload_digest"] as String? } == ["d1", "d1", "d2"])
        #expect(rows.map { $0["first_received_at"] as String } == Array(repeating: "2025-03-01T10:00:00.000000Z", count: 3))
        #expect(rows.map { $0["outcomes"] as String? } == ["rejected,rejected", "rejected,rejected", "posted,posted"], "every attempt keeps its outcomes")
    }

    @Test("a message with one posted entry keeps its ID: the same payload replays, a different one is a conflict that writes nothing")
    func partlyPostedMessageBlocks() async throws {
        let path = directory.path("conflict.sqlite")
        let store = try SQLiteLedgerStore(path: path, masterData: masterData)
        defer { directory.remove() }
        let first = try await store.process(
            inbound(key: "MSG-P", digest: "aaa", receivedAt: "2025-03-01T09:00:00.000000Z", [.post(try plan(draft())), .reject(Self.closedPeriod)]),
            confirmation: plainRenderer)
        #expect(first.postedKeys.count == 1)

        let replay = try await store.process(inbound(key: "MSG-P", digest: "aaa", [.post(try plan(draft())), .post(try plan(draft()))]), confirmation: plainRenderer)
        #expect(replay.isReplay)
        #expect(replay.confirmation == first.confirmation)
        let conflict = try await store.process(inbound(key: "MSG-P", digest: "bbb", [.post(try plan(draft())), .post(try plan(draft()))]), confirmation: plainRenderer)
        #expect(conflict.conflictFirstReceivedAt == "2025-03-01T09:00:00.000000Z")
        #expect(conflict.confirmation == nil)
        // Without a digest on either side there is nothing to compare: a replay.
        #expect(try await store.process(inbound(key: "MSG-P", digest: nil, [.post(try plan(draft()))]), confirmation: plainRenderer).isReplay)

        #expect(try await allEntries(store, JournalEntryQuery()).entries.map(\.key.documentNumber) == ["0100000000"])
        try store.close()
        let rows = try attempts(path, messageID: "MSG-P")
        #expect(rows.count == 1, "a replay or a conflict records no row")
        #expect((rows.first?["posted_count"] as Int?) == 1)
    }

    @Test("20 concurrent sends of a once-rejected ID post exactly once; the others replay that confirmation")
    func concurrentReprocessing() async throws {
        let store = try SQLiteLedgerStore(path: directory.path("race.sqlite"), masterData: masterData)
        defer {
            try? store.close()
            directory.remove()
        }
        _ = try await store.process(inbound(key: "MSG-RACE", digest: "old", [.reject(Self.closedPeriod)]), confirmation: plainRenderer)
        let planned = try plan(draft())
        let results = try await withThrowingTaskGroup(of: TestResult.self) { group in
            for _ in 0..<20 {
                group.addTask { try await store.process(inbound(key: "MSG-RACE", digest: "new", [.post(planned)]), confirmation: plainRenderer) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.filter { !$0.isReplay }.count == 1)
        #expect(Set(results.map(\.confirmation)) == ["posted 1010/2025/0100000000"])
        #expect(try await allEntries(store, JournalEntryQuery()).entries.count == 1)
    }

    @Test("a database of the first schema version is migrated: its posted messages replay, its all-rejected ones are processed again")
    func migrationKeepsOldDatabasesWorking() async throws {
        let path = directory.path("v1.sqlite")
        defer { directory.remove() }
        do {
            let old = try DatabaseQueue(path: path)
            try LedgerSchema.migrator.migrate(old, upTo: "v1-ledger")
            try await old.write { db in
                // What the first version wrote: a posted message with one entry and a rejected one.
                try db.execute(
                    sql: """
                        INSERT INTO inbound_message (id, interface, sender, message_key, message_id, received_at, entry_count, confirmation)
                        VALUES (1, 'JournalEntryCreateRequestConfirmation_In', 'INTEGRATION', 'OLD-POSTED', 'OLD-POSTED', '2024-05-01T08:00:00.000000Z', 1, 'old posted'),
                               (2, 'JournalEntryCreateRequestConfirmation_In', 'INTEGRATION', 'OLD-REJECTED', 'OLD-REJECTED', '2024-05-01T08:01:00.000000Z', 1, 'old rejected');
                        INSERT INTO number_range_status VALUES ('1010', 2025, '01', 100000001);
                        INSERT INTO journal_entry (company_code, fiscal_year, document_number, fiscal_period, document_type, document_date, posting_date,
                            transaction_currency, company_code_currency, original_reference_document_type, business_transaction_type, created_by_user,
                            posted_by, posted_at, inbound_message_id)
                        VALUES ('1010', 2025, '0100000000', 3, 'SA', '2025-03-01', '2025-03-01', 'EUR', 'EUR', 'BKPFF', 'RFBU', 'TESTER',
                            'INTEGRATION', '2024-05-01T08:00:00.000000Z', 1);
                        INSERT INTO journal_entry_item (company_code, fiscal_year, document_number, line_number, account_type, gl_account, debit_credit,
                            amount_tc, amount_cc, is_tax_line, open_item_state)
                        VALUES ('1010', 2025, '0100000000', 1, 'S', '65000000', 'S', '100', '100', 0, 'N'),
                               ('1010', 2025, '0100000000', 2, 'S', '11001000', 'H', '-100', '-100', 0, 'N');
                        """)
            }
            try old.close()
        }

        let store = try SQLiteLedgerStore(path: path, masterData: masterData)
        let replay = try await store.process(inbound(key: "OLD-POSTED", digest: "anything", [.post(try plan(draft()))]), confirmation: plainRenderer)
        #expect(replay.isReplay, "a message recorded without a digest replays")
        #expect(replay.confirmation == "old posted")
        let again = try await store.process(inbound(key: "OLD-REJECTED", digest: "new", [.post(try plan(draft()))]), confirmation: plainRenderer)
        #expect(again.postedKeys.map(\.documentNumber) == ["0100000001"], "numbering continues after the old entries")
        try store.close()

        let rows = try attempts(path, messageID: "OLD-REJECTED")
        #expect(rows.map { $0["attempt"] as Int } == [1, 2])
        #expect(rows.map { $0["first_received_at"] as String } == ["2024-05-01T08:01:00.000000Z", "2024-05-01T08:01:00.000000Z"])
        #expect((try attempts(path, messageID: "OLD-POSTED").first?["posted_count"] as Int?) == 1, "the migration counted the old entries")
    }
}
