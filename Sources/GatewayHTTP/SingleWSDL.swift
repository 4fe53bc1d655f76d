import Foundation
import XMLCore

/// Builds the self-contained WSDL the gateway serves at `?wsdl` and `?singlewsdl`: the WSDL
/// file with its `xsd:import` of `../Schemas/<file>.xsd` replaced by that schema inline, and the
/// schema's `xsd:include`s replaced by the included schemas' content, all in one `xsd:schema` of
/// the target namespace — the shape of SAP's own WSDLs, which some generators need because they
/// cannot follow `xsd:include`/`xsd:import`.
///
/// It works on the text of the files (libxml2 checks their structure first and the result
/// afterwards), so comments, annotations and formatting of the schemas are served as written.
/// Everything it cannot inline faithfully is an error at start-up, never a half-inlined WSDL.
enum SingleWSDL {
    static let wsdlNamespace = "http://schemas.xmlsoap.org/wsdl/"
    static let xsdNamespace = "http://www.w3.org/2001/XMLSchema"

    /// Why a WSDL could not be made self-contained.
    struct BuildError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Returns `wsdl` (the text of `WSDL/<wsdlFile>`) with its schema inline; `schemas` holds the
    /// text of every `Schemas/*.xsd` by file name.
    static func build(wsdl: String, wsdlFile: String, schemas: [String: String]) throws(BuildError) -> String {
        let document: XMLDoc
        do { document = try XMLDoc.parse(wsdl) } catch { throw BuildError("WSDL/\(wsdlFile) is not well-formed XML: \(error)") }
        guard let definitions = document.rootElement, definitions.isNamed("definitions", namespaceURI: wsdlNamespace) else {
            throw BuildError("WSDL/\(wsdlFile): the root element is not wsdl:definitions")
        }
        guard let types = definitions.firstChild(named: "types", namespaceURI: wsdlNamespace) else {
            throw BuildError("WSDL/\(wsdlFile) has no wsdl:types")
        }
        // The schema files the types import, in order.
        var imported: [String] = []
        for schema in types.childElements {
            guard schema.isNamed("schema", namespaceURI: xsdNamespace) else {
                throw BuildError("WSDL/\(wsdlFile): wsdl:types holds \(schema.clarkName), expected xsd:schema")
            }
            for child in schema.childElements {
                guard child.isNamed("import", namespaceURI: xsdNamespace), let location = child.attribute("schemaLocation") else {
                    throw BuildError(
                        "WSDL/\(wsdlFile): the xsd:schema in wsdl:types may only hold xsd:import elements with a schemaLocation, found \(child.clarkName)")
                }
                imported.append(try schemaFileName(location, in: "WSDL/\(wsdlFile)"))
            }
        }
        guard imported.count == 1, let mainFile = imported.first else {
            throw BuildError("WSDL/\(wsdlFile) must import exactly one schema file (imports \(imported))")
        }
        let inline = try inlineSchema(mainFile, schemas: schemas)
        guard let content = XMLText.contentRange(ofFirst: qualified(types.prefix ?? "", "types"), in: wsdl) else {
            throw BuildError("WSDL/\(wsdlFile): wsdl:types cannot be located in the text")
        }
        var result = wsdl
        result.replaceSubrange(content, with: "\n" + inline + "\n  ")
        try check(result, wsdlFile: wsdlFile)
        return result
    }

    /// `../Schemas/X.xsd` (or `X.xsd`) → `X.xsd`.
    static func schemaFileName(_ location: String, in file: String) throws(BuildError) -> String {
        var name = Substring(location)
        if name.hasPrefix("../Schemas/") { name = name.dropFirst("../Schemas/".count) }
        guard !name.isEmpty, !name.contains("/"), !name.contains("\\"), name.hasSuffix(".xsd") else {
            throw BuildError("\(file): schemaLocation '\(location)' does not name a file in Schemas/")
        }
        return String(name)
    }

    /// One `xsd:schema` element: `mainFile` with every file it includes (transitively) merged in.
    static func inlineSchema(_ mainFile: String, schemas: [String: String]) throws(BuildError) -> String {
        let main = try SchemaFile(mainFile, schemas: schemas)
        var order: [SchemaFile] = [main]
        var seen: Set<String> = [mainFile]
        var index = 0
        while index < order.count {
            for included in order[index].includes where seen.insert(included).inserted {
                let file = try SchemaFile(included, schemas: schemas)
                guard file.rootAttributes == main.rootAttributes else {
                    throw BuildError(
                        "Schemas/\(included) cannot be inlined into Schemas/\(mainFile): the attributes and namespace declarations of "
                            + "their xsd:schema elements differ (\(file.rootAttributes) vs \(main.rootAttributes))")
                }
                order.append(file)
            }
            index += 1
        }
        let fileList = order.map { "Schemas/" + $0.name }.joined(separator: " + ")
        var out = main.startTag + "\n"
        out += "  <\(main.prefixed("annotation"))><\(main.prefixed("documentation"))>\(fileList), merged into one schema "
        out += "so that this WSDL is self-contained (journal-gateway's own schema, not an SAP file). The separate files are served "
        out += "under /Schemas/.</\(main.prefixed("documentation"))></\(main.prefixed("annotation"))>\n"
        for file in order {
            out += "\n  <!-- ===== Schemas/\(file.name) ===== -->\n\n"
            out += XMLText.trimmingBlankLines(file.bodyWithoutIncludes) + "\n"
        }
        out += "</\(main.prefixed("schema"))>"
        return out
    }

    /// The served text must parse, and its types must hold one schema with no import or include left.
    static func check(_ text: String, wsdlFile: String) throws(BuildError) {
        let document: XMLDoc
        do { document = try XMLDoc.parse(text) } catch { throw BuildError("the self-contained WSDL built from WSDL/\(wsdlFile) does not parse: \(error)") }
        let schemas = document.rootElement?.firstChild(named: "types", namespaceURI: wsdlNamespace)?.childElements ?? []
        guard schemas.count == 1, let schema = schemas.first, schema.isNamed("schema", namespaceURI: xsdNamespace) else {
            throw BuildError("the self-contained WSDL built from WSDL/\(wsdlFile) does not hold exactly one xsd:schema")
        }
        if let left = schema.childElements.first(where: { $0.isNamed("include", namespaceURI: xsdNamespace) || $0.isNamed("import", namespaceURI: xsdNamespace) }) {
            throw BuildError("the self-contained WSDL built from WSDL/\(wsdlFile) still holds \(left.clarkName)")
        }
    }

    static func qualified(_ prefix: String, _ name: String) -> String { prefix.isEmpty ? name : prefix + ":" + name }

    /// One schema file split into start tag, body and the files it includes.
    struct SchemaFile {
        let name: String
        let prefix: String
        let startTag: String
        /// Attributes (namespace declarations included) of the root `xsd:schema`, as written.
        let rootAttributes: [String: String]
        let includes: [String]
        let bodyWithoutIncludes: String

        func prefixed(_ name: String) -> String { SingleWSDL.qualified(prefix, name) }

        init(_ name: String, schemas: [String: String]) throws(BuildError) {
            guard let text = schemas[name] else { throw BuildError("Schemas/\(name) is imported or included but does not exist") }
            let document: XMLDoc
            do { document = try XMLDoc.parse(text) } catch { throw BuildError("Schemas/\(name) is not well-formed XML: \(error)") }
            guard let root = document.rootElement, root.isNamed("schema", namespaceURI: SingleWSDL.xsdNamespace) else {
                throw BuildError("Schemas/\(name): the root element is not xsd:schema")
            }
            var includes: [String] = []
            for child in root.childElements {
                if child.isNamed("import", namespaceURI: SingleWSDL.xsdNamespace) || child.isNamed("redefine", namespaceURI: SingleWSDL.xsdNamespace) {
                    throw BuildError("Schemas/\(name): \(child.clarkName) cannot be inlined into one schema (only xsd:include can)")
                }
                if child.isNamed("include", namespaceURI: SingleWSDL.xsdNamespace) {
                    guard !child.hasChildElements, let location = child.attribute("schemaLocation") else {
                        throw BuildError("Schemas/\(name): an xsd:include must be empty and have a schemaLocation")
                    }
                    includes.append(try SingleWSDL.schemaFileName(location, in: "Schemas/\(name)"))
                }
            }
            self.name = name
            self.prefix = root.prefix ?? ""
            let schemaTag = SingleWSDL.qualified(prefix, "schema")
            guard let split = XMLText.splitRoot(text, rootName: schemaTag) else {
                throw BuildError("Schemas/\(name): the xsd:schema element cannot be located in the text")
            }
            self.startTag = split.startTag
            self.rootAttributes = XMLText.attributes(ofStartTag: split.startTag)
            self.includes = includes
            let removed = XMLText.removingEmptyElements(named: SingleWSDL.qualified(prefix, "include"), from: split.body)
            guard removed.count == includes.count else {
                throw BuildError("Schemas/\(name): found \(removed.count) xsd:include tags in the text, libxml2 sees \(includes.count)")
            }
            self.bodyWithoutIncludes = removed.text
        }
    }
}

/// Small scans over XML text that skip comments, CDATA and processing instructions. Used only on
/// files libxml2 has already parsed, to cut them where the parser found the elements.
enum XMLText {
    /// Index just after the construct starting at `index` when it is a comment, CDATA section or
    /// processing instruction; nil otherwise.
    static func skipMarkup(_ text: String, at index: String.Index) -> String.Index? {
        let rest = text[index...]
        for (open, close) in [("<!--", "-->"), ("<![CDATA[", "]]>"), ("<?", "?>")] where rest.hasPrefix(open) {
            return rest.range(of: close, range: rest.index(index, offsetBy: open.count)..<rest.endIndex)?.upperBound ?? text.endIndex
        }
        return nil
    }

    /// End of the tag starting at `index` (just after its `>`), honouring quoted attribute values.
    static func tagEnd(_ text: String, from index: String.Index) -> String.Index? {
        var quote: Character?
        var position = index
        while position < text.endIndex {
            let character = text[position]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == ">" {
                return text.index(after: position)
            }
            position = text.index(after: position)
        }
        return nil
    }

    /// Whether the tag at `index` is `<name` followed by whitespace, `/` or `>`.
    static func isTag(_ text: String, at index: String.Index, named name: String, closing: Bool) -> Bool {
        let open = closing ? "</" + name : "<" + name
        guard text[index...].hasPrefix(open) else { return false }
        let after = text.index(index, offsetBy: open.count)
        guard after < text.endIndex else { return false }
        let next = text[after]
        return next == ">" || next == "/" || next.isWhitespace
    }

    /// Calls `body` with the start index of every tag (not comment/CDATA/PI) in `text`.
    static func forEachTag(_ text: String, _ body: (String.Index) -> Bool) {
        var index = text.startIndex
        while let open = text[index...].firstIndex(of: "<") {
            if let skipped = skipMarkup(text, at: open) {
                index = skipped
                continue
            }
            guard body(open) else { return }
            index = text.index(after: open)
        }
    }

    /// The text between the start tag and the end tag of the first element `name` (not nested in itself).
    static func contentRange(ofFirst name: String, in text: String) -> Range<String.Index>? {
        var start: String.Index?
        var end: String.Index?
        forEachTag(text) { index in
            if start == nil, isTag(text, at: index, named: name, closing: false) {
                guard let tagEnd = tagEnd(text, from: index), text[text.index(tagEnd, offsetBy: -2)] != "/" else { return false }
                start = tagEnd
            } else if start != nil, isTag(text, at: index, named: name, closing: true) {
                end = index
                return false
            }
            return true
        }
        guard let start, let end else { return nil }
        return start..<end
    }

    /// The root start tag and the text between it and the root end tag.
    static func splitRoot(_ text: String, rootName: String) -> (startTag: String, body: String)? {
        var startTag: Range<String.Index>?
        forEachTag(text) { index in
            if isTag(text, at: index, named: rootName, closing: false), let end = tagEnd(text, from: index) {
                startTag = index..<end
            }
            return false  // the first tag is the root
        }
        guard let startTag, text[text.index(before: startTag.upperBound)] == ">", text[text.index(startTag.upperBound, offsetBy: -2)] != "/",
            let endTag = text.range(of: "</" + rootName, options: .backwards), endTag.lowerBound >= startTag.upperBound
        else { return nil }
        return (String(text[startTag]), String(text[startTag.upperBound..<endTag.lowerBound]))
    }

    /// `name="value"` pairs of a start tag (namespace declarations included), values as written.
    static func attributes(ofStartTag tag: String) -> [String: String] {
        var result: [String: String] = [:]
        var rest = Substring(tag.dropFirst())  // "<"
        rest = rest.drop { !$0.isWhitespace && $0 != ">" && $0 != "/" }  // the element name
        while true {
            rest = rest.drop { $0.isWhitespace }
            guard let equals = rest.firstIndex(of: "="), let first = rest.first, first != ">" && first != "/" else { break }
            let name = rest[..<equals].trimmingCharacters(in: .whitespaces)
            var value = rest[rest.index(after: equals)...].drop { $0.isWhitespace }
            guard let quote = value.first, quote == "\"" || quote == "'" else { break }
            value = value.dropFirst()
            guard let close = value.firstIndex(of: quote) else { break }
            result[name] = String(value[..<close])
            rest = value[value.index(after: close)...]
        }
        return result
    }

    /// `text` without the blank lines at its start and the whitespace at its end.
    static func trimmingBlankLines(_ text: String) -> String {
        var start = text.startIndex
        var lineStart = start
        while start < text.endIndex, text[start].isWhitespace {
            if text[start].isNewline { lineStart = text.index(after: start) }
            start = text.index(after: start)
        }
        var end = text.endIndex
        while end > lineStart, text[text.index(before: end)].isWhitespace { end = text.index(before: end) }
        return String(text[lineStart..<end])
    }

    /// `text` without the empty elements `<name …/>` (and the whitespace before each on its line);
    /// `count` is how many were removed (a `<name>…</name>` pair is left alone and not counted).
    static func removingEmptyElements(named name: String, from text: String) -> (text: String, count: Int) {
        var ranges: [Range<String.Index>] = []
        forEachTag(text) { index in
            if isTag(text, at: index, named: name, closing: false), let end = tagEnd(text, from: index),
                text[text.index(end, offsetBy: -2)] == "/"
            {
                var start = index
                while start > text.startIndex, text[text.index(before: start)] == " " || text[text.index(before: start)] == "\t" {
                    start = text.index(before: start)
                }
                var stop = end
                if stop < text.endIndex, text[stop] == "\n" { stop = text.index(after: stop) }
                ranges.append(start..<stop)
            }
            return true
        }
        var result = text
        for range in ranges.reversed() { result.removeSubrange(range) }
        return (result, ranges.count)
    }
}
