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
        /// Base URL written into served WSDLs, path prefix included (e.g. `https://proxy.example.com/finance`
        /// behind a reverse proxy); when absent, `https://` over TLS (else `http://`) and the request's
        /// `Host` header, or the listening address when `Host` is not a plain host[:port].
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
        /// A client certificate that logs on as this user without a password (HTTPS only).
        public var certificate: CertificateBinding?

        public init(name: String, passwordHash: String, companyCodes: [String]? = nil, certificate: CertificateBinding? = nil) {
            self.name = name
            self.passwordHash = passwordHash
            self.companyCodes = companyCodes
            self.certificate = certificate
        }
    }

    /// `users[].certificate`: the client certificate of a user, by subject DN, SHA-256 fingerprint
    /// or both (then both must match). The certificate must also chain to `tls.clientCA`.
    public struct CertificateBinding: Codable, Sendable {
        /// e.g. `CN=INTEGRATION,O=Demo`; attribute order and case of values do not matter.
        public var subject: String?
        /// SHA-256 of the certificate (DER), hex, colons optional.
        public var sha256: String?
    }

    /// `tls`: HTTPS. Paths are relative to the configuration file's directory; `serve
    /// --tls-certificate/--tls-key` override the first two.
    public struct TLS: Codable, Sendable {
        /// PEM file: the server certificate, then any intermediates.
        public var certificateChain: String?
        /// PEM file: the server's private key (unencrypted).
        public var privateKey: String?
        /// Ask clients for a certificate: `none` (default), `optional` or `required`.
        public var clientCertificates: ClientCertificateMode?
        /// PEM bundle of the CAs whose client certificates are accepted.
        public var clientCA: String?
    }

    public var system: System
    public var limits: Limits?
    public var users: [User]
    public var ledger: MasterDataDefinition
    public var tls: TLS?
    /// `metrics`: credentials of `GET /metrics`; when absent, `/metrics` is open.
    public var metrics: MetricsAccess?
    /// `communicationSystems`: who sends asynchronous requests and where their confirmations go.
    public var communicationSystems: [CommunicationSystem]?
    /// `replyTo`: the hosts a `wsa:ReplyTo` address may name.
    public var replyTo: ReplyTo?
    /// `delivery`: the confirmation retry schedule.
    public var delivery: Delivery?

    /// `metrics.username` / `metrics.passwordHash` (bcrypt): HTTP Basic credentials that only
    /// read `/metrics` (they cannot post or read the ledger).
    public struct MetricsAccess: Codable, Sendable {
        public var username: String?
        public var passwordHash: String?
    }

    /// A check of a loaded configuration: problems written "<JSON path> [(label)]: <message>".
    /// The second argument is the configuration file's path (relative files are resolved from it).
    public typealias Check = @Sendable (GatewayConfiguration, String) -> [String]

    /// A configuration problem, with a message meant for the operator.
    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
        /// Every problem found, in file order (empty for errors that are not about the file's content).
        public var problems: [ConfigurationProblem] = []

        /// An error that is not about the file's content (e.g. a resource the configuration needs).
        public init(description: String, problems: [ConfigurationProblem] = []) {
            self.description = description
            self.problems = problems
        }
    }

    /// Reads, decodes and checks a configuration file. Every problem is reported at once, each
    /// once, with its line, column and location (`config.json:57:19: ledger.companyCodes[0] (1010): unknown currency 'EUX'`):
    /// a file this accepts does not fail at run time for a reason the file shows.
    ///
    /// - Parameter checks: further checks of parts whose checking needs more than this module
    ///   (the HTTP layer checks the `tls` block by reading its PEM files); their problems are
    ///   reported with the others.
    public static func load(path: String, checks: [Check]) throws -> (GatewayConfiguration, MasterData) {
        let document = try ConfigurationDocument.read(path: path)
        var configuration = try document.decode(GatewayConfiguration.self)
        // Problems are written "<JSON path> [(label)]: <message>"; the path gives the line.
        var problems: [String] = []
        if configuration.users.isEmpty { problems.append("users: at least one user is needed") }
        var names: [String: Int] = [:]
        for (index, user) in configuration.users.enumerated() {
            if user.name.isEmpty || user.name.contains(":") || user.name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                problems.append("users[\(index)].name: a user name must be non-empty and contain no ':' or control characters")
            } else if let first = names[user.name.uppercased()] {
                // Logon ignores case, so USER and user would be one account.
                problems.append("users[\(index)].name (\(user.name)): user \(configuration.users[first].name) is already defined in users[\(first)] (user names ignore case)")
            } else {
                names[user.name.uppercased()] = index
            }
            if let problem = PasswordHashFormat.problem(user.passwordHash) {
                problems.append("users[\(index)].passwordHash (\(user.name)): \(problem); run `journal-gateway hash-password`")
            }
            configuration.users[index].passwordHash = PasswordHashFormat.normalized(user.passwordHash)
            if let codes = user.companyCodes {
                if codes.isEmpty {
                    problems.append("users[\(index)].companyCodes (\(user.name)): the list is empty, so the user could neither post nor read; omit it or write [\"*\"] for all")
                } else if codes.contains("*") && codes.count > 1 {
                    problems.append("users[\(index)].companyCodes (\(user.name)): \"*\" (all company codes) cannot be combined with others")
                }
            }
        }
        problems += configuration.deliveryProblems(configurationPath: path, environment: ProcessInfo.processInfo.environment)
        for check in checks { problems += check(configuration, path) }
        problems += configuration.metricsProblems()
        if let hash = configuration.metrics?.passwordHash { configuration.metrics?.passwordHash = PasswordHashFormat.normalized(hash) }
        if let limits = configuration.limits {
            if let bytes = limits.maximumRequestBytes, bytes < 1024 { problems.append("limits.maximumRequestBytes must be at least 1024") }
            // libxml2 parses at most 2 GiB − 1 and nests at most 256 levels (without XML_PARSE_HUGE, which the gateway never sets).
            if let bytes = limits.maximumRequestBytes, bytes > Int(Int32.max) {
                problems.append("limits.maximumRequestBytes must be at most \(Int32.max) (the largest document libxml2 parses)")
            }
            if let entries = limits.maximumEntriesPerMessage, entries < 1 { problems.append("limits.maximumEntriesPerMessage must be at least 1") }
            if let depth = limits.maximumXMLDepth, depth < 16 { problems.append("limits.maximumXMLDepth must be at least 16") }
            if let depth = limits.maximumXMLDepth, depth > 256 { problems.append("limits.maximumXMLDepth must be at most 256 (libxml2's own nesting limit)") }
        }
        if configuration.system.systemID.isEmpty || configuration.system.systemID.count > 60 { problems.append("system.systemID must have 1…60 characters") }
        if configuration.system.logicalSystem.isEmpty || configuration.system.logicalSystem.count > 10 {
            problems.append("system.logicalSystem must have 1…10 characters")
        }
        if let problem = System.publicBaseURLProblem(configuration.system.publicBaseURL) { problems.append(problem) }
        if let hash = configuration.metrics?.passwordHash {
            // The prefix is checked with the other metrics keys; the rest of the hash's shape here.
            if ["$2a$", "$2b$", "$2y$"].contains(where: hash.hasPrefix), let problem = PasswordHashFormat.problem(hash) {
                problems.append("metrics.passwordHash: \(problem); run `journal-gateway hash-password`")
            }
            configuration.metrics?.passwordHash = PasswordHashFormat.normalized(hash)
        }
        var ledgerProblems: [ConfigurationProblem] = []
        let masterData: MasterData?
        do {
            masterData = try MasterData(definition: configuration.ledger)
        } catch {
            masterData = nil
            ledgerProblems = error.problems.map { document.problem("ledger.\($0)", path: $0.path.map { "ledger." + $0 }) }
        }
        // Declared company codes count even when broken: their own problem is reported where they are.
        let declaredCompanyCodes = Set(configuration.ledger.companyCodes.map(\.id))
        for (index, user) in configuration.users.enumerated() {
            for (codeIndex, code) in (user.companyCodes ?? []).enumerated() where code != "*" && !declaredCompanyCodes.contains(code) {
                problems.append("users[\(index)].companyCodes[\(codeIndex)] (\(user.name)): unknown company code '\(code)'")
            }
        }
        let all = document.keyProblems + problems.map { document.problem($0) } + ledgerProblems
        guard all.isEmpty, let masterData else { throw LoadError(problems: all, path: path) }
        return (configuration, masterData)
    }
}
