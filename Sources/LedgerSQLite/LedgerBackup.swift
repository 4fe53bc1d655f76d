import Foundation
import GRDB

/// A consistent copy of a ledger database, taken with SQLite's online backup API while the
/// gateway may be running and posting.
///
/// The live database is opened read-only (WAL readers never block the writer, and the writer
/// never blocks them); all pages are copied in one step inside one read transaction, so the copy
/// is the ledger as of one commit. The copy is written to a temporary file next to the target,
/// checked with `PRAGMA integrity_check`, and only then renamed to the target: a failed backup
/// leaves no half-written file behind.
public enum LedgerBackup {
    /// What was copied.
    public struct Summary: Sendable, CustomStringConvertible {
        /// The target file.
        public var path: String
        /// Posted journal entries and their line items in the copy.
        public var entryCount: Int
        public var itemCount: Int
        /// Inbound messages (including earlier attempts of reprocessed messages) in the copy.
        public var messageCount: Int
        /// Size of the copy in bytes.
        public var bytes: Int64
        /// Wall-clock duration of the backup in seconds.
        public var seconds: Double

        public var description: String {
            "\(path): \(entryCount) journal entries (\(itemCount) items), \(messageCount) inbound messages, \(bytes) bytes"
                + ", integrity_check ok, in \(String(format: "%.2f", seconds)) s"
        }
    }

    /// Why a backup was not made.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Copies the ledger at `database` to `target`.
    /// - Parameter overwrite: replace an existing `target` (else an existing file is refused).
    public static func copy(database: String, to target: String, overwrite: Bool = false) throws(Failure) -> Summary {
        let started = Date()
        let fileManager = FileManager.default
        let targetURL = URL(fileURLWithPath: target)
        let sourceURL = URL(fileURLWithPath: database)
        guard fileManager.fileExists(atPath: database) else { throw Failure("no ledger database at \(database)") }
        guard sourceURL.standardizedFileURL.resolvingSymlinksInPath() != targetURL.standardizedFileURL.resolvingSymlinksInPath() else {
            throw Failure("the target \(target) is the ledger database itself")
        }
        var isDirectory: ObjCBool = false
        if fileManager.fileExists(atPath: target, isDirectory: &isDirectory) {
            if isDirectory.boolValue { throw Failure("the target \(target) is a directory; name the backup file") }
            if !overwrite { throw Failure("\(target) exists; pass --force to overwrite it") }
            // A -wal file next to the target would be applied to the new copy when it is opened.
            if fileManager.fileExists(atPath: target + "-wal") {
                throw Failure("\(target)-wal exists: the target is a database in use or was not closed cleanly; not overwriting it")
            }
        }
        let directory = targetURL.deletingLastPathComponent().path
        guard fileManager.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw Failure("the directory \(directory) of the target does not exist")
        }
        let temporary = directory + "/." + targetURL.lastPathComponent + ".partial-" + UUID().uuidString
        func removeTemporary() {
            for suffix in ["", "-wal", "-shm", "-journal"] { try? fileManager.removeItem(atPath: temporary + suffix) }
        }

        do {
            var sourceConfiguration = Configuration()
            sourceConfiguration.readonly = true
            sourceConfiguration.busyMode = .timeout(10)
            let source = try DatabaseQueue(path: database, configuration: sourceConfiguration)
            defer { try? source.close() }
            let destination = try DatabaseQueue(path: temporary)
            do {
                try source.backup(to: destination)
                try destination.close()
            } catch {
                try? destination.close()
                throw error
            }
        } catch {
            removeTemporary()
            throw Failure("backup of \(database) failed: \(error)")
        }

        let counts: (check: String, entries: Int, items: Int, messages: Int)
        do {
            let copy = try DatabaseQueue(path: temporary)
            do {
                counts = try copy.read { db in
                    (
                        try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; "),
                        try Int.fetchOne(db, sql: "SELECT count(*) FROM journal_entry") ?? 0,
                        try Int.fetchOne(db, sql: "SELECT count(*) FROM journal_entry_item") ?? 0,
                        try Int.fetchOne(db, sql: "SELECT count(*) FROM inbound_message") ?? 0
                    )
                }
                try copy.close()
            } catch {
                try? copy.close()
                throw error
            }
        } catch {
            removeTemporary()
            throw Failure("the copy of \(database) cannot be read back (is it a journal-gateway ledger?): \(error)")
        }
        guard counts.check == "ok" else {
            removeTemporary()
            throw Failure("the copy of \(database) failed integrity_check: \(counts.check)")
        }
        for suffix in ["-wal", "-shm"] { try? fileManager.removeItem(atPath: temporary + suffix) }
        try? fileManager.removeItem(atPath: target + "-shm")
        guard rename(temporary, target) == 0 else {
            let reason = String(cString: strerror(errno))
            removeTemporary()
            throw Failure("cannot move the copy to \(target): \(reason)")
        }
        let bytes = ((try? fileManager.attributesOfItem(atPath: target))?[.size] as? NSNumber)?.int64Value ?? 0
        return Summary(
            path: target, entryCount: counts.entries, itemCount: counts.items, messageCount: counts.messages, bytes: bytes,
            seconds: Date().timeIntervalSince(started))
    }
}
