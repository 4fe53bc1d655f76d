/// What the dispatcher must do after a ``DeliveryState`` transition, besides storing the new state.
public enum DeliveryAction: Sendable, Hashable {
    /// Store the state (its lease) first, then send the confirmation: this is attempt `attempt` of the
    /// current budget; the per-attempt timeout comes from the ``RetryPolicy``.
    case send(attempt: Int)
    /// Store the attempt's result for the monitor: the HTTP status when there was one, the error when
    /// the attempt did not deliver.
    case record(status: Int?, error: String?)
    /// Nothing beyond storing the state.
    case none
}
