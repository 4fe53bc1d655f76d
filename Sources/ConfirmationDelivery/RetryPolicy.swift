import Foundation

/// When a confirmation that was not delivered is tried again: exponential backoff with jitter, a cap on
/// the delay, a bounded number of attempts and a timeout for each attempt.
///
/// The schedule is a pure function of the attempt number and a random number in `0..<1` that the caller
/// draws; there is no clock and no random generator inside, so the same inputs always give the same time.
///
/// The base delay after attempt *n* (1-based) is `min(initialDelay × multiplier^(n−1), maximumDelay)`;
/// jitter then scales it by a factor in `1 − jitter … 1 + jitter` (``delay(afterAttempt:randomUnit:)``).
/// Attempt 1 is made as soon as the confirmation is enqueued, so `maximumAttempts` attempts are separated
/// by `maximumAttempts − 1` delays.
///
/// With the defaults (25 attempts, 15 s initial delay, multiplier 2, 5 h cap, jitter 0.1, 10 s timeout):
///
/// | after attempt | base delay | first attempt to this retry |
/// |---------------|-----------:|----------------------------:|
/// | 1             | 15 s       | 15 s                        |
/// | 2             | 30 s       | 45 s                        |
/// | 3             | 1 min      | 1 min 45 s                  |
/// | 4             | 2 min      | 3 min 45 s                  |
/// | 5             | 4 min      | 7 min 45 s                  |
/// | 6             | 8 min      | 15 min 45 s                 |
/// | 7             | 16 min     | 31 min 45 s                 |
/// | 8             | 32 min     | 1 h 3 min 45 s              |
/// | 9             | 64 min     | 2 h 7 min 45 s              |
/// | 10            | 2 h 8 min  | 4 h 15 min 45 s             |
/// | 11            | 4 h 16 min | 8 h 31 min 45 s             |
/// | 12 … 24       | 5 h (cap)  | 13 h 31 min 45 s … 3 d 1 h 31 min 45 s |
/// | 25            | none: failed |                           |
///
/// The 24 base delays total 264,705 s (3 d 1 h 31 min 45 s); with jitter the span from the first to the
/// 25th attempt lies between 238,234.5 s (2 d 18 h 10 min 34.5 s, every draw 0) and 291,175.5 s
/// (3 d 8 h 52 min 55.5 s, every draw close to 1), plus up to 25 × 10 s of attempt time
/// (``scheduleSpan(randomUnit:)``).
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in one budget, the first included; after the last one fails the delivery is failed.
    public var maximumAttempts: Int
    /// Base delay after the first attempt, in seconds.
    public var initialDelay: TimeInterval
    /// Growth of the base delay from one attempt to the next (at least 1).
    public var multiplier: Double
    /// Cap on the base delay, in seconds (jitter may exceed it by at most `jitter × maximumDelay`).
    public var maximumDelay: TimeInterval
    /// Fraction in `0…1` by which a delay is spread around its base value (0 = no jitter).
    public var jitter: Double
    /// Time allowed for one attempt (connect, send, answer), in seconds.
    public var attemptTimeout: TimeInterval

    /// The defaults: 25 attempts over about 3 days, 10 s per attempt (see the table above).
    public init(
        maximumAttempts: Int = 25,
        initialDelay: TimeInterval = 15,
        multiplier: Double = 2,
        maximumDelay: TimeInterval = 5 * 3600,
        jitter: Double = 0.1,
        attemptTimeout: TimeInterval = 10
    ) {
        self.maximumAttempts = maximumAttempts
        self.initialDelay = initialDelay
        self.multiplier = multiplier
        self.maximumDelay = maximumDelay
        self.jitter = jitter
        self.attemptTimeout = attemptTimeout
    }

    /// The delay after attempt `attempt` (1-based) before no jitter is applied.
    public func baseDelay(afterAttempt attempt: Int) -> TimeInterval {
        let exponent = Double(max(attempt, 1) - 1)
        let grown = initialDelay * pow(multiplier, exponent)
        return grown.isFinite ? min(grown, maximumDelay) : maximumDelay
    }

    /// The delay after attempt `attempt` (1-based): the base delay scaled by `1 + jitter × (2 × randomUnit − 1)`.
    ///
    /// - Parameters:
    ///   - attempt: the attempt that just failed.
    ///   - randomUnit: a random number in `0..<1` drawn by the caller; values outside are clamped.
    ///     0 gives the shortest delay, 0.5 the base delay, values near 1 the longest.
    public func delay(afterAttempt attempt: Int, randomUnit: Double) -> TimeInterval {
        let unit = randomUnit.isNaN ? 0.5 : min(max(randomUnit, 0), 1)
        return baseDelay(afterAttempt: attempt) * (1 + jitter * (2 * unit - 1))
    }

    /// When the attempt after `attempt` is due, given when `attempt` finished.
    public func nextAttemptAt(afterAttempt attempt: Int, finishedAt now: Date, randomUnit: Double) -> Date {
        now.addingTimeInterval(delay(afterAttempt: attempt, randomUnit: randomUnit))
    }

    /// Time from the first attempt to the last one if every attempt fails at once and every draw is
    /// `randomUnit`: the sum of the `maximumAttempts − 1` delays, without the attempts' own duration.
    public func scheduleSpan(randomUnit: Double) -> TimeInterval {
        guard maximumAttempts > 1 else { return 0 }
        return (1..<maximumAttempts).reduce(0) { $0 + delay(afterAttempt: $1, randomUnit: randomUnit) }
    }
}

extension RetryPolicy: Codable {
    /// Configuration keys; every key is optional and falls back to its default.
    enum CodingKeys: String, CodingKey {
        case maximumAttempts
        case initialDelay = "initialDelaySeconds"
        case multiplier
        case maximumDelay = "maximumDelaySeconds"
        case jitter
        case attemptTimeout = "attemptTimeoutSeconds"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = RetryPolicy()
        self.init(
            maximumAttempts: try container.decodeIfPresent(Int.self, forKey: .maximumAttempts) ?? defaults.maximumAttempts,
            initialDelay: try container.decodeIfPresent(Double.self, forKey: .initialDelay) ?? defaults.initialDelay,
            multiplier: try container.decodeIfPresent(Double.self, forKey: .multiplier) ?? defaults.multiplier,
            maximumDelay: try container.decodeIfPresent(Double.self, forKey: .maximumDelay) ?? defaults.maximumDelay,
            jitter: try container.decodeIfPresent(Double.self, forKey: .jitter) ?? defaults.jitter,
            attemptTimeout: try container.decodeIfPresent(Double.self, forKey: .attemptTimeout) ?? defaults.attemptTimeout
        )
    }
}
