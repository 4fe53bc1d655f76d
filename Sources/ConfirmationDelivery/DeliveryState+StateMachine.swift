import Foundation

extension DeliveryState {
    /// A dispatcher takes the delivery for one attempt, holding it until `now + lease`.
    ///
    /// - Returns: ``DeliveryAction/send(attempt:)``; store the new state before sending.
    /// - Throws: ``DeliveryTransitionError/notClaimable(_:)`` unless pending or retry scheduled,
    ///   ``DeliveryTransitionError/notYetDue(nextAttemptAt:)`` before the attempt is due,
    ///   ``DeliveryTransitionError/invalidLease(_:)`` for a lease that is not positive.
    public mutating func claim(now: Date, lease: TimeInterval) throws(DeliveryTransitionError) -> DeliveryAction {
        let attempt: Int, due: Date
        switch phase {
        case .pending(let a, let at), .retryScheduled(let a, let at): (attempt, due) = (a, at)
        case .inFlight, .delivered, .failed: throw .notClaimable(status)
        }
        guard now >= due else { throw .notYetDue(nextAttemptAt: due) }
        guard lease > 0, lease.isFinite else { throw .invalidLease(lease) }
        phase = .inFlight(attempt: attempt, leaseUntil: now.addingTimeInterval(lease))
        return .send(attempt: attempt)
    }

    /// The attempt in flight ended with `outcome` at `now`. A 2xx status delivers; anything else is
    /// recorded and retried after the policy's delay, or fails the delivery on the policy's last attempt.
    ///
    /// An outcome that arrives after the lease ran out still counts, as long as nothing recovered the
    /// delivery in between.
    ///
    /// - Parameter randomUnit: a random number in `0..<1` for the retry delay's jitter.
    /// - Returns: ``DeliveryAction/record(status:error:)`` with the attempt's result.
    /// - Throws: ``DeliveryTransitionError/notInFlight(_:)``.
    public mutating func attemptFinished(
        _ outcome: AttemptOutcome, now: Date, randomUnit: Double, policy: RetryPolicy
    ) throws(DeliveryTransitionError) -> DeliveryAction {
        guard case .inFlight(let attempt, _) = phase else { throw .notInFlight(status) }
        countAttempt(status: outcome.status, error: outcome.errorDescription)
        if outcome.isDelivered, let status = outcome.status {
            phase = .delivered(at: now, status: status)
        } else {
            let next = policy.nextAttemptAt(afterAttempt: attempt, finishedAt: now, randomUnit: randomUnit)
            scheduleAfter(attempt: attempt, nextAttemptAt: max(now, next), now: now, policy: policy)
        }
        return .record(status: lastStatus, error: lastError)
    }

    /// Crash recovery: the attempt in flight has not reported by the end of its lease (its dispatcher
    /// stopped). The attempt counts as made and failed; the next one is claimable at once, or the
    /// delivery fails if that was the policy's last attempt.
    ///
    /// - Returns: ``DeliveryAction/record(status:error:)`` with no status and the lost attempt's error.
    /// - Throws: ``DeliveryTransitionError/notInFlight(_:)``, ``DeliveryTransitionError/leaseStillHeld(until:)``.
    public mutating func leaseExpired(now: Date, policy: RetryPolicy) throws(DeliveryTransitionError) -> DeliveryAction {
        guard case .inFlight(let attempt, let leaseUntil) = phase else { throw .notInFlight(status) }
        guard now >= leaseUntil else { throw .leaseStillHeld(until: leaseUntil) }
        countAttempt(status: nil, error: "attempt \(attempt) did not report before its lease expired")
        scheduleAfter(attempt: attempt, nextAttemptAt: now, now: now, policy: policy)
        return .record(status: nil, error: lastError)
    }

    /// An operator sends a failed delivery again: it becomes pending at once with a fresh budget.
    /// The last status and error stay for the monitor until the next attempt replaces them.
    ///
    /// - Returns: ``DeliveryAction/none``.
    /// - Throws: ``DeliveryTransitionError/notFailed(_:)``.
    public mutating func redeliver(now: Date) throws(DeliveryTransitionError) -> DeliveryAction {
        guard case .failed = phase else { throw .notFailed(status) }
        phase = .pending(attempt: 1, nextAttemptAt: now)
        attemptsMade = 0
        return .none
    }

    private mutating func countAttempt(status: Int?, error: String?) {
        attemptsMade += 1
        totalAttempts += 1
        lastStatus = status
        lastError = error
    }

    private mutating func scheduleAfter(attempt: Int, nextAttemptAt: Date, now: Date, policy: RetryPolicy) {
        if attempt >= policy.maximumAttempts {
            phase = .failed(reason: lastError ?? "failed", at: now)
        } else {
            phase = .retryScheduled(attempt: attempt + 1, nextAttemptAt: nextAttemptAt)
        }
    }
}

extension DeliveryState {
    /// An operator asks for the next attempt now: a pending or retry-scheduled delivery becomes due
    /// at `now` (same attempt, same budget). A delivery already due stays as it is.
    /// - Throws: ``DeliveryTransitionError/notWaiting(_:)`` unless pending or retry scheduled.
    public mutating func expedite(now: Date) throws(DeliveryTransitionError) -> DeliveryAction {
        switch phase {
        case .pending(let attempt, let at) where at > now: phase = .pending(attempt: attempt, nextAttemptAt: now)
        case .retryScheduled(let attempt, let at) where at > now: phase = .retryScheduled(attempt: attempt, nextAttemptAt: now)
        case .pending, .retryScheduled: break
        case .inFlight, .delivered, .failed: throw .notWaiting(status)
        }
        return .none
    }

    /// An operator sends a delivered confirmation once more (the receiver lost it): it becomes
    /// pending at once with a fresh budget; the history stays.
    /// - Throws: ``DeliveryTransitionError/notDelivered(_:)``.
    public mutating func resend(now: Date) throws(DeliveryTransitionError) -> DeliveryAction {
        guard case .delivered = phase else { throw .notDelivered(status) }
        phase = .pending(attempt: 1, nextAttemptAt: now)
        attemptsMade = 0
        return .none
    }
}
