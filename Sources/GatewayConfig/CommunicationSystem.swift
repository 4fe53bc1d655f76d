public import ConfirmationDelivery
import Foundation

extension GatewayConfiguration {
    /// `communicationSystems[]`: a system that sends asynchronous requests and receives their
    /// confirmations, as in SAP's *Communication System* (business system, host, users for
    /// inbound and outbound communication).
    ///
    /// A request's `MessageHeader/SenderBusinessSystemID` selects the system; the system must list
    /// the request's user in `inboundUsers`. A request without `SenderBusinessSystemID` uses the
    /// one system of its user, when the user has exactly one.
    public struct CommunicationSystem: Codable, Sendable {
        /// The business system ID the system sends as `SenderBusinessSystemID` (SAP: *Business System*).
        public var businessSystemID: String
        /// Where its confirmations are POSTed (`http://` or `https://`). Omitted: requests are still
        /// posted and their outcomes kept for the monitor, but no confirmation is sent.
        public var confirmationURL: String?
        /// The gateway users (`users[].name`) whose requests may name this system.
        public var inboundUsers: [String]
        /// SOAP version of its confirmations: `"1.1"` (default) or `"1.2"`.
        public var soapVersion: String?
        /// How the gateway logs on to the receiver (SAP: *User for Outbound Communication*).
        public var outbound: Outbound?

        public init(businessSystemID: String, confirmationURL: String?, inboundUsers: [String], soapVersion: String? = nil, outbound: Outbound? = nil) {
            self.businessSystemID = businessSystemID
            self.confirmationURL = confirmationURL
            self.inboundUsers = inboundUsers
            self.soapVersion = soapVersion
            self.outbound = outbound
        }
    }

    /// `communicationSystems[].outbound`. Paths are relative to the configuration file.
    public struct Outbound: Codable, Sendable {
        /// HTTP Basic user; with `password` or `passwordEnvironment`.
        public var username: String?
        /// The password in the file (fine for a demo; prefer `passwordEnvironment`).
        public var password: String?
        /// The name of an environment variable that holds the password.
        public var passwordEnvironment: String?
        /// PEM client certificate and its key, for receivers that log on by certificate (HTTPS).
        public var clientCertificate: String?
        public var clientKey: String?
        /// PEM bundle of the CAs trusted for the receiver's certificate; omitted = the system's.
        public var caBundle: String?
    }

    /// `replyTo`: which `wsa:ReplyTo` addresses are honoured. A request whose `wsa:ReplyTo` names
    /// another host is refused with a fault (nothing is stored); the anonymous address is ignored.
    public struct ReplyTo: Codable, Sendable {
        /// Host names or IP addresses, compared without case; `[]` or omitted = none.
        public var allowedHosts: [String]

        public init(allowedHosts: [String]) { self.allowedHosts = allowedHosts }

        /// Whether `address` is an `http`/`https` URL on an allowed host; else why not.
        public func refusal(of address: String) -> String? {
            guard let components = URLComponents(string: address), let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
                let host = components.host, !host.isEmpty
            else { return "it is not an absolute http:// or https:// URL" }
            let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
            guard allowedHosts.contains(where: { $0.caseInsensitiveCompare(bare) == .orderedSame }) else {
                return allowedHosts.isEmpty
                    ? "the configuration allows no wsa:ReplyTo host (replyTo.allowedHosts)"
                    : "host \(bare) is not in replyTo.allowedHosts"
            }
            return nil
        }
    }

    /// `delivery`: how confirmations are sent.
    public struct Delivery: Codable, Sendable {
        /// Retry schedule (every key optional): `maximumAttempts` (25), `initialDelaySeconds` (15),
        /// `multiplier` (2), `maximumDelaySeconds` (18000), `jitter` (0.1), `attemptTimeoutSeconds` (10).
        public var retry: RetryPolicy?
    }

    /// The communication system a request of `user` with `senderBusinessSystemID` belongs to, or
    /// why there is none (a sentence for the monitor and the log).
    public func communicationSystem(user: String, senderBusinessSystemID: String?) -> Result<CommunicationSystem, RoutingProblem> {
        let systems = communicationSystems ?? []
        let mine = systems.filter { $0.inboundUsers.contains { $0.caseInsensitiveCompare(user) == .orderedSame } }
        guard let sender = senderBusinessSystemID, !sender.isEmpty else {
            if mine.count == 1 { return .success(mine[0]) }
            return .failure(
                RoutingProblem(
                    mine.isEmpty
                        ? "the request has no SenderBusinessSystemID and user \(user) has no communication system"
                        : "the request has no SenderBusinessSystemID and user \(user) has \(mine.count) communication systems"))
        }
        guard let system = systems.first(where: { $0.businessSystemID == sender }) else {
            return .failure(RoutingProblem("no communication system has business system ID \(sender)"))
        }
        guard mine.contains(where: { $0.businessSystemID == sender }) else {
            return .failure(RoutingProblem("communication system \(sender) does not list user \(user) in inboundUsers"))
        }
        return .success(system)
    }

    /// Why a message has no confirmation receiver.
    public struct RoutingProblem: Error, Sendable, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// Problems of `communicationSystems`, `replyTo` and `delivery`, for ``load(path:checks:)``.
    func deliveryProblems(configurationPath: String, environment: [String: String]) -> [String] {
        var problems: [String] = []
        let users = Set(self.users.map { $0.name.uppercased() })
        var seen: [String: Int] = [:]
        let directory = URL(fileURLWithPath: configurationPath).deletingLastPathComponent().path
        for (index, system) in (communicationSystems ?? []).enumerated() {
            let location = "communicationSystems[\(index)]"
            let id = system.businessSystemID
            if id.isEmpty || id.count > 60 || id.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) {
                problems.append("\(location).businessSystemID: must have 1…60 characters and no blanks")
            } else if let first = seen[id] {
                problems.append("\(location).businessSystemID (\(id)): already used by communicationSystems[\(first)]")
            } else {
                seen[id] = index
            }
            if let url = system.confirmationURL, let problem = Self.urlProblem(url) {
                problems.append("\(location).confirmationURL (\(id)): '\(url)' \(problem)")
            }
            if system.inboundUsers.isEmpty { problems.append("\(location).inboundUsers (\(id)): name at least one user of users[]") }
            for (userIndex, user) in system.inboundUsers.enumerated() where !users.contains(user.uppercased()) {
                problems.append("\(location).inboundUsers[\(userIndex)] (\(id)): unknown user '\(user)'")
            }
            if let version = system.soapVersion, version != "1.1", version != "1.2" {
                problems.append("\(location).soapVersion (\(id)): must be \"1.1\" or \"1.2\", not '\(version)'")
            }
            if let outbound = system.outbound {
                let passwordGiven = outbound.password != nil || outbound.passwordEnvironment != nil
                if outbound.password != nil && outbound.passwordEnvironment != nil {
                    problems.append("\(location).outbound (\(id)): give password or passwordEnvironment, not both")
                }
                if outbound.username == nil && passwordGiven { problems.append("\(location).outbound (\(id)): a password needs a username") }
                if outbound.username != nil && !passwordGiven {
                    problems.append("\(location).outbound (\(id)): username needs password or passwordEnvironment")
                }
                if let name = outbound.passwordEnvironment, environment[name] == nil {
                    problems.append("\(location).outbound.passwordEnvironment (\(id)): environment variable \(name) is not set")
                }
                if (outbound.clientCertificate == nil) != (outbound.clientKey == nil) {
                    problems.append("\(location).outbound (\(id)): clientCertificate and clientKey go together")
                }
                for (key, file) in [("clientCertificate", outbound.clientCertificate), ("clientKey", outbound.clientKey), ("caBundle", outbound.caBundle)] {
                    guard let file else { continue }
                    let path = Self.resolve(file, relativeTo: directory)
                    if !FileManager.default.isReadableFile(atPath: path) {
                        problems.append("\(location).outbound.\(key) (\(id)): cannot read \(path)")
                    }
                }
            }
        }
        for (index, host) in (replyTo?.allowedHosts ?? []).enumerated()
        where host.isEmpty || host.contains("/") || host.contains(":") && !host.contains(".") && host.filter({ $0 == ":" }).count < 2 {
            problems.append("replyTo.allowedHosts[\(index)]: '\(host)' is not a host name or IP address")
        }
        for problem in delivery?.retry?.problems ?? [] { problems.append("delivery.retry.\(problem.key): \(problem.message)") }
        return problems
    }

    static func urlProblem(_ url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host, !host.isEmpty
        else { return "is not an absolute http:// or https:// URL" }
        if components.user != nil || components.password != nil { return "must not carry a user or password (use outbound)" }
        return nil
    }

    /// `file` as an absolute path, relative to `directory` unless it is absolute already.
    public static func resolve(_ file: String, relativeTo directory: String) -> String {
        file.hasPrefix("/") ? file : directory + "/" + file
    }
}
