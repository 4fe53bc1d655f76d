import Foundation
import Testing
import SOAPCore
import XMLCore

let ns11 = "http://schemas.xmlsoap.org/soap/envelope/"
let ns12 = "http://www.w3.org/2003/05/soap-envelope"

func parseEnvelope(_ xml: String, limits: XMLParseLimits = .init()) -> Result<SOAPEnvelope, SOAPFault> {
    do {
        return .success(try SOAPEnvelope.parse(xml, limits: limits))
    } catch {
        return .failure(error)
    }
}

func fault(_ xml: String, limits: XMLParseLimits = .init()) throws -> SOAPFault {
    switch parseEnvelope(xml, limits: limits) {
    case .success: throw ExpectedFault()
    case .failure(let fault): return fault
    }
}

struct ExpectedFault: Error {}

@Suite struct SOAPEnvelopeParsingTests {
    @Test func soap11WithSAPMessageIDAndWSAddressing() throws {
        let xml = """
            <soapenv:Envelope xmlns:soapenv="\(ns11)" xmlns:sfin="http://sap.com/xi/SAPSCORE/SFIN">
              <soapenv:Header>
                <n0:messageId xmlns:n0="http://www.sap.com/webas/640/soap/features/messageId/"> urn:uuid:0a1b2c3d </n0:messageId>
                <wsa:Action xmlns:wsa="http://www.w3.org/2005/08/addressing" soapenv:mustUnderstand="1">urn:op</wsa:Action>
              </soapenv:Header>
              <soapenv:Body>
                <sfin:JournalEntryBulkCreateRequest><MessageHeader><ID>1</ID></MessageHeader></sfin:JournalEntryBulkCreateRequest>
              </soapenv:Body>
            </soapenv:Envelope>
            """
        let env = try SOAPEnvelope.parse(xml)
        #expect(env.version == .soap11)
        #expect(env.payload.isNamed("JournalEntryBulkCreateRequest", namespaceURI: "http://sap.com/xi/SAPSCORE/SFIN"))
        #expect(env.payload.line == 7)
        #expect(env.sapMessageID == "urn:uuid:0a1b2c3d")
        #expect(env.addressing.action == "urn:op")
        #expect(env.headerBlocks.count == 2)
        #expect(env.header != nil)
        #expect(env.body.localName == "Body")
    }

    @Test func soap12WithFullWSAddressing() throws {
        let xml = """
            <env:Envelope xmlns:env="\(ns12)" xmlns:a="http://www.w3.org/2005/08/addressing">\
            <env:Header>\
            <a:Action env:mustUnderstand="true">urn:act</a:Action>\
            <a:MessageID>urn:uuid:m1</a:MessageID>\
            <a:To env:mustUnderstand="1">http://gw/x</a:To>\
            <a:ReplyTo><a:Address> http://client/cb </a:Address></a:ReplyTo>\
            <a:RelatesTo>urn:uuid:prev</a:RelatesTo>\
            </env:Header>\
            <env:Body><p:Req xmlns:p="urn:p"/></env:Body></env:Envelope>
            """
        let env = try SOAPEnvelope.parse(xml)
        #expect(env.version == .soap12)
        #expect(env.payload.clarkName == "{urn:p}Req")
        #expect(env.addressing == WSAddressing(action: "urn:act", messageID: "urn:uuid:m1", to: "http://gw/x", replyTo: "http://client/cb", relatesTo: "urn:uuid:prev"))
        #expect(env.sapMessageID == nil)
    }

    @Test func wsAddressing2004IsUnderstood() throws {
        let xml = """
            <s:Envelope xmlns:s="\(ns11)"><s:Header>\
            <w:MessageID xmlns:w="http://schemas.xmlsoap.org/ws/2004/08/addressing" s:mustUnderstand="1">m-2004</w:MessageID>\
            </s:Header><s:Body><Req/></s:Body></s:Envelope>
            """
        let env = try SOAPEnvelope.parse(xml)
        #expect(env.addressing.messageID == "m-2004")
        #expect(env.payload.localName == "Req")
    }

    @Test func envelopeWithoutHeader() throws {
        let env = try SOAPEnvelope.parse("<s:Envelope xmlns:s=\"\(ns11)\"><s:Body><Req/></s:Body></s:Envelope>")
        #expect(env.header == nil)
        #expect(env.headerBlocks.isEmpty)
        #expect(env.addressing == WSAddressing())
    }

    @Test func unknownMandatoryHeaderIsAMustUnderstandFault() throws {
        let xml = """
            <env:Envelope xmlns:env="\(ns12)"><env:Header>\
            <x:Security xmlns:x="urn:sec" env:mustUnderstand="true"/>\
            <y:Optional xmlns:y="urn:opt"/>\
            <z:Off xmlns:z="urn:off" env:mustUnderstand="false"/>\
            </env:Header><env:Body><Req/></env:Body></env:Envelope>
            """
        let f = try fault(xml)
        #expect(f.code == .mustUnderstand)
        #expect(f.notUnderstood == ["{urn:sec}Security"])
        #expect(f.version == .soap12)
        #expect(f.reason.contains("{urn:sec}Security"))

        let rendered = f.envelope(for: .soap12)
        let root = try #require(try XMLDoc.parse(rendered).rootElement)
        let notUnderstood = try #require(root.firstChild(named: "Header")?.firstChild(named: "NotUnderstood", namespaceURI: ns12))
        let qname = try #require(notUnderstood.attribute("qname"))
        let parts = qname.split(separator: ":")
        #expect(parts.count == 2 && parts[1] == "Security")
        // The prefix in qname is declared on the NotUnderstood element.
        #expect(rendered.contains("xmlns:\(parts[0])=\"urn:sec\""))
        #expect(root.firstChild(named: "Body")?.firstChild(named: "Fault")?.firstChild(named: "Code")?.firstChild(named: "Value")?.text == "env:MustUnderstand")
    }

    @Test func soap11MustUnderstandOnUnknownHeader() throws {
        let xml = """
            <s:Envelope xmlns:s="\(ns11)"><s:Header><x:H xmlns:x="urn:x" s:mustUnderstand="1"/></s:Header>\
            <s:Body><Req/></s:Body></s:Envelope>
            """
        let f = try fault(xml)
        #expect(f.code == .mustUnderstand)
        #expect(f.version == .soap11)
        #expect(f.envelope(for: .soap11).contains("<faultcode>soap-env:MustUnderstand</faultcode>"))
        // A mustUnderstand attribute outside the envelope namespace does not count.
        let foreignAttribute = xml.replacingOccurrences(of: "s:mustUnderstand", with: "mustUnderstand")
        #expect(try SOAPEnvelope.parse(foreignAttribute).headerBlocks.count == 1)
    }

    @Test func blocksForOtherRolesAreIgnored() throws {
        let xml = """
            <env:Envelope xmlns:env="\(ns12)"><env:Header>\
            <x:A xmlns:x="urn:x" env:mustUnderstand="true" env:role="http://www.w3.org/2003/05/soap-envelope/role/none"/>\
            <x:B xmlns:x="urn:x" env:mustUnderstand="true" env:role="http://example.com/some-intermediary"/>\
            <x:C xmlns:x="urn:x"/>\
            </env:Header><env:Body><Req/></env:Body></env:Envelope>
            """
        let env = try SOAPEnvelope.parse(xml)
        #expect(env.headerBlocks.map(\.localName) == ["C"])
        // ...but role next / ultimateReceiver are us.
        let next = xml.replacingOccurrences(of: "http://example.com/some-intermediary", with: "http://www.w3.org/2003/05/soap-envelope/role/next")
        #expect(try fault(next).notUnderstood == ["{urn:x}B"])
    }

    @Test func foreignEnvelopeNamespaceIsAVersionMismatch() throws {
        let f = try fault("<e:Envelope xmlns:e=\"http://example.com/not-soap\"><e:Body><Req/></e:Body></e:Envelope>")
        #expect(f.code == .versionMismatch)
        #expect(f.version == nil)
        #expect(f.responseVersion == .soap11)
        let rendered = f.envelope(for: f.responseVersion)
        #expect(rendered.contains("<faultcode>soap-env:VersionMismatch</faultcode>"))
        #expect(rendered.contains("Upgrade"))
        _ = try XMLDoc.parse(rendered)
        #expect(try fault("<Envelope><Body><Req/></Body></Envelope>").code == .versionMismatch)
    }

    @Test func nonEnvelopeRootIsASenderFault() throws {
        let f = try fault("<Req xmlns=\"urn:p\"/>")
        #expect(f.code == .sender)
        #expect(f.reason.contains("Envelope"))
        #expect(try fault("<s:Body xmlns:s=\"\(ns12)\"/>").version == .soap12)
    }

    @Test func missingOrEmptyOrCrowdedBodyIsASenderFault() throws {
        let missing = try fault("<s:Envelope xmlns:s=\"\(ns11)\"><s:Header/></s:Envelope>")
        #expect(missing.code == .sender)
        #expect(missing.reason.contains("Body is missing"))
        #expect(missing.version == .soap11)

        let empty = try fault("<s:Envelope xmlns:s=\"\(ns12)\"><s:Body>  </s:Body></s:Envelope>")
        #expect(empty.code == .sender)
        #expect(empty.reason.contains("Body is empty"))
        #expect(empty.version == .soap12)

        let two = try fault("<s:Envelope xmlns:s=\"\(ns11)\"><s:Body><A/><B/></s:Body></s:Envelope>")
        #expect(two.code == .sender)
        #expect(two.issues.first?.element == "B")

        let wrongBodyNamespace = try fault("<s:Envelope xmlns:s=\"\(ns11)\"><Body><A/></Body></s:Envelope>")
        #expect(wrongBodyNamespace.code == .sender)

        let headerAfterBody = try fault("<s:Envelope xmlns:s=\"\(ns12)\"><s:Body><A/></s:Body><s:Header/></s:Envelope>")
        #expect(headerAfterBody.code == .sender)
    }

    @Test func xmlErrorsBecomeSenderFaults() throws {
        let malformed = try fault("<s:Envelope xmlns:s=\"\(ns11)\">\n<s:Body>\n  <A></B>\n</s:Body></s:Envelope>")
        #expect(malformed.code == .sender)
        #expect(malformed.reason.hasPrefix("XML is not well-formed: line 3, column"))
        #expect(malformed.issues.first?.line == 3)

        let doctype = try fault("<!DOCTYPE x [<!ENTITY a SYSTEM \"file:///etc/passwd\">]><s:Envelope xmlns:s=\"\(ns11)\"><s:Body><A>&a;</A></s:Body></s:Envelope>")
        #expect(doctype.code == .sender)
        #expect(doctype.reason.hasPrefix("DOCTYPE is not allowed in SOAP messages"))

        let big = try fault("<s:Envelope xmlns:s=\"\(ns11)\"><s:Body><A/></s:Body></s:Envelope>", limits: .init(maxBytes: 20))
        #expect(big.reason == "Request body exceeds the limit of 20 bytes")

        let deep = try fault("<s:Envelope xmlns:s=\"\(ns11)\"><s:Body><A><B><C/></B></A></s:Body></s:Envelope>", limits: .init(maxDepth: 4))
        #expect(deep.reason.contains("nesting"))
        #expect(deep.issues.first?.element == "C")

        #expect(try fault("").reason == "Request body is empty")
        #expect(try fault(" \n").reason == "Request body is empty")
    }
}

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
