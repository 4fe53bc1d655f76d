import Crypto

/// SHA-256 fingerprints of certificates (and digests of logon cache keys), computed with swift-crypto.
enum Fingerprint {
    /// The 32-byte SHA-256 digest of `bytes`.
    static func sha256(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        Array(SHA256.hash(data: Array(bytes)))
    }

    /// Upper-case hex pairs separated by colons, as `openssl x509 -fingerprint -sha256` prints them.
    static func text(_ digest: [UInt8]) -> String {
        let digits = Array("0123456789ABCDEF")
        return digest.map { String([digits[Int($0 >> 4)], digits[Int($0 & 0x0f)]]) }.joined(separator: ":")
    }

    /// Reads a fingerprint written as hex, with or without colons (or spaces), in any case.
    /// `nil` unless it is exactly 32 bytes.
    static func parse(_ text: String) -> [UInt8]? {
        let digits = Array(text.filter { $0 != ":" && $0 != " " })
        guard digits.count == 64 else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: 64, by: 2) {
            guard let byte = UInt8(String(digits[index...index + 1]), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}
