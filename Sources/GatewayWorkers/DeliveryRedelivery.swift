import ConfirmationDelivery
import Foundation
import Ledger

/// An operator sends confirmations again (`journal-gateway messages redeliver`, the monitor).
///
/// Pure store transactions: it works from another process against the same database while the
/// gateway runs, and the running dispatcher picks the delivery up at its next poll (or at once
/// after ``ConfirmationDispatcher/wake()`` in the same process).
///
/// | delivery status | `redeliver(message:)` | with `force: true` |
/// |---|---|---|
/// | failed | pending now, with a fresh budget of attempts (``Outcome/redelivered(_:)``) | the same |
/// | pending, retry scheduled | its next attempt is due now, same budget (``Outcome/madeDue(_:)``) | the same |
/// | in flight | unchanged: being sent right now (``Outcome/inFlight(_:)``) | the same |
/// | delivered | refused (``RedeliveryError/alreadyDelivered(message:at:status:)``) | pending now, fresh budget (``Outcome/resent(_:)``) |
public enum Redelivery {
    /// What `redeliver` did.
    public enum Outcome: Sendable, Hashable {
        /// The delivery had failed; it is pending again, due now, with a fresh budget of attempts.
        case redelivered(DeliveryRecord)
        /// The delivery was waiting for its next attempt; that attempt is due now (same budget).
        case madeDue(DeliveryRecord)
        /// The delivery had been delivered and `force` was given; it is pending again, due now,
        /// with a fresh budget. The receiver gets the same confirmation (same `MessageHeader/UUID`) again.
        case resent(DeliveryRecord)
        /// A dispatcher is sending it right now; nothing changed. If that dispatcher is gone, the
        /// delivery is taken again when its lease ends.
        case inFlight(DeliveryRecord)

        /// The delivery as stored after the call.
        public var record: DeliveryRecord {
            switch self {
            case .redelivered(let record), .madeDue(let record), .resent(let record), .inFlight(let record): record
            }
        }
    }

    /// Why a confirmation cannot be sent again.
    public enum RedeliveryError: Error, Sendable, Hashable, CustomStringConvertible {
        /// No message has this row ID.
        case noSuchMessage(MessageRowID)
        /// The message has no confirmation delivery (a synchronous message, or one without a receiver).
        case noDelivery(message: MessageRowID)
        /// The receiver already accepted it (HTTP `status` at `at`); pass `force` to send it anyway.
        case alreadyDelivered(message: MessageRowID, at: Date, status: Int)

        public var description: String {
            switch self {
            case .noSuchMessage(let id): "there is no message \(id)"
            case .noDelivery(let id): "message \(id) has no confirmation delivery"
            case .alreadyDelivered(let id, let at, let status):
                "the confirmation of message \(id) was delivered at \(at.ISO8601Format()) (HTTP \(status)); force it to send it again"
            }
        }
    }

    /// Sends the confirmation of message `id` again, as the table above says.
    /// - Parameters:
    ///   - force: send a delivered confirmation again too (the receiver says it lost it).
    ///   - now: the time the delivery becomes due (and of the change).
    /// - Throws: ``RedeliveryError``, or the store's error.
    public static func redeliver(message id: MessageRowID, force: Bool = false, store: any LedgerStore, now: Date) async throws -> Outcome {
        try await store.write { tx in
            guard try tx.message(id: id) != nil else { throw RedeliveryError.noSuchMessage(id) }
            guard var delivery = try tx.delivery(ofMessage: id) else { throw RedeliveryError.noDelivery(message: id) }
            let outcome: (DeliveryRecord) -> Outcome
            switch delivery.state.phase {
            case .failed:
                _ = try delivery.state.redeliver(now: now)
                outcome = Outcome.redelivered
            case .pending, .retryScheduled:
                _ = try delivery.state.expedite(now: now)
                outcome = Outcome.madeDue
            case .inFlight:
                return .inFlight(delivery)
            case .delivered(let at, let status):
                guard force else { throw RedeliveryError.alreadyDelivered(message: id, at: at, status: status) }
                _ = try delivery.state.resend(now: now)
                outcome = Outcome.resent
            }
            delivery.claimedBy = nil
            try tx.updateDelivery(delivery.id, state: delivery.state, claimedBy: nil)
            return outcome(delivery)
        }
    }

    /// Sends every failed confirmation again (pending now, fresh budgets), in transactions of up to
    /// `batchSize` deliveries.
    /// - Returns: how many deliveries were failed and are pending now.
    public static func redeliverAllFailed(store: any LedgerStore, now: Date, batchSize: Int = 500) async throws -> Int {
        var total = 0
        while true {
            let count = try await store.write(rows: batchSize) { tx in
                var count = 0
                for var delivery in try tx.failedDeliveries(limit: batchSize) {
                    _ = try delivery.state.redeliver(now: now)
                    try tx.updateDelivery(delivery.id, state: delivery.state, claimedBy: nil)
                    count += 1
                }
                return count
            }
            total += count
            if count < batchSize { return total }
        }
    }
}
