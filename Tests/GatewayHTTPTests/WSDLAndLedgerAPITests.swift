import CurlClient
import Foundation
import GatewayHTTP
import SOAPCore
import Testing
import XMLCore

@Suite("Published service description")
struct WSDLTests {
    static let wsdlNamespace = "http://schemas.xmlsoap.org/wsdl/"
    static let soap11BindingNamespace = "http://schemas.xmlsoap.org/wsdl/soap/"
    static let soap12BindingNamespace = "http://schemas.xmlsoap.org/wsdl/soap12/"
    static let xsdNamespace = "http://www.w3.org/2001/XMLSchema"

    @Test(
        "GET <path>?wsdl needs no credentials and points both ports and the schema import at this gateway",
        arguments: [ServicePaths.createSync, ServicePaths.createSyncOnPremise])
    func wsdl(path: String) async throws {
        try await withGateway { gateway in
            let response = try await gateway.get(path + "?wsdl", credentials: nil)
            try #require(response.status == 200, "\(response.status): \(response.text)")
            #expect(response.header("Content-Type")?.hasPrefix("text/xml") == true)
            let document = try XMLDoc.parse(response.body)
            let definitions = try #require(document.rootElement)
            #expect(definitions.isNamed("definitions", namespaceURI: Self.wsdlNamespace))
            #expect(definitions.attribute("targetNamespace") == Repo.sfinNamespace)

            let service = try #require(definitions.firstChild(named: "service", namespaceURI: Self.wsdlNamespace))
            let ports = service.childElements(named: "port", namespaceURI: Self.wsdlNamespace)
            #expect(ports.compactMap { $0.attribute("name") } == ["binding", "binding_soap12"])
            let soap11Address = ports.first?.firstChild(named: "address", namespaceURI: Self.soap11BindingNamespace)?.attribute("location")
            let soap12Address = ports.last?.firstChild(named: "address", namespaceURI: Self.soap12BindingNamespace)?.attribute("location")
            #expect(soap11Address == gateway.baseURL + path)
            #expect(soap12Address == gateway.baseURL + path)
            #expect(!response.text.contains("localhost:8080"))

            let types = try #require(definitions.firstChild(named: "types", namespaceURI: Self.wsdlNamespace))
            let schemaImport = try #require(
                types.firstChild(named: "schema", namespaceURI: Self.xsdNamespace)?.firstChild(named: "import", namespaceURI: Self.xsdNamespace))
            #expect(schemaImport.attribute("namespace") == Repo.sfinNamespace)
            let schemaLocation = try #require(schemaImport.attribute("schemaLocation"))
            #expect(schemaLocation == gateway.baseURL + "/Schemas/JournalEntryCreate.xsd")

            // The imported schema answers 200 with the XSD, and its include resolves relative to it.
            let schemaPath = String(schemaLocation.dropFirst(gateway.baseURL.count))
            let xsd = try await gateway.get(schemaPath, credentials: nil)
            try #require(xsd.status == 200)
            let xsdRoot = try #require(try XMLDoc.parse(xsd.body).rootElement)
            #expect(xsdRoot.isNamed("schema", namespaceURI: Self.xsdNamespace))
            #expect(xsdRoot.attribute("targetNamespace") == Repo.sfinNamespace)
            let include = try #require(xsdRoot.firstChild(named: "include", namespaceURI: Self.xsdNamespace)?.attribute("schemaLocation"))
            let includeURL = try #require(URL(string: include, relativeTo: URL(string: schemaLocation)))
            #expect(includeURL.absoluteString == gateway.baseURL + "/Schemas/SFINCommonTypes.xsd")
            let common = try await gateway.get(String(includeURL.absoluteString.dropFirst(gateway.baseURL.count)), credentials: nil)
            try #require(common.status == 200)
            #expect(try XMLDoc.parse(common.body).rootElement?.isNamed("schema", namespaceURI: Self.xsdNamespace) == true)
            #expect(try await gateway.get("/Schemas/NoSuch.xsd", credentials: nil).status == 404)
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
