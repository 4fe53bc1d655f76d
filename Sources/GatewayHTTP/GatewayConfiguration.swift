import Foundation
import Ledger

/// The configuration file (JSON): the gateway's identity, limits, users and the ledger's
/// master data. See the README's "Configuration reference".
public struct GatewayConfiguration: Codable, Sendable {
    public struct System: Codable, Sendable {
        /// Sent as `SenderBusinessSystemID` in confirmations.
        public var systemID: String
        /// Named in `605(RW)` when a request has no `OriginalReferenceDocumentLogicalSystem`.
        public var logicalSystem: String
        /// Base URL written into served WSDLs (e.g. `https://gateway.example.com`); when absent,
        /// the request's `Host` header is used.
        public var publicBaseURL: String?
    }

    public struct Limits: Codable, Sendable {
        /// Largest accepted request body in bytes (default 32 MiB, enough for a 20 MB bulk).
        public var maximumRequestBytes: Int?
        /// Most entries per bulk message (default 10,000).
        public var maximumEntriesPerMessage: Int?
        /// Deepest XML nesting accepted (default 64).
        public var maximumXMLDepth: Int?
    }

    public struct User: Codable, Sendable {
        public var name: String
        /// bcrypt hash (`journal-gateway hash-password` prints one).
        public var passwordHash: String
        /// Company codes the user may post in and read; omitted or `["*"]` = all.
        public var companyCodes: [String]?
    }

    public var system: System
    public var limits: Limits?
    public var users: [User]
    public var ledger: MasterDataDefinition

    /// A configuration problem, with a message meant for the operator.
    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads, decodes and checks a configuration file; every problem is reported with its location.
    public static func load(path: String) throws -> (GatewayConfiguration, MasterData) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(description: "configuration file \(path) cannot be read")
        }
        let configuration: GatewayConfiguration
        do {
            configuration = try JSONDecoder().decode(GatewayConfiguration.self, from: data)
        } catch let error as DecodingError {
            throw LoadError(description: "configuration file \(path): \(Self.describe(error))")
        }
        var problems: [String] = []
        if configuration.users.isEmpty { problems.append("users: at least one user is needed") }
        var names = Set<String>()
        for (index, user) in configuration.users.enumerated() {
            if user.name.isEmpty || user.name.contains(":") { problems.append("users[\(index)]: name must be non-empty and contain no ':'") }
            if !names.insert(user.name.uppercased()).inserted { problems.append("users[\(index)]: user \(user.name) is defined twice") }
            if !(user.passwordHash.hasPrefix("$2a$") || user.passwordHash.hasPrefix("$2b$") || user.passwordHash.hasPrefix("$2y$")) {
                problems.append("users[\(index)] (\(user.name)): passwordHash must be a bcrypt hash ($2b$…); run `journal-gateway hash-password`")
            }
        }
        if let limits = configuration.limits {
            if let bytes = limits.maximumRequestBytes, bytes < 1024 { problems.append("limits.maximumRequestBytes must be at least 1024") }
            if let entries = limits.maximumEntriesPerMessage, entries < 1 { problems.append("limits.maximumEntriesPerMessage must be at least 1") }
            if let depth = limits.maximumXMLDepth, depth < 16 { problems.append("limits.maximumXMLDepth must be at least 16") }
        }
        if configuration.system.systemID.isEmpty || configuration.system.systemID.count > 60 { problems.append("system.systemID must have 1…60 characters") }
        if configuration.system.logicalSystem.isEmpty || configuration.system.logicalSystem.count > 10 {
            problems.append("system.logicalSystem must have 1…10 characters")
        }
        let masterData: MasterData?
        do {
            masterData = try MasterData(definition: configuration.ledger)
        } catch {
            masterData = nil
            problems += error.problems.map { "ledger.\($0)" }
        }
        if let masterData {
            for (index, user) in configuration.users.enumerated() {
                for code in user.companyCodes ?? [] where code != "*" && masterData.companyCodes[code] == nil {
                    problems.append("users[\(index)] (\(user.name)): unknown company code '\(code)'")
                }
            }
        }
        guard problems.isEmpty, let masterData else {
            throw LoadError(description: "configuration file \(path) has \(problems.count) problem(s):\n" + problems.map { "  - \($0)" }.joined(separator: "\n"))
        }
        return (configuration, masterData)
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing field '\(key.stringValue)' at '\(path(context))'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return "wrong type at '\(path(context))': \(context.debugDescription)"
        case .dataCorrupted(let context): return "invalid JSON at '\(path(context))': \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
