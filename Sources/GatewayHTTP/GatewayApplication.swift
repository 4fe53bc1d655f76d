import GatewayConfig
import Foundation
import Hummingbird
import JournalEntryService
import Ledger
import Logging
import NIOCore
import SOAPCore
import XMLCore

/// Request context of the gateway: Hummingbird's core storage plus a body limit large enough
/// for 20 MB bulks (the exact limit comes from the configuration and is enforced by `collect`).
public struct GatewayRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
        self.channel = source.channel
    }
    public var maxUploadSize: Int { Int.max }

    /// The request's ID (set by ``RequestLogMiddleware``; returned as `X-Request-ID`).
    public var requestID = ""
    /// What handlers learn about the request, for its log line and metrics.
    public let requestLog = RequestLogRecord()
    /// The client's address (the TCP peer).
    public let remoteAddress: SocketAddress?
    /// The connection; its TLS handler knows the client certificate (``clientCertificate()``).
    public let channel: any Channel

    /// JSON with keys in a stable (sorted) order, so API answers are easy to read and diff.
    public var responseEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}

/// Everything the HTTP layer needs, assembled by the executable (or a test).
public struct GatewaySettings: Sendable {
    public var host: String
    public var port: Int
    /// Directory holding `WSDL/` and `Schemas/`.
    public var resourceDirectory: String
    public var configuration: GatewayConfiguration
    public var masterData: MasterData
    /// HTTPS (certificate, key, client certificates); `nil` = plain HTTP, for loopback demos.
    public var tls: TLSSettings?
    /// A connection on which nothing arrives for this long while no answer is being worked on (no
    /// request yet, a request head or body that stalls, an idle keep-alive) is closed, so that
    /// clients that open connections and send nothing cannot use up the process's file descriptors.
    public var idleTimeout: Duration = .seconds(60)
    /// The configuration file, to resolve the relative paths it names (outbound certificates).
    public var configurationPath: String?

    public init(
        host: String, port: Int, resourceDirectory: String, configuration: GatewayConfiguration, masterData: MasterData, tls: TLSSettings? = nil
    ) {
        self.host = host
        self.port = port
        self.resourceDirectory = resourceDirectory
        self.configuration = configuration
        self.masterData = masterData
        self.tls = tls
    }

    /// `https` with TLS, else `http`.
    public var scheme: String { tls == nil ? "http" : "https" }
}

/// The URL paths of SAP's journal-entry services (cloud paths; the synchronous service also
/// at its on-premise SOAMANAGER path).
public enum ServicePaths {
    public static let createSync = "/sap/bc/srt/scs_ext/sap/journalentrycreaterequestconfi"
    public static let createSyncOnPremise = "/sap/bc/srt/scs/sap/journalentrycreaterequestconfi"
    public static let createAsync = "/sap/bc/srt/scs_ext/sap/journalentrybulkcreationreques"
    public static let ledgerCreateAsync = "/sap/bc/srt/scs_ext/sap/journalentrybulkledgercreation"
    /// *Journal Entry – Change* (asynchronous), `JournalEntryBulkChangeRequest_In`.
    public static let changeAsync = "/sap/bc/srt/scs_ext/sap/journalentrybulkchangerequest_"
    /// *Journal Entry – Clearing* (asynchronous), `JournalEntryBulkClearingRequest_In`.
    public static let clearingAsync = "/sap/bc/srt/scs_ext/sap/journalentrybulkclearingreques"
}

/// Builds the gateway's HTTP application (shared by `journal-gateway serve` and the tests).
public enum GatewayApplication {
    /// - Parameters:
    ///   - operations: every SOAP operation; a POST to one of their paths is dispatched by the
    ///     Body's root element, and `GET <path>?wsdl` serves the operation's WSDL.
    ///   - runner: where envelopes are parsed (off the cooperative pool).
    public static func make(
        settings: GatewaySettings, store: any LedgerStore, operations: OperationRegistry, runner: any BlockingWorkRunner = ThreadPoolWorkRunner(),
        logger: Logger, metrics: GatewayMetrics = GatewayMetrics(), onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        XMLLibrary.initialize()
        let tls = try settings.tls?.load()
        let isTLS = tls != nil
        let configuration = settings.configuration
        let limits = configuration.limits
        let users = UserDirectory(users: configuration.users, logger: logger)
        let maximumRequestBytes = limits?.maximumRequestBytes ?? 32 * 1024 * 1024
        let xmlLimits = XMLParseLimits(maxBytes: maximumRequestBytes, maxDepth: limits?.maximumXMLDepth ?? 64)
        // One WSDL per operation, described at its first path and advertised at each of its paths.
        let descriptions = try ServiceDescriptions(
            resourceDirectory: settings.resourceDirectory,
            services: operations.operations.compactMap { operation in operation.paths.first.map { ($0, operation.wsdlFile) } })
        let fallbackAuthority = ServiceDescriptions.authority(host: settings.host, port: settings.port)
        let api = LedgerAPI(store: store, masterData: settings.masterData, users: users)

        let router = Router(context: GatewayRequestContext.self)
        var interfaces: [String: String] = [:]
        for path in operations.paths {
            interfaces[path] = operations.operations(at: path).map(\.interface).joined(separator: ",")
        }
        // First, so that it wraps every route (and unknown paths): one log line and the metrics per request.
        router.add(middleware: RequestLogMiddleware(logger: logger, metrics: metrics, soapInterfaces: interfaces))
        for path in operations.paths {
            let endpoint = SOAPEndpoint(
                path: path, registry: operations, users: users, maximumRequestBytes: maximumRequestBytes, xmlLimits: xmlLimits, runner: runner,
                logger: logger)
            let served = operations.operations(at: path)
            router.post(RouterPath(path)) { request, context in
                try await endpoint.respond(to: request, context: context)
            }
            router.get(RouterPath(path)) { request, _ -> Response in
                let wantsWSDL = request.uri.queryParameters.contains { $0.key.lowercased() == "wsdl" || $0.key.lowercased() == "singlewsdl" }
                let names = served.map(\.interface).joined(separator: ", ")
                guard wantsWSDL, let operation = served.first, let canonical = operation.paths.first else {
                    return Self.text(
                        "journal-gateway: SOAP endpoint of \(names). POST SOAP 1.1 or 1.2 messages here; the WSDL is at \(path)?wsdl\n",
                        status: .ok)
                }
                let base = ServiceDescriptions.baseURL(
                    configured: configuration.system.publicBaseURL, hostHeader: request.head.authority, isTLS: isTLS,
                    fallbackAuthority: fallbackAuthority)
                guard let wsdl = descriptions.wsdl(forService: canonical, advertisedPath: path, baseURL: base) else {
                    return Self.text("no WSDL\n", status: .notFound)
                }
                return Response(
                    status: .ok, headers: [.contentType: "text/xml; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: wsdl)))
            }
        }
        router.get("/WSDL/{file}") { _, context -> Response in
            guard let file = context.parameters.get("file"), let wsdl = descriptions.outboundWSDL(named: file) else {
                return Self.text("no such WSDL\n", status: .notFound)
            }
            return Response(status: .ok, headers: [.contentType: "text/xml; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: wsdl)))
        }
        router.get("/Schemas/{file}") { _, context -> Response in
            guard let file = context.parameters.get("file"), let schema = descriptions.schema(named: file) else {
                return Self.text("no such schema\n", status: .notFound)
            }
            return Response(status: .ok, headers: [.contentType: "text/xml; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: schema)))
        }
        HealthRoutes(store: store).addRoutes(to: router)
        MetricsRoute(metrics: metrics, access: configuration.metrics, logger: logger).addRoutes(to: router)
        api.addRoutes(to: router)
        MessageAPI(store: store, users: users).addRoutes(to: router)

        tls?.warnIfExpiring(logger: logger)
        return Application(
            router: router, server: .gateway(tls: tls, idleTimeout: settings.idleTimeout, maximumBodyBytes: maximumRequestBytes, logger: logger),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "journal-gateway"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? settings.port) },
            logger: logger)
    }

    static func text(_ text: String, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
