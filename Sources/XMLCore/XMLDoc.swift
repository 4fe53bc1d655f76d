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
    /// - A NUL character (U+0000) anywhere → `.malformed` naming its position. (libxml2 would take a
    ///   NUL after the root element for the end of the input and ignore everything behind it.)
    /// - The encoding is worked out before parsing from the byte order mark, the first bytes, the
    ///   XML declaration and `charset` (the transport's label, e.g. the HTTP `charset` parameter;
    ///   it decides only for a document that names no encoding itself, as RFC 7303 says). Only
    ///   ``XMLCharacterEncoding``s are read; others → `.unsupportedEncoding`, contradictions →
    ///   `.conflictingEncoding`.
    /// - Processing instructions → `.processingInstructionForbidden` unless `limits` allows them.
    /// - Errors are collected per parse, never through libxml2's global error state.
    public static func parse(
        _ bytes: UnsafeRawBufferPointer, limits: XMLParseLimits = .init(), charset: String? = nil
    ) throws(XMLError) -> XMLDoc {
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

        let encoding = try EncodingResolver.resolve(bytes, charset: charset)
        if let nul = EncodingResolver.firstNUL(bytes, encoding) {
            throw XMLError(kind: .malformed, issues: [nul], summary: "XML is not well-formed: \(nul)")
        }

        var state = cxml_parse_state()
        state.max_depth = Int32(clamping: max(0, limits.maxDepth))
        state.forbid_pi = limits.allowsProcessingInstructions ? 0 : 1
        var collected = CollectedParseIssues()
        let docPtr: xmlDocPtr? = withUnsafeMutablePointer(to: &collected) { collector in
            state.error_ctx = UnsafeMutableRawPointer(collector)
            state.on_error = { context, error in
                guard let context, let error else { return }
                let collector = context.assumingMemoryBound(to: CollectedParseIssues.self)
                collector.pointee.add(error)
            }
            // The decoder name's C string lives for the whole parse.
            return Self.withDecoderName(encoding.libxml2Decoder) { name in
                state.decoder = name
                return cxml_parse_memory(base.assumingMemoryBound(to: CChar.self), Int32(count), &state)
            }
        }
        let piTarget = consumeXMLString(state.pi_target)

        if state.decoder_failed != 0 {
            throw XMLError(
                kind: .unsupportedEncoding, summary: "libxml2 has no decoder for \(encoding.libxml2Decoder ?? "UTF-8"); the document cannot be read")
        }
        if state.pi_seen != 0 {
            if let docPtr { xmlFreeDoc(docPtr) }
            let issue = XMLIssue(
                line: Int(state.pi_line), column: Int(state.pi_column), path: nil, element: nil,
                message: "Processing instruction <?\(piTarget ?? "") ...?> is not allowed")
            throw XMLError(kind: .processingInstructionForbidden, issues: [issue], summary: "\(issue.message): \(issue.location)")
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

    /// Runs `body` with a C string for a libxml2 decoder name (nil stays nil).
    private static func withDecoderName<T>(_ name: String?, _ body: (UnsafePointer<CChar>?) -> T) -> T {
        guard let name else { return body(nil) }
        return name.withCString { body($0) }
    }

    /// Parses untrusted bytes safely; see ``parse(_:limits:charset:)``.
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
