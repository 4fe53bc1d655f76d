import Foundation
import GRDB
import Ledger
import LedgerSQLite
import Testing

/// What touches the disk: check runs (nothing), closing (a checkpointed WAL), backups (a
/// consistent copy of a ledger that is being written).
@Suite("SQLiteLedgerStore writes, close and backup")
struct WritesAndBackupTests {
    let masterData: MasterData
    let directory: TemporaryDirectory

    init() throws {
        masterData = try Demo.masterData()
        directory = try TemporaryDirectory()
    }

    func plan(_ draft: JournalEntryDraft) throws -> PostingPlan {
        try LedgerSQLiteTests.plan(draft, masterData: masterData)
    }

    static func size(_ path: String) -> Int64? {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value
    }

    @Test("close checkpoints the WAL: the -wal file is empty or gone and the database file alone holds every entry")
    func closeCheckpoints() async throws {
        let path = directory.path("close.sqlite")
        defer { directory.remove() }
        let store = try SQLiteLedgerStore(path: path, masterData: masterData)
        for index in 0..<20 {
            _ = try await store.process(inbound(key: "CLOSE-\(index)", [.post(try plan(draft()))]), confirmation: plainRenderer)
        }
        // Reads open reader connections, which keep SQLite from checkpointing on its own when the writer closes.
        #expect(try await allEntries(store, JournalEntryQuery()).entries.count == 20)
        #expect((Self.size(path + "-wal") ?? 0) > 0, "the test needs pending WAL content")
        try store.close()
        try store.close()  // a second close does nothing
        #expect((Self.size(path + "-wal") ?? 0) == 0, "-wal is \(Self.size(path + "-wal") ?? -1) bytes after close")

        // The database file alone (copied without -wal and -shm) is the complete ledger.
        let copy = directory.path("file-only.sqlite")
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        let reopened = try SQLiteLedgerStore(path: copy, masterData: masterData)
        defer { try? reopened.close() }
        #expect(try await allEntries(reopened, JournalEntryQuery()).entries.count == 20)
    }

    @Test("after close the store refuses new messages instead of writing to a closed database")
    func closedStoreRefuses() async throws {
        let store = try SQLiteLedgerStore(path: directory.path("closed.sqlite"), masterData: masterData)
        defer { directory.remove() }
        try store.close()
        await #expect(throws: LedgerStoreError.self) {
            _ = try await store.process(inbound(key: "LATE", [.post(try plan(draft()))]), confirmation: plainRenderer)
        }
    }

    @Test("a backup taken while 200 messages are being posted is consistent: integrity ok, entries balance, numbers gapless")
    func backupWhileWriting() async throws {
        let path = directory.path("live.sqlite")
        let store = try SQLiteLedgerStore(path: path, masterData: masterData)
        defer {
            try? store.close()
            directory.remove()
        }
        for index in 0..<20 { _ = try await store.process(inbound(key: "PRE-\(index)", [.post(try plan(draft()))]), confirmation: plainRenderer) }
        let planned = try plan(draft(lineCount: 5))
        let target = directory.path("backup.sqlite")
        let summary = try await withThrowingTaskGroup(of: LedgerBackup.Summary?.self) { group in
            for index in 0..<200 {
                group.addTask {
                    _ = try await store.process(inbound(key: "LIVE-\(index)", [.post(planned)]), confirmation: plainRenderer)
                    return nil
                }
            }
            group.addTask {
                try await Task.sleep(for: .milliseconds(20))
                return try LedgerBackup.copy(database: path, to: target)
            }
            return try await group.reduce(into: [LedgerBackup.Summary]()) { if let summary = $1 { $0.append(summary) } }.first
        }
        let copied = try #require(summary)
        #expect(copied.entryCount >= 20 && copied.entryCount <= 220)
        #expect(copied.bytes == Self.size(target))
        #expect(FileManager.default.fileExists(atPath: target + "-wal") == false)

        let copy = try DatabaseQueue(path: target)
        defer { try? copy.close() }
        try await copy.read { db in
            #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM journal_entry") == copied.entryCount)
            let numbers = try String.fetchAll(db, sql: "SELECT document_number FROM journal_entry ORDER BY document_number")
            #expect(numbers == (0..<numbers.count).map { DocumentKey.formatNumber(100_000_000 + Int64($0)) }, "numbers are gapless")
            let next = try Int64.fetchOne(db, sql: "SELECT next_number FROM number_range_status WHERE company_code = '1010' AND fiscal_year = 2025")
            #expect(next == 100_000_000 + Int64(numbers.count), "the counter matches the entries")
            let linesPerEntry = try Int.fetchAll(db, sql: "SELECT count(*) FROM journal_entry_item GROUP BY document_number")
            #expect(linesPerEntry.allSatisfy { $0 == 2 || $0 == 5 }, "every entry is whole")
            let postedMessages = try Int.fetchOne(db, sql: "SELECT count(*) FROM inbound_message WHERE posted_count = 1")
            #expect(postedMessages == copied.entryCount, "every message of the copy has its entry and the other way round")
        }
        let entries = try await allEntries(SQLiteLedgerStore(path: target, masterData: masterData), JournalEntryQuery()).entries
        for entry in entries {
            #expect(entry.lines.reduce(DecimalAmount.zero) { $0 + $1.amountInTransactionCurrency }.isZero, "\(entry.key) does not balance")
        }
    }

    @Test("a backup refuses an existing target unless overwriting, and a missing database")
    func backupRefusals() async throws {
        let path = directory.path("ledger.sqlite")
        defer { directory.remove() }
        let store = try SQLiteLedgerStore(path: path, masterData: masterData)
        _ = try await store.process(inbound(key: "B-1", [.post(try plan(draft()))]), confirmation: plainRenderer)
        try store.close()
        let target = directory.path("existing.sqlite")
        try Data("not a database".utf8).write(to: URL(fileURLWithPath: target))

        #expect { try LedgerBackup.copy(database: path, to: target) } throws: { error in
            (error as? LedgerBackup.Failure)?.description == "\(target) exists; pass --force to overwrite it"
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == Data("not a database".utf8), "the existing file is untouched")
        let summary = try LedgerBackup.copy(database: path, to: target, overwrite: true)
        #expect(summary.entryCount == 1 && summary.itemCount == 2 && summary.messageCount == 1)
        #expect { try LedgerBackup.copy(database: directory.path("missing.sqlite"), to: directory.path("x.sqlite")) } throws: { error in
            (error as? LedgerBackup.Failure)?.description.hasPrefix("no ledger database at") == true
        }
        #expect { try LedgerBackup.copy(database: path, to: path, overwrite: true) } throws: { error in
            (error as? LedgerBackup.Failure)?.description.contains("is the ledger database itself") == true
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.url.path).filter { $0.contains(".partial-") }
        #expect(leftovers.isEmpty, "no temporary files remain: \(leftovers)")
    }
}
