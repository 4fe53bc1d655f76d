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
