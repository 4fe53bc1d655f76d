import XMLCore

/// The `Content-Type` of a SOAP request, parsed (RFC 9110 §8.3.1: `type "/" subtype *( OWS ";"
/// OWS name "=" ( token / quoted-string ) )`) and compared exactly: type and subtype
/// case-insensitively, never by prefix, so `text/xmlfoo` is not `text/xml`.
///
/// - `text/xml` is SOAP 1.1 (its HTTP binding), `application/soap+xml` is SOAP 1.2 (RFC 3902);
///   an Envelope of the other version is a VersionMismatch fault.
/// - `application/xml` is accepted as a generic XML label: the Envelope's namespace decides the version.
/// - `charset` must name an ``XMLCharacterEncoding``; it is handed to the XML parser, which
///   refuses it when it contradicts the document. `action` (SOAP 1.2) is kept; other parameters are ignored.
public struct SOAPMediaType: Sendable, Hashable {
    /// `type/subtype`, lower-cased.
    public let essence: String
    /// The SOAP version the media type binds, nil for `application/xml`.
    public let version: SOAPVersion?
    /// The `charset` parameter as sent, if any.
    public let charset: String?
    /// The SOAP 1.2 `action` parameter, if any.
    public let action: String?

    /// The media types accepted, for messages.
    public static let acceptedTypes = "text/xml (SOAP 1.1) or application/soap+xml (SOAP 1.2)"

    /// Parses a `Content-Type` value. Every failure is a Sender ``SOAPFault`` in the version the
    /// header suggests, meant to be answered with HTTP 415.
    public static func parse(_ value: String?) throws(SOAPFault) -> SOAPMediaType {
        guard let value, value.utf8.contains(where: { !isOWS($0) }) else {
            throw SOAPFault(code: .sender, reason: "Content-Type is missing; send \(acceptedTypes)")
        }
        let hint = versionHint(value)
        var scanner = Scanner(Array(value.utf8))
        scanner.skipOWS()
        guard let type = scanner.token(), scanner.take(UInt8(ascii: "/")), let subtype = scanner.token() else {
            throw SOAPFault(code: .sender, reason: "Content-Type '\(value)' is not a media type (type/subtype); send \(acceptedTypes)", version: hint)
        }
        let essence = (type + "/" + subtype).lowercased()
        let version: SOAPVersion?
        switch essence {
        case "text/xml": version = .soap11
        case "application/soap+xml": version = .soap12
        case "application/xml": version = nil
        default:
            throw SOAPFault(
                code: .sender, reason: "Content-Type '\(value)' is not a SOAP message; use \(acceptedTypes)", version: hint)
        }
        var charset: String?
        var action: String?
        while true {
            scanner.skipOWS()
            if scanner.atEnd { break }
            guard scanner.take(UInt8(ascii: ";")) else {
                throw malformed(value, "expected ';' before the next parameter", version)
            }
            scanner.skipOWS()
            if scanner.atEnd || scanner.peek == UInt8(ascii: ";") { continue }  // empty parameter, as in "text/xml;"
            guard let name = scanner.token(), scanner.take(UInt8(ascii: "=")) else {
                throw malformed(value, "a parameter needs the form name=value", version)
            }
            let parameterValue: String
            if scanner.peek == UInt8(ascii: "\"") {
                guard let quoted = scanner.quotedString() else { throw malformed(value, "unterminated quoted string", version) }
                parameterValue = quoted
            } else {
                guard let token = scanner.token() else { throw malformed(value, "parameter '\(name)' has no value", version) }
                parameterValue = token
            }
            switch name.lowercased() {
            case "charset":
                if let charset, charset.lowercased() != parameterValue.lowercased() {
                    throw malformed(value, "charset is given twice ('\(charset)' and '\(parameterValue)')", version)
                }
                guard XMLCharacterEncoding(name: parameterValue) != nil else {
                    throw SOAPFault(
                        code: .sender,
                        reason: "Content-Type charset '\(parameterValue)' is not supported; use one of \(XMLCharacterEncoding.supportedNames) (UTF-8 recommended)",
                        version: version ?? hint)
                }
                charset = parameterValue
            case "action":
                action = parameterValue
            default:
                break
            }
        }
        return SOAPMediaType(essence: essence, version: version, charset: charset, action: action)
    }

    /// SOAP 1.2 when the value starts with `application/soap+xml` (used to answer faults about
    /// the header itself), else SOAP 1.1.
    public static func versionHint(_ value: String?) -> SOAPVersion {
        guard let value else { return .soap11 }
        var scanner = Scanner(Array(value.utf8))
        scanner.skipOWS()
        guard let type = scanner.token(), scanner.take(UInt8(ascii: "/")), let subtype = scanner.token() else { return .soap11 }
        return (type + "/" + subtype).lowercased() == "application/soap+xml" ? .soap12 : .soap11
    }

    private init(essence: String, version: SOAPVersion?, charset: String?, action: String?) {
        self.essence = essence
        self.version = version
        self.charset = charset
        self.action = action
    }

    private static func malformed(_ value: String, _ problem: String, _ version: SOAPVersion?) -> SOAPFault {
        SOAPFault(code: .sender, reason: "Content-Type '\(value)' is malformed: \(problem)", version: version)
    }

    static func isOWS(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    /// RFC 9110 tchar.
    static func isTokenChar(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): return true
        default: return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }

    /// A cursor over the header's bytes.
    struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { index >= bytes.count }
        var peek: UInt8? { atEnd ? nil : bytes[index] }

        mutating func skipOWS() {
            while let b = peek, isOWS(b) { index += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard peek == byte else { return false }
            index += 1
            return true
        }

        mutating func token() -> String? {
            let start = index
            while let b = peek, isTokenChar(b) { index += 1 }
            return index > start ? String(decoding: bytes[start..<index], as: UTF8.self) : nil
        }

        /// `"…"` with `\` escapes; nil when unterminated.
        mutating func quotedString() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            var out: [UInt8] = []
            while let b = peek {
                index += 1
                if b == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
                if b == UInt8(ascii: "\\") {
                    guard let escaped = peek else { return nil }
                    index += 1
                    out.append(escaped)
                } else {
                    out.append(b)
                }
            }
            return nil
        }
    }
}
