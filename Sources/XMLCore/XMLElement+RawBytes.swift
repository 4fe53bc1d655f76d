internal import CLibXML2

/// Names and values as libxml2 holds them (UTF-8, not copied), for work that only needs the
/// bytes (digests, canonical forms) and should not allocate a `String` per node.
/// The buffers are valid only inside the closure.
extension XMLElement {
    /// The local name's UTF-8 bytes (what ``localName`` holds).
    public func withLocalNameBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try withCStringBytes(node.pointee.name, body)
    }

    /// The namespace URI's UTF-8 bytes; empty when the element is in no namespace.
    public func withNamespaceURIBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try withCStringBytes(node.pointee.ns?.pointee.href, body)
    }

    /// The bytes of ``text`` (all descendant text, not trimmed); copied only when the element has
    /// more than one text child.
    public func withTextBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        if let simple = cxml_single_text_child(node) { return try withCStringBytes(simple, body) }
        let content = xmlNodeGetContent(node)
        defer { cxml_free(content) }
        return try withCStringBytes(content.map { UnsafePointer($0) }, body)
    }

    /// Number of attributes (`xmlns` declarations are not attributes).
    public var attributeCount: Int {
        var count = 0
        var attr = node.pointee.properties
        while let a = attr {
            count += 1
            attr = a.pointee.next
        }
        return count
    }

    /// Calls `body` with each attribute's namespace URI (empty for none), local name and value,
    /// in document order, as bytes (the values of ``attributes``).
    public func forEachAttributeBytes(
        _ body: (_ namespaceURI: UnsafeBufferPointer<UInt8>, _ localName: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) throws -> Void
    ) rethrows {
        var attr = node.pointee.properties
        while let a = attr {
            try withCStringBytes(a.pointee.ns?.pointee.href) { namespaceURI in
                try withCStringBytes(a.pointee.name) { localName in
                    if let simple = cxml_attr_simple_value(a) {
                        try withCStringBytes(simple) { value in try body(namespaceURI, localName, value) }
                    } else {
                        let value = xmlNodeListGetString(node.pointee.doc, a.pointee.children, 1)
                        defer { cxml_free(value) }
                        try withCStringBytes(value.map { UnsafePointer($0) }) { value in try body(namespaceURI, localName, value) }
                    }
                }
            }
            attr = a.pointee.next
        }
    }
}

@inline(__always)
private func withCStringBytes<R>(_ pointer: UnsafePointer<xmlChar>?, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
    guard let pointer else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
    let count = strlen(UnsafeRawPointer(pointer).assumingMemoryBound(to: CChar.self))
    return try body(UnsafeBufferPointer(start: pointer, count: count))
}
