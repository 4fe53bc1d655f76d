import Foundation
import Testing
import XMLCore

/// 1-based column of the first occurrence of `marker` in line `lineNumber` (1-based) of `xml`.
func columnOf(_ marker: String, line lineNumber: Int, in xml: String) -> Int {
    let line = xml.split(separator: "\n", omittingEmptySubsequences: false)[lineNumber - 1]
    let range = line.range(of: marker)!
    return line.distance(from: line.startIndex, to: range.lowerBound) + 1
}

func parseError(_ xml: String, limits: XMLParseLimits = .init()) -> XMLError? {
    do {
        _ = try XMLDoc.parse(Array(xml.utf8), limits: limits)
        return nil
    } catch {
        return error
    }
}

@Suite struct XMLDocParsingTests {
    static let sample = """
        <?xml version="1.0" encoding="UTF-8"?>
        <o:Order xmlns:o="urn:orders" xmlns="urn:default" id="42" xml:lang="en">
          <o:Item o:kind="book">  Moby Dick  </o:Item>
          <Note><![CDATA[a < b]]> &amp; more</Note>
          <o:Item
              o:kind="pen"
              colour="blue"/>
          <plain xmlns="">text</plain>
        </o:Order>
        """

    @Test func walksElementsAttributesAndNamespaces() throws {
        let doc = try XMLDoc.parse(Self.sample)
        let root = try #require(doc.rootElement)
        #expect(root.localName == "Order")
        #expect(root.prefix == "o")
        #expect(root.namespaceURI == "urn:orders")
        #expect(root.isNamed("Order"))
        #expect(root.isNamed("Order", namespaceURI: "urn:orders"))
        #expect(!root.isNamed("Order", namespaceURI: "urn:other"))
        #expect(!root.isNamed("Orde"))
        #expect(!root.isNamed("Orders"))
        #expect(root.attribute("id") == "42")
        #expect(root.attribute("lang", namespaceURI: "http://www.w3.org/XML/1998/namespace") == "en")
        #expect(root.attribute("lang") == nil)
        #expect(root.attribute("missing") == nil)
        #expect(root.line == 2)
        #expect(root.column == 1)

        let children = root.childElements
        #expect(children.map(\.localName) == ["Item", "Note", "Item", "plain"])
        #expect(root.childElementCount == 4)
        #expect(children[0].text == "  Moby Dick  ")
        #expect(children[0].attribute("kind", namespaceURI: "urn:orders") == "book")
        #expect(children[0].attribute("kind") == nil)
        #expect(children[1].namespaceURI == "urn:default")
        #expect(children[1].prefix == nil)
        #expect(children[1].text == "a < b & more")
        #expect(children[1].isNamed("Note", namespaceURI: "urn:default"))
        #expect(children[3].namespaceURI == nil)
        #expect(children[3].isNamed("plain", namespaceURI: ""))
        #expect(!children[1].isNamed("Note", namespaceURI: ""))

        #expect(root.firstChildElement?.localName == "Item")
        #expect(root.firstChildElement?.nextSiblingElement?.localName == "Note")
        #expect(children[3].nextSiblingElement == nil)
        #expect(root.firstChild(named: "Note")?.text == "a < b & more")
        #expect(root.firstChild(named: "Item", namespaceURI: "urn:default") == nil)
        #expect(root.childElements(named: "Item").count == 2)
        #expect(children[2].parentElement?.isSameNode(as: root) == true)

        var visited: [String] = []
        root.forEachChildElement { visited.append($0.localName) }
        #expect(visited == ["Item", "Note", "Item", "plain"])

        #expect(children[0].path == "/o:Order/o:Item[1]")
        #expect(children[2].path == "/o:Order/o:Item[2]")
        #expect(children[3].path == "/o:Order/plain")
        #expect(children[0].line == 3)
        #expect(children[0].column == 3)
    }

    @Test func startTagSpanningLinesReportsItsOpeningBracket() throws {
        let doc = try XMLDoc.parse(Self.sample)
        let pen = try #require(doc.rootElement?.childElements[2])
        #expect(pen.attribute("colour") == "blue")
        #expect(pen.line == 5)
        #expect(pen.column == 3)
    }

    @Test func columnsOnOneLongLine() throws {
        let xml = #"<r><a x="1"/><b>é</b><c y="ü&gt;">t</c><d/></r>"#
        let doc = try XMLDoc.parse(xml)
        let kids = try #require(doc.rootElement).childElements
        #expect(kids.map(\.line) == [1, 1, 1, 1])
        // Columns count characters ("é" and "ü" are one column each).
        #expect(kids[0].column == 4)
        #expect(kids[1].column == 14)
        #expect(kids[2].column == 22)
        #expect(kids[3].column == 40)
    }

    @Test func bigLineNumbersAreExact() throws {
        let xml = "<r>" + String(repeating: "\n", count: 70_000) + "<deep>x</deep></r>"
        let doc = try XMLDoc.parse(xml)
        let deep = try #require(doc.rootElement?.firstChildElement)
        #expect(deep.line == 70_001)
        #expect(deep.column == 1)
    }

    @Test func declaredLatin1IsDecoded() throws {
        var bytes = Array(#"<?xml version="1.0" encoding="ISO-8859-1"?><a>"#.utf8)
        bytes.append(0xE9)
        bytes += Array("</a>".utf8)
        let doc = try XMLDoc.parse(bytes)
        #expect(doc.rootElement?.text == "é")
    }

    @Test func documentOutlivesItsElements() throws {
        let element: XMLElement = try {
            let doc = try XMLDoc.parse("<a><b>kept</b></a>")
            return try #require(doc.rootElement?.firstChildElement)
        }()
        #expect(element.text == "kept")
        #expect(element.parentElement?.localName == "a")
    }

    @Test func malformedXMLReportsLineAndColumn() throws {
        let xml = "<a>\n  <b></c>\n</a>"
        let error = try #require(parseError(xml))
        #expect(error.kind == .malformed)
        let first = try #require(error.issues.first)
        #expect(first.line == 2)
        #expect(first.column > 0)
        #expect(first.message.contains("mismatch"))
        #expect(!first.message.hasSuffix("\n"))
        #expect(error.summary.hasPrefix("XML is not well-formed: line 2, column"))
    }

    @Test(arguments: [
        "<x:a/>",  // undeclared prefix: namespace error, not just a warning
        "<a>&undefined;</a>",  // entity reference without any DTD
        "<a></a><b/>",  // two roots
        "<a/><!DOCTYPE a>",  // DOCTYPE after the root element
        "just text",
        "   ",
        "<a b='1' b='2'/>",
    ])
    func malformedInputsAreRejected(_ xml: String) throws {
        let error = try #require(parseError(xml))
        #expect(error.kind == .malformed)
        #expect(!error.issues.isEmpty)
    }

    @Test func emptyInputIsMalformedWithAClearMessage() throws {
        let error = try #require(parseError(""))
        #expect(error.kind == .malformed)
        #expect(error.summary.contains("empty"))
    }

    @Test func oversizeIsRejectedBeforeParsing() throws {
        let xml = "<a>" + String(repeating: "x", count: 100) + "</a>"
        let error = try #require(parseError(xml, limits: .init(maxBytes: 50)))
        #expect(error.kind == .tooLarge)
        #expect(error.summary.contains("50"))
        // Even garbage over the limit is refused as too large, proving nothing was parsed.
        let garbage = try #require(parseError(String(repeating: "<", count: 100), limits: .init(maxBytes: 50)))
        #expect(garbage.kind == .tooLarge)
        #expect(try XMLDoc.parse(xml, limits: .init(maxBytes: xml.utf8.count)).rootElement != nil)
    }

    @Test func overDeepIsRejected() throws {
        func nested(_ depth: Int) -> String {
            (0..<depth).map { "<e\($0)>" }.joined() + (0..<depth).reversed().map { "</e\($0)>" }.joined()
        }
        #expect(try XMLDoc.parse(nested(5), limits: .init(maxDepth: 5)).rootElement != nil)
        let error = try #require(parseError(nested(6), limits: .init(maxDepth: 5)))
        #expect(error.kind == .tooDeep)
        let issue = try #require(error.issues.first)
        #expect(issue.element == "e5")
        #expect(issue.path == "/e0/e1/e2/e3/e4/e5")
        #expect(issue.line == 1)
        #expect(issue.column == 21)
        // Default limit (64) also applies, far below libxml2's own 256.
        let deep = try #require(parseError(nested(200)))
        #expect(deep.kind == .tooDeep)
    }
}

@Suite struct DoctypeRejectionTests {
    @Test func plainDoctypeIsRejected() throws {
        let error = try #require(parseError("<?xml version=\"1.0\"?>\n<!DOCTYPE a>\n<a/>"))
        #expect(error.kind == .doctypeForbidden)
        #expect(error.issues.first?.line == 2)
        #expect(error.issues.first?.column == 1)
    }

    @Test func externalEntityIsNeverExpanded() throws {
        let xxe = """
            <?xml version="1.0"?>
            <!DOCTYPE foo [ <!ENTITY x SYSTEM "file:///etc/passwd"> ]>
            <foo>&x;</foo>
            """
        let error = try #require(parseError(xxe))
        #expect(error.kind == .doctypeForbidden)
        #expect(!error.description.contains("root:"))
        #expect(error.issues.allSatisfy { !$0.message.contains("root:") })
    }

    @Test func internalSubsetIsNotEvenRead() throws {
        // A broken internal subset would be a parse error if libxml2 read it.
        let error = try #require(parseError("<!DOCTYPE a [ <!ENTITY % oops garbage garbage <<<< ]><a/>"))
        #expect(error.kind == .doctypeForbidden)
        #expect(error.issues.count == 1)
    }

    @Test func billionLaughsIsRejectedFast() throws {
        var xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n"
        xml += "<!ENTITY lol1 \"" + String(repeating: "&lol;", count: 10) + "\">\n"
        for i in 2...9 {
            xml += "<!ENTITY lol\(i) \"" + String(repeating: "&lol\(i - 1);", count: 10) + "\">\n"
        }
        xml += "]>\n<lolz>&lol9;</lolz>"
        let clock = ContinuousClock()
        var error: XMLError?
        let elapsed = clock.measure { error = parseError(xml) }
        #expect(error?.kind == .doctypeForbidden)
        #expect(elapsed < .milliseconds(50))
    }

    @Test func externalDTDReferenceIsRejected() throws {
        let error = try #require(parseError(#"<!DOCTYPE a SYSTEM "http://127.0.0.1:9/evil.dtd"><a/>"#))
        #expect(error.kind == .doctypeForbidden)
    }
}

@Suite struct PlaceholderAndEscapingTests {
    @Test func processingInstructionsAreRefusedOnlyWhenAsked() throws {
        let xml = "<?xml version=\"1.0\"?>\n<r>\n  <a><?target some data?></a>\n</r>"
        // Allowed by default (the XML declaration is not a processing instruction).
        #expect(try XMLDoc.parse(xml).rootElement?.localName == "r")
        let error = try #require(parseError(xml, limits: .init(allowsProcessingInstructions: false)))
        #expect(error.kind == .processingInstructionForbidden)
        #expect(error.summary.contains("<?target"), "\(error)")
        #expect(error.issues.first?.line == 3, "\(error.issues)")
        // The declaration alone is fine.
        #expect(try XMLDoc.parse("<?xml version=\"1.0\"?><r/>", limits: .init(allowsProcessingInstructions: false)).rootElement != nil)
        // Before and after the root element too.
        #expect(parseError("<?pi?><r/>", limits: .init(allowsProcessingInstructions: false))?.kind == .processingInstructionForbidden)
        #expect(parseError("<r/><?pi?>", limits: .init(allowsProcessingInstructions: false))?.kind == .processingInstructionForbidden)
    }

    @Test func placeholdersAreFound() throws {
        let xml = """
            <r xmlns:x="urn:x">
              <Header><ID> ? </ID><Other>?x</Other></Header>
              <Item><Amount currencyCode="?">10</Amount><Note>?</Note></Item>
              <Parent><Child>?</Child></Parent>
              <Empty/>
            </r>
            """
        let doc = try XMLDoc.parse(xml)
        let root = try #require(doc.rootElement)
        let issues = root.placeholderIssues()
        #expect(issues.map(\.element) == ["ID", "Amount", "Note", "Child"])
        #expect(issues[0].message == "Element 'ID' still holds the SoapUI placeholder '?'")
        #expect(issues[0].path == "/r/Header/ID")
        #expect(issues[0].line == 2)
        #expect(issues[0].column == columnOf("<ID>", line: 2, in: xml))
        #expect(issues[1].message == "Attribute 'currencyCode' of element 'Amount' still holds the SoapUI placeholder '?'")
        #expect(issues[1].path == "/r/Item/Amount/@currencyCode")
        // Only the subtree is searched.
        let item = try #require(root.firstChild(named: "Item"))
        #expect(item.placeholderIssues().count == 2)
        #expect(root.placeholderIssues(placeholder: "10").map(\.element) == ["Amount"])
        #expect(try XMLDoc.parse("<a><b>ok</b></a>").rootElement?.placeholderIssues() == [])
    }

    @Test func escaping() {
        #expect(XMLEscaping.escapeText("plain ünïcode") == "plain ünïcode")
        #expect(XMLEscaping.escapeText(#"a<b & c>d "q" 'a'"#) == #"a&lt;b &amp; c&gt;d "q" 'a'"#)
        #expect(XMLEscaping.escapeAttribute(#"a<b & "q" 'a'"#) == "a&lt;b &amp; &quot;q&quot; &apos;a&apos;")
        #expect(XMLEscaping.escapeAttribute("l1\nl2\tx\r") == "l1&#10;l2&#9;x&#13;")
        #expect(XMLEscaping.escapeText("l1\nl2\r") == "l1\nl2&#13;")
        #expect(XMLEscaping.escapeText("bad\u{1}char") == "bad\u{FFFD}char")
        #expect(XMLEscaping.escapeText("é<é") == "é&lt;é")
        var out = "<t>"
        XMLEscaping.appendEscapedText("x&y", to: &out)
        XMLEscaping.appendEscapedText("z", to: &out)
        out += "</t>"
        #expect(out == "<t>x&amp;yz</t>")
    }

    @Test func escapedTextRoundTrips() throws {
        let nasty = "a<b>&c \"d\" 'e' é\r\n\tend]]>"
        let xml = "<r a=\"\(XMLEscaping.escapeAttribute(nasty))\">\(XMLEscaping.escapeText(nasty))</r>"
        let root = try #require(try XMLDoc.parse(xml).rootElement)
        #expect(root.text == nasty)
        #expect(root.attribute("a") == nasty)
    }
}
