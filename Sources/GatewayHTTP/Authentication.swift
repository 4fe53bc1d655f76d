import Hummingbird
import Ledger

/// A user who logged on, with HTTP Basic or with a client certificate.
public struct AuthenticatedUser: Sendable, Hashable {
    public let name: String
    /// `nil` = every company code.
    public let companyCodes: Set<String>?

    public var authorization: PostingAuthorization { PostingAuthorization(userName: name, companyCodes: companyCodes) }
}

/// How a user logged on.
public enum LogonMethod: String, Sendable {
    /// `Authorization: Basic …`, checked against the user's bcrypt hash.
    case basic
    /// A TLS client certificate bound to the user (`users[].certificate`).
    case certificate
}

/// Why a request was not logged on. Never holds the password.
public struct LogonFailure: Error, Sendable, CustomStringConvertible {
    public enum Reason: String, Sendable {
        /// Neither an `Authorization` header nor a client certificate.
        case noCredentials
        /// An `Authorization` header that is not `Basic <base64 of user:password>`.
        case malformedAuthorization
        /// A NUL byte in the user name or password (bcrypt would ignore everything after it).
        case forbiddenCharacter
        /// A password of more than 72 bytes (bcrypt would ignore the rest).
        case passwordTooLong
        case unknownUser
        case wrongPassword
        /// The same wrong credentials again within a short time: refused without checking again.
        case repeatedFailure
        /// A client certificate that verified against `tls.clientCA` but is bound to no user.
        case unboundCertificate
        /// Too many password checks are running and waiting; answered 503 without a check.
        case overloaded
    }

    public let reason: Reason
    /// The user name as sent (Basic), if any.
    public let userName: String?
    /// The client certificate, if one was presented.
    public let certificate: ClientCertificate?

    public init(reason: Reason, userName: String?, certificate: ClientCertificate?) {
        self.reason = reason
        self.userName = userName
        self.certificate = certificate
    }

    /// 401, except 503 for `overloaded` (the credentials were not checked, the client may retry).
    public var httpStatus: Int { reason == .overloaded ? 503 : 401 }

    public var description: String {
        var text = "logon refused (\(reason.rawValue))"
        if let userName { text += " for user \(userName)" }
        if let certificate { text += " with client certificate \(certificate)" }
        return text
    }
}

/// The result of logging on one request; what the request log records.
public enum LogonOutcome: Sendable {
    case authenticated(AuthenticatedUser, method: LogonMethod)
    case refused(LogonFailure)

    public var user: AuthenticatedUser? {
        if case .authenticated(let user, _) = self { return user }
        return nil
    }
}

extension LogonFailure {
    /// `WWW-Authenticate: Basic` for 401 (the client may send credentials), `Retry-After: 1` for 503.
    var responseHeaders: HTTPFields {
        httpStatus == 503 ? [.retryAfter: "1"] : [.wwwAuthenticate: "Basic realm=\"journal-gateway\""]
    }

    /// The same text for every 401, so that the answer does not tell which part was wrong.
    var responseText: String {
        httpStatus == 503
            ? "Service busy: too many logons are being checked; retry in a moment"
            : "Unauthorized: valid HTTP Basic credentials of a communication user, or a client certificate bound to one, are required"
    }

    /// The plain-text answer of a SOAP endpoint.
    func response() -> Response {
        var headers = responseHeaders
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(
            status: HTTPResponse.Status(code: httpStatus), headers: headers, body: .init(byteBuffer: ByteBuffer(string: responseText + "\n")))
    }
}
