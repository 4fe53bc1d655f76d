import GatewayConfig
import Foundation
import Hummingbird
import HummingbirdAuth
import HummingbirdBcrypt
import Logging
import NIOPosix
import Synchronization

/// The configured users and how a request logs on as one of them.
///
/// - **HTTP Basic** (when an `Authorization` header is present): parsed by hummingbird-auth,
///   checked against the user's bcrypt hash. A user name or password with a NUL byte, or a password
///   longer than bcrypt's 72 bytes, is refused before any check (bcrypt would ignore the rest and
///   accept a password that only starts like the real one). An unknown user is checked against a
///   dummy hash of the same cost, so it takes as long as a wrong password.
/// - **Client certificate** (no `Authorization` header, HTTPS with a verified client certificate):
///   the user whose `certificate` binding matches; a certificate bound to no user is refused.
///
/// bcrypt is slow on purpose, so at most `LogonLimits.concurrentVerifications` checks run at once
/// (on NIO's thread pool, never on the cooperative pool), at most `waitingVerifications` wait, one
/// client address holds at most `verificationsPerClient` of them, and anything beyond is refused
/// at once as `overloaded` (503). A correct `Authorization` value is
/// remembered (by SHA-256) so that a busy client does not pay for bcrypt on every request; a wrong
/// one is remembered for `failureMemory` and answered 401 without a new check.
public final class UserDirectory: Sendable {
    private struct Account: Sendable {
        let user: AuthenticatedUser
        let passwordHash: String
        let certificate: BoundCertificate?
    }

    /// By upper-cased name: user names are case-insensitive, as SAP's.
    private let accounts: [String: Account]
    private let certificateAccounts: [Account]
    /// A well-formed bcrypt hash no password produces, of the highest cost among the users.
    private let dummyHash: String
    private let slots: VerificationSlots
    private let failures: RecentFailures
    private let logger: Logger
    private let verified = Mutex<[[UInt8]: AuthenticatedUser]>([:])
    /// Checks running now, so that a burst of requests with the same new credentials costs one bcrypt.
    private let inFlight = Mutex<[[UInt8]: Task<Result<AuthenticatedUser, LogonFailure>, Never>]>([:])
    private static let verifiedLimit = 4096
    /// bcrypt uses at most this many bytes of a password.
    static let maximumPasswordBytes = 72

    public init(users: [GatewayConfiguration.User], limits: LogonLimits = LogonLimits(), logger: Logger = Logger(label: "journal-gateway.logon")) {
        var accounts: [String: Account] = [:]
        var certificateAccounts: [Account] = []
        var cost = 4
        for user in users {
            let codes = user.companyCodes.flatMap { $0.contains("*") ? nil : Set($0) }
            let account = Account(
                user: AuthenticatedUser(name: user.name, companyCodes: codes), passwordHash: user.passwordHash,
                certificate: user.certificate.flatMap(BoundCertificate.init))
            accounts[user.name.uppercased()] = account
            if account.certificate != nil { certificateAccounts.append(account) }
            cost = max(cost, Self.cost(of: user.passwordHash) ?? cost)
        }
        self.accounts = accounts
        self.certificateAccounts = certificateAccounts
        self.dummyHash = Self.dummyHash(cost: cost)
        self.slots = VerificationSlots(
            capacity: limits.concurrentVerifications, queueCapacity: limits.waitingVerifications, perClient: limits.verificationsPerClient)
        self.failures = RecentFailures(memory: limits.failureMemory, limit: limits.rememberedFailures)
        self.logger = logger
    }

    /// Logs on a request: HTTP Basic when `headers` has an `Authorization` field (then the
    /// certificate is not looked at), else the client certificate. A refusal is logged with user
    /// name, remote address and reason (never the password).
    public func authenticate(headers: HTTPFields, clientCertificate: ClientCertificate?, remoteAddress: String?) async -> LogonOutcome {
        let outcome: LogonOutcome
        if let authorization = headers[.authorization] {
            outcome = await basic(authorization, client: Self.host(of: remoteAddress))
        } else if let clientCertificate {
            outcome = certificateLogon(clientCertificate)
        } else {
            outcome = .refused(LogonFailure(reason: .noCredentials, userName: nil, certificate: nil))
        }
        if case .refused(let failure) = outcome { log(failure, remoteAddress: remoteAddress) }
        return outcome
    }

    /// Logs on the sender of `request`: HTTP Basic when it has an `Authorization` header, else
    /// the client certificate of its TLS connection.
    func logon(_ request: Request, context: GatewayRequestContext) async -> LogonOutcome {
        let certificate = request.headers[.authorization] == nil ? await context.clientCertificate() : nil
        let outcome = await authenticate(
            headers: request.headers, clientCertificate: certificate, remoteAddress: context.remoteAddress.map(TLSHandshakeWatcher.describe))
        context.requestLog.loggedOn(outcome)  // for the request log line and the logon-failure metric
        return outcome
    }

    /// The user of an `Authorization: Basic …` value, or `nil` when it is missing or refused
    /// (HTTP Basic only; the refusal is logged without a remote address).
    public func authenticate(authorizationHeader: String?) async -> AuthenticatedUser? {
        var headers = HTTPFields()
        headers[.authorization] = authorizationHeader
        return await authenticate(headers: headers, clientCertificate: nil, remoteAddress: nil).user
    }

    // MARK: HTTP Basic

    private func basic(_ authorization: String, client: String) async -> LogonOutcome {
        let key = Fingerprint.sha256(authorization.utf8)
        if let user = verified.withLock({ $0[key] }) { return .authenticated(user, method: .basic) }
        func refused(_ reason: LogonFailure.Reason, _ name: String?) -> LogonOutcome {
            .refused(LogonFailure(reason: reason, userName: name, certificate: nil))
        }
        guard let credentials = Self.basicCredentials(authorization) else { return refused(.malformedAuthorization, nil) }
        let name = credentials.username
        if name.utf8.contains(0) || credentials.password.utf8.contains(0) {
            return refused(.forbiddenCharacter, name.replacingOccurrences(of: "\0", with: "\\0"))
        }
        if credentials.password.utf8.count > Self.maximumPasswordBytes { return refused(.passwordTooLong, name) }
        if failures.contains(key) { return refused(.repeatedFailure, name) }

        let check: Task<Result<AuthenticatedUser, LogonFailure>, Never> = inFlight.withLock { running in
            if let task = running[key] { return task }
            let task = Task { await self.verify(credentials, key: key, client: client) }
            running[key] = task
            return task
        }
        switch await check.value {
        case .success(let user): return .authenticated(user, method: .basic)
        case .failure(let failure): return .refused(failure)
        }
    }

    private func verify(_ credentials: BasicAuthentication, key: [UInt8], client: String) async -> Result<AuthenticatedUser, LogonFailure> {
        defer { inFlight.withLock { $0[key] = nil } }
        let name = credentials.username
        guard await slots.acquire(client: client) else { return .failure(LogonFailure(reason: .overloaded, userName: name, certificate: nil)) }
        defer { slots.release(client: client) }
        let account = accounts[name.uppercased()]
        let hash = account?.passwordHash ?? dummyHash
        let password = credentials.password
        let matches = (try? await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }) ?? false
        guard let account, matches else {
            failures.insert(key)
            return .failure(LogonFailure(reason: account == nil ? .unknownUser : .wrongPassword, userName: name, certificate: nil))
        }
        verified.withLock { cache in
            if cache.count >= Self.verifiedLimit { cache.removeAll(keepingCapacity: true) }
            cache[key] = account.user
        }
        return .success(account.user)
    }

    /// `user` and `password` of `Basic <base64>`, parsed by hummingbird-auth. The scheme name is
    /// case-insensitive (RFC 7617); hummingbird-auth expects it spelled `Basic`.
    static func basicCredentials(_ authorization: String) -> BasicAuthentication? {
        let scheme = "basic "
        guard authorization.count > scheme.count, authorization.prefix(scheme.count).lowercased() == scheme else { return nil }
        let normalized = "Basic " + authorization.dropFirst(scheme.count).trimmingCharacters(in: .whitespaces)
        var fields = HTTPFields()
        fields[.authorization] = normalized
        return fields.basic
    }

    // MARK: Client certificate

    private func certificateLogon(_ certificate: ClientCertificate) -> LogonOutcome {
        guard let account = certificateAccounts.first(where: { $0.certificate?.matches(certificate) == true }) else {
            return .refused(LogonFailure(reason: .unboundCertificate, userName: nil, certificate: certificate))
        }
        return .authenticated(account.user, method: .certificate)
    }

    // MARK: Support

    private func log(_ failure: LogonFailure, remoteAddress: String?) {
        var metadata: Logger.Metadata = ["reason": .string(failure.reason.rawValue), "remote": .string(remoteAddress ?? "unknown")]
        // Client-supplied: control characters (a line feed would forge log lines) become `?`.
        if let name = failure.userName { metadata["user"] = .string(RequestLogMiddleware.sanitized(name, limit: 64)) }
        if let certificate = failure.certificate {
            metadata["subject"] = .string("\(certificate.subject)")
            metadata["sha256"] = .string(certificate.fingerprint)
        }
        switch failure.reason {
        case .noCredentials, .repeatedFailure: logger.debug("logon failed", metadata: metadata)
        default: logger.warning("logon failed", metadata: metadata)
        }
    }

    /// The client part of `host:port` / `[v6]:port`, the key of the per-client share of checks.
    static func host(of remoteAddress: String?) -> String {
        guard let address = remoteAddress else { return "" }
        if address.hasPrefix("["), let end = address.firstIndex(of: "]") { return String(address[...end]) }
        if let colon = address.lastIndex(of: ":"), address.firstIndex(of: ":") == colon { return String(address[..<colon]) }
        return address
    }

    static func cost(of hash: String) -> Int? {
        let parts = hash.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, let cost = Int(parts[2]), (4...31).contains(cost) else { return nil }
        return cost
    }

    /// `$2b$<cost>$` + a random salt + a hash of the right length: bcrypt computes it at full cost
    /// and compares, and no password matches it.
    static func dummyHash(cost: Int) -> String {
        let alphabet = Array("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        let salt = String((0..<22).map { _ in alphabet.randomElement()! })
        let costText = cost < 10 ? "0\(cost)" : "\(cost)"
        return "$2b$\(costText)$" + salt + String(repeating: ".", count: 31)
    }
}
