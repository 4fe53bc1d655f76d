import Foundation

/// Where one confirmation's delivery stands: the value a delivery row stores, with the last attempt's
/// result for the monitor.
///
/// ```
/// pending ─claim─▶ inFlight ─attemptFinished(2xx)─────────────────────────────▶ delivered
/// retryScheduled ─claim─▶ inFlight ─attemptFinished(other) or leaseExpired─▶ retryScheduled
///                                   … the same on the policy's last attempt ─▶ failed
/// failed ─redeliver─▶ pending (fresh attempt budget)
/// ```
/// Transitions live in `DeliveryState+StateMachine.swift`.
public struct DeliveryState: Sendable, Hashable, Codable {
    /// The phase without its data, e.g. for a status column or a filter.
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        case pending, inFlight, retryScheduled, delivered, failed
    }

    /// The phase and what it needs.
    public enum Phase: Sendable, Hashable, Codable {
        /// Waiting for its first attempt (of a budget), claimable from `nextAttemptAt`.
        case pending(attempt: Int, nextAttemptAt: Date)
        /// A dispatcher is making attempt `attempt`; if it has not reported by `leaseUntil`, it is
        /// presumed gone and the delivery can be recovered with `leaseExpired`.
        case inFlight(attempt: Int, leaseUntil: Date)
        /// An attempt did not deliver; attempt `attempt` is claimable from `nextAttemptAt`.
        case retryScheduled(attempt: Int, nextAttemptAt: Date)
        /// The receiver answered `status` (2xx) at `at`. Terminal.
        case delivered(at: Date, status: Int)
        /// Every attempt of the budget failed; `reason` is the last error. Only `redeliver` leaves it.
        case failed(reason: String, at: Date)
    }

    /// The current phase.
    public internal(set) var phase: Phase
    /// Attempts finished (or lost with an expired lease) in the current budget.
    public internal(set) var attemptsMade: Int
    /// Attempts finished over the delivery's whole life, redeliveries included.
    public internal(set) var totalAttempts: Int
    /// HTTP status of the last attempt; `nil` when it got no answer or none was made yet.
    public internal(set) var lastStatus: Int?
    /// Error of the last attempt; `nil` when it delivered or none was made yet.
    public internal(set) var lastError: String?

    /// A new delivery, due at once.
    public init(enqueuedAt now: Date) {
        self.phase = .pending(attempt: 1, nextAttemptAt: now)
        self.attemptsMade = 0
        self.totalAttempts = 0
        self.lastStatus = nil
        self.lastError = nil
    }

    /// The phase's status.
    public var status: Status {
        switch phase {
        case .pending: .pending
        case .inFlight: .inFlight
        case .retryScheduled: .retryScheduled
        case .delivered: .delivered
        case .failed: .failed
        }
    }

    /// When the next attempt is due, for a delivery waiting for one.
    public var nextAttemptAt: Date? {
        switch phase {
        case .pending(_, let at), .retryScheduled(_, let at): at
        case .inFlight, .delivered, .failed: nil
        }
    }

    /// `true` when no event other than `redeliver` (for a failed delivery) applies.
    public var isFinished: Bool { status == .delivered || status == .failed }
}
