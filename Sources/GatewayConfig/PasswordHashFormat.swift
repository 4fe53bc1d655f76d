/// The shape of a bcrypt hash as the gateway's verifier (OpenBSD's bcrypt in HummingbirdBcrypt)
/// accepts it: `$2a$`, `$2b$` or `$2y$`, a two-digit cost 04…31, `$`, 22 characters of salt and
/// 31 of hash in bcrypt's base64 alphabet (`./A-Za-z0-9`) — 60 characters in all.
///
/// A hash of another shape can never match any password, so it is refused when the configuration
/// is loaded instead of failing every logon. `$2y$` (PHP's name for the corrected algorithm) is
/// the same as `$2b$`, which the verifier knows; ``normalized(_:)`` rewrites the prefix.
public enum PasswordHashFormat {
    static let alphabet = Array("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    /// Why `hash` cannot be a bcrypt hash the verifier accepts, or `nil` when it can.
    public static func problem(_ hash: String) -> String? {
        let characters = Array(hash)
        guard characters.count >= 4, characters[0] == "$", characters[1] == "2", ["a", "b", "y"].contains(characters[2]), characters[3] == "$" else {
            return "passwordHash is not a bcrypt hash (it must start with $2b$, $2a$ or $2y$)"
        }
        guard characters.count >= 7, characters[6] == "$", let cost = Int(String(characters[4..<6])), characters[4..<6].allSatisfy(\.isASCII) else {
            return "passwordHash has no two-digit cost after \(String(characters[0..<4])) (e.g. $2b$10$…)"
        }
        guard (4...31).contains(cost) else { return "passwordHash has cost \(String(characters[4..<6])); bcrypt allows 04…31" }
        let rest = characters[7...]
        guard rest.count == 53 else { return "passwordHash must have 53 characters after the cost (22 salt + 31 hash), not \(rest.count)" }
        if let bad = rest.first(where: { !alphabet.contains($0) }) {
            return "passwordHash contains '\(bad)', which is not in bcrypt's base64 alphabet (./A-Za-z0-9)"
        }
        // The last character of salt and hash carries unused bits; the verifier re-encodes them as
        // zero, so any other value there never compares equal.
        let salt = Array(rest.prefix(22))
        let digest = Array(rest.suffix(31))
        if let last = salt.last, let value = alphabet.firstIndex(of: last), value % 16 != 0 {
            return "passwordHash has an impossible salt (its 22nd character '\(last)' must be one of . O e u); was it copied completely?"
        }
        if let last = digest.last, let value = alphabet.firstIndex(of: last), value % 4 != 0 {
            return "passwordHash has an impossible last character '\(last)'; was it copied completely?"
        }
        return nil
    }

    /// `$2y$…` as `$2b$…` (the same algorithm); other hashes unchanged.
    public static func normalized(_ hash: String) -> String {
        hash.hasPrefix("$2y$") ? "$2b$" + hash.dropFirst(4) : hash
    }
}
