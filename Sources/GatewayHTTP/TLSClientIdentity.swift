import GatewayConfig
import Foundation
import NIOCore
import NIOSSL

/// A distinguished name (`CN=INTEGRATION,O=Demo`): attribute type and value pairs.
///
/// Names are written most specific first (RFC 4514 order). Two names are the same when they hold
/// the same attributes, in any order, with values compared case-insensitively and with runs of
/// white space collapsed (the usual `caseIgnoreMatch` of directory strings).
public struct DistinguishedName: Sendable, Hashable, CustomStringConvertible {
    /// One `TYPE=value` pair; the type is a short name such as `CN`, `O`, `OU`, `C`, `ST`, `L`,
    /// `emailAddress` or `UID`.
    public struct Attribute: Sendable, Hashable {
        public let type: String
        public let value: String
    }

    public let attributes: [Attribute]

    /// The attribute types a configured subject may name (NIOSSL reports no others by name).
    static let knownTypes: [String: String] = [
        "CN": "CN", "O": "O", "OU": "OU", "C": "C", "ST": "ST", "S": "ST", "L": "L",
        "E": "emailAddress", "EMAIL": "emailAddress", "EMAILADDRESS": "emailAddress", "UID": "UID", "USERID": "UID",
    ]

    /// Reads `CN=INTEGRATION,O=Demo` (RFC 4514 style: `,` or `;` between attributes, `\` escapes
    /// a special character). `nil` when the text is not a list of known `TYPE=value` pairs.
    public init?(parsing text: String) {
        var attributes: [Attribute] = []
        var current = ""
        var pieces: [String] = []
        var escaped = false
        for character in text {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "," || character == ";" {
                pieces.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        guard !escaped else { return nil }
        pieces.append(current)
        for piece in pieces {
            guard let equals = piece.firstIndex(of: "=") else { return nil }
            let type = piece[..<equals].trimmingCharacters(in: .whitespaces).uppercased()
            let value = piece[piece.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard let known = Self.knownTypes[type], !value.isEmpty else { return nil }
            attributes.append(Attribute(type: known, value: value))
        }
        guard !attributes.isEmpty else { return nil }
        self.attributes = attributes
    }

    /// The name of a certificate's subject or issuer as NIOSSL reports it (least specific first).
    init(_ names: [SSLCertificateName]) {
        attributes = names.reversed().map { name in
            let type: String
            switch name.type {
            case .commonName: type = "CN"
            case .organization: type = "O"
            case .organizationalUnit: type = "OU"
            case .country: type = "C"
            case .state: type = "ST"
            case .city: type = "L"
            case .emailAddress: type = "emailAddress"
            case .userId: type = "UID"
            default: type = "OID"  // an attribute NIOSSL does not name: never equal to a configured subject
            }
            return Attribute(type: type, value: name.value)
        }
    }

    /// Same attributes, in any order; values compared case-insensitively, white space collapsed.
    public func matches(_ other: DistinguishedName) -> Bool {
        func normalized(_ name: DistinguishedName) -> [String] {
            name.attributes.map { attribute in
                let value = attribute.value.split(whereSeparator: \.isWhitespace).joined(separator: " ").lowercased()
                return attribute.type.uppercased() + "=" + value
            }.sorted()
        }
        return normalized(self) == normalized(other)
    }

    public var description: String {
        attributes.map { attribute in
            var value = ""
            for (index, character) in attribute.value.enumerated() {
                // A control character (a line feed would forge log lines) as RFC 4514's `\XX` per UTF-8 byte.
                if character.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                    for byte in String(character).utf8 { value += "\\" + hexByte(byte) }
                    continue
                }
                let special = ",+\"\\<>;=".contains(character) || (index == 0 && (character == "#" || character == " "))
                if special { value.append("\\") }
                value.append(character)
            }
            return attribute.type + "=" + value
        }.joined(separator: ",")
    }
}

/// What the gateway knows about a client certificate: subject, issuer, fingerprint, validity.
public struct ClientCertificate: Sendable, Hashable, CustomStringConvertible {
    public let subject: DistinguishedName
    public let issuer: DistinguishedName
    /// SHA-256 of the DER encoding, as `openssl x509 -fingerprint -sha256` computes it.
    public let sha256: [UInt8]
    /// Seconds since 1970.
    public let notValidBefore: Int
    public let notValidAfter: Int

    /// Reads a certificate from NIOSSL; `nil` if its DER encoding cannot be had.
    public init?(_ certificate: NIOSSLCertificate) {
        guard let der = try? certificate.toDERBytes() else { return nil }
        subject = DistinguishedName(certificate.subjectName)
        issuer = DistinguishedName(certificate.issuerName)
        sha256 = Fingerprint.sha256(der)
        notValidBefore = Int(certificate.notValidBefore)
        notValidAfter = Int(certificate.notValidAfter)
    }

    /// `AB:CD:…` (upper-case hex, colons).
    public var fingerprint: String { Fingerprint.text(sha256) }

    /// `subject CN=…,O=… (SHA-256 AB:CD:…)`, for log lines.
    public var description: String { "subject \(subject) (SHA-256 \(fingerprint))" }
}

/// Binds a configured user to a client certificate by subject, fingerprint or both.
struct BoundCertificate: Sendable {
    let subject: DistinguishedName?
    let sha256: [UInt8]?

    /// `nil` when the configured entry names neither a valid subject nor a valid fingerprint.
    init?(_ configured: GatewayConfiguration.CertificateBinding) {
        let subject = configured.subject.map(DistinguishedName.init(parsing:))
        let sha256 = configured.sha256.map(Fingerprint.parse)
        if case .some(.none) = subject { return nil }
        if case .some(.none) = sha256 { return nil }
        guard subject != nil || sha256 != nil else { return nil }
        self.subject = subject ?? nil
        self.sha256 = sha256 ?? nil
    }

    /// Every given criterion must hold.
    func matches(_ certificate: ClientCertificate) -> Bool {
        if let subject, !subject.matches(certificate.subject) { return false }
        if let sha256, sha256 != certificate.sha256 { return false }
        return true
    }
}

extension GatewayRequestContext {
    /// The client certificate of this request's TLS connection, verified against `tls.clientCA`
    /// during the handshake; `nil` over plain HTTP or when the client sent none.
    func clientCertificate() async -> ClientCertificate? {
        guard let certificate = try? await channel.nioSSL_peerCertificate().get() else { return nil }
        return ClientCertificate(certificate)
    }
}

/// Two upper-case hex digits.
private func hexByte(_ byte: UInt8) -> String {
    let text = String(byte, radix: 16, uppercase: true)
    return text.count == 1 ? "0" + text : text
}
