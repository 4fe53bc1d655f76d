import ConfirmationDelivery
import Foundation
import Ledger

/// A delivery this dispatcher claimed for one attempt: the record as stored after the claim.
struct ClaimedDelivery: Sendable {
    /// The record with its state `inFlight` (the claim's lease) and `claimedBy` this dispatcher.
    var record: DeliveryRecord
}

/// What one claiming transaction did.
struct ClaimBatch: Sendable {
    /// Deliveries claimed for an attempt, to be sent now.
    var claimed: [ClaimedDelivery] = []
    /// In-flight deliveries whose lease had ended (their dispatcher stopped): the lost attempt was
    /// recorded; the record is the state right after recovery (retry scheduled or failed).
    var recovered: [DeliveryRecord] = []
    /// Recovered deliveries whose lost attempt was the policy's last: now failed.
    var failed: [DeliveryRecord] { recovered.filter { $0.state.status == .failed } }
}

/// One attempt that ended, waiting to be stored.
struct FinishedAttempt: Sendable {
    enum Kind: Sendable {
        /// The transfer ran: the outcome is the receiver's answer or the transport's failure.
        case sent
        /// The confirmation could not be rendered; nothing was sent.
        case renderFailed
    }

    var claimed: ClaimedDelivery
    var outcome: AttemptOutcome
    var kind: Kind
    var startedAt: Date
    var finishedAt: Date
    /// Drawn before the transaction, so that a body run again decides the same.
    var randomUnit: Double
    var duration: Duration
    /// A bounded, printable excerpt of the answer for a status that did not deliver.
    var responseExcerpt: String?
}

/// One stored attempt: the delivery's record after it, or why the result was not applied.
struct SettledAttempt: Sendable {
    var attempt: FinishedAttempt
    /// The record after `attemptFinished`; `nil` when the result was stale.
    var record: DeliveryRecord?
}

/// The transaction bodies of the dispatcher: pure functions of a ``LedgerTransaction`` and values
/// decided outside (time, random draws), so a store may run them again after a failed commit.
enum DeliveryClaims {
    /// Takes up to `limit` due deliveries: recovers those whose lease ended (recording the lost
    /// attempt), then claims every claimable one for `lease` seconds as `instance`.
    static func claim(
        in tx: any LedgerTransaction, now: Date, limit: Int, lease: TimeInterval, policy: RetryPolicy, instance: String
    ) throws -> ClaimBatch {
        var batch = ClaimBatch()
        for var record in try tx.dueDeliveries(now: now, limit: limit) {
            if case .inFlight(_, let leaseUntil) = record.state.phase {
                do {
                    _ = try record.state.leaseExpired(now: now, policy: policy)
                } catch {
                    continue  // the lease still holds: the store's idea of "due" differs by a hair
                }
                try tx.recordAttempt(
                    DeliveryAttempt(
                        number: record.state.totalAttempts, startedAt: min(leaseUntil.addingTimeInterval(-lease), now),
                        finishedAt: now, httpStatus: nil, error: record.state.lastError),
                    ofDelivery: record.id)
                record.claimedBy = nil
                batch.recovered.append(record)
                if record.state.status == .failed {
                    try tx.updateDelivery(record.id, state: record.state, claimedBy: nil)
                    continue
                }
            }
            do {
                _ = try record.state.claim(now: now, lease: lease)
            } catch {
                continue
            }
            try tx.updateDelivery(record.id, state: record.state, claimedBy: instance)
            record.claimedBy = instance
            batch.claimed.append(ClaimedDelivery(record: record))
        }
        return batch
    }

    /// Stores the results of finished attempts: `attemptFinished`, the new state and the attempt's
    /// row. A result is stale (skipped) when the delivery is no longer exactly as this dispatcher
    /// claimed it, e.g. another dispatcher recovered it after the lease ended.
    static func settle(in tx: any LedgerTransaction, _ attempts: [FinishedAttempt], policy: RetryPolicy) throws -> [SettledAttempt] {
        var settled: [SettledAttempt] = []
        settled.reserveCapacity(attempts.count)
        for attempt in attempts {
            let claimed = attempt.claimed.record
            guard var current = try tx.delivery(id: claimed.id), current.state == claimed.state, current.claimedBy == claimed.claimedBy
            else {
                settled.append(SettledAttempt(attempt: attempt, record: nil))
                continue
            }
            do {
                _ = try current.state.attemptFinished(
                    attempt.outcome, now: attempt.finishedAt, randomUnit: attempt.randomUnit, policy: policy)
            } catch {
                settled.append(SettledAttempt(attempt: attempt, record: nil))
                continue
            }
            current.claimedBy = nil
            try tx.updateDelivery(current.id, state: current.state, claimedBy: nil)
            try tx.recordAttempt(
                DeliveryAttempt(
                    number: current.state.totalAttempts, startedAt: attempt.startedAt, finishedAt: attempt.finishedAt,
                    httpStatus: attempt.outcome.status, error: attempt.outcome.errorDescription),
                ofDelivery: current.id)
            settled.append(SettledAttempt(attempt: attempt, record: current))
        }
        return settled
    }
}
