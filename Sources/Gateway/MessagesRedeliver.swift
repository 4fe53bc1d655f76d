import ArgumentParser
import ConfirmationDelivery
import Foundation
import GatewayHTTP
import GatewayWorkers
import Ledger
import LedgerSQLite

/// `journal-gateway messages redeliver <id> [--force]` and `messages redeliver --all-failed`:
/// send confirmations again (see ``Redelivery`` for what happens in each delivery status).
struct MessagesRedeliver: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redeliver",
        abstract: "Send a message's confirmation again, or every failed one.",
        discussion: """
            A failed confirmation becomes pending at once with a fresh budget of attempts; a pending or retry-scheduled one \
            gets its next attempt now; one being sent right now is left alone. A delivered confirmation is sent again only \
            with --force (the receiver gets the same confirmation, with the same UUID). The running gateway sends it at its \
            next poll of the outbox.
            """)

    @OptionGroup var ledger: MessagesLedgerOptions

    @Argument(help: "The message's ID (the ID column of `messages list`).")
    var id: MessageIDArgument?

    @Flag(name: .customLong("all-failed"), help: "Send every failed confirmation again (instead of one message's).")
    var allFailed = false

    @Flag(help: "Send the confirmation again even though it was delivered.")
    var force = false

    func validate() throws {
        switch (id, allFailed) {
        case (nil, false): throw ValidationError("give a message ID, or --all-failed")
        case (.some, true): throw ValidationError("give either a message ID or --all-failed, not both")
        case (nil, true) where force: throw ValidationError("--force applies to one message's delivered confirmation, not to --all-failed")
        default: break
        }
    }

    func run() async throws {
        try await ledger.withLedger { store in
            guard let id else {
                let count = try await Redelivery.redeliverAllFailed(store: store, now: Date())
                writeLine(
                    count == 0
                        ? "no failed confirmations"
                        : "\(count) failed confirmation\(count == 1 ? " is" : "s are") pending again; the gateway sends them at its next poll")
                return
            }
            let outcome: Redelivery.Outcome
            do {
                outcome = try await Redelivery.redeliver(message: id.value, force: force, store: store, now: Date())
            } catch let error as Redelivery.RedeliveryError {
                throw MessagesCommandError(error.description)
            }
            writeLine(Self.describe(outcome, message: id.value))
        }
    }

    static func describe(_ outcome: Redelivery.Outcome, message id: MessageRowID) -> String {
        let target = MessageView.Delivery.redacted(outcome.record.target.url)
        switch outcome {
        case .redelivered:
            return "message \(id): the failed confirmation is pending again with a fresh budget of attempts; the gateway sends it to \(target) at its next poll"
        case .madeDue(let record):
            let attempt = MessageView.Delivery(record).attempt.map { " (attempt \($0))" } ?? ""
            return "message \(id): the confirmation's next attempt\(attempt) is due now; the gateway sends it to \(target) at its next poll"
        case .resent:
            return "message \(id): the delivered confirmation is pending again; the gateway sends it to \(target) once more at its next poll"
        case .inFlight(let record):
            let attempt = MessageView.Delivery(record).attempt.map { " (attempt \($0))" } ?? ""
            return "message \(id): the confirmation is being sent right now\(attempt); nothing changed"
        }
    }
}
