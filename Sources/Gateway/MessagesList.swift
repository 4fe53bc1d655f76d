import ArgumentParser
import ConfirmationDelivery
import Foundation
import GatewayHTTP
import Ledger
import LedgerSQLite

/// `journal-gateway messages list`: messages newest first, one line each, with their state,
/// entries and confirmation delivery.
struct MessagesList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List messages, newest first.",
        discussion: """
            Columns: ID (for `messages show`), RECEIVED (UTC), INTERFACE, SENDER, MESSAGE ID (transport ID, else bulk ID, \
            else UUID), STATE, ENTRIES (count), POSTED/REJ (entries posted / rejected, once processed), DELIVERY (status of the \
            confirmation's delivery; - when there is none), ATTEMPTS (attempts made over the delivery's life), LAST (the last \
            attempt's HTTP status or error). When more messages match, the last line says how to get the next page.
            """)

    @OptionGroup var ledger: MessagesLedgerOptions

    @Option(help: "Only messages in this state (\(MessageState.allCases.map(\.rawValue).joined(separator: ", "))).")
    var state: MessageState?

    @Option(help: "Only messages whose confirmation delivery has this status (\(DeliveryState.Status.allCases.map(\.rawValue).joined(separator: ", "))).")
    var delivery: DeliveryState.Status?

    @Option(help: "Only messages of this inbound interface, e.g. JournalEntryBulkCreateRequest_In.")
    var interface: String?

    @Option(help: "Only messages of this sender (user name).")
    var sender: String?

    @Option(name: .customLong("message-id"), help: "Only messages with this bulk ID, UUID or transport message ID.")
    var messageID: String?

    @Option(name: .customLong("received-from"), help: "Only messages received at or after this date (YYYY-MM-DD) or UTC time (YYYY-MM-DDThh:mm[:ss]Z).")
    var receivedFrom: String?

    @Option(name: .customLong("received-to"), help: "Only messages received at or before this date (the whole day) or UTC time.")
    var receivedTo: String?

    @Option(help: "At most this many messages (1…500).")
    var limit: Int = 50

    @Option(help: "Only messages with an ID below this one (the next page, as the last line of a full page says).")
    var before: MessageIDArgument?

    @Flag(help: "Print the page as JSON (the same as GET /api/messages).")
    var json = false

    func validate() throws {
        guard (1...500).contains(limit) else { throw ValidationError("--limit must be 1…500, not \(limit)") }
        let from = try receivedFrom.map { try bound($0, option: "--received-from", endOfRange: false) }
        let to = try receivedTo.map { try bound($0, option: "--received-to", endOfRange: true) }
        if let from, let to, from > to { throw ValidationError("--received-from \(receivedFrom ?? "") is after --received-to \(receivedTo ?? "")") }
    }

    private func bound(_ text: String, option: String, endOfRange: Bool) throws -> String {
        guard let bound = MessageTimeBound.parse(text, endOfRange: endOfRange) else {
            throw ValidationError("\(option) must be a date YYYY-MM-DD or a UTC time YYYY-MM-DDThh:mm[:ss[.ffffff]]Z, not '\(text)'")
        }
        return bound
    }

    var query: MessageQuery {
        var query = MessageQuery(limit: limit)
        query.state = state
        query.deliveryStatus = delivery
        query.interface = interface
        query.sender = sender
        query.messageID = messageID
        query.receivedFrom = receivedFrom.flatMap { MessageTimeBound.parse($0, endOfRange: false) }
        query.receivedTo = receivedTo.flatMap { MessageTimeBound.parse($0, endOfRange: true) }
        query.before = before?.value
        return query
    }

    func run() async throws {
        try await ledger.withLedger { store in
            let page = try await store.messages(query)
            if json {
                writeLine(String(decoding: try MonitorJSON.encode(MessageListView(page), pretty: true), as: UTF8.self))
                return
            }
            guard !page.messages.isEmpty else {
                writeLine(query.before == nil ? "no messages" : "no more messages")
                return
            }
            var rejected: [MessageRowID: Int] = [:]
            for summary in page.messages where summary.message.state == .processed && summary.message.postedCount < summary.message.entryCount {
                // Not posted is rejected or only checked: the entries tell.
                rejected[summary.message.id] = try await store.messageDetail(summary.message.id).map { detail in
                    detail.entries.count { if case .rejected = $0.outcome { true } else { false } }
                }
            }
            writeLine(MessagesTable.list(page.messages, rejected: rejected))
            if let next = page.next {
                writeLine("more: add --before \(next) for the next page")
            }
        }
    }
}
