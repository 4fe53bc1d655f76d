/// A place in a text file: 1-based line and column. Columns count Unicode scalars (a tab is one column).
public struct SourcePosition: Sendable, Hashable, CustomStringConvertible {
    public let line: Int
    public let column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column)" }
}

/// A JSON value as written in the configuration file, with where it starts.
///
/// Read by ``JSONSourceParser`` (strict RFC 8259: no comments, no trailing commas) and decoded by
/// ``JSONTreeDecoder``, which records the keys the configuration types ask for so that keys
/// nobody reads (misspellings) can be reported.
final class JSONNode {
    enum Value {
        case object([Member])
        case array([JSONNode])
        case string(String)
        /// The number exactly as written.
        case number(String)
        case bool(Bool)
        case null
    }

    struct Member {
        let key: String
        let keyPosition: SourcePosition
        let value: JSONNode
    }

    let value: Value
    let position: SourcePosition
    /// Keys a decoder looked up in this object, present or not.
    var requestedKeys: Set<String> = []
    /// Whether a decoder read this object as an object (only those are checked for unknown keys).
    var decodedAsObject = false

    init(_ value: Value, at position: SourcePosition) {
        self.value = value
        self.position = position
    }

    /// The value of `key` in an object (the first, should the file repeat it).
    func member(_ key: String) -> JSONNode? {
        guard case .object(let members) = value else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// The `index`th element of an array.
    func element(_ index: Int) -> JSONNode? {
        guard case .array(let elements) = value, elements.indices.contains(index) else { return nil }
        return elements[index]
    }

    /// "an object", "a string", … for messages.
    var kindDescription: String {
        switch value {
        case .object: "an object"
        case .array: "an array"
        case .string(let text): "the string \"\(text.count > 40 ? String(text.prefix(40)) + "…" : text)\""
        case .number(let text): "the number \(text)"
        case .bool(let flag): "\(flag)"
        case .null: "null"
        }
    }

    /// The node at a dotted path such as `ledger.companyCodes[0].currency`, or the deepest node
    /// that exists on the way there.
    func deepestNode(along path: [JSONPathComponent]) -> JSONNode {
        var node = self
        for component in path {
            let next: JSONNode?
            switch component {
            case .key(let key): next = node.member(key)
            case .index(let index): next = node.element(index)
            }
            guard let next else { break }
            node = next
        }
        return node
    }
}

/// One step of a path into a JSON document.
enum JSONPathComponent: Hashable, CustomStringConvertible {
    case key(String)
    case index(Int)

    var description: String {
        switch self {
        case .key(let key): key
        case .index(let index): "[\(index)]"
        }
    }

    /// `a.b[0].c` → `[.key(a), .key(b), .index(0), .key(c)]`; `nil` when `text` is not such a path.
    static func parse(_ text: some StringProtocol) -> [JSONPathComponent]? {
        var components: [JSONPathComponent] = []
        var name = ""
        var index: String?
        func flushName() {
            if !name.isEmpty { components.append(.key(name)) }
            name = ""
        }
        for character in text {
            if var digits = index {
                if character == "]" {
                    guard let value = Int(digits) else { return nil }
                    components.append(.index(value))
                    index = nil
                } else if character.isASCII, character.isNumber {
                    digits.append(character)
                    index = digits
                } else {
                    return nil
                }
                continue
            }
            switch character {
            case ".": flushName()
            case "[":
                flushName()
                index = ""
            case _ where character.isLetter || character.isNumber || character == "_": name.append(character)
            default: return nil
            }
        }
        guard index == nil else { return nil }
        flushName()
        return components.isEmpty ? nil : components
    }

    /// `[.key(a), .index(0), .key(b)]` → `a[0].b`.
    static func format(_ path: [JSONPathComponent]) -> String {
        var text = ""
        for component in path {
            switch component {
            case .key(let key): text += text.isEmpty ? key : "." + key
            case .index(let index): text += "[\(index)]"
            }
        }
        return text
    }
}

/// A syntax error in a JSON file, with where it is.
struct JSONSyntaxError: Error, CustomStringConvertible {
    let position: SourcePosition
    let message: String
    var description: String { "\(position): \(message)" }
}

/// A strict JSON reader (RFC 8259) that keeps positions for every value and reports the first
/// syntax error with its line and column, saying what was expected. Foundation's decoder only
/// says "The given data was not valid JSON", silently accepts trailing commas and keeps one of
/// two equal keys; this reader refuses both.
struct JSONSourceParser {
    /// Deepest nesting accepted (configuration files need about six levels).
    static let maximumDepth = 200

    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var lineStart = 0
    /// Keys that appear twice in one object: (position of the second, message).
    private(set) var duplicateKeys: [(SourcePosition, String)] = []

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Parses a whole document. Duplicate keys do not stop the parser; they are returned alongside.
    static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> (root: JSONNode, duplicateKeys: [(SourcePosition, String)]) {
        var parser = JSONSourceParser(bytes)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {  // UTF-8 byte order mark
            parser.index = 3
            parser.lineStart = 3
        }
        try parser.skipWhitespace()
        guard parser.index < bytes.count else { throw parser.error("the file is empty; expected a JSON object") }
        let root = try parser.parseValue(depth: 0)
        try parser.skipWhitespace()
        guard parser.index == bytes.count else {
            throw parser.error("unexpected \(parser.found()) after the end of the JSON value that starts at \(root.position)")
        }
        return (root, parser.duplicateKeys)
    }

    // MARK: Positions and messages

    private var position: SourcePosition { position(of: index) }

    /// Position of byte `offset` on the current line.
    private func position(of offset: Int) -> SourcePosition {
        var column = 1
        var cursor = lineStart
        while cursor < offset && cursor < bytes.count {
            if bytes[cursor] & 0xC0 != 0x80 { column += 1 }  // count scalars, not UTF-8 continuation bytes
            cursor += 1
        }
        return SourcePosition(line: line, column: column)
    }

    private func error(_ message: String, at offset: Int? = nil) -> JSONSyntaxError {
        JSONSyntaxError(position: position(of: offset ?? index), message: message)
    }

    /// What is at the current position, for "expected …, found …".
    private func found() -> String {
        guard index < bytes.count else { return "end of file" }
        let byte = bytes[index]
        if Self.isWordByte(byte) {
            var end = index
            while end < bytes.count, end - index < 24, Self.isWordByte(bytes[end]) { end += 1 }
            return "'\(String(decoding: bytes[index..<end], as: UTF8.self))'"
        }
        switch byte {
        case UInt8(ascii: "'"): return "a single quote (JSON strings use double quotes)"
        case 0x20...0x7E: return "'\(Character(Unicode.Scalar(byte)))'"
        case 0x00...0x1F, 0x7F: return "control character U+\(String(byte, radix: 16, uppercase: true).leftPadded(to: 4))"
        default:
            var end = index + 1
            while end < bytes.count, end - index < 4, bytes[end] & 0xC0 == 0x80 { end += 1 }
            if let text = String(validating: bytes[index..<end], as: UTF8.self) { return "'\(text)'" }
            return "byte 0x\(String(byte, radix: 16, uppercase: true)) (not UTF-8)"
        }
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
    }

    // MARK: Grammar

    private mutating func skipWhitespace() throws(JSONSyntaxError) {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0D: index += 1
            case 0x0A:
                index += 1
                line += 1
                lineStart = index
            case UInt8(ascii: "/") where index + 1 < bytes.count && (bytes[index + 1] == UInt8(ascii: "/") || bytes[index + 1] == UInt8(ascii: "*")):
                throw error("comments are not allowed in JSON")
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int) throws(JSONSyntaxError) -> JSONNode {
        guard depth < Self.maximumDepth else { throw error("values are nested more than \(Self.maximumDepth) levels deep") }
        guard index < bytes.count else { throw error("unexpected end of file; expected a value") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""):
            let start = position
            return JSONNode(.string(try parseString()), at: start)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            let start = position
            for (literal, value) in [("true", JSONNode.Value.bool(true)), ("false", .bool(false)), ("null", .null)] {
                let literalBytes = Array(literal.utf8)
                if bytes[index...].starts(with: literalBytes),
                    index + literalBytes.count == bytes.count || !Self.isWordByte(bytes[index + literalBytes.count])
                {
                    index += literalBytes.count
                    return JSONNode(value, at: start)
                }
            }
            throw error("expected a value (object, array, string, number, true, false or null), found \(found())")
        default:
            throw error("expected a value (object, array, string, number, true, false or null), found \(found())")
        }
    }

    private mutating func parseObject(depth: Int) throws(JSONSyntaxError) -> JSONNode {
        let start = position
        index += 1  // {
        var members: [JSONNode.Member] = []
        var seen: [String: SourcePosition] = [:]
        try skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return JSONNode(.object([]), at: start)
        }
        while true {
            guard index < bytes.count else { throw error("unexpected end of file: the object that starts at \(start) is not closed with '}'") }
            guard bytes[index] == UInt8(ascii: "\"") else {
                if bytes[index] == UInt8(ascii: "}"), !members.isEmpty {
                    throw error("expected a member name in double quotes after ',', found '}' (JSON allows no comma after the last member)")
                }
                throw error("expected a member name in double quotes, found \(found())")
            }
            let keyPosition = position
            let key = try parseString()
            try skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw error("expected ':' after the member name \"\(key)\", found \(found())")
            }
            index += 1
            try skipWhitespace()
            let value = try parseValue(depth: depth + 1)
            if let first = seen[key] {
                duplicateKeys.append((keyPosition, "\"\(key)\" appears twice in the object that starts at \(start) (first at \(first))"))
            } else {
                seen[key] = keyPosition
            }
            members.append(JSONNode.Member(key: key, keyPosition: keyPosition, value: value))
            try skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of file: the object that starts at \(start) is not closed with '}'") }
            switch bytes[index] {
            case UInt8(ascii: ","):
                index += 1
                try skipWhitespace()
            case UInt8(ascii: "}"):
                index += 1
                return JSONNode(.object(members), at: start)
            default:
                throw error("expected ',' or '}' after the value of \"\(key)\", found \(found())")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONSyntaxError) -> JSONNode {
        let start = position
        index += 1  // [
        var elements: [JSONNode] = []
        try skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return JSONNode(.array([]), at: start)
        }
        while true {
            guard index < bytes.count else { throw error("unexpected end of file: the array that starts at \(start) is not closed with ']'") }
            if bytes[index] == UInt8(ascii: "]") {
                throw error("expected a value after ',', found ']' (JSON allows no comma after the last element)")
            }
            elements.append(try parseValue(depth: depth + 1))
            try skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of file: the array that starts at \(start) is not closed with ']'") }
            switch bytes[index] {
            case UInt8(ascii: ","):
                index += 1
                try skipWhitespace()
            case UInt8(ascii: "]"):
                index += 1
                return JSONNode(.array(elements), at: start)
            default:
                throw error("expected ',' or ']' after element \(elements.count - 1) of the array that starts at \(start), found \(found())")
            }
        }
    }

    private mutating func parseString() throws(JSONSyntaxError) -> String {
        let start = index
        index += 1  // "
        var scalars: [UInt8] = []
        while true {
            guard index < bytes.count else { throw error("unexpected end of file: the string that starts at \(position(of: start)) is not closed with '\"'") }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                guard let text = String(validating: scalars, as: UTF8.self) else {
                    throw error("the string that starts here is not valid UTF-8", at: start)
                }
                return text
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { continue }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escape)
                case UInt8(ascii: "b"): scalars.append(0x08)
                case UInt8(ascii: "f"): scalars.append(0x0C)
                case UInt8(ascii: "n"): scalars.append(0x0A)
                case UInt8(ascii: "r"): scalars.append(0x0D)
                case UInt8(ascii: "t"): scalars.append(0x09)
                case UInt8(ascii: "u"):
                    var value = try hexQuad()
                    if (0xD800...0xDBFF).contains(value) {
                        guard bytes[index...].starts(with: [UInt8(ascii: "\\"), UInt8(ascii: "u")]) else {
                            throw error("\\u\(String(value, radix: 16, uppercase: true)) is the first half of a surrogate pair; the second half (\\uDC00…\\uDFFF) must follow")
                        }
                        index += 2
                        let low = try hexQuad()
                        guard (0xDC00...0xDFFF).contains(low) else { throw error("\\u\(String(low, radix: 16, uppercase: true)) is not the second half of a surrogate pair") }
                        value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(value) {
                        throw error("\\u\(String(value, radix: 16, uppercase: true)) is half of a surrogate pair without its first half")
                    }
                    scalars.append(contentsOf: Array(String(Character(Unicode.Scalar(value)!)).utf8))
                default:
                    throw error("invalid escape '\\\(Character(Unicode.Scalar(escape)))' in a string (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)", at: index - 2)
                }
            case 0x0A, 0x0D:
                throw error("the string that starts at \(position(of: start)) is not closed on its line (write a line break as \\n)")
            case 0x00...0x1F:
                throw error("control character U+\(String(byte, radix: 16, uppercase: true).leftPadded(to: 4)) in a string must be written as an escape (\\t, \\u0009, …)")
            default:
                scalars.append(byte)
                index += 1
            }
        }
    }

    private mutating func hexQuad() throws(JSONSyntaxError) -> UInt32 {
        guard index + 4 <= bytes.count, let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16),
            bytes[index..<index + 4].allSatisfy({ Self.isWordByte($0) })
        else { throw error("\\u must be followed by four hexadecimal digits") }
        index += 4
        return value
    }

    private mutating func parseNumber() throws(JSONSyntaxError) -> JSONNode {
        let start = index
        let startPosition = position
        func digits() -> Int {
            let first = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
            return index - first
        }
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        let integerStart = index
        let integerDigits = digits()
        guard integerDigits > 0 else { throw error("expected a digit after '-', found \(found())") }
        if integerDigits > 1, bytes[integerStart] == UInt8(ascii: "0") {
            throw error("a number must not start with 0 (write \"\(String(decoding: bytes[start..<index], as: UTF8.self))\" as a string if the leading zero matters)", at: start)
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw error("expected a digit after the decimal point, found \(found())") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw error("expected a digit in the exponent, found \(found())") }
        }
        if index < bytes.count, Self.isWordByte(bytes[index]) || bytes[index] == UInt8(ascii: ".") {
            throw error("unexpected \(found()) in a number")
        }
        return JSONNode(.number(String(decoding: bytes[start..<index], as: UTF8.self)), at: startPosition)
    }
}

extension String {
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
