import Testing
import SOAPCore
import XMLCore

@Suite struct SOAPFaultRenderingTests {
    static let issues = [
        XMLIssue(line: 12, column: 20, path: "/soapenv:Envelope/soapenv:Body/sfin:R/Item[2]/ID", element: "ID", message: "Element 'ID': too <long> & \"bad\""),
        XMLIssue(line: 13, column: 5, path: nil, element: nil, message: "second"),
    ]

    @Test func soap11FaultShape() throws {
        let f = SOAPFault.invalidRequest(Self.issues, version: .soap11)
        #expect(f.reason == "Request is not valid: line 12, column 20, element ID (/soapenv:Envelope/soapenv:Body/sfin:R/Item[2]/ID): Element 'ID': too <long> & \"bad\" (and 1 more issue)")
        let xml = f.envelope(for: .soap11)
        let root = try #require(try XMLDoc.parse(xml).rootElement)
        #expect(root.isNamed("Envelope", namespaceURI: ns11))
        #expect(root.prefix == "soap-env")
        let faultElement = try #require(root.firstChild(named: "Body")?.firstChild(named: "Fault", namespaceURI: ns11))
        #expect(faultElement.firstChild(named: "faultcode")?.text == "soap-env:Client")
        let faultstring = try #require(faultElement.firstChild(named: "faultstring"))
        #expect(faultstring.namespaceURI == nil)
        #expect(faultstring.text == f.reason)
        #expect(faultstring.attribute("lang", namespaceURI: "http://www.w3.org/XML/1998/namespace") == "en")
        let detail = try #require(faultElement.firstChild(named: "detail"))
        let validation = try #require(detail.firstChild(named: "RequestValidationFault", namespaceURI: "urn:journal-gateway:fault"))
        let issueElements = validation.childElements(named: "Issue")
        #expect(issueElements.count == 2)
        #expect(issueElements[0].attribute("line") == "12")
        #expect(issueElements[0].attribute("column") == "20")
        #expect(issueElements[0].attribute("element") == "ID")
        #expect(issueElements[0].firstChild(named: "Path")?.text == "/soapenv:Envelope/soapenv:Body/sfin:R/Item[2]/ID")
        #expect(issueElements[0].firstChild(named: "Message")?.text == "Element 'ID': too <long> & \"bad\"")
        #expect(issueElements[1].attribute("element") == nil)
        #expect(issueElements[1].firstChild(named: "Path") == nil)
        #expect(f.httpStatus(for: .soap11) == 500)
    }

    @Test func soap12FaultShape() throws {
        let f = SOAPFault(code: .sender, reason: "Bad <thing>", issues: Self.issues, version: .soap12)
        let xml = f.envelope(for: .soap12)
        let root = try #require(try XMLDoc.parse(xml).rootElement)
        #expect(root.isNamed("Envelope", namespaceURI: ns12))
        #expect(root.prefix == "env")
        let faultElement = try #require(root.firstChild(named: "Body", namespaceURI: ns12)?.firstChild(named: "Fault", namespaceURI: ns12))
        #expect(faultElement.firstChild(named: "Code")?.firstChild(named: "Value", namespaceURI: ns12)?.text == "env:Sender")
        let text = try #require(faultElement.firstChild(named: "Reason")?.firstChild(named: "Text", namespaceURI: ns12))
        #expect(text.text == "Bad <thing>")
        #expect(text.attribute("lang", namespaceURI: "http://www.w3.org/XML/1998/namespace") == "en")
        let detail = try #require(faultElement.firstChild(named: "Detail", namespaceURI: ns12))
        #expect(detail.firstChild(named: "RequestValidationFault")?.childElements(named: "Issue").count == 2)
    }

    @Test func faultWithoutIssuesHasNoDetail() throws {
        let f = SOAPFault(code: .receiver, reason: "Ledger unavailable")
        let xml11 = f.envelope(for: .soap11)
        #expect(xml11.contains("<faultcode>soap-env:Server</faultcode>"))
        #expect(!xml11.contains("detail"))
        let xml12 = f.envelope(for: .soap12)
        #expect(xml12.contains("<env:Value>env:Receiver</env:Value>"))
        #expect(!xml12.contains("Detail"))
        _ = try XMLDoc.parse(xml11)
        _ = try XMLDoc.parse(xml12)
    }

    @Test func detailIsCappedAndCountsDropped() throws {
        let many = (1...250).map { XMLIssue(line: $0, column: 1, path: nil, element: "E", message: "m\($0)") }
        let f = SOAPFault.invalidRequest(many)
        let root = try #require(try XMLDoc.parse(f.envelope(for: .soap11)).rootElement)
        let validation = try #require(root.firstChild(named: "Body")?.firstChild(named: "Fault")?.firstChild(named: "detail")?.firstChildElement)
        #expect(validation.childElements(named: "Issue").count == 100)
        #expect(validation.attribute("issueCount") == "250")
        #expect(validation.firstChild(named: "OmittedIssues")?.text == "150")
        #expect(f.reason.hasSuffix("(and 249 more issues)"))
    }

    @Test func httpStatuses() {
        let cases: [(SOAPFault.Code, Int, Int)] = [
            (.sender, 500, 400), (.receiver, 500, 500), (.mustUnderstand, 500, 500), (.versionMismatch, 500, 500),
        ]
        for (code, status11, status12) in cases {
            let f = SOAPFault(code: code, reason: "x")
            #expect(f.httpStatus(for: .soap11) == status11)
            #expect(f.httpStatus(for: .soap12) == status12)
        }
    }

    @Test func faultConvertibles() {
        let xmlError = XMLError(kind: .schemaCompilation, summary: "broken schema")
        #expect((xmlError as any SOAPFaultConvertible).soapFault.code == .receiver)
        let f = SOAPFault(code: .sender, reason: "r")
        #expect((f as any SOAPFaultConvertible).soapFault.reason == "r")
    }
}

@Suite struct SOAPEnvelopeWriterTests {
    @Test(arguments: SOAPVersion.allCases)
    func writesParseableEnvelopes(_ version: SOAPVersion) throws {
        let xml = SOAPEnvelopeWriter.envelope(version: version, payload: "<p:Conf xmlns:p=\"urn:p\"><ID>1</ID></p:Conf>")
        let env = try SOAPEnvelope.parse(xml)
        #expect(env.version == version)
        #expect(env.payload.clarkName == "{urn:p}Conf")
        #expect(env.header != nil)
        #expect(xml.hasPrefix(version == .soap11 ? "<soap-env:Envelope" : "<env:Envelope"))
        #expect(xml.contains(version == .soap11 ? "<soap-env:Header/>" : "<env:Header/>"))
    }

    @Test func versionsAndContentTypes() {
        #expect(SOAPVersion.soap11.envelopeNamespace == ns11)
        #expect(SOAPVersion.soap12.envelopeNamespace == ns12)
        #expect(SOAPVersion.soap11.contentType == "text/xml; charset=utf-8")
        #expect(SOAPVersion.soap12.contentType == "application/soap+xml; charset=utf-8")
    }
}
