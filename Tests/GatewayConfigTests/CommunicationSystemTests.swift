import Foundation
import GatewayConfig
import Testing

/// How an asynchronous request finds the communication system its confirmation goes to, and
/// what the configuration check says about communication systems, `wsa:ReplyTo` hosts and the
/// retry schedule.
@Suite("Communication systems and confirmation routing")
struct CommunicationSystemTests {
    /// A configuration read from the demo file, with `communicationSystems` replaced.
    static func configuration(systems: [GatewayConfiguration.CommunicationSystem]) throws -> GatewayConfiguration {
        var (configuration, _) = try GatewayConfiguration.load(path: demoPath, checks: [])
        configuration.communicationSystems = systems
        return configuration
    }

    static let demoPath: String = {
        var directory = URL(fileURLWithPath: #filePath)
        while directory.path != "/" {
            directory.deleteLastPathComponent()
            let candidate = directory.appendingPathComponent("config/demo.json").path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        return "config/demo.json"
    }()

    static let erp = GatewayConfiguration.CommunicationSystem(
        businessSystemID: "ERP_PROD", confirmationURL: "https://erp.example.com/confirmations", inboundUsers: ["INTEGRATION"])
    static let treasury = GatewayConfiguration.CommunicationSystem(
        businessSystemID: "TREASURY", confirmationURL: nil, inboundUsers: ["integration"])

    @Test("SenderBusinessSystemID selects the system, and the system must list the request's user")
    func senderSelectsTheSystem() throws {
        let configuration = try Self.configuration(systems: [Self.erp, Self.treasury])
        let found = try configuration.communicationSystem(user: "INTEGRATION", senderBusinessSystemID: "TREASURY").get()
        #expect(found.businessSystemID == "TREASURY")
        #expect(found.confirmationURL == nil)
        let stranger = configuration.communicationSystem(user: "AUDITOR", senderBusinessSystemID: "ERP_PROD")
        #expect(throws: GatewayConfiguration.RoutingProblem.self) { try stranger.get() }
        if case .failure(let problem) = stranger {
            #expect(problem.description == "communication system ERP_PROD does not list user AUDITOR in inboundUsers")
        }
        if case .failure(let problem) = configuration.communicationSystem(user: "INTEGRATION", senderBusinessSystemID: "NOBODY") {
            #expect(problem.description == "no communication system has business system ID NOBODY")
        } else {
            Issue.record("an unknown sender must not be routed")
        }
    }

    @Test("without SenderBusinessSystemID the user's only system is used; with two, none is guessed")
    func missingSender() throws {
        let one = try Self.configuration(systems: [Self.erp])
        #expect(try one.communicationSystem(user: "integration", senderBusinessSystemID: nil).get().businessSystemID == "ERP_PROD")
        #expect(try one.communicationSystem(user: "INTEGRATION", senderBusinessSystemID: "").get().businessSystemID == "ERP_PROD")
        let two = try Self.configuration(systems: [Self.erp, Self.treasury])
        guard case .failure(let problem) = two.communicationSystem(user: "INTEGRATION", senderBusinessSystemID: nil) else {
            Issue.record("two systems: the sender must be named")
            return
        }
        #expect(problem.description.contains("has 2 communication systems"))
    }

    @Test("wsa:ReplyTo is honoured only for allowed http(s) hosts, compared without case")
    func replyToHosts() {
        let policy = GatewayConfiguration.ReplyTo(allowedHosts: ["Receiver.Example.com", "::1"])
        #expect(policy.refusal(of: "https://receiver.example.com:8443/confirm") == nil)
        #expect(policy.refusal(of: "http://[::1]:9099/confirmations") == nil)
        #expect(policy.refusal(of: "https://evil.example.com/confirm") == "host evil.example.com is not in replyTo.allowedHosts")
        #expect(policy.refusal(of: "file:///etc/passwd") == "it is not an absolute http:// or https:// URL")
        #expect(policy.refusal(of: "gopher://receiver.example.com/") != nil)
        #expect(GatewayConfiguration.ReplyTo(allowedHosts: []).refusal(of: "http://127.0.0.1/") != nil)
    }

    @Test("the check reports every communication-system problem at once, with its line")
    func checkReportsProblems() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jg-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.demoPath))) as! [String: Any]
        json["communicationSystems"] = [
            ["businessSystemID": "ERP", "confirmationURL": "ftp://erp/confirm", "inboundUsers": ["NOBODY"], "soapVersion": "1.3"],
            ["businessSystemID": "ERP", "confirmationURL": "http://user:secret@erp/confirm", "inboundUsers": [String](),
             "outbound": ["username": "GATEWAY"]],
        ]
        json["replyTo"] = ["allowedHosts": ["http://host/path"]]
        json["delivery"] = ["retry": ["maximumAttempts": 0]]
        let path = directory.appendingPathComponent("config.json").path
        try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: path))
        do {
            _ = try GatewayConfiguration.load(path: path, checks: [])
            Issue.record("the configuration must be refused")
        } catch let error as GatewayConfiguration.LoadError {
            let text = error.description
            for expected in [
                "communicationSystems[0].confirmationURL (ERP): 'ftp://erp/confirm' is not an absolute http:// or https:// URL",
                "communicationSystems[0].inboundUsers[0] (ERP): unknown user 'NOBODY'",
                "communicationSystems[0].soapVersion (ERP): must be \"1.1\" or \"1.2\", not '1.3'",
                "communicationSystems[1].businessSystemID (ERP): already used by communicationSystems[0]",
                "communicationSystems[1].confirmationURL (ERP): 'http://user:secret@erp/confirm' must not carry a user or password (use outbound)",
                "communicationSystems[1].inboundUsers (ERP): name at least one user of users[]",
                "communicationSystems[1].outbound (ERP): username needs password or passwordEnvironment",
                "replyTo.allowedHosts[0]: 'http://host/path' is not a host name or IP address",
                "delivery.retry.maximumAttempts",
            ] {
                #expect(text.contains(expected), "missing: \(expected)\n\(text)")
            }
            #expect(error.problems.allSatisfy { $0.position != nil }, "every problem names its line: \(text)")
        }
    }

    @Test("the demo configuration routes DEMO_SENDER confirmations to the local receiver")
    func demoConfiguration() throws {
        let (configuration, _) = try GatewayConfiguration.load(path: Self.demoPath, checks: [])
        let system = try configuration.communicationSystem(user: "INTEGRATION", senderBusinessSystemID: "DEMO_SENDER").get()
        #expect(system.confirmationURL == "http://127.0.0.1:9099/confirmations")
        #expect(configuration.replyTo?.refusal(of: "http://localhost:9099/x") == nil)
    }
}
