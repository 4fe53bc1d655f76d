import Foundation

/// Whether the gateway asks HTTPS clients for a certificate (`tls.clientCertificates`).
public enum ClientCertificateMode: String, Codable, Sendable, CaseIterable {
    /// No certificate is requested; logon is HTTP Basic only.
    case none
    /// A certificate is requested; a client without one can still log on with Basic. A presented
    /// certificate must chain to `tls.clientCA` and be valid, else the handshake fails.
    case optional
    /// Every client must present a valid certificate of `tls.clientCA`, else the handshake fails.
    case required

    /// Reads `"none"`, `"optional"` or `"required"`; any other value is an error that names the allowed ones.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let mode = Self(rawValue: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "must be \"none\", \"optional\" or \"required\", not '\(text)'")
        }
        self = mode
    }
}

