import CurlClient
import Foundation
import GatewayHTTP
import SOAPCore
import Testing

/// Where a validation fault must point.
struct ExpectedIssue: Sendable, CustomStringConvertible {
    let fixture: String
    let line: Int
    let column: Int
    let element: String
    let pathSuffix: String
    /// A word the message must contain.
    let messageContains: String
    var description: String { fixture }
}

@Suite("Requests that violate the XSD are refused with a located SOAP fault")
struct InvalidRequestTests {
    static let fixtures: [ExpectedIssue] = [
        ExpectedIssue(
            fixture: "invalid_empty_id.xml", line: 13, column: 11, element: "ID",
            pathSuffix: "/JournalEntryCreateRequest/MessageHeader/ID", messageContains: "ID"),
        ExpectedIssue(
            fixture: "invalid_placeholder.xml", line: 24, column: 11, element: "PostingDate",
            pathSuffix: "/JournalEntryCreateRequest/JournalEntry/PostingDate", messageContains: "PostingDate"),
        ExpectedIssue(
            fixture: "invalid_order.xml", line: 31, column: 11, element: "Item",
            pathSuffix: "/JournalEntryCreateRequest/JournalEntry/Item", messageContains: "not expected"),
        ExpectedIssue(
            fixture: "invalid_missing_company.xml", line: 22, column: 11, element: "DocumentDate",
            pathSuffix: "/JournalEntryCreateRequest/JournalEntry/DocumentDate", messageContains: "CompanyCode"),
    ]

    @Test("a SOAP 1.1 request with a schema violation gets HTTP 500, a Client fault pointing at the element, and posts nothing", arguments: fixtures)
    func soap11(_ expected: ExpectedIssue) async throws {
        try await withGateway { gateway in
            let response = try await gateway.postSOAP(try Repo.fixture(expected.fixture))
            let fault = try expectFault(response, status: 500, version: .soap11)
            #expect(fault.code == "soap-env:Client")
            #expect(fault.reason.hasPrefix("The request does not conform to the schema of JournalEntryCreateRequestConfirmation_In"))
            try expectIssue(fault, expected)
            try await gateway.expectLedgerEmpty()
        }
    }

    @Test("the same violation in SOAP 1.2 gets HTTP 400 and an env:Sender fault", arguments: fixtures)
    func soap12(_ expected: ExpectedIssue) async throws {
        try await withGateway { gateway in
            let response = try await gateway.postSOAP(try Repo.fixture(expected.fixture).asSOAP12, version: .soap12)
            let fault = try expectFault(response, status: 400, version: .soap12)
            #expect(fault.code == "env:Sender")
            try expectIssue(fault, expected)
            try await gateway.expectLedgerEmpty()
        }
    }

    @Test("a SoapUI '?' placeholder left in an attribute is refused and located at the attribute")
    func placeholderInAttribute() async throws {
        let fixture = try Repo.fixture("create_single_soap11.xml")
        let xml = fixture.replacingOccurrences(of: "<GLAccount>65000000</GLAccount>", with: "<GLAccount listID=\"?\">65000000</GLAccount>")
        try #require(xml != fixture)
        try await withGateway { gateway in
            let fault = try expectFault(try await gateway.postSOAP(xml), status: 500)
            #expect(fault.code == "soap-env:Client")
            try expectIssue(
                fault,
                ExpectedIssue(
                    fixture: "create_single_soap11.xml + listID=\"?\"", line: 27, column: 13, element: "GLAccount",
                    pathSuffix: "/JournalEntry/Item[1]/GLAccount/@listID", messageContains: "placeholder"))
            try await gateway.expectLedgerEmpty()
        }
    }

    private func expectIssue(_ fault: FaultReport, _ expected: ExpectedIssue, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let issue = try #require(fault.issues.first, "the fault has no jg:Issue: \(fault.reason)", sourceLocation: sourceLocation)
        #expect(fault.issues.count == 1, "issues: \(fault.issues)", sourceLocation: sourceLocation)
        #expect(issue.line == expected.line, "\(issue)", sourceLocation: sourceLocation)
        #expect(issue.column == expected.column, "\(issue)", sourceLocation: sourceLocation)
        #expect(issue.element == expected.element, "\(issue)", sourceLocation: sourceLocation)
        #expect(issue.path?.hasSuffix(expected.pathSuffix) == true, "\(issue)", sourceLocation: sourceLocation)
        #expect(issue.message.contains(expected.messageContains), "\(issue)", sourceLocation: sourceLocation)
        #expect(fault.reason.contains("line \(expected.line)"), "reason: \(fault.reason)", sourceLocation: sourceLocation)
    }
}

@Suite("Hostile and broken inputs are refused without side effects")
struct HostileInputTests {
    /// Text that only appears if /etc/passwd leaked into a response.
    static let passwdMarker = "root:"

    private func expectRefused(
        _ gateway: GatewayHarness, _ response: HTTPResponseSummary, status: Int = 500, code: String = "soap-env:Client",
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> FaultReport {
        let fault = try expectFault(response, status: status, sourceLocation: sourceLocation)
        #expect(fault.code == code, "reason: \(fault.reason)", sourceLocation: sourceLocation)
        #expect(!response.text.contains(Self.passwdMarker), sourceLocation: sourceLocation)
        try await gateway.expectLedgerEmpty(sourceLocation: sourceLocation)
        return fault
    }

    @Test("an XXE DOCTYPE reading /etc/passwd is refused before any entity is resolved")
    func externalEntity() async throws {
        let fixture = try Repo.fixture("create_single_soap11.xml")
        let xml = fixture
            .replacingOccurrences(
                of: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
                with: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n")
            .replacingOccurrences(of: "<DocumentHeaderText>Office rent March 2025</DocumentHeaderText>", with: "<DocumentHeaderText>&e;</DocumentHeaderText>")
        try #require(xml.contains("&e;") && xml.contains("<!DOCTYPE"))
        try await withGateway { gateway in
            let fault = try await expectRefused(gateway, try await gateway.postSOAP(xml))
            #expect(fault.reason.contains("DOCTYPE is not allowed"))
            #expect(fault.issues.first?.line == 2)
        }
    }

    @Test("a billion-laughs entity bomb is refused")
    func billionLaughs() async throws {
        var entities = "<!ENTITY lol0 \"lol\">"
        for level in 1...9 { entities += "<!ENTITY lol\(level) \"" + String(repeating: "&lol\(level - 1);", count: 10) + "\">" }
        let xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\(entities)]>\n"
            + BulkRequest(EntrySpec(headerText: nil, lines: [.gl("65000000", "100.00"), .gl("11001000", "-100.00")])).envelope()
                .replacingOccurrences(of: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", with: "")
                .replacingOccurrences(of: "<CreatedByUser>ITEST</CreatedByUser>", with: "<CreatedByUser>&lol9;</CreatedByUser>")
        try await withGateway { gateway in
            let fault = try await expectRefused(gateway, try await gateway.postSOAP(xml))
            #expect(fault.reason.contains("DOCTYPE is not allowed"))
        }
    }

    @Test("a plain DOCTYPE without entities is refused too")
    func plainDoctype() async throws {
        let xml = try Repo.fixture("create_single_soap11.xml").replacingOccurrences(
            of: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", with: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE Envelope>\n")
        try await withGateway { gateway in
            let fault = try await expectRefused(gateway, try await gateway.postSOAP(xml))
            #expect(fault.reason.contains("DOCTYPE is not allowed"))
        }
    }

    @Test("malformed XML gets a Client fault naming the line and column of the error")
    func malformedXML() async throws {
        let fixture = try Repo.fixture("create_single_soap11.xml")
        let xml = fixture.replacingOccurrences(
            of: "<DocumentHeaderText>Office rent March 2025</DocumentHeaderText>",
            with: "<DocumentHeaderText>Office rent March 2025</DocumentHeaderTxt>")
        try #require(xml != fixture)
        try await withGateway { gateway in
            let fault = try await expectRefused(gateway, try await gateway.postSOAP(xml))
            #expect(fault.reason.hasPrefix("XML is not well-formed"))
            let issue = try #require(fault.issues.first)
            #expect(issue.line == 20, "\(fault.issues)")
            #expect(issue.column > 0, "\(fault.issues)")
            #expect(fault.reason.contains("line 20"))
        }
    }

    @Test("a body over limits.maximumRequestBytes is refused with HTTP 413, while a smaller one still posts")
    func bodyOverLimit() async throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = try Repo.writeConfig(in: directory) { json in
            var limits = json["limits"] as? [String: Any] ?? [:]
            limits["maximumRequestBytes"] = 65_536
            json["limits"] = limits
        }
        let fixture = try Repo.fixture("create_single_soap11.xml")
        let padded = fixture.replacingOccurrences(
            of: "<soapenv:Header/>", with: "<soapenv:Header/><!-- " + String(repeating: "x", count: 100_000) + " -->")
        try #require(padded.utf8.count > 65_536)
        try await withGateway(configPath: config) { gateway in
            let fault = try await expectRefused(gateway, try await gateway.postSOAP(padded), status: 413)
            #expect(fault.reason.contains("65536"))
            // The limit is the only reason: the same message without padding posts.
            _ = try expectConfirmation(try await gateway.postSOAP(fixture))
        }
    }

    @Test("an unknown header block with mustUnderstand gets a MustUnderstand fault in either SOAP version")
    func mustUnderstand() async throws {
        let header = "<soapenv:Header><x:Security xmlns:x=\"urn:example:security\" soapenv:mustUnderstand=\"1\">token</x:Security></soapenv:Header>"
        let soap11 = try Repo.fixture("create_single_soap11.xml").replacingOccurrences(of: "<soapenv:Header/>", with: header)
        try await withGateway { gateway in
            let fault11 = try await expectRefused(gateway, try await gateway.postSOAP(soap11), code: "soap-env:MustUnderstand")
            #expect(fault11.reason.contains("{urn:example:security}Security"))

            let response12 = try await gateway.postSOAP(soap11.asSOAP12, version: .soap12)
            let fault12 = try expectFault(response12, status: 500, version: .soap12)
            #expect(fault12.code == "env:MustUnderstand")
            #expect(response12.text.contains("NotUnderstood"))
            try await gateway.expectLedgerEmpty()
        }
    }

    @Test("a Body holding another operation's root element gets a Client fault")
    func wrongBodyRoot() async throws {
        let xml = """
            <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sfin="http://sap.com/xi/SAPSCORE/SFIN">
              <soapenv:Header/>
              <soapenv:Body><sfin:JournalEntryBulkChangeRequestMessage><MessageHeader><ID>X</ID></MessageHeader></sfin:JournalEntryBulkChangeRequestMessage></soapenv:Body>
            </soapenv:Envelope>
            """
        try await withGateway { gateway in
            let fault = try await expectRefused(gateway, try await gateway.postSOAP(xml))
            #expect(fault.reason.contains("JournalEntryBulkChangeRequestMessage"))
        }
    }

    @Test("a request that is not a SOAP content type gets HTTP 415")
    func nonSOAPContentType() async throws {
        try await withGateway { gateway in
            let response = try await gateway.postSOAP(try Repo.fixture("create_single_soap11.xml"), contentType: "application/json")
            _ = try await expectRefused(gateway, response, status: 415)
        }
    }

    @Test("nesting deeper than limits.maximumXMLDepth is refused")
    func deepNesting() async throws {
        let depth = 500
        let nested = String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth)
        let xml = try Repo.fixture("create_single_soap11.xml").replacingOccurrences(
            of: "<DocumentHeaderText>Office rent March 2025</DocumentHeaderText>", with: "<DocumentHeaderText>\(nested)</DocumentHeaderText>")
        try await withGateway { gateway in
            let fault = try await expectRefused(gateway, try await gateway.postSOAP(xml))
            #expect(fault.reason.contains("nesting exceeds the limit of 64 levels"))
        }
    }

    /// Envelopes that posted before the envelope checks were tightened (found by fuzzing).
    static let malformedEnvelopes: [(name: String, edit: @Sendable (String) -> String, reason: String)] = [
        (
            "a SOAP 1.1 Header after the Body, with a mustUnderstand block",
            {
                $0.replacingOccurrences(of: "<soapenv:Header/>", with: "").replacingOccurrences(
                    of: "</soapenv:Body>",
                    with: "</soapenv:Body><soapenv:Header><x:Security xmlns:x=\"urn:example:security\" soapenv:mustUnderstand=\"1\"/></soapenv:Header>")
            }, "Header must come before the Body"
        ),
        ("a second Body", { $0.replacingOccurrences(of: "</soapenv:Body>", with: "</soapenv:Body><soapenv:Body><x/></soapenv:Body>") }, "second SOAP Body"),
        ("a second Header", { $0.replacingOccurrences(of: "<soapenv:Header/>", with: "<soapenv:Header/><soapenv:Header/>") }, "second SOAP Header"),
        ("an element after the Body", { $0.replacingOccurrences(of: "</soapenv:Body>", with: "</soapenv:Body><trailer/>") }, "after the SOAP Body"),
        ("text inside the Envelope", { $0.replacingOccurrences(of: "<soapenv:Header/>", with: "junk<soapenv:Header/>") }, "Text is not allowed"),
        ("text inside the Body", { $0.replacingOccurrences(of: "<soapenv:Body>", with: "<soapenv:Body>junk") }, "Text is not allowed"),
        ("CDATA inside the Body", { $0.replacingOccurrences(of: "<soapenv:Body>", with: "<soapenv:Body><![CDATA[x]]>") }, "Text is not allowed"),
        ("a processing instruction after the Envelope", { $0 + "<?junk after?>" }, "Processing instructions are not allowed"),
        ("a NUL byte after the Envelope followed by junk", { $0 + "\u{0}<junk>garbage" }, "U+0000"),
    ]

    @Test("a structurally broken Envelope is refused with a Client fault naming the problem, in either SOAP version, and posts nothing")
    func malformedEnvelopesAreRefused() async throws {
        let fixture = try Repo.fixture("create_single_soap11.xml")
        try await withGateway { gateway in
            for (name, edit, reason) in Self.malformedEnvelopes {
                let xml = edit(fixture)
                try #require(xml != fixture, "\(name): the edit changed nothing")
                let fault11 = try await expectRefused(gateway, try await gateway.postSOAP(xml))
                #expect(fault11.reason.contains(reason), "\(name): \(fault11.reason)")
                let response12 = try await gateway.postSOAP(xml.asSOAP12, version: .soap12)
                let fault12 = try expectFault(response12, status: 400, version: .soap12)
                #expect(fault12.code == "env:Sender", "\(name)")
                #expect(fault12.reason.contains(reason), "\(name): \(fault12.reason)")
            }
            try await gateway.expectLedgerEmpty()
        }
    }

    @Test("an Envelope in a foreign namespace gets a VersionMismatch fault")
    func versionMismatch() async throws {
        let xml = try Repo.fixture("create_single_soap11.xml").replacingOccurrences(
            of: SOAPVersion.soap11Namespace, with: "urn:not-a-soap-envelope")
        try await withGateway { gateway in
            _ = try await expectRefused(gateway, try await gateway.postSOAP(xml), code: "soap-env:VersionMismatch")
        }
    }
}
