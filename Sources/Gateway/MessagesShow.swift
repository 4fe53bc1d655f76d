import ArgumentParser
import Foundation
import GatewayHTTP
import Ledger
import LedgerSQLite

/// `journal-gateway messages show <id>`: one message with its entries, its confirmation's
/// delivery and every delivery attempt.
struct MessagesShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show one message: its state, entries, confirmation delivery and delivery attempts.")

    @OptionGroup var ledger: MessagesLedgerOptions

    @Argument(help: "The message's ID (the ID column of `messages list`).")
    var id: MessageIDArgument

    @Flag(help: "Print the message as JSON (the same as GET /api/messages/<id>).")
    var json = false

    func run() async throws {
        try await ledger.withLedger { store in
            guard let detail = try await store.messageDetail(id.value) else {
                throw MessagesCommandError("there is no message \(id.value) in \(ledger.database)")
            }
            if json {
                writeLine(String(decoding: try MonitorJSON.encode(MessageView(detail), pretty: true), as: UTF8.self))
            } else {
                writeLine(MessagesTable.detail(MessageView(detail)))
            }
        }
    }
}
