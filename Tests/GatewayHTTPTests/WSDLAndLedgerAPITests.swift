import GatewayConfig
import CurlClient
import Foundation
@testable import GatewayHTTP
import SOAPCore
import Testing
import XMLCore

@Suite("Published service description")
struct WSDLTests {
    static let wsdlNamespace = "http://schemas.xmlsoap.org/wsdl/"
    static let soap11BindingNamespace = "http://schemas.xmlsoap.org/wsdl/soap/"
    static let soap12BindingNamespace = "http://schemas.xmlsoap.org/wsdl/soap12/"
    static let xsdNamespace = "http://www.w3.org/2001/XMLSchema"

    /// The WSDL a client gets from `<path>?<query>`, without credentials.
    static func served(_ gateway: GatewayHarness, _ path: String, query: String = "wsdl") async throws -> (text: String, definitions: XMLElement) {
        let response = try await gateway.get(path + "?" + query, credentials: nil)
        try #require(response.status == 200, "\(response.status): \(response.text)")
        #expect(response.header("Content-Type")?.hasPrefix("text/xml") == true)
        let definitions = try #require(try XMLDoc.parse(response.body).rootElement)
        #expect(definitions.isNamed("definitions", namespaceURI: wsdlNamespace))
        #expect(definitions.attribute("targetNamespace") == Repo.sfinNamespace)
        return (response.text, definitions)
    }

    /// `location` of the SOAP 1.1 and the SOAP 1.2 port.
    static func addresses(_ definitions: XMLElement) throws -> [String?] {
        let service = try #require(definitions.firstChild(named: "service", namespaceURI: wsdlNamespace))
        let ports = service.childElements(named: "port", namespaceURI: wsdlNamespace)
        #expect(ports.compactMap { $0.attribute("name") } == ["binding", "binding_soap12"])
        return [
            ports.first?.firstChild(named: "address", namespaceURI: soap11BindingNamespace)?.attribute("location"),
            ports.last?.firstChild(named: "address", namespaceURI: soap12BindingNamespace)?.attribute("location"),
        ]
    }

    static func descendants(of element: XMLElement, where matches: (XMLElement) -> Bool) -> [XMLElement] {
        element.childElements.flatMap { (matches($0) ? [$0] : []) + descendants(of: $0, where: matches) }
    }

    /// Names of the global types and elements declared in `schema` (`complexType:Log`, …).
    static func declarations(_ schema: XMLElement) -> [String] {
        schema.childElements.filter { $0.namespaceURI == xsdNamespace && $0.attribute("name") != nil }
            .map { $0.localName + ":" + ($0.attribute("name") ?? "") }
    }

    /// The inline `xsd:schema` element cut out of the served text, compiled on its own.
    static func compileInlineSchema(_ text: String, prefix: String) throws -> XSDSchema {
        let open = try #require(text.range(of: "<\(prefix):schema"))
        let close = try #require(text.range(of: "</\(prefix):schema>", options: .backwards))
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/inline.xsd"
        try String(text[open.lowerBound..<close.upperBound]).write(toFile: path, atomically: true, encoding: .utf8)
        return try XSDSchema(path: path)
    }

    @Test(
        "GET <path>?wsdl and ?singlewsdl need no credentials and serve one self-contained WSDL whose ports point at this gateway",
        arguments: [ServicePaths.createSync, ServicePaths.createSyncOnPremise], ["wsdl", "singlewsdl", "WSDL"])
    func wsdl(path: String, query: String) async throws {
        try await withGateway { gateway in
            let (text, definitions) = try await Self.served(gateway, path, query: query)
            #expect(try Self.addresses(definitions) == [gateway.baseURL + path, gateway.baseURL + path])
            #expect(!text.contains("localhost:8080"))

            // SAP's shape: wsdl:types holds one xsd:schema of the SFIN namespace, inline.
            let types = try #require(definitions.firstChild(named: "types", namespaceURI: Self.wsdlNamespace))
            #expect(types.childElements.count == 1)
            let schema = try #require(types.firstChild(named: "schema", namespaceURI: Self.xsdNamespace))
            #expect(schema.attribute("targetNamespace") == Repo.sfinNamespace)
            let references = Self.descendants(of: definitions) {
                $0.namespaceURI == Self.xsdNamespace && ["include", "import", "redefine"].contains($0.localName)
            }
            #expect(references.isEmpty, "left in the WSDL: \(references.map { $0.attribute("schemaLocation") ?? $0.clarkName })")
            #expect(!text.contains("schemaLocation"))
            #expect(Self.declarations(schema).contains("element:JournalEntryBulkCreateRequest"))
            #expect(Self.declarations(schema).contains("simpleType:AccountingDocumentOrBlank"))
        }
    }

    @Test("the inline schema is exactly the schema files merged: every declaration of Schemas/*.xsd once, nothing else")
    func inlineSchemaIsDerivedFromTheFiles() async throws {
        try await withGateway { gateway in
            let (_, definitions) = try await Self.served(gateway, ServicePaths.createSync)
            let schema = try #require(
                definitions.firstChild(named: "types", namespaceURI: Self.wsdlNamespace)?.firstChild(named: "schema", namespaceURI: Self.xsdNamespace))
            var expected: [String] = []
            for file in ["JournalEntryCreate.xsd", "SFINCommonTypes.xsd"] {
                let root = try #require(try XMLDoc.parse(try String(contentsOfFile: Repo.root + "/Schemas/" + file, encoding: .utf8)).rootElement)
                expected += Self.declarations(root)
            }
            let inline = Self.declarations(schema)
            #expect(inline.count > 100)
            #expect(inline.sorted() == expected.sorted())
            #expect(Set(inline).count == inline.count, "a declaration appears twice")
        }
    }

    @Test("the inline schema compiles on its own with libxml2 and judges fixtures and live answers like Schemas/ does")
    func inlineSchemaValidates() async throws {
        try await withGateway { gateway in
            let (text, definitions) = try await Self.served(gateway, ServicePaths.createSync)
            let prefix = try #require(definitions.firstChild(named: "types", namespaceURI: Self.wsdlNamespace)?.firstChildElement?.prefix)
            let inline = try Self.compileInlineSchema(text, prefix: prefix)
            let fixtures: [(String, Bool)] = [
                ("create_single_soap11.xml", true), ("create_single_soap12.xml", true), ("create_bulk_mixed_soap11.xml", true),
                ("create_full_soap11.xml", true), ("create_wsa_soap12.xml", true), ("confirmation_bulk_mixed_soap11.xml", true),
                ("invalid_empty_id.xml", false), ("invalid_order.xml", false), ("invalid_missing_company.xml", false),
            ]
            for (file, valid) in fixtures {
                let payload = try ResponseEnvelope(Array(try Repo.fixture(file).utf8)).payload
                #expect(inline.validate(payload).isEmpty == valid, "\(file)")
                #expect(try Repo.schema().validate(payload).isEmpty == valid, "\(file) against Schemas/")
            }
            // A live answer with a posted and an unposted (blank key) entry.
            let response = try await gateway.postSOAP(try Repo.fixture("create_bulk_mixed_soap11.xml"))
            let confirmation = try expectConfirmation(response)
            #expect(confirmation.entries.map(\.accountingDocument).last == " ")
            let issues = inline.validate(try ResponseEnvelope(response.body).payload)
            #expect(issues.isEmpty, "\(issues)")
        }
    }

    @Test("the schema files stay published one by one under /Schemas/, their include resolving relative to them")
    func schemaFiles() async throws {
        try await withGateway { gateway in
            let location = gateway.baseURL + "/Schemas/JournalEntryCreate.xsd"
            let xsd = try await gateway.get("/Schemas/JournalEntryCreate.xsd", credentials: nil)
            try #require(xsd.status == 200)
            #expect(xsd.text == (try String(contentsOfFile: Repo.root + "/Schemas/JournalEntryCreate.xsd", encoding: .utf8)))
            let xsdRoot = try #require(try XMLDoc.parse(xsd.body).rootElement)
            #expect(xsdRoot.isNamed("schema", namespaceURI: Self.xsdNamespace))
            #expect(xsdRoot.attribute("targetNamespace") == Repo.sfinNamespace)
            let include = try #require(xsdRoot.firstChild(named: "include", namespaceURI: Self.xsdNamespace)?.attribute("schemaLocation"))
            let includeURL = try #require(URL(string: include, relativeTo: URL(string: location)))
            #expect(includeURL.absoluteString == gateway.baseURL + "/Schemas/SFINCommonTypes.xsd")
            let common = try await gateway.get(String(includeURL.absoluteString.dropFirst(gateway.baseURL.count)), credentials: nil)
            try #require(common.status == 200)
            #expect(try XMLDoc.parse(common.body).rootElement?.isNamed("schema", namespaceURI: Self.xsdNamespace) == true)
            #expect(try await gateway.get("/Schemas/NoSuch.xsd", credentials: nil).status == 404)
        }
    }

    @Test(
        "system.publicBaseURL of a reverse proxy with a path prefix is the base of both port addresses",
        arguments: ["https://erp-proxy.example.com/finance", "https://erp-proxy.example.com/finance/"])
    func publicBaseURLWithPrefix(publicBaseURL: String) async throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = try Repo.writeConfig(in: directory) { json in
            var system = json["system"] as? [String: Any] ?? [:]
            system["publicBaseURL"] = publicBaseURL
            json["system"] = system
        }
        try await withGateway(configPath: config) { gateway in
            let expected = [
                ServicePaths.createSync: "https://erp-proxy.example.com/finance/sap/bc/srt/scs_ext/sap/journalentrycreaterequestconfi",
                ServicePaths.createSyncOnPremise: "https://erp-proxy.example.com/finance/sap/bc/srt/scs/sap/journalentrycreaterequestconfi",
            ]
            for (path, address) in expected {
                let (text, definitions) = try await Self.served(gateway, path)
                #expect(try Self.addresses(definitions) == [address, address])
                #expect(!text.contains("127.0.0.1"))
            }
        }
    }

    @Test("a publicBaseURL that is not an absolute http(s) URL is a configuration error, found before the server starts")
    func badPublicBaseURL() throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = try Repo.writeConfig(in: directory) { json in
            var system = json["system"] as? [String: Any] ?? [:]
            system["publicBaseURL"] = "erp-proxy.example.com/finance"
            json["system"] = system
        }
        #expect {
            _ = try GatewayConfiguration.load(path: config)
        } throws: { error in
            "\(error)".contains("system.publicBaseURL 'erp-proxy.example.com/finance' must be an absolute http:// or https:// URL")
        }
    }

    @Test("both the cloud and the on-premise path accept posts")
    func bothPathsPost() async throws {
        try await withGateway { gateway in
            for (index, path) in [ServicePaths.createSync, ServicePaths.createSyncOnPremise].enumerated() {
                let request = BulkRequest(EntrySpec.balanced(id: "PATH-\(index)"))
                let confirmation = try expectConfirmation(try await gateway.postSOAP(request.envelope(), path: path))
                #expect(confirmation.entries.map(\.accountingDocument) == ["010000000\(index)"], "\(path)")
            }
            #expect(try await gateway.listAll().count == 2)
        }
    }
}

@Suite("Advertised base URL of the WSDL")
struct AdvertisedBaseURLTests {
    @Test("https:// when the request came over TLS, http:// otherwise, with the request's Host")
    func schemeFollowsTLS() {
        #expect(ServiceDescriptions.baseURL(configured: nil, hostHeader: "gw.example.com:8443", isTLS: true, fallbackAuthority: "0.0.0.0:8443")
            == "https://gw.example.com:8443")
        #expect(ServiceDescriptions.baseURL(configured: nil, hostHeader: "127.0.0.1:8080", isTLS: false, fallbackAuthority: "127.0.0.1:8080")
            == "http://127.0.0.1:8080")
        #expect(ServiceDescriptions.baseURL(configured: nil, hostHeader: "[::1]:8443", isTLS: true, fallbackAuthority: "[::1]:8443") == "https://[::1]:8443")
    }

    @Test("a Host header that is not a plain host[:port] falls back to the listening address, with the same scheme")
    func hostileHost() {
        for host in [nil, "", "evil.example.com/x", "a b", "évil.example.com", "x\"><script>", String(repeating: "a", count: 256)] {
            #expect(ServiceDescriptions.baseURL(configured: nil, hostHeader: host, isTLS: true, fallbackAuthority: "[::1]:8443") == "https://[::1]:8443")
            #expect(ServiceDescriptions.baseURL(configured: nil, hostHeader: host, isTLS: false, fallbackAuthority: "10.0.0.1:80") == "http://10.0.0.1:80")
        }
        #expect(ServiceDescriptions.authority(host: "::1", port: 8443) == "[::1]:8443")
        #expect(ServiceDescriptions.authority(host: "0.0.0.0", port: 8080) == "0.0.0.0:8080")
    }

    @Test("the configured public base URL wins over Host and TLS, keeps its path prefix and loses trailing slashes")
    func configuredWins() {
        for configured in ["https://erp-proxy.example.com/finance", "https://erp-proxy.example.com/finance/", "https://erp-proxy.example.com/finance//"] {
            for isTLS in [false, true] {
                #expect(ServiceDescriptions.baseURL(configured: configured, hostHeader: "127.0.0.1:8080", isTLS: isTLS, fallbackAuthority: "x:1")
                    == "https://erp-proxy.example.com/finance")
            }
        }
        #expect(ServiceDescriptions.baseURL(configured: "http://gw.internal:8080", hostHeader: nil, isTLS: true, fallbackAuthority: "x:1")
            == "http://gw.internal:8080")
    }

    @Test("publicBaseURL must be an absolute http(s) URL with a host; query, fragment, user and blanks are refused")
    func publicBaseURLChecks() {
        for good in [nil, "https://erp-proxy.example.com", "https://erp-proxy.example.com/finance", "http://10.0.0.5:8080/a/b/", "https://[2001:db8::1]:8443"] {
            #expect(ServiceDescriptions.publicBaseURLProblem(good) == nil, "\(good ?? "nil")")
        }
        for bad in ["", "erp-proxy.example.com", "ftp://erp-proxy.example.com", "https://", "https:///finance", "https://h.example.com/?a=1",
            "https://h.example.com/#x", "https://user:pw@h.example.com", "https://h.example.com/a b", "/finance"]
        {
            let problem = ServiceDescriptions.publicBaseURLProblem(bad)
            #expect(problem?.contains("system.publicBaseURL '\(bad)'") == true, "\(bad): \(problem ?? "accepted")")
        }
    }
}

@Suite("JSON list API")
struct LedgerAPITests {
    /// Seven entries over two company codes and two fiscal years, posted in one bulk.
    static let entries: [EntrySpec] = [
        EntrySpec.balanced(id: "L1", companyCode: "1010", postingDate: "2025-01-15"),
        EntrySpec.balanced(id: "L2", companyCode: "1010", debit: "61000000", postingDate: "2025-02-15"),
        EntrySpec(id: "L3", postingDate: "2025-03-15", lines: [.gl("41000000", "-50.00"), .customer("10100001", "50.00")]),
        EntrySpec.balanced(id: "L4", companyCode: "1010", postingDate: "2026-01-10"),
        EntrySpec.balanced(id: "L5", companyCode: "1710", postingDate: "2025-02-20"),
        EntrySpec.balanced(id: "L6", companyCode: "1710", debit: "61000000", postingDate: "2025-03-20"),
        EntrySpec.balanced(id: "L7", companyCode: "1710", postingDate: "2025-04-20"),
    ]

    @Test("pages follow nextPageToken in key order, filters narrow the list, and US_POSTER sees only 1710")
    func pagingAndFilters() async throws {
        try await withGateway { gateway in
            let confirmation = try await gateway.expectPosted(BulkRequest(entries: Self.entries))
            #expect(confirmation.entries.count == 7)

            var pages: [[String]] = []
            var token: String?
            repeat {
                let page = try await gateway.listPage("limit=3" + (token.map { "&pageToken=" + percentEncoded($0) } ?? ""))
                pages.append(page.entries.map { $0.source.entryMessageID ?? "?" })
                token = page.nextPageToken
                try #require(pages.count <= 5, "pagination does not end")
            } while token != nil
            #expect(pages == [["L1", "L2", "L3"], ["L4", "L5", "L6"], ["L7"]])

            func ids(_ query: String, _ credentials: Credentials = .integration) async throws -> [String] {
                try await gateway.listAll(query, credentials: credentials).map { $0.source.entryMessageID ?? "?" }
            }
            #expect(try await ids("companyCode=1710") == ["L5", "L6", "L7"])
            #expect(try await ids("fiscalYear=2026") == ["L4"])
            #expect(try await ids("postingDateFrom=2025-02-01&postingDateTo=2025-03-31") == ["L2", "L3", "L5", "L6"])
            #expect(try await ids("account=61000000") == ["L2", "L6"])
            #expect(try await ids("account=0010100001") == ["L3"])
            #expect(try await ids("companyCode=1010&fiscalYear=2025&account=11001000") == ["L1", "L2"])

            #expect(try await ids("", .usPoster) == ["L5", "L6", "L7"])
            #expect(try await ids("companyCode=1010", .usPoster) == [])
            #expect(try await gateway.journalEntry("1010", "2025", "0100000000", credentials: .usPoster) == nil)
            #expect(try await gateway.journalEntry("1710", "2025", "0100000000", credentials: .usPoster) != nil)

            for bad in ["limit=0", "limit=501", "fiscalYear=abc", "postingDateFrom=2025-13-01", "pageToken=garbage"] {
                #expect(try await gateway.get("/api/journal-entries?" + bad).status == 400, "\(bad)")
            }
            #expect(try await gateway.get("/api/journal-entries/1010/2025/0199999999").status == 404)
        }
    }
}
