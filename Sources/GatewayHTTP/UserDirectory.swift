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
        guard parts.count == 2, parts[0].lowercased() == "basic", let decoded = Base64.decode(parts[1].trimmingCharacters(in: " ")),
            let text = String(validating: decoded, as: UTF8.self), let colon = text.firstIndex(of: ":")
        else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}

/// Minimal strict base64 decoding (RFC 4648, with padding).
enum Base64 {
    static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var values: [UInt8] = []
        values.reserveCapacity(text.utf8.count)
        var padding = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): values.append(byte - 65)
            case UInt8(ascii: "a")...UInt8(ascii: "z"): values.append(byte - 71)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): values.append(byte + 4)
            case UInt8(ascii: "+"): values.append(62)
            case UInt8(ascii: "/"): values.append(63)
            case UInt8(ascii: "="): padding += 1; continue
            default: return nil
            }
            if padding > 0 { return nil }
        }
        guard padding <= 2, (values.count + padding) % 4 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(values.count * 3 / 4)
        var index = 0
        while index + 1 < values.count {
            let chunk = values[index..<min(index + 4, values.count)]
            let a = chunk[chunk.startIndex], b = chunk[chunk.startIndex + 1]
            output.append(a << 2 | b >> 4)
            if chunk.count > 2 {
                let c = chunk[chunk.startIndex + 2]
                output.append((b & 0x0F) << 4 | c >> 2)
                if chunk.count > 3 { output.append((c & 0x03) << 6 | chunk[chunk.startIndex + 3]) }
            }
            index += 4
        }
        return output
    }
}

extension StringProtocol {
    func trimmingCharacters(in set: Character) -> Substring {
        var slice = Substring(self)
        while slice.first == set { slice = slice.dropFirst() }
        while slice.last == set { slice = slice.dropLast() }
        return slice
    }
}
