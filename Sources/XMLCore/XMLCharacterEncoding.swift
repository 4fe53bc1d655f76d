#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A character encoding the safe parser reads.
///
/// These are the encodings libxml2 decodes with its own built-in code (no iconv), so they behave
/// the same on every machine. The parser works the encoding out itself — byte order mark, first
/// bytes (XML 1.0 appendix F), XML declaration, and the transport's charset — and hands libxml2
/// exactly that decoder; anything else (UTF-32, EBCDIC, other declared names) is refused by name
/// before libxml2 sees a byte, instead of failing later with messages such as "Document is empty".
public enum XMLCharacterEncoding: String, Sendable, Hashable, CaseIterable {
    case utf8 = "UTF-8"
    /// Either byte order; from the byte order mark, else from the first characters.
    case utf16 = "UTF-16"
    case latin1 = "ISO-8859-1"
    case ascii = "US-ASCII"

    /// The encoding `name` denotes (an XML declaration's `encoding`, an HTTP `charset`), compared
    /// case-insensitively: `UTF-8`/`UTF8`, `UTF-16`/`UTF-16LE`/`UTF-16BE`, `ISO-8859-1`/`Latin1`/…,
    /// `US-ASCII`/`ASCII`. Nil for every other name.
    public init?(name: String) {
        guard let named = NamedEncoding(name) else { return nil }
        self = named.encoding
    }

    /// `UTF-8, UTF-16, ISO-8859-1, US-ASCII`, for messages.
    public static let supportedNames = allCases.map(\.rawValue).joined(separator: ", ")
}

enum ByteOrder: Sendable {
    case littleEndian
    case bigEndian

    var name: String { self == .littleEndian ? "little-endian" : "big-endian" }
}

/// An encoding name as written, resolved.
struct NamedEncoding {
    var encoding: XMLCharacterEncoding
    /// `UTF-16LE` / `UTF-16BE` name a byte order; `UTF-16` and the 8-bit encodings do not.
    var byteOrder: ByteOrder?

    /// Names accepted, upper-case ASCII, most frequent first.
    private static let names: [(name: [UInt8], encoding: XMLCharacterEncoding, byteOrder: ByteOrder?)] = {
        let utf8: [String] = ["UTF-8", "UTF8"]
        let utf16: [String] = ["UTF-16", "UTF16"]
        let utf16LE: [String] = ["UTF-16LE", "UTF16LE"]
        let utf16BE: [String] = ["UTF-16BE", "UTF16BE"]
        let latin1: [String] = ["ISO-8859-1", "ISO_8859-1", "ISO8859-1", "ISO_8859-1:1987", "ISO-LATIN-1", "LATIN1", "LATIN-1", "L1", "CP819", "IBM819"]
        let ascii: [String] = ["US-ASCII", "ASCII", "ANSI_X3.4-1968", "ISO646-US", "US"]
        var table: [(name: [UInt8], encoding: XMLCharacterEncoding, byteOrder: ByteOrder?)] = []
        for (group, encoding, order) in [
            (utf8, XMLCharacterEncoding.utf8, ByteOrder?.none), (utf16, .utf16, nil), (utf16LE, .utf16, .littleEndian),
            (utf16BE, .utf16, .bigEndian), (latin1, .latin1, nil), (ascii, .ascii, nil),
        ] {
            for name in group { table.append((Array(name.utf8), encoding, order)) }
        }
        return table
    }()

    /// Compares ASCII case-insensitively, ignoring XML whitespace at both ends; no allocation.
    init?(_ name: String) {
        let utf8 = name.utf8
        guard let first = utf8.firstIndex(where: { !EncodingResolver.isSpace($0) }),
            let last = utf8.lastIndex(where: { !EncodingResolver.isSpace($0) })
        else { return nil }
        let trimmed = utf8[first...last]
        for entry in Self.names where entry.name.count == trimmed.count {
            if zip(entry.name, trimmed).allSatisfy({ $0 == ($1 >= 0x61 && $1 <= 0x7A ? $1 - 0x20 : $1) }) {
                self.init(encoding: entry.encoding, byteOrder: entry.byteOrder)
                return
            }
        }
        return nil
    }

    init(encoding: XMLCharacterEncoding, byteOrder: ByteOrder?) {
        self.encoding = encoding
        self.byteOrder = byteOrder
    }
}

/// How the bytes of one document are to be decoded, worked out before parsing.
struct ResolvedEncoding {
    /// The libxml2 decoder to install (with the XML declaration's `encoding` then ignored);
    /// nil = UTF-8, which libxml2 reads natively.
    var libxml2Decoder: String?
    /// Where the characters start (after a byte order mark) and how wide a code unit is, for the NUL scan.
    var start: Int
    var unitWidth: Int
    var byteOrder: ByteOrder
}

/// XML 1.0 appendix F, the XML declaration and the transport's charset, reconciled.
enum EncodingResolver {
    /// What the first bytes say.
    enum Layout {
        /// UTF-8 byte order mark.
        case utf8Mark
        case utf16(ByteOrder, mark: Bool)
        /// An ASCII-compatible 8-bit encoding without a mark: UTF-8 unless declared otherwise.
        case eightBit

        var start: Int {
            switch self {
            case .utf8Mark: return 3
            case .utf16(_, let mark): return mark ? 2 : 0
            case .eightBit: return 0
            }
        }

        var description: String {
            switch self {
            case .utf8Mark: return "a UTF-8 byte order mark"
            case .utf16(let order, true): return "a UTF-16 (\(order.name)) byte order mark"
            case .utf16(let order, false): return "UTF-16 (\(order.name)) characters"
            case .eightBit: return "single-byte characters"
            }
        }
    }

    static func resolve(_ bytes: UnsafeRawBufferPointer, charset: String?) throws(XMLError) -> ResolvedEncoding {
        let layout = try layout(of: bytes)
        let declaredName = declaredEncoding(bytes, layout: layout)
        var declared: NamedEncoding?
        if let declaredName {
            guard let named = NamedEncoding(declaredName) else {
                throw error(
                    .unsupportedEncoding,
                    "The document declares encoding '\(declaredName)', which is not supported; supported encodings: \(XMLCharacterEncoding.supportedNames)")
            }
            declared = named
        }
        var transport: NamedEncoding?
        if let charset {
            guard let named = NamedEncoding(charset) else {
                throw error(.unsupportedEncoding, "The charset '\(charset)' is not supported; supported encodings: \(XMLCharacterEncoding.supportedNames)")
            }
            transport = named
        }

        // The document's own encoding, and what told us.
        let own: NamedEncoding?
        let ownSource: String
        switch layout {
        case .utf8Mark:
            own = NamedEncoding(encoding: .utf8, byteOrder: nil)
            ownSource = "by its byte order mark"
        case .utf16(let order, let mark):
            own = NamedEncoding(encoding: .utf16, byteOrder: order)
            ownSource = mark ? "by its byte order mark" : "by its first characters"
        case .eightBit:
            own = declared
            ownSource = "by its XML declaration"
        }
        if let declared, let own, !compatible(declared, own) {
            throw error(.conflictingEncoding, "The document starts with \(layout.description) but declares encoding '\(declaredName ?? "")'")
        }
        if case .eightBit = layout, declared?.encoding == .utf16 {
            throw error(
                .conflictingEncoding,
                "The document declares encoding '\(declaredName ?? "")' but is not UTF-16 encoded (no byte order mark, single-byte characters)")
        }
        if let transport, let charset {
            if let own {
                if !compatible(transport, own) {
                    throw error(
                        .conflictingEncoding,
                        "The charset '\(charset)' given for the document contradicts its own encoding, \(display(own)) \(ownSource)")
                }
            } else if transport.encoding == .utf16 {
                throw error(
                    .conflictingEncoding,
                    "The charset '\(charset)' given for the document contradicts its bytes: it is not UTF-16 encoded (no byte order mark, single-byte characters)")
            }
        }

        // Without a mark or declaration the transport's charset decides (RFC 7303), else UTF-8.
        let effective = own ?? transport ?? NamedEncoding(encoding: .utf8, byteOrder: nil)
        switch (effective.encoding, layout) {
        case (.utf16, .utf16(let order, _)):
            return ResolvedEncoding(libxml2Decoder: order == .littleEndian ? "UTF-16LE" : "UTF-16BE", start: layout.start, unitWidth: 2, byteOrder: order)
        case (.latin1, _):
            return ResolvedEncoding(libxml2Decoder: "ISO-8859-1", start: 0, unitWidth: 1, byteOrder: .littleEndian)
        case (.ascii, _):
            return ResolvedEncoding(libxml2Decoder: "US-ASCII", start: 0, unitWidth: 1, byteOrder: .littleEndian)
        default:
            return ResolvedEncoding(libxml2Decoder: nil, start: layout.start, unitWidth: 1, byteOrder: .littleEndian)
        }
    }

    /// Byte order marks and the zero-byte pattern of the first four bytes (XML 1.0 appendix F).
    static func layout(of bytes: UnsafeRawBufferPointer) throws(XMLError) -> Layout {
        let n = bytes.count
        let b0 = n > 0 ? bytes[0] : 0x20
        let b1 = n > 1 ? bytes[1] : 0x20
        let b2 = n > 2 ? bytes[2] : 0x20
        let b3 = n > 3 ? bytes[3] : 0x20
        if n >= 4 && b0 == 0 && b1 == 0 && b2 == 0xFE && b3 == 0xFF {
            throw error(.unsupportedEncoding, "The document is encoded in UTF-32 (big-endian byte order mark 00 00 FE FF), which is not supported; supported encodings: \(XMLCharacterEncoding.supportedNames)")
        }
        if n >= 4 && b0 == 0xFF && b1 == 0xFE && b2 == 0 && b3 == 0 {
            throw error(.unsupportedEncoding, "The document is encoded in UTF-32 (little-endian byte order mark FF FE 00 00), which is not supported; supported encodings: \(XMLCharacterEncoding.supportedNames)")
        }
        if n >= 3 && b0 == 0xEF && b1 == 0xBB && b2 == 0xBF { return .utf8Mark }
        if n >= 2 && b0 == 0xFE && b1 == 0xFF { return .utf16(.bigEndian, mark: true) }
        if n >= 2 && b0 == 0xFF && b1 == 0xFE { return .utf16(.littleEndian, mark: true) }
        if n >= 4 {
            switch (b0 == 0, b1 == 0, b2 == 0, b3 == 0) {
            case (true, true, true, false):
                throw error(.unsupportedEncoding, "The document is encoded in UTF-32 (UCS-4, big-endian: its first character is 00 00 00 \(hex(b3))), which is not supported; supported encodings: \(XMLCharacterEncoding.supportedNames)")
            case (false, true, true, true):
                throw error(.unsupportedEncoding, "The document is encoded in UTF-32 (UCS-4, little-endian: its first character is \(hex(b0)) 00 00 00), which is not supported; supported encodings: \(XMLCharacterEncoding.supportedNames)")
            case (true, true, false, true), (true, false, true, true):
                throw error(.unsupportedEncoding, "The document is encoded in UTF-32 (UCS-4 in an unusual byte order), which is not supported; supported encodings: \(XMLCharacterEncoding.supportedNames)")
            case (true, false, true, false): return .utf16(.bigEndian, mark: false)
            case (false, true, false, true): return .utf16(.littleEndian, mark: false)
            default: break
            }
            if b0 == 0x4C && b1 == 0x6F && b2 == 0xA7 && b3 == 0x94 {
                throw error(.unsupportedEncoding, "The document is encoded in EBCDIC, which is not supported; supported encodings: \(XMLCharacterEncoding.supportedNames)")
            }
        }
        return .eightBit
    }

    /// The `encoding` pseudo-attribute of the XML declaration, read as ASCII in the layout's code units.
    static func declaredEncoding(_ bytes: UnsafeRawBufferPointer, layout: Layout) -> String? {
        guard case .utf16(let order, _) = layout else {
            return declaredEncoding(inASCII: UnsafeRawBufferPointer(rebasing: bytes[layout.start..<min(bytes.count, layout.start + 512)]))
        }
        // UTF-16 (rare): narrow the first characters to ASCII, then read them the same way.
        var chars: [UInt8] = []
        var i = layout.start
        while chars.count < 512 && i + 1 < bytes.count {
            let (low, high) = order == .littleEndian ? (bytes[i], bytes[i + 1]) : (bytes[i + 1], bytes[i])
            guard high == 0 else { break }
            chars.append(low)
            i += 2
        }
        return chars.withUnsafeBytes { declaredEncoding(inASCII: $0) }
    }

    /// `encoding="…"` of an XML declaration at the start of `chars`; nil when there is none or it
    /// cannot be read (libxml2 then reports the malformed declaration).
    static func declaredEncoding(inASCII chars: UnsafeRawBufferPointer) -> String? {
        let n = chars.count
        // "<?xml" and a space.
        guard n > 6, chars[0] == 0x3C, chars[1] == 0x3F, chars[2] == 0x78, chars[3] == 0x6D, chars[4] == 0x6C, isSpace(chars[5]) else {
            return nil
        }
        let key: StaticString = "encoding"
        let keyLength = key.utf8CodeUnitCount
        var p = 6
        while p + keyLength < n {
            let c = chars[p]
            if c == 0x3F && chars[p + 1] == 0x3E { return nil }  // "?>": no encoding declared
            if c == 0x65 && isSpace(chars[p - 1]) && (0..<keyLength).allSatisfy({ chars[p + $0] == key.utf8Start[$0] }) {
                var q = p + keyLength
                while q < n && isSpace(chars[q]) { q += 1 }
                guard q < n, chars[q] == 0x3D else { return nil }  // "="
                q += 1
                while q < n && isSpace(chars[q]) { q += 1 }
                guard q < n, chars[q] == 0x22 || chars[q] == 0x27 else { return nil }  // quote
                let quote = chars[q]
                var end = q + 1
                while end < n && chars[end] != quote { end += 1 }
                guard end < n else { return nil }
                return String(decoding: UnsafeRawBufferPointer(rebasing: chars[(q + 1)..<end]), as: UTF8.self)
            }
            p += 1
        }
        return nil
    }

    /// The same encoding (byte orders must agree where both are named).
    static func compatible(_ a: NamedEncoding, _ b: NamedEncoding) -> Bool {
        guard a.encoding == b.encoding else { return false }
        if let x = a.byteOrder, let y = b.byteOrder { return x == y }
        return true
    }

    static func display(_ named: NamedEncoding) -> String {
        guard let order = named.byteOrder else { return named.encoding.rawValue }
        return "\(named.encoding.rawValue) (\(order.name))"
    }

    /// The first U+0000 after `start` as a located issue, or nil. A `memchr` for 8-bit encodings.
    static func firstNUL(_ bytes: UnsafeRawBufferPointer, _ resolved: ResolvedEncoding) -> XMLIssue? {
        guard let base = bytes.baseAddress, bytes.count > resolved.start else { return nil }
        var offset: Int?
        if resolved.unitWidth == 1 {
            if let hit = memchr(base + resolved.start, 0, bytes.count - resolved.start) {
                offset = base.distance(to: UnsafeRawPointer(hit))
            }
        } else {
            var i = resolved.start
            while i + 1 < bytes.count {
                if bytes[i] == 0 && bytes[i + 1] == 0 {
                    offset = i
                    break
                }
                i += 2
            }
        }
        guard let offset else { return nil }
        // Line and column (in code units) of the NUL; only computed on this error path.
        var line = 1
        var column = 1
        var i = resolved.start
        while i < offset {
            let isNewline: Bool
            if resolved.unitWidth == 1 {
                isNewline = bytes[i] == 0x0A
            } else {
                isNewline = resolved.byteOrder == .littleEndian ? (bytes[i] == 0x0A && bytes[i + 1] == 0) : (bytes[i] == 0 && bytes[i + 1] == 0x0A)
            }
            if isNewline {
                line += 1
                column = 1
            } else {
                column += 1
            }
            i += resolved.unitWidth
        }
        return XMLIssue(
            line: line, column: column, path: nil, element: nil,
            message: "NUL character (U+0000) at byte \(offset): XML 1.0 does not allow it anywhere in a document")
    }

    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }

    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }

    static func error(_ kind: XMLError.Kind, _ message: String) -> XMLError {
        XMLError(kind: kind, issues: [XMLIssue(line: 1, column: 1, path: nil, element: nil, message: message)], summary: message)
    }
}
