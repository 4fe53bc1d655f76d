import JournalEntryService
import SOAPCore
import Synchronization

/// What a request came to, as written to the request log (`outcome`) and used as the `outcome`
/// label of `journal_gateway_requests_total`.
///
/// SOAP requests use a small fixed vocabulary; every other route (JSON API, WSDL, schemas,
/// `/metrics`, `/health`, `/ready`) reports its HTTP status code (`"200"`, `"404"`, …).
public enum RequestOutcome: Sendable, Hashable, CustomStringConvertible {
    /// Every entry of the message was posted.
    case posted
    /// Some entries were posted, others were rejected.
    case partiallyPosted
    /// No entry was posted; at least one was rejected (business errors in the entries' `Log`).
    case rejected
    /// A check run (`TestDataIndicator`): every entry passed its checks, nothing was stored.
    case checked
    /// The message ID had been processed before; its original confirmation was returned.
    case replayed
    /// One-way: the request was stored and acknowledged with 202 (its confirmation follows).
    case accepted
    /// One-way: the same message had been received before; acknowledged again, not stored twice.
    case duplicate
    /// The request was refused with a SOAP fault that blames the client (invalid envelope or
    /// body, XSD violation, unsupported media type, body too large …); nothing was processed.
    case fault
    /// A SOAP fault that blames the gateway (`Server`/`Receiver`, e.g. the ledger could not write).
    case error
    /// HTTP 401: credentials missing or wrong (or a certificate bound to no user).
    case unauthorized
    /// HTTP 503: too many password checks were queued; the credentials were not checked.
    case overloaded
    /// A non-SOAP route: its HTTP status.
    case http(Int)

    public var description: String {
        switch self {
        case .posted: "posted"
        case .partiallyPosted: "partially_posted"
        case .rejected: "rejected"
        case .checked: "checked"
        case .replayed: "replayed"
        case .accepted: "accepted"
        case .duplicate: "duplicate"
        case .fault: "fault"
        case .error: "error"
        case .unauthorized: "unauthorized"
        case .overloaded: "overloaded"
        case .http(let status): String(status)
        }
    }

    /// The outcome of a SOAP message the service processed.
    static func of(_ result: ServiceResult) -> RequestOutcome {
        if result.replayed { return .replayed }
        let posted = result.postedCount, rejected = result.rejectedCount
        if posted > 0 { return rejected > 0 ? .partiallyPosted : .posted }
        if rejected > 0 { return .rejected }
        return .checked
    }
}

/// Facts about one request that only the handler knows (who logged on, what the service did),
/// collected for the request log line and the metrics written by ``RequestLogMiddleware``.
///
/// One record is created with each ``GatewayRequestContext``; handlers write into it, the
/// middleware reads it after the handler returned. Thread-safe.
public final class RequestLogRecord: Sendable {
    struct Facts: Sendable {
        var user: String?
        var logonMethod: LogonMethod?
        var logonFailure: LogonFailure.Reason?
        var messageID: String?
        var result: (posted: Int, rejected: Int, checked: Int, outcome: RequestOutcome)?
        var faultCode: SOAPFault.Code?
    }

    private let facts = Mutex(Facts())

    public init() {}

    /// The request was authenticated as `user`.
    public func authenticated(as user: String) {
        facts.withLock { $0.user = user }
    }

    /// How the request logged on: the user and method, or why it was refused (and the user name it claimed).
    public func loggedOn(_ outcome: LogonOutcome) {
        facts.withLock { facts in
            switch outcome {
            case .authenticated(let user, let method):
                facts.user = user.name
                facts.logonMethod = method
            case .refused(let failure):
                facts.user = failure.userName
                facts.logonFailure = failure.reason
            }
        }
    }

    /// The service processed the message (posted, rejected, checked or replayed it).
    public func processed(_ result: ServiceResult) {
        let outcome = RequestOutcome.of(result)
        facts.withLock { facts in
            facts.messageID = result.messageID
            facts.result = (result.postedCount, result.rejectedCount, result.checkedCount, outcome)
        }
    }

    /// The request was answered with this SOAP fault.
    /// A one-way request was stored (or recognised as a duplicate).
    public func accepted(_ result: IntakeResult, messageID: String?) {
        facts.withLock { facts in
            facts.messageID = messageID
            facts.result = (0, 0, 0, result.duplicate ? .duplicate : .accepted)
        }
    }

    public func answered(with fault: SOAPFault) {
        facts.withLock { $0.faultCode = fault.code }
    }

    var snapshot: Facts { facts.withLock { $0 } }
}
