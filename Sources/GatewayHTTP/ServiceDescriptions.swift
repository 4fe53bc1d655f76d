import GatewayConfig
import Foundation
import XMLCore

/// The WSDL and XSD files the gateway publishes, read once at start-up.
///
/// `?wsdl` (and `?singlewsdl`) serves one self-contained WSDL per service, built at start-up from
/// `WSDL/<file>` with the schemas of `Schemas/` inline (``SingleWSDL``), as SAP serves its WSDLs;
/// its two port addresses, `http://localhost:8080<service path>` in the file, become this
/// gateway's endpoint URL. The schema files are also served one by one under `/Schemas/`.
public struct ServiceDescriptions: Sendable {
    /// Placeholder base URL written in the WSDL files.
    static let placeholderBase = "http://localhost:8080"

    /// Self-contained WSDL text by service path (`/sap/bc/srt/scs_ext/sap/journalentrycreaterequestconfi`).
    let wsdlByService: [String: String]
    /// XSD text by file name (`JournalEntryCreate.xsd`).
    let schemas: [String: String]
    /// Self-contained WSDLs of outbound interfaces (the confirmations the gateway sends), by file
    /// name, served at `/WSDL/<file>` so that a receiver can be generated from them.
    let outboundWSDLs: [String: String]

    /// The outbound interfaces' WSDL files under `WSDL/`.
    public static let outboundWSDLFiles = ["JournalEntryBulkCreateConfirmation_Out.wsdl", "JournalEntryBulkChangeConfirmation_Out.wsdl",
        "JournalEntryBulkClearingConfirmation_Out.wsdl",
    ]

    /// Loads every `*.xsd` under `Schemas/` and `WSDL/<file>` for each service path, and builds
    /// each service's self-contained WSDL; anything that cannot be built is an error here.
    public init(resourceDirectory: String, services: [(path: String, wsdlFile: String)]) throws {
        var schemas: [String: String] = [:]
        let directory = resourceDirectory + "/Schemas"
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for file in files where file.hasSuffix(".xsd") {
            schemas[file] = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
        }
        guard !schemas.isEmpty else { throw GatewayConfiguration.LoadError(description: "no XSD files found in \(directory)") }
        var wsdl: [String: String] = [:]
        for service in services {
            let file = resourceDirectory + "/WSDL/" + service.wsdlFile
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw GatewayConfiguration.LoadError(description: "WSDL file \(file) cannot be read (is --resources pointing at the repository?)")
            }
            guard text.contains(Self.placeholderBase + service.path) else {
                throw GatewayConfiguration.LoadError(
                    description: "WSDL file \(file) does not name the address \(Self.placeholderBase + service.path) that the gateway replaces")
            }
            do {
                wsdl[service.path] = try SingleWSDL.build(wsdl: text, wsdlFile: service.wsdlFile, schemas: schemas)
            } catch {
                throw GatewayConfiguration.LoadError(description: "the self-contained WSDL cannot be built: \(error)")
            }
        }
        var outbound: [String: String] = [:]
        for file in Self.outboundWSDLFiles {
            let path = resourceDirectory + "/WSDL/" + file
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw GatewayConfiguration.LoadError(description: "WSDL file \(path) cannot be read (is --resources pointing at the repository?)")
            }
            do {
                outbound[file] = try SingleWSDL.build(wsdl: text, wsdlFile: file, schemas: schemas)
            } catch {
                throw GatewayConfiguration.LoadError(description: "the self-contained WSDL of \(file) cannot be built: \(error)")
            }
        }
        self.wsdlByService = wsdl
        self.schemas = schemas
        self.outboundWSDLs = outbound
    }

    /// The self-contained WSDL of an outbound interface (`JournalEntryBulkCreateConfirmation_Out.wsdl`).
    func outboundWSDL(named name: String) -> String? { outboundWSDLs[name] }

    /// The self-contained WSDL of a service with both port addresses pointing at
    /// `baseURL + advertisedPath` (`baseURL` as from ``baseURL(configured:hostHeader:isTLS:fallbackAuthority:)``).
    func wsdl(forService servicePath: String, advertisedPath: String, baseURL: String) -> String? {
        guard let text = wsdlByService[servicePath] else { return nil }
        return text.replacingOccurrences(
            of: Self.placeholderBase + servicePath, with: XMLEscaping.escapeAttribute(baseURL + advertisedPath))
    }

    func schema(named name: String) -> String? { schemas[name] }

    /// The base URL to advertise (scheme://authority[/prefix], no trailing slash):
    /// - the configured public URL (`system.publicBaseURL`) when set, as given: it covers a reverse
    ///   proxy, including one that adds a path prefix (`https://erp-proxy.example.com/finance`);
    /// - else `https://<Host>` when the request came over TLS, `http://<Host>` otherwise, when the
    ///   `Host` header is a plain host[:port];
    /// - else the address the server listens on (`fallbackAuthority`, host:port) with that scheme.
    static func baseURL(configured: String?, hostHeader: String?, isTLS: Bool, fallbackAuthority: String) -> String {
        if let configured, !configured.isEmpty {
            var base = Substring(configured)
            while base.hasSuffix("/") { base = base.dropLast() }
            return String(base)
        }
        let scheme = isTLS ? "https://" : "http://"
        if let host = hostHeader, !host.isEmpty, host.count <= 255,
            host.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || ".-:[]".unicodeScalars.contains($0) }),
            host.unicodeScalars.allSatisfy(\.isASCII)
        {
            return scheme + host
        }
        return scheme + fallbackAuthority
    }

    /// `host:port` for a listening address; IPv6 literals get their brackets (`[::1]:8080`).
    static func authority(host: String, port: Int) -> String {
        host.contains(":") && !host.hasPrefix("[") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// What is wrong with a configured `system.publicBaseURL` (see ``GatewayConfiguration/System/publicBaseURLProblem(_:)``).
    public static func publicBaseURLProblem(_ value: String?) -> String? { GatewayConfiguration.System.publicBaseURLProblem(value) }
}
