internal import CLibXML2

/// A parsed XML document. Owns the libxml2 tree and frees it when the last reference goes.
///
/// Read-only after parsing, so it can be shared between tasks; `XMLElement`s keep it alive.
public final class XMLDoc: @unchecked Sendable {
    let ptr: xmlDocPtr

    init(ptr: xmlDocPtr) {
        self.ptr = ptr
    }

    deinit {
        xmlFreeDoc(ptr)
    }

    /// The document element.
    public var rootElement: XMLElement? {
        guard let root = xmlDocGetRootElement(ptr) else { return nil }
        return XMLElement(node: root, doc: self)
    }

    /// Parses untrusted bytes safely.
    ///
    /// - No network, no entity substitution, no DTD loading, no XInclude.
    /// - Any DOCTYPE is refused before its internal subset is read (`.doctypeForbidden`), so XXE and
    ///   entity-expansion bombs never expand.
    /// - More than `limits.maxBytes` bytes → `.tooLarge` without parsing; nesting deeper than
    ///   `limits.maxDepth` → `.tooDeep`; any error-level libxml2 diagnostic → `.malformed`.
    /// - Errors are collected per parse, never through libxml2's global error state.
    public static func parse(_ bytes: UnsafeRawBufferPointer, limits: XMLParseLimits = .init()) throws(XMLError) -> XMLDoc {
        XMLLibrary.initialize()
        let count = bytes.count
        if count > limits.maxBytes || count > Int(Int32.max) {
            throw XMLError(
                kind: .tooLarge,
                summary: "XML document of \(count) bytes exceeds the limit of \(limits.maxBytes) bytes"
            )
        }
        guard count > 0, let base = bytes.baseAddress else {
            throw XMLError(
                kind: .malformed,
                issues: [XMLIssue(line: 0, column: 0, path: nil, element: nil, message: "Document is empty")],
                summary: "XML is not well-formed: the document is empty"
            )
        }

        var state = cxml_parse_state()
        state.max_depth = Int32(clamping: max(0, limits.maxDepth))
        var collected = CollectedParseIssues()
        let docPtr: xmlDocPtr? = withUnsafeMutablePointer(to: &collected) { collector in
            state.error_ctx = UnsafeMutableRawPointer(collector)
            state.on_error = { context, error in
                guard let context, let error else { return }
                let collector = context.assumingMemoryBound(to: CollectedParseIssues.self)
                collector.pointee.add(error)
            }
            return cxml_parse_memory(base.assumingMemoryBound(to: CChar.self), Int32(count), &state)
        }

        if state.doctype_seen != 0 {
            if let docPtr { xmlFreeDoc(docPtr) }
            let issue = XMLIssue(
                line: Int(state.doctype_line), column: Int(state.doctype_column), path: nil, element: nil,
                message: "DOCTYPE is not allowed"
            )
            throw XMLError(kind: .doctypeForbidden, issues: [issue], summary: "DOCTYPE is not allowed: \(issue.location)")
        }
        if state.too_deep != 0 {
            var issue = XMLIssue(
                line: 0, column: 0, path: nil, element: nil,
                message: "Element nesting exceeds the limit of \(limits.maxDepth) levels"
            )
            if let node = state.deep_node {
                var line = 0
                var column = 0
                cxml_node_position(node, &line, &column)
                issue.line = line
                issue.column = column
                issue.path = consumeXMLString(xmlGetNodePath(node))
                issue.element = xmlString(node.pointee.name)
            }
            if let docPtr { xmlFreeDoc(docPtr) }
            throw XMLError(kind: .tooDeep, issues: [issue], summary: "\(issue.message): \(issue.location)")
        }
        guard let docPtr, state.well_formed != 0, state.error_count == 0, collected.issues.isEmpty else {
            if let docPtr { xmlFreeDoc(docPtr) }
            var issues = collected.issues
            if issues.isEmpty {
                issues.append(XMLIssue(line: 0, column: 0, path: nil, element: nil, message: "Document is not well-formed"))
            }
            throw XMLError(kind: .malformed, issues: issues, summary: "XML is not well-formed: \(issues[0])")
        }
        guard xmlDocGetRootElement(docPtr) != nil else {
            xmlFreeDoc(docPtr)
            throw XMLError(
                kind: .malformed,
                issues: [XMLIssue(line: 0, column: 0, path: nil, element: nil, message: "Document has no root element")],
                summary: "XML is not well-formed: the document has no root element"
            )
        }
        return XMLDoc(ptr: docPtr)
    }

    /// Parses untrusted bytes safely; see ``parse(_:limits:)-(UnsafeRawBufferPointer,_)``.
    public static func parse(_ bytes: [UInt8], limits: XMLParseLimits = .init()) throws(XMLError) -> XMLDoc {
        let result: Result<XMLDoc, XMLError> = bytes.withUnsafeBytes { raw in
            do throws(XMLError) { return .success(try parse(raw, limits: limits)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Parses a string's UTF-8 bytes safely (convenience for tests and tools).
    public static func parse(_ string: String, limits: XMLParseLimits = .init()) throws(XMLError) -> XMLDoc {
        var string = string
        let result: Result<XMLDoc, XMLError> = string.withUTF8 { utf8 in
            do throws(XMLError) {
                return .success(try parse(UnsafeRawBufferPointer(utf8), limits: limits))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}

/// Parse errors of one parse, filled by the C error hook (capped: later errors are usually noise).
struct CollectedParseIssues {
    static let cap = 20
    var issues: [XMLIssue] = []

    mutating func add(_ error: UnsafeMutablePointer<xmlError>) {
        guard issues.count < Self.cap else { return }
        let e = error.pointee
        issues.append(
            XMLIssue(
                line: Int(e.line), column: Int(e.int2), path: nil, element: nil,
                message: trimmedMessage(e.message)
            )
        )
    }
}
