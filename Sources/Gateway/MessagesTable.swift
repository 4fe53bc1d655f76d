import Foundation
import GatewayHTTP
import Ledger

/// The human-readable output of `messages list` and `messages show`: aligned columns, UTC times.
enum MessagesTable {
    /// Errors longer than this are cut in the list (`show` prints them whole).
    static let maximumListedError = 60

    /// One line per message, under a header.
    /// - Parameter rejected: the rejected entries of processed messages that did not post every entry
    ///   (the others rejected none).
    static func list(_ summaries: [MessageSummary], rejected: [MessageRowID: Int]) -> String {
        let header = ["ID", "RECEIVED (UTC)", "INTERFACE", "SENDER", "MESSAGE ID", "STATE", "ENTRIES", "POSTED/REJ", "DELIVERY", "ATTEMPTS", "LAST"]
        let rows = summaries.map { summary -> [String] in
            let message = MessageView(summary)
            let delivery = message.delivery
            let posted: String
            if summary.message.state == .processed {
                let rejectedCount = summary.message.postedCount == summary.message.entryCount ? 0 : rejected[message.id] ?? 0
                posted = "\(message.postedCount)/\(rejectedCount)"
            } else {
                posted = "-"
            }
            return [
                String(message.id), shortTime(message.receivedAt), message.interface, message.sender,
                message.transportMessageID ?? message.messageID ?? message.messageUUID ?? "-",
                message.state + (message.isTest ? " (test)" : ""), String(message.entryCount), posted, delivery?.status ?? "-",
                delivery.map { String($0.totalAttempts) } ?? "-", delivery.map { last($0, limit: maximumListedError) } ?? "",
            ]
        }
        return table(header, rows).joined(separator: "\n")
    }

    /// Everything about one message: its fields, its entries, its delivery and its attempts.
    static func detail(_ message: MessageView) -> String {
        var lines = ["message \(message.id): \(message.interface) from \(message.sender)"]
        var fields: [(String, String)] = []
        if let value = message.messageID { fields.append(("message ID", value)) }
        if let value = message.messageUUID { fields.append(("message UUID", value)) }
        if let value = message.transportMessageID { fields.append(("transport message ID", value)) }
        fields.append(("received", message.receivedAt))
        if message.attempt > 1 || message.firstReceivedAt != message.receivedAt {
            fields.append(("first received", "\(message.firstReceivedAt) (this is attempt \(message.attempt))"))
        }
        if !message.holdsKey { fields.append(("message ID held", "no (a later attempt holds it, or the message has no ID)")) }
        fields.append(("state", "\(message.state) since \(message.stateChangedAt)"))
        if let claim = message.claim { fields.append(("claimed by", "\(claim.by) until \(claim.until)")) }
        if message.isTest { fields.append(("test", "yes (TestDataIndicator: checked, nothing posted)")) }
        var counts = ["\(message.postedCount) posted"]
        if let rejected = message.rejectedCount { counts.append("\(rejected) rejected") }
        if let checked = message.checkedCount, checked > 0 { counts.append("\(checked) checked") }
        fields.append(("entries", "\(message.entryCount): " + counts.joined(separator: ", ")))
        var confirmation = ["UUID \(message.confirmation.uuid)"]
        if let reference = message.confirmation.referenceID { confirmation.append("reference ID \(reference)") }
        if let reference = message.confirmation.referenceUUID { confirmation.append("reference UUID \(reference)") }
        if let relatesTo = message.confirmation.relatesTo { confirmation.append("relates to \(relatesTo)") }
        fields.append(("confirmation", confirmation.joined(separator: ", ")))
        lines += keyValues(fields)

        if message.legacyConfirmation == true {
            lines += ["", "entries: not recorded one by one (the message was processed by an earlier version; its confirmation was stored as sent)"]
        } else if let entries = message.entries, !entries.isEmpty {
            var rows: [[String]] = []
            for entry in entries {
                switch entry.outcome {
                case "posted", "changed":
                    var key = entry.journalEntry.map { "\($0.companyCode)/\($0.fiscalYear)/\($0.accountingDocument)" } ?? ""
                    if let item = entry.item { key += " item \(item)" }
                    rows.append([String(entry.index), entry.outcome, key])
                case "checked":
                    rows.append([String(entry.index), entry.outcome, "company code \(entry.companyCode ?? "-"), fiscal year \(entry.fiscalYear.map(String.init) ?? "-")"])
                default:
                    let log = entry.log ?? []
                    let texts = log.isEmpty ? [""] : log.map { "\($0.typeID) \($0.severity): \($0.text)" }
                    rows.append([String(entry.index), entry.outcome, texts[0]])
                    rows += texts.dropFirst().map { ["", "", $0] }
                }
            }
            lines += ["", "entries"] + table(["#", "OUTCOME", "DOCUMENT / LOG"], rows).map { "  " + $0 }
        }

        guard let delivery = message.delivery else {
            lines += ["", "delivery: none (a synchronous message is confirmed in its response)"]
            return lines.joined(separator: "\n")
        }
        lines += ["", "delivery: \(delivery.status)"]
        var deliveryFields: [(String, String)] = [("target", delivery.url)]
        var via = ["SOAP \(delivery.soapVersion)", delivery.outboundInterface]
        if let system = delivery.communicationSystem { via.append("communication system \(system)") }
        deliveryFields.append(("via", via.joined(separator: ", ")))
        deliveryFields.append(("attempts", "\(delivery.attemptsMade) in this budget, \(delivery.totalAttempts) in all"))
        if let next = delivery.nextAttemptAt { deliveryFields.append(("next attempt", "\(delivery.attempt.map { "attempt \($0) " } ?? "")at \(next)")) }
        if let until = delivery.leaseUntil {
            deliveryFields.append(("in flight", "attempt \(delivery.attempt ?? 0) by \(delivery.claimedBy ?? "?") until \(until)"))
        }
        if let status = delivery.lastStatus { deliveryFields.append(("last status", "HTTP \(status)")) }
        if let error = delivery.lastError { deliveryFields.append(("last error", error)) }
        if let at = delivery.deliveredAt { deliveryFields.append(("delivered", "\(at) (HTTP \(delivery.deliveredStatus.map(String.init) ?? "?"))")) }
        if let at = delivery.failedAt { deliveryFields.append(("failed", "\(at): \(delivery.failureReason ?? "")")) }
        deliveryFields.append(("enqueued", delivery.createdAt))
        deliveryFields.append(("changed", delivery.updatedAt))
        lines += keyValues(deliveryFields)

        if let attempts = message.attempts, !attempts.isEmpty {
            let rows = attempts.map { attempt in
                [String(attempt.number), attempt.startedAt, attempt.finishedAt, attempt.httpStatus.map(String.init) ?? "-", attempt.error ?? ""]
            }
            lines += ["", "attempts"] + table(["#", "STARTED (UTC)", "FINISHED (UTC)", "HTTP", "ERROR"], rows).map { "  " + $0 }
        }
        return lines.joined(separator: "\n")
    }

    /// `2025-03-01T10:00:00.123456Z` → `2025-03-01 10:00:00`.
    static func shortTime(_ time: String) -> String {
        guard time.count >= 19 else { return time }
        return String(time.prefix(19)).replacingOccurrences(of: "T", with: " ")
    }

    /// The last attempt's result: its error (cut to `limit` characters), else its HTTP status.
    static func last(_ delivery: MessageView.Delivery, limit: Int) -> String {
        if let error = delivery.lastError { return error.count > limit ? String(error.prefix(limit - 1)) + "…" : error }
        return delivery.lastStatus.map { "HTTP \($0)" } ?? ""
    }

    /// Rows under a header, columns padded to their widest cell (the last column is not padded).
    static func table(_ header: [String], _ rows: [[String]]) -> [String] {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.indices.map { column in
                column == row.count - 1 ? row[column] : row[column].padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }
            .joined(separator: "  ").trimmingTrailingSpaces()
        }
    }

    /// `  key    value` lines with the values aligned.
    static func keyValues(_ pairs: [(String, String)]) -> [String] {
        let width = pairs.map(\.0.count).max() ?? 0
        return pairs.map { "  " + $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
