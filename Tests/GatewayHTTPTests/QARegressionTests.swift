import GatewayConfig
import CurlClient
import Foundation
import GatewayHTTP
import GatewayRuntime
import Hummingbird
import LedgerSQLite
import Logging
import ServiceLifecycle
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Defects found by trying the running gateway as a hostile client and a demanding operator.
/// Each test failed before its fix.
@Suite("QA regressions: log injection, unverified users in the log, logon levels, CLI and configuration messages")
struct QARegressionTests {
    static let demoUsers: [GatewayConfiguration.User] = {
        (try? GatewayConfiguration.load(path: Repo.demoConfig).0.users) ?? []
    }()

    @Test("a user name with a line feed cannot forge log lines: the logon-failed line shows it as '?'")
    func logonFailedLineHasNoControlCharacters() async throws {
        let capture = LogCapture()
        let users = UserDirectory(users: Self.demoUsers, logger: capture.logger())
        // (Basic ends the user name at the first colon, so the forged line has none.)
        let name = "evil\n2026-12-01T00.00 info journal-gateway FORGED\r\u{1B}[2J"
        let header = "Basic " + Data((name + ":pw").utf8).base64EncodedString()
        #expect(await users.authenticate(authorizationHeader: header) == nil)
        let line = try #require(capture.all.first { $0.message == "logon failed" }, "\(capture.all)")
        let logged = try #require(line["user"])
        #expect(!logged.unicodeScalars.contains { $0.properties.generalCategory == .control }, "\(logged.debugDescription)")
        #expect(logged == "evil?2026-12-01T00.00 info journal-gateway FORGED??[2J")
    }

    @Test("a certificate subject with control characters is written with RFC 4514 hex escapes (it reaches the log unverified)")
    func distinguishedNameEscapesControlCharacters() throws {
        let name = try #require(DistinguishedName(parsing: "CN=evil\\\n2026 info FORGED,O=Demo"))
        #expect(name.attributes.first?.value == "evil\n2026 info FORGED")
        #expect(name.description == "CN=evil\\0A2026 info FORGED,O=Demo")
        #expect(try #require(DistinguishedName(parsing: "CN=a\\\r\nb")).description == "CN=a\\0D\\0Ab")
        #expect(try #require(DistinguishedName(parsing: "CN=Müller\\, Ann,O=Demo")).description == "CN=Müller\\, Ann,O=Demo")
    }

    @Test("routes without logon do not log the unverified user name of an Authorization header")
    func noUnverifiedUserOnOpenRoutes() async throws {
        let capture = LogCapture()
        let gateway = try await GatewayHarness.start(logger: capture.logger(level: .info))
        do {
            let claimed = Credentials(user: "NOSUCH", password: "whatever")
            for (index, path) in ["/health", ServicePaths.createSync + "?wsdl", "/ready"].enumerated() {
                let id = "qa-open-\(index)"
                let response = try await gateway.send("GET", path, headers: [("X-Request-ID", id)], credentials: claimed)
                #expect(response.status == 200, "\(path)")
                let line = try #require(capture.request(id).first, "\(capture.requests)")
                #expect(line["user"] == nil, "\(path): \(line)")
            }
            // A logon that was checked still names the user it claimed, and the logged-on user.
            #expect(try await gateway.send("GET", "/api/journal-entries", headers: [("X-Request-ID", "qa-api-bad")], credentials: claimed).status == 401)
            #expect(capture.request("qa-api-bad").first?["user"] == "NOSUCH")
            #expect(try await gateway.send("GET", "/api/journal-entries", headers: [("X-Request-ID", "qa-api-ok")]).status == 200)
            #expect(capture.request("qa-api-ok").first?["user"] == "INTEGRATION")
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }

    @Test("a logon refused as overloaded (503) on the JSON API is a notice like on the SOAP path, not an error")
    func overloadedLogonIsNotAnError() async throws {
        let capture = LogCapture()
        let gateway = try await GatewayHarness.start(logger: capture.logger(level: .info))
        do {
            // One client address holds at most 4 checks; distinct wrong passwords sent at once overflow it.
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<12 {
                    group.addTask {
                        try await gateway.send(
                            "GET", "/api/journal-entries", headers: [("X-Request-ID", "qa-flood-\(index)")],
                            credentials: Credentials(user: "INTEGRATION", password: "wrong-\(index)")
                        ).status
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.contains(503), "\(statuses)")
            let overloaded = capture.requests.filter { $0["status"] == "503" }
            #expect(!overloaded.isEmpty)
            for line in overloaded {
                #expect(line["logonFailure"] == "overloaded")
                #expect(line.level == .notice, "\(line)")
            }
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }

    @Test(
        "hash-password refuses a password no logon would accept (over 72 bytes, or with a NUL)",
        arguments: [
            (#"printf '%073d\n' 0"#, "the password has 73 bytes"),
            (#"printf 'welcome1\000x\n'"#, "NUL"),
        ])
    func hashPasswordRefusesUnusablePasswords(input: String, message: String) async throws {
        var environment = ProcessInfo.processInfo.environment
        environment["GATEWAY"] = try GatewayExecutable.path()
        let child = try ChildProcess(
            executable: "/bin/sh", arguments: ["-c", input + #" | "$GATEWAY" hash-password --cost 4"#], environment: environment)
        let (exit, log) = await child.waitForExit()
        #expect(exit.reason == .exit && exit.status != 0, "\(exit)\n\(log)")
        #expect(log.contains(message), "\(log)")
        #expect(!log.contains("$2b$"), "a hash was printed: \(log)")
    }

    @Test("hash-password still hashes a password of exactly 72 bytes")
    func hashPasswordAccepts72Bytes() async throws {
        var environment = ProcessInfo.processInfo.environment
        environment["GATEWAY"] = try GatewayExecutable.path()
        let child = try ChildProcess(
            executable: "/bin/sh", arguments: ["-c", #"printf '%072d\n' 0 | "$GATEWAY" hash-password --cost 4"#], environment: environment)
        let (exit, log) = await child.waitForExit()
        #expect(exit.reason == .exit && exit.status == 0, "\(exit)\n\(log)")
        #expect(log.hasPrefix("$2b$04$"), "\(log)")
    }

    @Test("an unknown tls.clientCertificates value names the allowed values, not a Swift decoding message")
    func clientCertificateModeMessage() throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = try Repo.writeConfig(in: directory) { $0["tls"] = ["clientCertificates": "maybe"] }
        do {
            _ = try GatewayConfiguration.load(path: path)
            Issue.record("a configuration with tls.clientCertificates 'maybe' was accepted")
        } catch let error as GatewayConfiguration.LoadError {
            #expect(error.problems.count == 1, "\(error)")
            #expect(
                error.description.contains(#"tls.clientCertificates: must be "none", "optional" or "required", not 'maybe'"#), "\(error.description)")
            #expect(!error.description.contains("Cannot initialize"), "\(error.description)")
        }
    }

    @Test("connections that send nothing, a stalled head or a stalled body are closed after the idle timeout")
    func idleConnectionsAreClosed() async throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (configuration, masterData) = try GatewayConfiguration.load(path: Repo.demoConfig)
        let store = try SQLiteLedgerStore(path: directory + "/ledger.sqlite", masterData: masterData, logger: GatewayHarness.testLogger)
        defer { try? store.close() }
        var settings = GatewaySettings(
            host: "127.0.0.1", port: 0, resourceDirectory: Repo.root, configuration: configuration, masterData: masterData)
        settings.idleTimeout = .seconds(1)
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let runtime = try GatewayRuntime.make(settings: settings, store: store, logger: GatewayHarness.testLogger) { port in
            portContinuation.yield(port)
            portContinuation.finish()
        }
        let http = runtime.http
        let server = Task { try await http.run() }
        defer { server.cancel() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())

        let token = Data("INTEGRATION:welcome1".utf8).base64EncodedString()
        let stalls: [(String, String)] = [
            ("nothing sent", ""),
            ("stalled head", "POST \(ServicePaths.createSync) HTTP/1.1\r\nHost: 127.0.0.1\r\nConte"),
            (
                "stalled body",
                "POST \(ServicePaths.createSync) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic \(token)\r\n"
                    + "Content-Type: text/xml\r\nContent-Length: 1000\r\n\r\n<soapenv:Envelope"
            ),
        ]
        try await withThrowingTaskGroup(of: (String, StalledConnection.Outcome).self) { group in
            for (name, bytes) in stalls {
                group.addTask { (name, try await StalledConnection.open(port: port, sending: Array(bytes.utf8), waitAtMost: 10)) }
            }
            for try await (name, outcome) in group {
                #expect(outcome.closedByServer, "\(name): still open after \(outcome.seconds) s")
                #expect(outcome.seconds >= 0.5 && outcome.seconds < 6, "\(name): closed after \(outcome.seconds) s")
            }
        }
        // The gateway still answers.
        let health = try await StalledConnection.open(port: port, sending: Array("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".utf8), waitAtMost: 10)
        #expect(health.received.starts(with: Array("HTTP/1.1 200".utf8)), "\(String(decoding: health.received, as: UTF8.self))")
    }
}

/// A TCP connection that sends some bytes and then nothing, held open until the server closes it.
enum StalledConnection {
    struct Outcome: Sendable {
        /// The server closed the connection (not our receive timeout).
        let closedByServer: Bool
        let seconds: Double
        let received: [UInt8]
    }

    static func open(port: Int, sending bytes: [UInt8], waitAtMost timeout: Int) async throws -> Outcome {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Outcome, any Error>) in
            Thread {
                do {
                    continuation.resume(returning: try blocking(port: port, bytes, timeout: timeout))
                } catch {
                    continuation.resume(throwing: error)
                }
            }.start()
        }
    }

    private static func blocking(port: Int, _ bytes: [UInt8], timeout: Int) throws -> Outcome {
        let fd = try RawHTTP.connected(port: port)
        defer { close(fd) }
        RawHTTP.setReceiveTimeout(fd, seconds: timeout)
        let started = ContinuousClock.now
        if !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n == bytes.count else { throw HarnessError("send() failed: errno \(errno)") }
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            if n > 0 {
                received += buffer[0..<n]
                // A complete small answer (the health check) ends the wait.
                if String(decoding: received, as: UTF8.self).hasSuffix("ok") { return Outcome(closedByServer: false, seconds: seconds, received: received) }
                continue
            }
            // 0: orderly close by the server; a reset counts as closed too. EAGAIN: our timeout.
            let closed = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)
            return Outcome(closedByServer: closed, seconds: seconds, received: received)
        }
    }
}
