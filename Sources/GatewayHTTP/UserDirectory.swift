import Foundation
import HummingbirdBcrypt
import Ledger
import NIOPosix
import Synchronization

/// A user who passed HTTP Basic authentication.
public struct AuthenticatedUser: Sendable, Hashable {
    public let name: String
    /// `nil` = every company code.
    public let companyCodes: Set<String>?

    public var authorization: PostingAuthorization { PostingAuthorization(userName: name, companyCodes: companyCodes) }
}

/// Checks HTTP Basic credentials against the configured users' bcrypt hashes.
///
/// bcrypt is slow on purpose, so it runs on NIO's thread pool (never on the cooperative pool),
/// and a successful check is remembered for the exact `Authorization` value so that a busy
/// client does not pay for it on every request. Failures are never cached.
public final class UserDirectory: Sendable {
    private struct Account: Sendable {
        let name: String
        let passwordHash: String
        let companyCodes: Set<String>?
    }

    private let accounts: [String: Account]
    private let verified = Mutex<[String: AuthenticatedUser]>([:])
    /// Checks running now, so that a burst of requests with the same new credentials costs one bcrypt.
    private let inFlight = Mutex<[String: Task<AuthenticatedUser?, Never>]>([:])
    private static let cacheLimit = 4096

    public init(users: [GatewayConfiguration.User]) {
        var accounts: [String: Account] = [:]
        for user in users {
            let codes = user.companyCodes.flatMap { $0.contains("*") ? nil : Set($0) }
            accounts[user.name.uppercased()] = Account(name: user.name, passwordHash: user.passwordHash, companyCodes: codes)
        }
        self.accounts = accounts
    }

    /// The user named by an `Authorization: Basic …` header value, or `nil` when it is missing or wrong.
    /// User names are case-insensitive, as SAP's.
    public func authenticate(authorizationHeader: String?) async -> AuthenticatedUser? {
        guard let header = authorizationHeader else { return nil }
        if let cached = verified.withLock({ $0[header] }) { return cached }
        let check: Task<AuthenticatedUser?, Never> = inFlight.withLock { running in
            if let task = running[header] { return task }
            let task = Task { await self.verify(header) }
            running[header] = task
            return task
        }
        let user = await check.value
        inFlight.withLock { $0[header] = nil }
        return user
    }

    private func verify(_ header: String) async -> AuthenticatedUser? {
        guard let (name, password) = Self.decodeBasic(header), let account = accounts[name.uppercased()] else { return nil }
        let hash = account.passwordHash
        let matches = (try? await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }) ?? false
        guard matches else { return nil }
        let user = AuthenticatedUser(name: account.name, companyCodes: account.companyCodes)
        verified.withLock { cache in
            if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
            cache[header] = user
        }
        return user
    }

    static func decodeBasic(_ header: String) -> (String, String)? {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
            let decoded = Data(base64Encoded: String(parts[1].trimmingCharacters(in: .whitespaces))),
            let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}
