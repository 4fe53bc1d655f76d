import Foundation
import XMLCore

/// The WSDL and XSD files the gateway publishes, read once at start-up.
///
/// The WSDL files in `WSDL/` import their schemas as `../Schemas/…` and name
/// `http://localhost:8080` as the service address; when served, both become absolute URLs of
/// this gateway, so a client can load everything from the `?wsdl` URL alone.
public struct ServiceDescriptions: Sendable {
    /// Placeholder base URL written in the WSDL files.
    static let placeholderBase = "http://localhost:8080"

    /// WSDL text by service path (`/sap/bc/srt/scs_ext/sap/journalentrycreaterequestconfi`).
    let wsdlByService: [String: String]
    /// XSD text by file name (`JournalEntryCreate.xsd`).
    let schemas: [String: String]

    /// Loads `WSDL/<file>` for each service path and every `*.xsd` under `Schemas/`.
    public init(resourceDirectory: String, services: [(path: String, wsdlFile: String)]) throws {
        var wsdl: [String: String] = [:]
        for service in services {
            let file = resourceDirectory + "/WSDL/" + service.wsdlFile
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw GatewayConfiguration.LoadError(description: "WSDL file \(file) cannot be read (is --resources pointing at the repository?)")
            }
            wsdl[service.path] = text
        }
        var schemas: [String: String] = [:]
        let directory = resourceDirectory + "/Schemas"
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for file in files where file.hasSuffix(".xsd") {
            schemas[file] = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
        }
        guard !schemas.isEmpty else { throw GatewayConfiguration.LoadError(description: "no XSD files found in \(directory)") }
        self.wsdlByService = wsdl
        self.schemas = schemas
    }

    /// The WSDL of a service with addresses pointing at `baseURL` (scheme://host[:port], no trailing slash).
    func wsdl(forService servicePath: String, advertisedPath: String, baseURL: String) -> String? {
        guard let text = wsdlByService[servicePath] else { return nil }
        let escapedBase = XMLEscaping.escapeAttribute(baseURL)
        return text
            .replacingOccurrences(of: Self.placeholderBase + servicePath, with: escapedBase + XMLEscaping.escapeAttribute(advertisedPath))
            .replacingOccurrences(of: "\"../Schemas/", with: "\"" + escapedBase + "/Schemas/")
    }

    func schema(named name: String) -> String? { schemas[name] }

    /// The base URL to advertise: the configured public URL, else `http://<Host>` when the Host
    /// header is a plain host[:port], else the address the server listens on.
    static func baseURL(configured: String?, hostHeader: String?, fallback: String) -> String {
        if let configured, !configured.isEmpty { return configured.hasSuffix("/") ? String(configured.dropLast()) : configured }
        if let host = hostHeader, !host.isEmpty, host.count <= 255,
            host.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || ".-:[]".unicodeScalars.contains($0) }),
            host.unicodeScalars.allSatisfy(\.isASCII)
        {
            return "http://" + host
        }
        return fallback
    }
}
