internal import CLibXML2

/// Schema compilation is not thread-safe in libxml2: serialise it.
private let schemaCompileLock = XMLLock()

/// A compiled W3C XML Schema. Compile once at start-up and share: validation is thread-safe
/// (every call gets its own validation context and its own error collector).
public final class XSDSchema: @unchecked Sendable {
    let schema: xmlSchemaPtr
    /// The file the schema was compiled from.
    public let path: String

    /// Issues beyond this many per validation are counted but not described (keeps a 20 MB
    /// bulk full of errors from computing thousands of node paths).
    public static let defaultMaxIssues = 1000

    /// Compiles the schema in `path`. `xs:include` / `xs:import` / `xs:redefine` of local files are
    /// resolved relative to it; http:// and ftp:// locations are refused (no network access ever).
    public init(path: String) throws(XMLError) {
        XMLLibrary.initialize()
        guard isReadableFile(path) else {
            throw XMLError(kind: .fileNotFound, summary: "Schema file not found or not readable: \(path)")
        }
        self.path = path
        var collected = CollectedSchemaIssues(maxIssues: 100)
        let compiled: xmlSchemaPtr? = schemaCompileLock.withLock {
            guard let parserContext = xmlSchemaNewParserCtxt(path) else { return nil }
            defer { xmlSchemaFreeParserCtxt(parserContext) }
            return withUnsafeMutablePointer(to: &collected) { collector in
                xmlSchemaSetParserStructuredErrors(parserContext, { context, error in
                    guard let context, let error else { return }
                    context.assumingMemoryBound(to: CollectedSchemaIssues.self).pointee.add(error, includeFile: true)
                }, collector)
                return xmlSchemaParse(parserContext)
            }
        }
        guard let compiled else {
            var issues = collected.issues
            if issues.isEmpty {
                issues.append(XMLIssue(line: 0, column: 0, path: nil, element: nil, message: "Schema could not be compiled"))
            }
            throw XMLError(
                kind: .schemaCompilation, issues: issues,
                summary: "Schema \(path) does not compile: \(issues[0])"
            )
        }
        self.schema = compiled
    }

    deinit {
        xmlSchemaFree(schema)
    }

    /// Validates one element subtree (typically the SOAP Body payload) against this schema.
    /// Namespaces declared on ancestors are in scope; lines and paths refer to the whole document.
    /// Returns an empty array when valid; at most ``defaultMaxIssues`` issues are described.
    /// Thread-safe for concurrent calls on different documents (libxml2 registers `xs:ID` values
    /// in the document, so do not validate the same document from two threads at once).
    public func validate(_ element: XMLElement) -> [XMLIssue] {
        validate(element, maxIssues: Self.defaultMaxIssues)
    }

    /// Like ``validate(_:)`` but describes at most `maxIssues` issues.
    public func validate(_ element: XMLElement, maxIssues: Int) -> [XMLIssue] {
        guard let validContext = xmlSchemaNewValidCtxt(schema) else {
            return [XMLIssue(line: 0, column: 0, path: nil, element: nil, message: "Could not create a schema validation context")]
        }
        defer { xmlSchemaFreeValidCtxt(validContext) }
        var collected = CollectedSchemaIssues(maxIssues: max(1, maxIssues))
        let rc: Int32 = withExtendedLifetime(element.doc) {
            withUnsafeMutablePointer(to: &collected) { collector in
                xmlSchemaSetValidStructuredErrors(validContext, { context, error in
                    guard let context, let error else { return }
                    context.assumingMemoryBound(to: CollectedSchemaIssues.self).pointee.add(error, includeFile: false)
                }, collector)
                return xmlSchemaValidateOneElement(validContext, element.node)
            }
        }
        if rc != 0 && collected.issues.isEmpty {
            collected.issues.append(
                XMLIssue(
                    line: element.line, column: element.column, path: element.path, element: element.localName,
                    message: rc < 0 ? "Schema validation failed with internal error \(rc)" : "Element is not valid"
                )
            )
        }
        return collected.issues
    }
}

/// Errors of one schema compilation or validation, filled from libxml2's structured callback.
struct CollectedSchemaIssues {
    let maxIssues: Int
    var issues: [XMLIssue] = []
    var dropped = 0

    init(maxIssues: Int) {
        self.maxIssues = maxIssues
    }

    mutating func add(_ error: UnsafeMutablePointer<xmlError>, includeFile: Bool) {
        let e = error.pointee
        guard e.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
        guard issues.count < maxIssues else {
            dropped += 1
            return
        }
        var message = trimmedMessage(e.message)
        if includeFile, let file = e.file {
            message = "\(String(cString: file)): \(message)"
        }
        var issue = XMLIssue(line: Int(e.line), column: Int(e.int2), path: nil, element: nil, message: message)
        if let raw = e.node {
            var node = raw.assumingMemoryBound(to: xmlNode.self)
            issue.path = consumeXMLString(xmlGetNodePath(node))
            if node.pointee.type == XML_ATTRIBUTE_NODE, let parent = node.pointee.parent {
                node = parent
            }
            if node.pointee.type == XML_ELEMENT_NODE {
                var line = 0
                var column = 0
                cxml_node_position(node, &line, &column)
                if line > 0 { issue.line = line }
                if column > 0 { issue.column = column }
                issue.element = xmlString(node.pointee.name)
            }
        }
        issues.append(issue)
    }
}
