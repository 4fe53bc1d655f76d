import GatewayConfig
import CurlClient
import Foundation
import GatewayHTTP
import HummingbirdBcrypt
import LedgerSQLite
import Logging
import Testing

@Suite("Request log, metrics, health and readiness of the running gateway")
struct ObservabilityTests {
    static let soapInterface = "JournalEntryCreateRequestConfirmation_In"
    /// Text that appears only in request bodies: it must never reach the log.
    static let payloadMarker = "PAYLOAD-MARKER-7F3A9C"
    static let wrongPassword = "wrong-password-Q9Z"

    static func soapHeaders(requestID: String?) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [("Content-Type", "text/xml; charset=utf-8"), ("SOAPAction", "\"\(Repo.soapAction)\"")]
        if let requestID { headers.append(("X-Request-ID", requestID)) }
        return headers
    }

    static func post(
        _ gateway: GatewayHarness, _ request: BulkRequest, requestID: String?, credentials: Credentials? = .integration
    ) async throws -> HTTPResponseSummary {
        try await gateway.send(
            "POST", ServicePaths.createSync, body: Array(request.envelope().utf8), headers: soapHeaders(requestID: requestID), credentials: credentials)
    }

    static func scrape(_ gateway: GatewayHarness, credentials: Credentials? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> MetricsScrape
    {
        let response = try await gateway.get("/metrics", credentials: credentials)
        try #require(response.status == 200, "GET /metrics answered \(response.status): \(response.text)", sourceLocation: sourceLocation)
        #expect(response.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true, sourceLocation: sourceLocation)
        return MetricsScrape(response.text)
    }

    static func series(_ name: String, _ labels: [(String, String)] = []) -> String {
        labels.isEmpty ? name : name + "{" + labels.map { "\($0.0)=\"\($0.1)\"" }.joined(separator: ",") + "}"
    }

    static func entry(amount: String = "100.00", credit: String? = nil) -> EntrySpec {
        var entry = EntrySpec.balanced(amount: amount)
        if let credit { entry.lines[1] = .gl("11001000", "-" + credit) }
        entry.headerText = payloadMarker
        return entry
    }

    /// Runs `body` against a gateway that logs into `capture` and counts into its own registry.
    static func withObservedGateway<T>(
        _ capture: LogCapture, json: Bool = false, configPath: String = Repo.demoConfig, _ body: (GatewayHarness) async throws -> T
    ) async throws -> T {
        let gateway = try await GatewayHarness.start(
            configPath: configPath, logger: json ? capture.jsonLogger(level: .info) : capture.logger(level: .info))
        do {
            let result = try await body(gateway)
            await gateway.stop()
            return result
        } catch {
            await gateway.stop()
            throw error
        }
    }

    static let generatedID = try! NSRegularExpression(pattern: "^[0-9a-f]{16}$")
    static func isGeneratedID(_ value: String?) -> Bool {
        guard let value else { return false }
        return generatedID.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)) != nil
    }

    @Test("posted, rejected, fault and 401: one log line each with every field, counters and histograms move, no password or payload is logged")
    func outcomesAreLoggedAndCounted() async throws {
        let capture = LogCapture()
        try await Self.withObservedGateway(capture) { gateway in
            let before = try await Self.scrape(gateway)
            let postedID = BulkRequest.newMessageID("OBS-POSTED")
            let rejectedID = BulkRequest.newMessageID("OBS-REJECTED")

            let posted = try await Self.post(gateway, BulkRequest(Self.entry(), messageID: postedID), requestID: "obs-posted.1")
            #expect(try expectConfirmation(posted).entries.map(\.typeIDs.first) == ["605(RW)"])
            #expect(posted.header("X-Request-ID") == "obs-posted.1")

            let rejected = try await Self.post(gateway, BulkRequest(Self.entry(credit: "90.00"), messageID: rejectedID), requestID: "obs_rejected-2")
            #expect(try expectConfirmation(rejected).entries.first?.typeIDs.contains("702(F5)") == true)
            #expect(rejected.header("X-Request-ID") == "obs_rejected-2")

            // An empty MessageHeader/ID violates the XSD: a client fault. Its X-Request-ID is too long to be reused.
            let tooLong = String(repeating: "a", count: 65)
            let fault = try await Self.post(gateway, BulkRequest(Self.entry(), messageID: ""), requestID: tooLong)
            _ = try expectFault(fault, status: 500)
            let faultID = fault.header("X-Request-ID")
            #expect(Self.isGeneratedID(faultID), "a 65-character X-Request-ID is replaced, got \(faultID ?? "none")")

            let unauthorized = try await Self.post(
                gateway, BulkRequest(Self.entry(), messageID: BulkRequest.newMessageID("OBS-401")), requestID: "not sane!",
                credentials: Credentials(user: "INTEGRATION", password: Self.wrongPassword))
            #expect(unauthorized.status == 401)
            let unauthorizedID = unauthorized.header("X-Request-ID")
            #expect(Self.isGeneratedID(unauthorizedID), "an X-Request-ID with a space and '!' is replaced, got \(unauthorizedID ?? "none")")

            // Non-SOAP routes: outcome = HTTP status.
            let api = try await gateway.send("GET", "/api/journal-entries?limit=5", headers: [("X-Request-ID", "obs-api")])
            #expect(api.status == 200)
            let missing = try await gateway.send("GET", "/no/such/path", headers: [("X-Request-ID", "obs-404")], credentials: nil)
            #expect(missing.status == 404)
            #expect(missing.header("X-Request-ID") == "obs-404")
            let wsdl = try await gateway.send("GET", ServicePaths.createSync + "?wsdl", headers: [("X-Request-ID", "obs-wsdl")], credentials: nil)
            #expect(wsdl.status == 200)

            // The log: exactly one line per request, with every field.
            func line(_ requestID: String?, sourceLocation: SourceLocation = #_sourceLocation) throws -> LogCapture.Event {
                let lines = capture.request(try #require(requestID, sourceLocation: sourceLocation))
                try #require(lines.count == 1, "request \(requestID ?? "") has \(lines.count) log lines: \(lines)", sourceLocation: sourceLocation)
                return lines[0]
            }
            let postedLine = try line("obs-posted.1")
            #expect(postedLine.level == .info)
            #expect(postedLine["outcome"] == "posted")
            #expect(postedLine["status"] == "200")
            #expect(postedLine["method"] == "POST")
            #expect(postedLine["path"] == ServicePaths.createSync)
            #expect(postedLine["interface"] == Self.soapInterface)
            #expect(postedLine["user"] == "INTEGRATION")
            #expect(postedLine["logon"] == "basic")
            #expect(postedLine["messageID"] == postedID)
            #expect(postedLine["entriesPosted"] == "1")
            #expect(postedLine["entriesRejected"] == "0")
            #expect(postedLine["remoteAddress"]?.hasPrefix("127.0.0.1:") == true, "remoteAddress \(postedLine["remoteAddress"] ?? "none")")
            let duration = try #require(postedLine["durationMs"].flatMap(Double.init), "durationMs \(postedLine["durationMs"] ?? "none")")
            #expect(duration > 0 && duration < 60_000)

            let rejectedLine = try line("obs_rejected-2")
            #expect(rejectedLine.level == .info)
            #expect(rejectedLine["outcome"] == "rejected")
            #expect(rejectedLine["messageID"] == rejectedID)
            #expect(rejectedLine["entriesPosted"] == "0")
            #expect(rejectedLine["entriesRejected"] == "1")

            let faultLine = try line(faultID)
            #expect(faultLine.level == .notice)
            #expect(faultLine["outcome"] == "fault")
            #expect(faultLine["status"] == "500")
            #expect(faultLine["user"] == "INTEGRATION")
            #expect(faultLine["entriesPosted"] == "0")

            let unauthorizedLine = try line(unauthorizedID)
            #expect(unauthorizedLine.level == .notice)
            #expect(unauthorizedLine["outcome"] == "unauthorized")
            #expect(unauthorizedLine["status"] == "401")
            #expect(unauthorizedLine["user"] == "INTEGRATION", "the claimed user name of a failed logon")
            #expect(unauthorizedLine["logonFailure"] == "wrongPassword")
            #expect(unauthorizedLine["messageID"] == nil, "an unauthenticated body is not read")

            let apiLine = try line("obs-api")
            #expect(apiLine["interface"] == "api")
            #expect(apiLine["outcome"] == "200")
            #expect(apiLine["user"] == "INTEGRATION")
            #expect(apiLine["entriesPosted"] == nil)
            #expect(try line("obs-404")["interface"] == "other")
            #expect(try line("obs-404")["outcome"] == "404")
            #expect(try line("obs-wsdl")["interface"] == "wsdl")

            // Never a password, the Authorization value or anything of a body.
            let logged = capture.everything
            for secret in ["welcome1", Self.wrongPassword, Data("INTEGRATION:welcome1".utf8).base64EncodedString(), Self.payloadMarker, "JournalEntryBulkCreateRequest"] {
                #expect(!logged.contains(secret), "the log contains '\(secret)'")
            }

            // The metrics.
            let after = try await Self.scrape(gateway)
            func delta(_ name: String, _ labels: [(String, String)] = []) -> Double {
                after[Self.series(name, labels)] - before[Self.series(name, labels)]
            }
            let soap = ("interface", Self.soapInterface)
            for outcome in ["posted", "rejected", "fault", "unauthorized"] {
                #expect(delta("journal_gateway_requests_total", [soap, ("outcome", outcome)]) == 1, "requests_total outcome=\(outcome)")
            }
            #expect(delta("journal_gateway_requests_total", [soap, ("outcome", "error")]) == 0)
            #expect(delta("journal_gateway_entries_total", [soap, ("outcome", "posted")]) == 1)
            #expect(delta("journal_gateway_entries_total", [soap, ("outcome", "rejected")]) == 1)
            #expect(delta("journal_gateway_validation_faults_total", [soap]) == 1)
            #expect(delta("journal_gateway_logon_failures_total", [soap, ("reason", "wrongPassword")]) == 1)
            #expect(delta("journal_gateway_requests_total", [("interface", "api"), ("outcome", "200")]) == 1)
            #expect(delta("journal_gateway_requests_total", [("interface", "other"), ("outcome", "404")]) == 1)
            #expect(delta("journal_gateway_requests_total", [("interface", "wsdl"), ("outcome", "200")]) == 1)
            #expect(after[Self.series("journal_gateway_requests_total", [("interface", "metrics"), ("outcome", "200")])] >= 1, "the first scrape is counted")

            #expect(delta("journal_gateway_request_duration_seconds_count", [soap]) == 4)
            #expect(delta("journal_gateway_request_duration_seconds_bucket", [soap, ("le", "+Inf")]) == 4)
            #expect(delta("journal_gateway_request_duration_seconds_sum", [soap]) > 0)
            // A 60-second bucket does not exist; the 30-second one holds every request of this test.
            #expect(delta("journal_gateway_request_duration_seconds_bucket", [soap, ("le", "30.0")]) == 4)

            let commits = delta("journal_gateway_ledger_batch_messages_count")
            #expect(commits >= 1, "the posted message was committed by the writer")
            #expect(delta("journal_gateway_ledger_batch_messages_sum") >= commits)
            #expect(delta("journal_gateway_ledger_commit_duration_seconds_count") == commits)
            #expect(delta("journal_gateway_ledger_commit_duration_seconds_sum") > 0)
            for (name, type) in [
                ("journal_gateway_requests_total", "counter"), ("journal_gateway_entries_total", "counter"),
                ("journal_gateway_validation_faults_total", "counter"), ("journal_gateway_logon_failures_total", "counter"),
                ("journal_gateway_request_duration_seconds", "histogram"), ("journal_gateway_ledger_batch_messages", "histogram"),
                ("journal_gateway_ledger_commit_duration_seconds", "histogram"),
            ] {
                #expect(after.declares(name, type: type), "no # TYPE \(name) \(type)")
            }
        }
    }

    @Test("/health answers ok; /ready is 200 while the ledger is writable, 503 naming the cause while it is read-only, 200 again after")
    func readinessFollowsTheLedger() async throws {
        let capture = LogCapture()
        try await Self.withObservedGateway(capture) { gateway in
            let health = try await gateway.get("/health", credentials: nil)
            #expect(health.status == 200)
            #expect(health.text == "ok\n")

            func readiness(sourceLocation: SourceLocation = #_sourceLocation) async throws -> (Int, [String: String]) {
                let response = try await gateway.get("/ready", credentials: nil)
                #expect(response.header("Content-Type")?.hasPrefix("application/json") == true, sourceLocation: sourceLocation)
                let body = try #require(
                    try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: String], "body \(response.text)",
                    sourceLocation: sourceLocation)
                return (response.status, body)
            }
            let (readyStatus, ready) = try await readiness()
            #expect(readyStatus == 200)
            #expect(ready == ["status": "ready"])

            // The writer's connection refuses every write, as with a read-only database file.
            try await gateway.store.setWriterQueryOnly(true)
            let (notReadyStatus, notReady) = try await readiness()
            #expect(notReadyStatus == 503)
            #expect(notReady["status"] == "unavailable")
            #expect(notReady["reason"]?.contains("read-only") == true, "reason: \(notReady["reason"] ?? "none")")

            // A post meanwhile gets the gateway's own fault, is logged as an error and posts nothing.
            let failed = try await Self.post(gateway, BulkRequest(Self.entry()), requestID: "obs-readonly")
            let fault = try expectFault(failed, status: 500)
            #expect(fault.code.hasSuffix("Server"), "fault code \(fault.code)")
            let failedLine = try #require(capture.request("obs-readonly").first)
            #expect(failedLine["outcome"] == "error")
            #expect(failedLine.level == .error)
            try await gateway.expectLedgerEmpty()

            try await gateway.store.setWriterQueryOnly(false)
            let (againStatus, again) = try await readiness()
            #expect(againStatus == 200)
            #expect(again == ["status": "ready"])
            _ = try expectConfirmation(try await Self.post(gateway, BulkRequest(Self.entry()), requestID: nil))

            let metrics = try await Self.scrape(gateway)
            #expect(metrics[Self.series("journal_gateway_requests_total", [("interface", "ready"), ("outcome", "503")])] == 1)
            #expect(metrics[Self.series("journal_gateway_requests_total", [("interface", "ready"), ("outcome", "200")])] == 2)
            #expect(metrics[Self.series("journal_gateway_requests_total", [("interface", Self.soapInterface), ("outcome", "error")])] == 1)
            #expect(metrics[Self.series("journal_gateway_validation_faults_total", [("interface", Self.soapInterface)])] == 0)
        }
    }

    @Test("/metrics behind its own credentials: open to them only; communication users and anonymous scrapers get 401")
    func metricsCredentials() async throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let hash = Bcrypt.hash("scrape-secret", cost: 4)
        let config = try Repo.writeConfig(in: directory) { json in json["metrics"] = ["username": "prometheus", "passwordHash": hash] }
        let scraper = Credentials(user: "prometheus", password: "scrape-secret")
        let capture = LogCapture()
        try await Self.withObservedGateway(capture, configPath: config) { gateway in
            let anonymous = try await gateway.get("/metrics", credentials: nil)
            #expect(anonymous.status == 401)
            #expect(anonymous.header("WWW-Authenticate")?.hasPrefix("Basic") == true)
            let communicationUser = try await gateway.get("/metrics", credentials: .integration)
            #expect(communicationUser.status == 401)
            let wrong = try await gateway.get("/metrics", credentials: Credentials(user: "prometheus", password: "scrape-secreT"))
            #expect(wrong.status == 401)

            // The metrics user cannot post.
            let post = try await Self.post(gateway, BulkRequest(Self.entry()), requestID: "obs-scraper-posts", credentials: scraper)
            #expect(post.status == 401)

            let metrics = try await Self.scrape(gateway, credentials: scraper)
            let onMetrics = ("interface", "metrics")
            #expect(metrics[Self.series("journal_gateway_requests_total", [onMetrics, ("outcome", "401")])] == 3)
            #expect(metrics[Self.series("journal_gateway_logon_failures_total", [onMetrics, ("reason", "noCredentials")])] == 1)
            #expect(metrics[Self.series("journal_gateway_logon_failures_total", [onMetrics, ("reason", "unknownUser")])] == 1)
            #expect(metrics[Self.series("journal_gateway_logon_failures_total", [onMetrics, ("reason", "wrongPassword")])] == 1)
            #expect(metrics[Self.series("journal_gateway_logon_failures_total", [("interface", Self.soapInterface), ("reason", "unknownUser")])] == 1)
            #expect(!capture.everything.contains("scrape-secret"))
            let scrapeLines = capture.requests.filter { $0["interface"] == "metrics" && $0["status"] == "200" }
            #expect(scrapeLines.count == 1)
            #expect(scrapeLines.first?["user"] == "prometheus")
        }

        // Half a credential pair, or a hash that is not bcrypt, is a configuration error.
        for (metrics, expected) in [
            (["username": "prometheus"], "metrics: username and passwordHash go together"),
            (["username": "prometheus", "passwordHash": "scrape-secret"], "metrics.passwordHash:"),
        ] {
            let path = try Repo.writeConfig(in: directory) { json in json["metrics"] = metrics }
            let error = #expect(throws: (any Error).self) { _ = try GatewayConfiguration.load(path: path) }
            #expect(error.map { "\($0)".contains(expected) } == true, "\(String(describing: error))")
        }
    }

    @Test("JSON log format: every line is one JSON object with time, level, message and the metadata as typed keys")
    func jsonLogLines() async throws {
        let capture = LogCapture()
        try await Self.withObservedGateway(capture, json: true) { gateway in
            _ = try expectConfirmation(try await Self.post(gateway, BulkRequest(Self.entry()), requestID: "obs-json"))
            let refused = try await Self.post(
                gateway, BulkRequest(Self.entry()), requestID: "obs-json-401", credentials: Credentials(user: "NOBODY", password: Self.wrongPassword))
            #expect(refused.status == 401)
        }
        let lines = capture.jsonLines
        try #require(!lines.isEmpty)
        var objects: [[String: Any]] = []
        for line in lines {
            #expect(line.hasSuffix("}\n") && line.filter { $0 == "\n" }.count == 1, "one line per event: \(line)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
            #expect(object["time"] is String && object["level"] is String && object["message"] is String, "fixed keys missing: \(line)")
            objects.append(object)
        }
        let posted = try #require(objects.first { $0["requestID"] as? String == "obs-json" })
        #expect(posted["message"] as? String == "request")
        #expect(posted["level"] as? String == "info")
        #expect(posted["outcome"] as? String == "posted")
        #expect((posted["status"] as? NSNumber)?.intValue == 200)
        #expect((posted["entriesPosted"] as? NSNumber)?.intValue == 1)
        #expect(((posted["durationMs"] as? NSNumber)?.doubleValue ?? -1) > 0)
        let time = try #require(posted["time"] as? String)
        #expect(time.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$"#, options: .regularExpression) != nil, "time \(time)")
        let refusedLine = try #require(objects.first { $0["requestID"] as? String == "obs-json-401" })
        #expect(refusedLine["level"] as? String == "notice")
        #expect(refusedLine["user"] as? String == "NOBODY")
        #expect(refusedLine["logonFailure"] as? String == "unknownUser")
        #expect(!lines.joined().contains(Self.wrongPassword) && !lines.joined().contains(Self.payloadMarker))
    }

    @Test("at level notice, successful requests leave no log line but failed logons do; the metrics count both")
    func levelFiltersRequestLines() async throws {
        let capture = LogCapture()
        let gateway = try await GatewayHarness.start(logger: capture.logger(level: .notice))
        do {
            _ = try expectConfirmation(try await Self.post(gateway, BulkRequest(Self.entry()), requestID: "obs-quiet"))
            let refused = try await Self.post(
                gateway, BulkRequest(Self.entry()), requestID: "obs-loud", credentials: Credentials(user: "INTEGRATION", password: Self.wrongPassword))
            #expect(refused.status == 401)
            #expect(capture.request("obs-quiet").isEmpty)
            #expect(capture.request("obs-loud").count == 1)
            let metrics = try await Self.scrape(gateway)
            #expect(metrics[Self.series("journal_gateway_requests_total", [("interface", Self.soapInterface), ("outcome", "posted")])] == 1)
            #expect(metrics[Self.series("journal_gateway_requests_total", [("interface", Self.soapInterface), ("outcome", "unauthorized")])] == 1)
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }

    @Test("JSONLogHandler escapes any text, flattens nested metadata and keeps its fixed keys")
    func jsonLineRendering() throws {
        let line = JSONLogHandler.line(
            time: "2026-01-02T03:04:05.000006Z", level: .warning, message: "quote \" backslash \\ newline \n tab \t bell \u{7} é €",
            label: "journal-gateway",
            metadata: [
                "level": "from metadata", "count": .stringConvertible(3), "ratio": .stringConvertible(0.25), "flag": .stringConvertible(true),
                "nested": ["inner": "value", "deeper": ["leaf": "x"]], "list": ["a", .stringConvertible(2)],
            ])
        #expect(line.hasSuffix("}\n") && !line.dropLast().contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["message"] as? String == "quote \" backslash \\ newline \n tab \t bell \u{7} é €")
        #expect(object["level"] as? String == "warning")
        #expect(object["metadata.level"] as? String == "from metadata")
        #expect(object["time"] as? String == "2026-01-02T03:04:05.000006Z")
        #expect(object["label"] as? String == "journal-gateway")
        #expect((object["count"] as? NSNumber)?.intValue == 3)
        #expect((object["ratio"] as? NSNumber)?.doubleValue == 0.25)
        #expect(object["flag"] as? Bool == true)
        #expect(object["nested.inner"] as? String == "value")
        #expect(object["nested.deeper.leaf"] as? String == "x")
        #expect((object["list"] as? [Any])?.count == 2)
    }

    @Test("journal-gateway serve --log-format json writes only JSON lines; a bad --log-level or LOG_LEVEL is refused by name", .timeLimit(.minutes(2)))
    func binaryLogOptions() async throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let executable = try GatewayExecutable.path()
        let arguments = [
            "serve", "--host", "127.0.0.1", "--port", "0", "--database", directory + "/ledger.sqlite", "--config", Repo.demoConfig, "--resources", Repo.root,
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["LOG_LEVEL"] = nil
        let child = try ChildProcess(executable: executable, arguments: arguments + ["--log-format", "json", "--log-level", "info"], environment: environment)
        guard let port = try await child.waitForLog(#"listening on http://127\.0\.0\.1:(\d+)"#).flatMap({ Int($0) }) else {
            child.signal(SIGKILL)
            let (exit, log) = await child.waitForExit()
            throw HarnessError("journal-gateway did not start (\(exit)):\n\(log)")
        }
        let client = try CurlClient(maxConcurrentTransfers: 2)
        let response = try await client.execute(
            HTTPRequestSpec(
                url: "http://127.0.0.1:\(port)\(ServicePaths.createSync)", method: "POST", headers: Self.soapHeaders(requestID: "obs-binary"),
                body: Array(BulkRequest(Self.entry()).envelope().utf8), totalTimeout: .seconds(30), basicAuth: ("INTEGRATION", "welcome1"),
                proxy: .disabled))
        await client.shutdown()
        #expect(response.status == 200)
        child.signal(SIGTERM)
        let (exit, log) = await child.waitForExit()
        #expect(exit.status == 0 && exit.reason == .exit, "\(exit)")
        let lines = log.split(separator: "\n")
        var sawRequest = false
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["time"] is String && object?["level"] is String && object?["message"] is String, "not a JSON log line: \(line)")
            if object?["requestID"] as? String == "obs-binary" {
                sawRequest = true
                #expect(object?["outcome"] as? String == "posted")
            }
        }
        #expect(sawRequest, "no request line in:\n\(log)")
        #expect(lines.contains { $0.contains("journal-gateway stopped") })

        let badOption = try ChildProcess(executable: executable, arguments: arguments + ["--log-level", "verbose"], environment: environment)
        let (badOptionExit, badOptionLog) = await badOption.waitForExit()
        #expect(badOptionExit.status != 0)
        #expect(badOptionLog.contains("'verbose'") && badOptionLog.contains("notice"), "\(badOptionLog)")

        environment["LOG_LEVEL"] = "loud"
        let badEnvironment = try ChildProcess(executable: executable, arguments: arguments, environment: environment)
        let (badEnvironmentExit, badEnvironmentLog) = await badEnvironment.waitForExit()
        #expect(badEnvironmentExit.status != 0)
        #expect(badEnvironmentLog.contains("LOG_LEVEL 'loud' is not a log level"), "\(badEnvironmentLog)")
    }
}
