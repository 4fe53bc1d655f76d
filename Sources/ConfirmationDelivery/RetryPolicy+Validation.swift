/// A value of a ``RetryPolicy`` that cannot be used, named by its configuration key so that the
/// configuration checker can point at it.
public enum RetryPolicyProblem: Sendable, Hashable, CustomStringConvertible {
    /// `maximumAttempts` is below 1.
    case attemptsNotPositive(Int)
    /// A duration (`initialDelaySeconds`, `maximumDelaySeconds`, `attemptTimeoutSeconds`) is zero,
    /// negative or not a finite number.
    case durationNotPositive(key: String, value: Double)
    /// `multiplier` is below 1 or not finite: delays would shrink.
    case multiplierBelowOne(Double)
    /// `jitter` lies outside `0…1` or is not a number.
    case jitterOutOfRange(Double)
    /// `maximumDelaySeconds` is below `initialDelaySeconds`.
    case maximumBelowInitial(maximum: Double, initial: Double)

    /// The configuration key at fault.
    public var key: String {
        switch self {
        case .attemptsNotPositive: RetryPolicy.CodingKeys.maximumAttempts.rawValue
        case .durationNotPositive(let key, _): key
        case .multiplierBelowOne: RetryPolicy.CodingKeys.multiplier.rawValue
        case .jitterOutOfRange: RetryPolicy.CodingKeys.jitter.rawValue
        case .maximumBelowInitial: RetryPolicy.CodingKeys.maximumDelay.rawValue
        }
    }

    /// What is wrong, for an operator.
    public var message: String {
        switch self {
        case .attemptsNotPositive(let value): "must be at least 1, not \(value)"
        case .durationNotPositive(_, let value): "must be a positive number of seconds, not \(value)"
        case .multiplierBelowOne(let value): "must be a finite number of at least 1, not \(value)"
        case .jitterOutOfRange(let value): "must lie between 0 and 1, not \(value)"
        case .maximumBelowInitial(let maximum, let initial):
            "\(maximum) is less than initialDelaySeconds (\(initial))"
        }
    }

    public var description: String { "\(key): \(message)" }
}

extension RetryPolicy {
    /// Everything wrong with this policy, in key order; empty when it can be used.
    public var problems: [RetryPolicyProblem] {
        var problems: [RetryPolicyProblem] = []
        if maximumAttempts < 1 { problems.append(.attemptsNotPositive(maximumAttempts)) }
        func checkDuration(_ value: Double, _ key: CodingKeys) {
            if !(value > 0 && value.isFinite) { problems.append(.durationNotPositive(key: key.rawValue, value: value)) }
        }
        checkDuration(initialDelay, .initialDelay)
        if !(multiplier >= 1 && multiplier.isFinite) { problems.append(.multiplierBelowOne(multiplier)) }
        checkDuration(maximumDelay, .maximumDelay)
        if initialDelay > 0, maximumDelay > 0, maximumDelay < initialDelay {
            problems.append(.maximumBelowInitial(maximum: maximumDelay, initial: initialDelay))
        }
        if !(0...1).contains(jitter) { problems.append(.jitterOutOfRange(jitter)) }
        checkDuration(attemptTimeout, .attemptTimeout)
        return problems
    }
}
