import Foundation

/// An event that does not apply to a delivery's current phase. The state is left unchanged.
public enum DeliveryTransitionError: Error, Sendable, Hashable {
    /// `claim` on a delivery that is in flight, delivered or failed.
    case notClaimable(DeliveryState.Status)
    /// `claim` before the delivery's next attempt is due.
    case notYetDue(nextAttemptAt: Date)
    /// `claim` with a lease that is not a positive, finite duration.
    case invalidLease(TimeInterval)
    /// `attemptFinished` or `leaseExpired` on a delivery that is not in flight.
    case notInFlight(DeliveryState.Status)
    /// `leaseExpired` while the lease still holds.
    case leaseStillHeld(until: Date)
    /// `redeliver` on a delivery that has not failed.
    case notFailed(DeliveryState.Status)
    /// `expedite` on a delivery that is not waiting for an attempt.
    case notWaiting(DeliveryState.Status)
    /// `resend` on a delivery that was not delivered.
    case notDelivered(DeliveryState.Status)
}
