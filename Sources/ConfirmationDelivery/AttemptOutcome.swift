/// How one attempt to send a confirmation ended, as far as delivery cares.
///
/// The transport maps its own results onto these cases (for CurlClient: an `HTTPResponseSummary`
/// becomes ``httpStatus(_:)``, `CurlError.isTimeout` ``timedOut``, `isConnectFailure`
/// ``connectionRefused``, anything else ``transportError(_:)`` with its short description).
public enum AttemptOutcome: Sendable, Hashable, Codable {
    /// The receiver answered with this HTTP status; only 2xx counts as delivered.
    case httpStatus(Int)
    /// No answer within the policy's attempt timeout.
    case timedOut
    /// The connection could not be made (refused, unreachable, name not resolved).
    case connectionRefused
    /// The transfer failed otherwise (TLS, broken connection, …), with the transport's description.
    case transportError(String)

    /// `true` for a 2xx status.
    public var isDelivered: Bool {
        if case .httpStatus(let status) = self { return (200..<300).contains(status) }
        return false
    }

    /// The HTTP status, when the receiver answered.
    public var status: Int? {
        if case .httpStatus(let status) = self { return status }
        return nil
    }

    /// What went wrong, for the monitor; `nil` when delivered.
    public var errorDescription: String? {
        switch self {
        case .httpStatus(let status): isDelivered ? nil : "HTTP status \(status)"
        case .timedOut: "timed out"
        case .connectionRefused: "connection refused"
        case .transportError(let message): message
        }
    }
}
