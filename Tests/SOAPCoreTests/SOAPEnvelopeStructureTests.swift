import Foundation
import SOAPCore
import Testing
import XMLCore

/// One envelope that must be refused, and a phrase the fault reason must contain.
struct RefusedEnvelope: Sendable, CustomStringConvertible {
    let name: String
    let xml: String
    let reasonContains: String
    var description: String { name }
}

private let payload = "<p:Req xmlns:p=\"urn:p\"><A>1</A></p:Req>"

private func envelope11(_ inner: String) -> String { "<s:Envelope xmlns:s=\"\(ns11)\">\(inner)</s:Envelope>" }
private func envelope12(_ inner: String) -> String { "<s:Envelope xmlns:s=\"\(ns12)\">\(inner)</s:Envelope>" }

@Suite("The SOAP Envelope holds one optional Header followed by exactly one Body, and nothing else")
struct SOAPEnvelopeStructureTests {
    static let refused: [RefusedEnvelope] = [
        RefusedEnvelope(
            name: "SOAP 1.1 Header after the Body (its mustUnderstand blocks would be skipped)",
            xml: envelope11("<s:Body>\(payload)</s:Body><s:Header><x:Sec xmlns:x=\"urn:x\" s:mustUnderstand=\"1\"/></s:Header>"),
            reasonContains: "Header must come before the Body"),
        RefusedEnvelope(
            name: "SOAP 1.2 Header after the Body",
            xml: envelope12("<s:Body>\(payload)</s:Body><s:Header/>"), reasonContains: "Header must come before the Body"),
        RefusedEnvelope(
            name: "a second Body (SOAP 1.1)", xml: envelope11("<s:Header/><s:Body>\(payload)</s:Body><s:Body>\(payload)</s:Body>"),
            reasonContains: "second SOAP Body"),
        RefusedEnvelope(
            name: "a second Body (SOAP 1.2)", xml: envelope12("<s:Body>\(payload)</s:Body><s:Body>\(payload)</s:Body>"),
            reasonContains: "second SOAP Body"),
        RefusedEnvelope(
            name: "a second Header", xml: envelope11("<s:Header/><s:Header/><s:Body>\(payload)</s:Body>"),
            reasonContains: "second SOAP Header"),
        RefusedEnvelope(
            name: "a SOAP 1.1 trailing element after the Body (WS-I BP R1011)",
            xml: envelope11("<s:Body>\(payload)</s:Body><t:Trailer xmlns:t=\"urn:t\"/>"), reasonContains: "after the SOAP Body"),
        RefusedEnvelope(
            name: "a foreign element before the Body", xml: envelope11("<t:X xmlns:t=\"urn:t\"/><s:Body>\(payload)</s:Body>"),
            reasonContains: "Unexpected element '{urn:t}X'"),
        RefusedEnvelope(
            name: "text directly inside the Envelope", xml: envelope11("<s:Header/>junk<s:Body>\(payload)</s:Body>"),
            reasonContains: "Text is not allowed directly inside the SOAP Envelope"),
        RefusedEnvelope(
            name: "text after the Body inside the Envelope", xml: envelope12("<s:Body>\(payload)</s:Body>tail"),
            reasonContains: "Text is not allowed directly inside the SOAP Envelope"),
        RefusedEnvelope(
            name: "text directly inside the Body", xml: envelope11("<s:Body>junk\(payload)</s:Body>"),
            reasonContains: "Text is not allowed directly inside the SOAP Body"),
        RefusedEnvelope(
            name: "CDATA directly inside the Body", xml: envelope12("<s:Body>\(payload)<![CDATA[<A>2</A>]]></s:Body>"),
            reasonContains: "Text is not allowed directly inside the SOAP Body"),
        RefusedEnvelope(
            name: "a character reference directly inside the Body", xml: envelope11("<s:Body>&#65;\(payload)</s:Body>"),
            reasonContains: "Text is not allowed directly inside the SOAP Body"),
        RefusedEnvelope(
            name: "text directly inside the Header", xml: envelope11("<s:Header>token</s:Header><s:Body>\(payload)</s:Body>"),
            reasonContains: "Text is not allowed directly inside the SOAP Header"),
        RefusedEnvelope(
            name: "a processing instruction in the Body", xml: envelope11("<s:Body><?php echo 1 ?>\(payload)</s:Body>"),
            reasonContains: "Processing instructions are not allowed in SOAP messages"),
        RefusedEnvelope(
            name: "a processing instruction deep in the payload",
            xml: envelope11("<s:Body><p:Req xmlns:p=\"urn:p\"><A><?x y?>1</A></p:Req></s:Body>"),
            reasonContains: "Processing instructions are not allowed in SOAP messages"),
        RefusedEnvelope(
            name: "a processing instruction before the Envelope",
            xml: "<?xml version=\"1.0\"?><?xml-stylesheet href=\"a.xsl\"?>" + envelope11("<s:Body>\(payload)</s:Body>"),
            reasonContains: "Processing instructions are not allowed in SOAP messages"),
        RefusedEnvelope(
            name: "a processing instruction after the Envelope", xml: envelope11("<s:Body>\(payload)</s:Body>") + "<?junk after?>",
            reasonContains: "Processing instructions are not allowed in SOAP messages"),
        RefusedEnvelope(
            name: "text after the Envelope", xml: envelope11("<s:Body>\(payload)</s:Body>") + "junk",
            reasonContains: "Extra content at the end of the document"),
        RefusedEnvelope(
            name: "a NUL byte after the Envelope hiding junk", xml: envelope11("<s:Body>\(payload)</s:Body>") + "\u{0}<junk>",
            reasonContains: "U+0000"),
        RefusedEnvelope(
            name: "a NUL byte before the Envelope", xml: "\u{0}" + envelope11("<s:Body>\(payload)</s:Body>"),
            reasonContains: "U+0000"),
    ]

    @Test("is refused with a Sender fault naming the problem", arguments: refused)
    func refusedEnvelope(_ refused: RefusedEnvelope) throws {
        let f = try fault(refused.xml)
        #expect(f.code == .sender, "\(f)")
        #expect(f.reason.contains(refused.reasonContains), "reason: \(f.reason)")
        // The fault answers in the request's version whenever the Envelope was recognised.
        if refused.xml.contains("xmlns:s=\"\(ns12)\"") && !refused.reasonContains.contains("U+0000") {
            #expect(f.version == .soap12, "\(f)")
        }
    }

    @Test("names the offending element or text with its line and path")
    func locatedIssues() throws {
        let headerAfterBody = try fault("<s:Envelope xmlns:s=\"\(ns11)\">\n<s:Body>\(payload)</s:Body>\n<s:Header/>\n</s:Envelope>")
        let issue = try #require(headerAfterBody.issues.first)
        #expect(issue.line == 3)
        #expect(issue.element == "Header")
        #expect(issue.path == "/s:Envelope/s:Header")

        let text = try fault("<s:Envelope xmlns:s=\"\(ns11)\">\n<s:Body>\n  stray text\n\(payload)</s:Body></s:Envelope>")
        #expect(text.reason.contains("'stray text'"), "\(text.reason)")
        let textIssue = try #require(text.issues.first)
        #expect(textIssue.element == "Body")
        #expect(textIssue.line >= 2)

        let nul = try fault(envelope11("<s:Body>\(payload)</s:Body>") + "\n\n\u{0}")
        #expect(nul.issues.first?.line == 3, "\(nul.issues)")
    }

    @Test("whitespace, comments and whitespace-only CDATA around Header and Body are fine")
    func whitespaceAndCommentsAreAccepted() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- a comment before the Envelope -->
            <s:Envelope xmlns:s="\(ns11)">
              <!-- comment -->
              <s:Header> <!-- nothing --> </s:Header>
              <s:Body>
                <!-- comment before the payload --><![CDATA[  ]]>
                \(payload)
                <!-- comment after the payload -->
              </s:Body>
              <!-- trailing comment -->
            </s:Envelope>
            <!-- a comment after the Envelope -->

            """
        let env = try SOAPEnvelope.parse(xml)
        #expect(env.payload.clarkName == "{urn:p}Req")
        #expect(env.header != nil)
    }
}
