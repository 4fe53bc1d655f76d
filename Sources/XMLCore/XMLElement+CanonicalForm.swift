internal import CLibXML2

extension XMLElement {
    /// The canonical form of this subtree for digests, built by libxml2-side code in one pass:
    /// length-prefixed fields `E`(namespace URI, local name), `A`(namespace URI, local name, value)
    /// in (namespace, name) order, `T`(text of an element without element children), `/`. Left out:
    /// prefixes, namespace declarations, comments, whitespace between elements, and any child
    /// named `skip` of an element named `parent`; the text of a child named `fold` of a `parent` is
    /// trimmed of XML whitespace and ASCII lower-cased.
    public func canonicalForm(parent: String, skip: String, fold: String) -> [UInt8] {
        guard let buffer = xmlBufferCreateSize(4096) else { return [] }
        defer { xmlBufferFree(buffer) }
        parent.withCString { parent in
            skip.withCString { skip in
                fold.withCString { fold in
                    var rules = cxml_canonical_rules(parent: parent, skip: skip, fold: fold)
                    cxml_canonical_form(buffer, node, 0, &rules)
                }
            }
        }
        guard let content = xmlBufferContent(buffer) else { return [] }
        return Array(UnsafeBufferPointer(start: content, count: Int(xmlBufferLength(buffer))))
    }
}
