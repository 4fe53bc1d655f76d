import ArgumentParser
import Foundation
import LedgerSQLite

/// `journal-gateway backup <file>`: a consistent copy of the ledger, taken while the gateway may
/// be running and posting (SQLite's online backup API; see ``LedgerBackup``).
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the ledger database consistently, also while the gateway is running.",
        discussion: """
            Opens the ledger read-only and copies every page within one read transaction, so the copy is the ledger \
            as of one commit; postings go on meanwhile. The copy is checked with integrity_check before it takes \
            the target's name. An existing target is refused unless --force is given.
            """)

    @Option(help: "SQLite database file of the ledger (the one `serve` uses).")
    var database: String = Serve.defaultDatabase

    @Flag(help: "Overwrite the target file if it exists.")
    var force = false

    @Argument(help: "The file to write the copy to.")
    var target: String

    func run() throws {
        do {
            let summary = try LedgerBackup.copy(database: database, to: target, overwrite: force)
            print("backup of \(database) written to \(summary)")
        } catch {
            FileHandle.standardError.write(Data("journal-gateway backup: \(error.description)\n".utf8))
            throw ExitCode.failure
        }
    }
}
