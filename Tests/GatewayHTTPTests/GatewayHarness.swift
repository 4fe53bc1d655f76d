import GatewayConfig
import CurlClient
import ConfirmationDelivery
import Foundation
import JournalEntryService
import GatewayRuntime
import GatewayWorkers
import ServiceLifecycle
import GatewayHTTP
import Hummingbird
import Ledger
import LedgerSQLite
import Logging
import SOAPCore
import Testing
import XMLCore

// MARK: - Repository resources

/// Paths of the repository this test file lives in (found from `#filePath`, so the tests do not
/// depend on the working directory).
enum Repo {
    /// `<repo>/Tests/GatewayHTTPTests/GatewayHarness.swift` → `<repo>`.
    static let root: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let demoConfig = root + "/config/demo.json"
    static let schemaPath = root + "/Schemas/JournalEntryCreate.xsd"
    static let sfinNamespace = "http://sap.com/xi/SAPSCORE/SFIN"
    static let faultNamespace = "urn:journal-gateway:fault"
    static let soapAction =
        "http://sap.com/xi/SAPSCORE/SFIN/JournalEntryCreateRequestConfirmation_In/JournalEntryCreateRequestConfirmation_InRequest"

    static func fixture(_ name: String) throws -> String {
        let path = root + "/Tests/Fixtures/" + name
        guard let data = FileManager.default.contents(atPath: path) else { throw HarnessError("fixture \(path) cannot be read") }
        return String(decoding: data, as: UTF8.self)
    }

    /// The response schema, compiled once for all tests (validation is thread-safe).
    private static let compiledSchema: Result<XSDSchema, any Error> = Result { try XSDSchema(path: schemaPath) }
    static func schema() throws -> XSDSchema { try compiledSchema.get() }

    /// A fresh, empty temporary directory for one test.
    static func makeTemporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("jgw-itest-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Writes a copy of `config/demo.json`, changed by `edit`, into `directory` and returns its path.
    static func writeConfig(in directory: String, edit: (inout [String: Any]) throws -> Void) throws -> String {
        guard let data = FileManager.default.contents(atPath: demoConfig),
            var json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { throw HarnessError("config/demo.json cannot be read") }
        try edit(&json)
        let path = directory + "/config-\(UUID().uuidString).json"
        try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted]).write(to: URL(fileURLWithPath: path))
        return path
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// HTTP Basic credentials of the demo users.
struct Credentials: Sendable {
    let user: String
    let password: String

    static let integration = Credentials(user: "INTEGRATION", password: "welcome1")
    static let usPoster = Credentials(user: "US_POSTER", password: "welcome2")
}

// MARK: - The in-process gateway

/// The real gateway application (routes, authentication, SOAP endpoint, JSON API, SQLite ledger)
/// listening on 127.0.0.1 at a port chosen by the kernel, plus a libcurl client to talk to it.
final class GatewayHarness: Sendable {
    let port: Int
    let baseURL: String
    let databasePath: String
    let store: SQLiteLedgerStore
    let client: CurlClient
    /// With TLS: the CA bundle the client trusts for the server certificate.
    let trustedCAFile: String?
    /// The intake's hand-off to the posting worker (to see that a large bulk went through it).
    let handOff: AcceptedRequestHandOff
    private let serverTask: Task<Void, any Error>
    private let directory: String

    private init(
        port: Int, databasePath: String, store: SQLiteLedgerStore, client: CurlClient, serverTask: Task<Void, any Error>, directory: String,
        handOff: AcceptedRequestHandOff, scheme: String = "http", trustedCAFile: String? = nil
    ) {
        self.handOff = handOff
        self.port = port
        self.baseURL = "\(scheme)://127.0.0.1:\(port)"
        self.trustedCAFile = trustedCAFile
        self.databasePath = databasePath
        self.store = store
        self.client = client
        self.serverTask = serverTask
        self.directory = directory
    }

    /// Posting and delivery tuned for tests: quick polls, a short claim lease, retries after
    /// fractions of a second (so that "receiver down, then up" is delivered within a test).
    static let fastOptions = GatewayRuntime.Options(
        posting: .init(concurrency: 2, claimLease: .seconds(5), pollInterval: .milliseconds(100)),
        dispatcher: .init(pollInterval: .milliseconds(100), leaseMargin: 1, proxy: .disabled),
        retryPolicy: RetryPolicy(maximumAttempts: 6, initialDelay: 0.2, multiplier: 2, maximumDelay: 2, jitter: 0.1, attemptTimeout: 3))

    static var testLogger: Logger {
        var logger = Logger(label: "journal-gateway.itest")
        logger.logLevel = .critical
        return logger
    }

    /// Starts the gateway with `configPath` on a fresh database (or on `databasePath` when given)
    /// and returns once the server is listening.
    /// `logger` and `metrics` default to a quiet logger and a fresh registry (ObservabilityTests pass their own).
    static func start(
        configPath: String = Repo.demoConfig, databasePath: String? = nil, logger: Logger = testLogger, metrics: GatewayMetrics = GatewayMetrics(),
        tls: TLSSettings? = nil, trustedCAFile: String? = nil, options: GatewayRuntime.Options = GatewayHarness.fastOptions
    ) async throws -> GatewayHarness {
        let (configuration, masterData) = try GatewayConfiguration.load(path: configPath)
        let directory = try Repo.makeTemporaryDirectory()
        let database = databasePath ?? directory + "/ledger.sqlite"
        let store = try SQLiteLedgerStore(path: database, masterData: masterData, logger: logger, metricsFactory: metrics.factory)
        var settings = GatewaySettings(
            host: "127.0.0.1", port: 0, resourceDirectory: Repo.root, configuration: configuration, masterData: masterData, tls: tls)
        settings.configurationPath = configPath
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let runtime = try GatewayRuntime.make(settings: settings, store: store, logger: logger, metrics: metrics, options: options) { port in
            portContinuation.yield(port)
            portContinuation.finish()
        }
        let group = ServiceGroup(
            configuration: .init(services: runtime.services.map { .init(service: $0) }, gracefulShutdownSignals: [], logger: logger))
        let serverTask = Task {
            defer { portContinuation.finish() }
            // No signal handlers in the test process; cancelling the task stops the group.
            try await withTaskCancellationHandler {
                try await group.run()
            } onCancel: {
                Task { await group.triggerGracefulShutdown() }
            }
        }
        var boundPort: Int?
        for await port in ports {
            boundPort = port
            break
        }
        guard let boundPort, boundPort > 0 else {
            serverTask.cancel()
            let outcome = await serverTask.result
            try? store.close()
            throw HarnessError("the gateway did not start: \(outcome)")
        }
        let client = try CurlClient(maxConcurrentTransfers: 32)
        return GatewayHarness(
            port: boundPort, databasePath: database, store: store, client: client, serverTask: serverTask, directory: directory,
            handOff: runtime.handOff, scheme: settings.scheme, trustedCAFile: trustedCAFile)
    }

    /// Stops the server, closes the ledger and removes the temporary files.
    func stop(removeFiles: Bool = true) async {
        await client.shutdown()
        serverTask.cancel()
        _ = await serverTask.result
        try? store.close()
        if removeFiles { try? FileManager.default.removeItem(atPath: directory) }
    }

    // MARK: HTTP

    func send(
        _ method: String, _ pathAndQuery: String, body: [UInt8] = [], headers: [(name: String, value: String)] = [],
        credentials: Credentials? = .integration, clientCertificate: ClientCertificateFiles? = nil
    ) async throws -> HTTPResponseSummary {
        try await client.execute(
            HTTPRequestSpec(
                url: baseURL + pathAndQuery, method: method, headers: headers, body: body, totalTimeout: .seconds(60),
                basicAuth: credentials.map { ($0.user, $0.password) }, proxy: .disabled, maxResponseBodyBytes: 8 << 20,
                caCertificateFile: trustedCAFile, clientCertificateFile: clientCertificate?.certificate, clientKeyFile: clientCertificate?.key))
    }

    /// POSTs a SOAP envelope with the headers a client of that SOAP version sends.
    func postSOAP(
        _ xml: String, version: SOAPVersion = .soap11, path: String = ServicePaths.createSync, credentials: Credentials? = .integration,
        contentType: String? = nil, clientCertificate: ClientCertificateFiles? = nil
    ) async throws -> HTTPResponseSummary {
        var headers: [(name: String, value: String)] = []
        switch version {
        case .soap11:
            headers.append(("Content-Type", contentType ?? "text/xml; charset=utf-8"))
            headers.append(("SOAPAction", "\"\(Repo.soapAction)\""))
        case .soap12:
            headers.append(("Content-Type", contentType ?? "application/soap+xml; charset=utf-8; action=\"\(Repo.soapAction)\""))
        }
        return try await send("POST", path, body: Array(xml.utf8), headers: headers, credentials: credentials, clientCertificate: clientCertificate)
    }

    func get(_ pathAndQuery: String, credentials: Credentials? = .integration) async throws -> HTTPResponseSummary {
        try await send("GET", pathAndQuery, credentials: credentials)
    }

    // MARK: JSON API

    /// `GET /api/journal-entries/<cc>/<year>/<doc>`; `nil` on 404.
    func journalEntry(_ companyCode: String, _ fiscalYear: String, _ document: String, credentials: Credentials = .integration)
        async throws -> APIEntry?
    {
        let response = try await get("/api/journal-entries/\(companyCode)/\(fiscalYear)/\(document)", credentials: credentials)
        if response.status == 404 { return nil }
        try #require(response.status == 200, "GET journal entry answered \(response.status): \(response.text)")
        return try JSONDecoder().decode(APIEntry.self, from: Data(response.body))
    }

    /// One page of `GET /api/journal-entries?<query>`.
    func listPage(_ query: String = "", credentials: Credentials = .integration) async throws -> APIList {
        let response = try await get("/api/journal-entries" + (query.isEmpty ? "" : "?" + query), credentials: credentials)
        try #require(response.status == 200, "GET /api/journal-entries?\(query) answered \(response.status): \(response.text)")
        return try JSONDecoder().decode(APIList.self, from: Data(response.body))
    }

    /// Every entry matching `query`, following `nextPageToken` (pages of `pageSize`).
    func listAll(_ query: String = "", pageSize: Int = 500, credentials: Credentials = .integration) async throws -> [APIEntry] {
        var entries: [APIEntry] = []
        var token: String?
        var pages = 0
        repeat {
            var parts = query.isEmpty ? [] : [query]
            parts.append("limit=\(pageSize)")
            if let token { parts.append("pageToken=" + percentEncoded(token)) }
            let page = try await listPage(parts.joined(separator: "&"), credentials: credentials)
            entries += page.entries
            token = page.nextPageToken
            pages += 1
            try #require(pages < 10_000, "pagination does not end")
        } while token != nil
        return entries
    }
}

/// Runs `body` against a freshly started gateway and always stops it.
@discardableResult
func withGateway<T>(
    configPath: String = Repo.demoConfig, databasePath: String? = nil, options: GatewayRuntime.Options = GatewayHarness.fastOptions,
    _ body: (GatewayHarness) async throws -> T
) async throws -> T {
    let gateway = try await GatewayHarness.start(configPath: configPath, databasePath: databasePath, options: options)
    do {
        let result = try await body(gateway)
        await gateway.stop()
        return result
    } catch {
        await gateway.stop()
        throw error
    }
}

func percentEncoded(_ value: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
}

extension HTTPResponseSummary {
    var text: String { String(decoding: body, as: UTF8.self) }
}

// MARK: - JSON API model (what the tests read back)

struct APIAmount: Decodable, Sendable, Equatable {
    let amount: String
    let currency: String
}

struct APIItem: Decodable, Sendable {
    let lineNumber: Int
    let accountType: String
    let glAccount: String
    let customer: String?
    let vendor: String?
    let debitCreditCode: String
    let amountInTransactionCurrency: APIAmount
    let amountInCompanyCodeCurrency: APIAmount
    let taxCode: String?
    let taxBaseAmountInTransactionCurrency: APIAmount?
    let documentItemText: String?
    let referenceDocumentItem: String?
    let valueDate: String?
    let openItemState: String
}

struct APISource: Decodable, Sendable {
    let interface: String
    let messageID: String?
    let messageUUID: String?
    let entryMessageID: String?
    let entryMessageUUID: String?
    let receivedAt: String
}

struct APIEntry: Decodable, Sendable {
    let companyCode: String
    let fiscalYear: Int
    let accountingDocument: String
    let accountingDocumentType: String
    let fiscalPeriod: Int
    let documentDate: String
    let postingDate: String
    let transactionCurrency: String
    let companyCodeCurrency: String
    let originalReferenceDocumentType: String
    let originalReferenceDocumentLogicalSystem: String?
    let businessTransactionType: String
    let documentHeaderText: String?
    let createdByUser: String
    let postedBy: String
    let postedAt: String
    let source: APISource
    let reversal: APIReversal?
    let reversedBy: APIDocumentLink?
    let items: [APIItem]

    var key: String { "\(companyCode)/\(fiscalYear)/\(accountingDocument)" }
}

struct APIDocumentLink: Decodable, Sendable, Equatable {
    let companyCode: String
    let fiscalYear: Int
    let accountingDocument: String
}

struct APIReversal: Decodable, Sendable, Equatable {
    let reversedDocument: APIDocumentLink
    let reversalReason: String?
}

struct APIList: Decodable, Sendable {
    let entries: [APIEntry]
    let nextPageToken: String?
}

// MARK: - SOAP responses

/// A parsed response envelope.
struct ResponseEnvelope {
    let document: XMLDoc
    let envelope: XMLElement
    let body: XMLElement
    let payload: XMLElement
    let version: SOAPVersion

    init(_ bytes: [UInt8]) throws {
        document = try XMLDoc.parse(bytes)
        envelope = try #require(document.rootElement)
        try #require(envelope.localName == "Envelope", "root element is \(envelope.clarkName)")
        version = try #require(envelope.namespaceURI.flatMap(SOAPVersion.init(envelopeNamespace:)), "unknown envelope namespace")
        body = try #require(envelope.firstChild(named: "Body", namespaceURI: version.envelopeNamespace), "no Body")
        payload = try #require(body.firstChildElement, "empty Body")
    }
}

/// A `JournalEntryBulkCreateConfirmation`, read element by element.
struct Confirmation {
    struct LogItem: Equatable, CustomStringConvertible {
        let typeID: String
        let severity: String
        let note: String
        var description: String { "\(typeID) [\(severity)] \(note)" }
    }

    struct Entry {
        let uuid: String
        let referenceID: String?
        let accountingDocument: String
        let companyCode: String
        let fiscalYear: String
        let maximumSeverity: String?
        let log: [LogItem]

        var typeIDs: [String] { log.map(\.typeID) }
    }

    let uuid: String
    let referenceID: String?
    let senderBusinessSystemID: String?
    let bulkLogIsEmpty: Bool
    let entries: [Entry]

    init(_ payload: XMLElement) throws {
        try #require(payload.isNamed("JournalEntryBulkCreateConfirmation", namespaceURI: Repo.sfinNamespace), "payload is \(payload.clarkName)")
        let header = try #require(payload.firstChild(named: "MessageHeader"))
        uuid = try #require(header.firstChild(named: "UUID")?.text)
        referenceID = header.firstChild(named: "ReferenceID")?.text
        senderBusinessSystemID = header.firstChild(named: "SenderBusinessSystemID")?.text
        bulkLogIsEmpty = payload.childElements(named: "Log").last.map { !$0.hasChildElements } ?? false
        entries = try payload.childElements(named: "JournalEntryCreateConfirmation").map { element in
            let entryHeader = try #require(element.firstChild(named: "MessageHeader"))
            let key = try #require(element.firstChild(named: "JournalEntryCreateConfirmation"))
            let log = element.firstChild(named: "Log")
            return Entry(
                uuid: try #require(entryHeader.firstChild(named: "UUID")?.text),
                referenceID: entryHeader.firstChild(named: "ReferenceID")?.text,
                accountingDocument: try #require(key.firstChild(named: "AccountingDocument")?.text),
                companyCode: try #require(key.firstChild(named: "CompanyCode")?.text),
                fiscalYear: try #require(key.firstChild(named: "FiscalYear")?.text),
                maximumSeverity: log?.firstChild(named: "MaximumLogItemSeverityCode")?.text,
                log: (log?.childElements(named: "Item") ?? []).map { item in
                    LogItem(
                        typeID: item.firstChild(named: "TypeID")?.text ?? "", severity: item.firstChild(named: "SeverityCode")?.text ?? "",
                        note: item.firstChild(named: "Note")?.text ?? "")
                })
        }
    }
}

/// Checks everything every successful SOAP answer must satisfy (status 200, content type and
/// envelope of the request's SOAP version, SAP's prefix, payload valid against the XSD) and
/// returns the parsed confirmation.
func expectConfirmation(
    _ response: HTTPResponseSummary, version: SOAPVersion = .soap11, sourceLocation: SourceLocation = #_sourceLocation
) throws -> Confirmation {
    try #require(response.status == 200, "expected HTTP 200, got \(response.status): \(response.text)", sourceLocation: sourceLocation)
    let contentType = response.header("Content-Type") ?? ""
    let expectedType = version == .soap11 ? "text/xml" : "application/soap+xml"
    #expect(contentType.lowercased().hasPrefix(expectedType), "Content-Type \(contentType)", sourceLocation: sourceLocation)
    let envelope = try ResponseEnvelope(response.body)
    #expect(envelope.version == version, "answered in \(envelope.version)", sourceLocation: sourceLocation)
    #expect(envelope.envelope.prefix == (version == .soap11 ? "soap-env" : "env"), sourceLocation: sourceLocation)
    let issues = try Repo.schema().validate(envelope.payload)
    #expect(issues.isEmpty, "response payload violates JournalEntryCreate.xsd: \(issues)", sourceLocation: sourceLocation)
    return try Confirmation(envelope.payload)
}

/// A SOAP fault as the client sees it.
struct FaultReport {
    struct Issue: CustomStringConvertible {
        let line: Int
        let column: Int
        let element: String?
        let path: String?
        let message: String
        var description: String { "line \(line), column \(column), element \(element ?? "-"), path \(path ?? "-"): \(message)" }
    }

    /// `soap-env:Client`, `env:Sender`, … as written.
    let code: String
    let reason: String
    let issues: [Issue]
    let envelope: ResponseEnvelope

    init(_ bytes: [UInt8]) throws {
        envelope = try ResponseEnvelope(bytes)
        let ns = envelope.version.envelopeNamespace
        let fault = envelope.payload
        try #require(fault.isNamed("Fault", namespaceURI: ns), "Body holds \(fault.clarkName), not a Fault")
        let detail: XMLElement?
        switch envelope.version {
        case .soap11:
            code = try #require(fault.firstChild(named: "faultcode")?.text.trimmingCharacters(in: .whitespaces))
            reason = fault.firstChild(named: "faultstring")?.text ?? ""
            detail = fault.firstChild(named: "detail")
        case .soap12:
            code = try #require(
                fault.firstChild(named: "Code", namespaceURI: ns)?.firstChild(named: "Value", namespaceURI: ns)?.text
                    .trimmingCharacters(in: .whitespaces))
            reason = fault.firstChild(named: "Reason", namespaceURI: ns)?.firstChild(named: "Text", namespaceURI: ns)?.text ?? ""
            detail = fault.firstChild(named: "Detail", namespaceURI: ns)
        }
        let validation = detail?.firstChild(named: "RequestValidationFault", namespaceURI: Repo.faultNamespace)
        issues = (validation?.childElements(named: "Issue", namespaceURI: Repo.faultNamespace) ?? []).map { issue in
            Issue(
                line: Int(issue.attribute("line") ?? "") ?? -1, column: Int(issue.attribute("column") ?? "") ?? -1,
                element: issue.attribute("element"),
                path: issue.firstChild(named: "Path", namespaceURI: Repo.faultNamespace)?.text,
                message: issue.firstChild(named: "Message", namespaceURI: Repo.faultNamespace)?.text ?? "")
        }
    }
}

/// Checks the HTTP status, content type and envelope version of a fault answer and returns it.
func expectFault(
    _ response: HTTPResponseSummary, status: Int, version: SOAPVersion = .soap11, sourceLocation: SourceLocation = #_sourceLocation
) throws -> FaultReport {
    #expect(response.status == status, "expected HTTP \(status), got \(response.status): \(response.text)", sourceLocation: sourceLocation)
    let contentType = response.header("Content-Type") ?? ""
    let expectedType = version == .soap11 ? "text/xml" : "application/soap+xml"
    #expect(contentType.lowercased().hasPrefix(expectedType), "Content-Type \(contentType)", sourceLocation: sourceLocation)
    let fault = try FaultReport(response.body)
    #expect(fault.envelope.version == version, "fault answered in \(fault.envelope.version)", sourceLocation: sourceLocation)
    return fault
}

extension GatewayHarness {
    /// Asserts that the ledger holds no entry at all (read through the JSON list API).
    func expectLedgerEmpty(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let entries = try await listAll()
        #expect(entries.isEmpty, "the ledger should be empty but holds \(entries.map(\.key))", sourceLocation: sourceLocation)
    }
}
