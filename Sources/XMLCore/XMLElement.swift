internal import CLibXML2

/// An element of a parsed ``XMLDoc``: a node pointer plus a strong reference to its document.
///
/// Cheap to copy. Accessors that return `String` allocate; ``isNamed(_:namespaceURI:)``,
/// ``firstChild(named:)`` and ``forEachChildElement(_:)`` walk the tree without allocating.
public struct XMLElement: @unchecked Sendable {
    let node: xmlNodePtr
    let doc: XMLDoc

    init(node: xmlNodePtr, doc: XMLDoc) {
        self.node = node
        self.doc = doc
    }

    /// The document this element belongs to.
    public var document: XMLDoc { doc }

    /// Local name (no prefix).
    public var localName: String {
        xmlString(node.pointee.name) ?? ""
    }

    /// Namespace URI, nil when the element is in no namespace.
    public var namespaceURI: String? {
        guard let ns = node.pointee.ns else { return nil }
        return xmlString(ns.pointee.href)
    }

    /// Prefix used in the document, nil for the default namespace or no namespace.
    public var prefix: String? {
        guard let ns = node.pointee.ns else { return nil }
        return xmlString(ns.pointee.prefix)
    }

    /// `{namespaceURI}localName`, or just `localName` when in no namespace.
    public var clarkName: String {
        if let ns = namespaceURI { return "{\(ns)}\(localName)" }
        return localName
    }

    /// 1-based line of the start tag's `<`; 0 when unknown.
    public var line: Int {
        var line = 0
        var column = 0
        cxml_node_position(node, &line, &column)
        return line
    }

    /// 1-based column of the start tag's `<`; 0 when unknown.
    public var column: Int {
        var line = 0
        var column = 0
        cxml_node_position(node, &line, &column)
        return column
    }

    /// XPath-like location from `xmlGetNodePath`, e.g. `/soapenv:Envelope/soapenv:Body/x:Op/Item[2]/ID`.
    public var path: String {
        consumeXMLString(xmlGetNodePath(node)) ?? ""
    }

    /// Concatenated text of all descendants (`xmlNodeGetContent`), not trimmed.
    public var text: String {
        if let simple = cxml_single_text_child(node) {
            return String(cString: simple)
        }
        return consumeXMLString(xmlNodeGetContent(node)) ?? ""
    }

    /// Element children in document order.
    public var childElements: [XMLElement] {
        var result: [XMLElement] = []
        var child = node.pointee.children
        while let c = child {
            if c.pointee.type == XML_ELEMENT_NODE {
                result.append(XMLElement(node: c, doc: doc))
            }
            child = c.pointee.next
        }
        return result
    }

    /// Number of element children.
    public var childElementCount: Int {
        Int(xmlChildElementCount(node))
    }

    /// Calls `body` for each element child in document order, without building an array.
    public func forEachChildElement<E: Error>(_ body: (XMLElement) throws(E) -> Void) throws(E) {
        var child = node.pointee.children
        while let c = child {
            if c.pointee.type == XML_ELEMENT_NODE {
                try body(XMLElement(node: c, doc: doc))
            }
            child = c.pointee.next
        }
    }

    public var firstChildElement: XMLElement? {
        guard let c = xmlFirstElementChild(node) else { return nil }
        return XMLElement(node: c, doc: doc)
    }

    public var nextSiblingElement: XMLElement? {
        guard let c = xmlNextElementSibling(node) else { return nil }
        return XMLElement(node: c, doc: doc)
    }

    public var parentElement: XMLElement? {
        guard let p = node.pointee.parent, p.pointee.type == XML_ELEMENT_NODE else { return nil }
        return XMLElement(node: p, doc: doc)
    }

    /// Whether this element has at least one element child.
    public var hasChildElements: Bool {
        cxml_has_element_child(node) != 0
    }

    /// The first text child (CDATA sections are read as text) holding more than XML whitespace, or
    /// nil when this element holds only elements, comments and whitespace. Walks the children only.
    public var firstNonWhitespaceText: XMLTextRun? {
        var child = node.pointee.children
        while let c = child {
            let type = c.pointee.type
            if type == XML_TEXT_NODE || type == XML_CDATA_SECTION_NODE, let content = c.pointee.content {
                var p = content
                while p.pointee != 0 && cxml_is_xml_space(p.pointee) != 0 { p += 1 }
                if p.pointee != 0 {
                    let text = trimmed(String(cString: content))
                    let excerpt = text.count > XMLTextRun.maximumExcerpt ? String(text.prefix(XMLTextRun.maximumExcerpt)) + "..." : text
                    return XMLTextRun(line: max(0, Int(xmlGetLineNo(c))), excerpt: excerpt)
                }
            }
            child = c.pointee.next
        }
        return nil
    }

    /// Whether both values denote the same node.
    public func isSameNode(as other: XMLElement) -> Bool {
        node == other.node
    }

    /// Value of an attribute. `namespaceURI` nil (the default) means an unqualified attribute,
    /// as in DOM's `getAttributeNS(null, …)`; `xmlns` declarations are not attributes.
    public func attribute(_ localName: String, namespaceURI: String? = nil) -> String? {
        var attr = node.pointee.properties
        while let a = attr {
            if cStringEquals(a.pointee.name, localName) {
                let ns = a.pointee.ns
                let match: Bool
                if let namespaceURI {
                    match = ns != nil && cStringEquals(ns!.pointee.href, namespaceURI)
                } else {
                    match = ns == nil
                }
                if match {
                    if let simple = cxml_attr_simple_value(a) {
                        return String(cString: simple)
                    }
                    return consumeXMLString(xmlNodeListGetString(node.pointee.doc, a.pointee.children, 1)) ?? ""
                }
            }
            attr = a.pointee.next
        }
        return nil
    }

    /// All attributes as (localName, namespaceURI, value), in document order.
    public var attributes: [(localName: String, namespaceURI: String?, value: String)] {
        var result: [(localName: String, namespaceURI: String?, value: String)] = []
        var attr = node.pointee.properties
        while let a = attr {
            let value: String
            if let simple = cxml_attr_simple_value(a) {
                value = String(cString: simple)
            } else {
                value = consumeXMLString(xmlNodeListGetString(node.pointee.doc, a.pointee.children, 1)) ?? ""
            }
            result.append((xmlString(a.pointee.name) ?? "", a.pointee.ns.flatMap { xmlString($0.pointee.href) }, value))
            attr = a.pointee.next
        }
        return result
    }

    /// Compares the name without allocating. `namespaceURI` nil matches any namespace;
    /// `""` matches only elements in no namespace.
    public func isNamed(_ localName: String, namespaceURI: String? = nil) -> Bool {
        Self.nodeIsNamed(node, localName, namespaceURI)
    }

    /// First element child with the given local name (and namespace when given; nil = any).
    public func firstChild(named localName: String, namespaceURI: String? = nil) -> XMLElement? {
        var child = node.pointee.children
        while let c = child {
            if c.pointee.type == XML_ELEMENT_NODE && Self.nodeIsNamed(c, localName, namespaceURI) {
                return XMLElement(node: c, doc: doc)
            }
            child = c.pointee.next
        }
        return nil
    }

    /// Element children with the given local name (and namespace when given; nil = any).
    public func childElements(named localName: String, namespaceURI: String? = nil) -> [XMLElement] {
        var result: [XMLElement] = []
        var child = node.pointee.children
        while let c = child {
            if c.pointee.type == XML_ELEMENT_NODE && Self.nodeIsNamed(c, localName, namespaceURI) {
                result.append(XMLElement(node: c, doc: doc))
            }
            child = c.pointee.next
        }
        return result
    }

    @inline(__always)
    static func nodeIsNamed(_ node: xmlNodePtr, _ localName: String, _ namespaceURI: String?) -> Bool {
        guard cStringEquals(node.pointee.name, localName) else { return false }
        guard let namespaceURI else { return true }
        guard let ns = node.pointee.ns, let href = ns.pointee.href else { return namespaceURI.isEmpty }
        return cStringEquals(href, namespaceURI)
    }

    /// Every element in this subtree whose whole text (trimmed) or any attribute value (trimmed)
    /// equals `placeholder` — SoapUI template leftovers such as `<ID>?</ID>`.
    ///
    /// Only elements without element children are checked for text, so a parent of a `?` leaf is
    /// not reported twice. Issues come in document order.
    public func placeholderIssues(placeholder: String = "?") -> [XMLIssue] {
        guard !placeholder.isEmpty else { return [] }
        var issues: [XMLIssue] = []
        var want = placeholder
        want.withUTF8 { wantBuf in
            let wantPtr = UnsafeRawPointer(wantBuf.baseAddress!).assumingMemoryBound(to: CChar.self)
            let wantLen = wantBuf.count
            let root = node
            var current: xmlNodePtr? = root
            while let n = current {
                if n.pointee.type == XML_ELEMENT_NODE {
                    if cxml_has_element_child(n) == 0 && cxml_leaf_text_equals(n, wantPtr, wantLen) != 0 {
                        issues.append(
                            Self.issue(
                                at: n, path: consumeXMLString(xmlGetNodePath(n)),
                                message: "Element '\(xmlString(n.pointee.name) ?? "")' still holds the SoapUI placeholder '\(placeholder)'"
                            )
                        )
                    }
                    var attr = n.pointee.properties
                    while let a = attr {
                        if cxml_attr_value_equals(a, wantPtr, wantLen) != 0 {
                            let attrNode = UnsafeMutableRawPointer(a).assumingMemoryBound(to: xmlNode.self)
                            issues.append(
                                Self.issue(
                                    at: n, path: consumeXMLString(xmlGetNodePath(attrNode)),
                                    message: "Attribute '\(xmlString(a.pointee.name) ?? "")' of element '\(xmlString(n.pointee.name) ?? "")' still holds the SoapUI placeholder '\(placeholder)'"
                                )
                            )
                        }
                        attr = a.pointee.next
                    }
                }
                current = Self.nextInPreorder(after: n, within: root)
            }
        }
        return issues
    }

    static func issue(at element: xmlNodePtr, path: String?, message: String) -> XMLIssue {
        var line = 0
        var column = 0
        cxml_node_position(element, &line, &column)
        return XMLIssue(line: line, column: column, path: path, element: xmlString(element.pointee.name), message: message)
    }

    /// Next node in document order inside `root`'s subtree (descending only into elements).
    @inline(__always)
    static func nextInPreorder(after n: xmlNodePtr, within root: xmlNodePtr) -> xmlNodePtr? {
        if n.pointee.type == XML_ELEMENT_NODE, let c = n.pointee.children {
            return c
        }
        var m = n
        while m != root {
            if let s = m.pointee.next { return s }
            guard let p = m.pointee.parent else { return nil }
            m = p
        }
        return nil
    }
}

/// A piece of character data found where only elements belong (see ``XMLElement/firstNonWhitespaceText``).
public struct XMLTextRun: Sendable, Hashable {
    /// Longest excerpt kept, in characters.
    public static let maximumExcerpt = 40
    /// Line where libxml2 recorded the text node; 0 = unknown.
    public let line: Int
    /// The text without surrounding whitespace, cut to ``maximumExcerpt`` characters.
    public let excerpt: String
}

/// Strips XML whitespace at both ends.
private func trimmed(_ s: String) -> String {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
    guard let first = s.firstIndex(where: { !isSpace($0) }), let last = s.lastIndex(where: { !isSpace($0) }) else { return "" }
    return String(s[first...last])
}
