import GatewayConfig
import ArgumentParser
import ConfirmationDelivery
import Foundation
import GatewayHTTP
import Ledger
import LedgerSQLite
import Logging

/// `journal-gateway messages list|show|redeliver`: the monitor on the command line. It opens the
/// ledger file directly, also while `serve` runs on it (SQLite WAL: reads never wait for the
/// gateway's writes); a redelivery is picked up by the running dispatcher at its next poll.
struct MessagesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "messages",
        abstract: "List inbound messages, show one with its entries and confirmation delivery, send confirmations again.",
        discussion: """
            Works on the ledger database directly, also while the gateway is running on it. The --json output is \
            the same as the JSON API's /api/messages answers.
            """,
        subcommands: [MessagesList.self, MessagesShow.self, MessagesRedeliver.self])
}

/// Where the ledger is and the configuration whose master data it was written with.
struct MessagesLedgerOptions: ParsableArguments {
    @Option(help: "SQLite database file of the ledger (the one `serve` uses). It must exist; it is never created.")
    var database: String = Serve.defaultDatabase

    @OptionGroup var options: ConfigurationOptions

    /// Opens the existing ledger at `database`.
    /// - Throws: ``MessagesCommandError`` when the file is missing or is not a ledger; the
    ///   configuration's load error when the configuration is not usable.
    func open() throws -> SQLiteLedgerStore {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: database, isDirectory: &isDirectory) else {
            throw MessagesCommandError(
                "no ledger at \(database): the file does not exist (`serve` creates it; give the ledger's path with --database)")
        }
        guard !isDirectory.boolValue else { throw MessagesCommandError("cannot open ledger \(database): it is a directory") }
        let (_, masterData) = try GatewayConfiguration.load(path: options.config)
        var logger = Logger(label: "journal-gateway.messages")
        logger.logLevel = .warning
        do {
            return try SQLiteLedgerStore(path: database, masterData: masterData, logger: logger)
        } catch {
            throw MessagesCommandError("cannot open ledger \(database): \(error)")
        }
    }

    /// Runs `body` with the opened ledger and closes it afterwards, whatever happens.
    func withLedger<T>(_ body: (SQLiteLedgerStore) async throws -> T) async throws -> T {
        let store = try open()
        do {
            let result = try await body(store)
            try store.close()
            return result
        } catch {
            try? store.close()
            throw error
        }
    }
}

/// A failure of a `messages` command, said in plain words (printed as `Error: …`, exit status 1).
struct MessagesCommandError: Error, CustomStringConvertible, LocalizedError {
    let description: String
    init(_ description: String) { self.description = description }
    var errorDescription: String? { description }
}

extension MessageState: ExpressibleByArgument {}
extension DeliveryState.Status: ExpressibleByArgument {}

/// A message's row ID given on the command line.
struct MessageIDArgument: ExpressibleByArgument, Sendable {
    let value: MessageRowID

    init?(argument: String) {
        guard let value = MessageRowIDText.parse(argument) else { return nil }
        self.value = value
    }

    static var defaultCompletionKind: CompletionKind { .default }
}

/// Writes `data` and a newline to standard output.
func writeLine(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
