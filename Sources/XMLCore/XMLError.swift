/// Limits applied before and while parsing untrusted XML.
public struct XMLParseLimits: Sendable {
    /// Maximum document size in bytes; larger inputs are refused before parsing (`.tooLarge`).
    public var maxBytes: Int
    /// Maximum element nesting (the root element is depth 1); deeper documents stop the parser (`.tooDeep`).
    public var maxDepth: Int
    /// Whether processing instructions (`<?target …?>`, not the XML declaration) may appear; when
    /// false the first one stops the parser (`.processingInstructionForbidden`). SOAP forbids them.
    public var allowsProcessingInstructions: Bool

    public init(maxBytes: Int = 32 * 1024 * 1024, maxDepth: Int = 64, allowsProcessingInstructions: Bool = true) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.allowsProcessingInstructions = allowsProcessingInstructions
    }
}

/// One problem found in a document: a parse error, a schema violation or a leftover placeholder.
public struct XMLIssue: Sendable, Hashable, CustomStringConvertible {
    /// 1-based line; 0 = unknown.
    public var line: Int
    /// 1-based column of the offending start tag (or of the parser cursor for parse errors); 0 = unknown.
    public var column: Int
    /// `xmlGetNodePath` of the offending node, e.g. `/soapenv:Envelope/soapenv:Body/sfin:X/Item[2]/ID`.
    public var path: String?
    /// Local name of the offending element.
    public var element: String?
    /// libxml2's reason, without the trailing newline.
    public var message: String

    public init(line: Int, column: Int, path: String?, element: String?, message: String) {
        self.line = line
        self.column = column
        self.path = path
        self.element = element
        self.message = message
    }

    /// Where the issue is, e.g. `line 12, column 20, element ID (/a/b/ID)`; empty when nothing is known.
    public var location: String {
        var parts: [String] = []
        if line > 0 { parts.append("line \(line)") }
        if column > 0 { parts.append("column \(column)") }
        if let element { parts.append("element \(element)") }
        var s = parts.joined(separator: ", ")
        if let path {
            s += s.isEmpty ? path : " (\(path))"
        }
        return s
    }

    /// `line 12, column 20, element ID (/a/b/ID): message`.
    public var description: String {
        let loc = location
        return loc.isEmpty ? message : "\(loc): \(message)"
    }
}

/// Why a document could not be parsed or a schema could not be loaded.
public struct XMLError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// Not well-formed (or namespace-ill-formed, or empty, or holding a NUL character).
        case malformed
        /// Encoded in (or declaring, or labelled by the transport with) an encoding the parser does
        /// not read, such as UTF-32 or EBCDIC; see ``XMLCharacterEncoding``.
        case unsupportedEncoding
        /// Byte order mark, XML declaration and the transport's charset name different encodings.
        case conflictingEncoding
        /// A processing instruction where ``XMLParseLimits/allowsProcessingInstructions`` is false.
        case processingInstructionForbidden
        /// The document has a DOCTYPE; refused before any entity is read.
        case doctypeForbidden
        /// Larger than `XMLParseLimits.maxBytes`.
        case tooLarge
        /// Nested deeper than `XMLParseLimits.maxDepth`.
        case tooDeep
        /// An XSD failed to compile.
        case schemaCompilation
        /// An XSD file does not exist or cannot be read.
        case fileNotFound
    }

    public var kind: Kind
    public var issues: [XMLIssue]
    /// One-line human-readable summary naming the first issue.
    public var summary: String

    public init(kind: Kind, issues: [XMLIssue] = [], summary: String) {
        self.kind = kind
        self.issues = issues
        self.summary = summary
    }

    public var description: String { summary }
}
