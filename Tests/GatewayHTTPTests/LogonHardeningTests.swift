import GatewayConfig
import CurlClient
import Foundation
import GatewayHTTP
import Hummingbird
import HummingbirdBcrypt
import Logging
import SOAPCore
import Synchronization
import Testing

/// `Authorization: Basic <base64 of user:password>`, built by hand (any bytes, NUL included).
func basicHeader(_ user: String, _ password: String) -> String {
    "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
}

private func demoUsers() throws -> [GatewayConfiguration.User] {
    try GatewayConfiguration.load(path: Repo.demoConfig).0.users
}

private func elapsed(_ body: () async throws -> Void) async rethrows -> Duration {
    let start = ContinuousClock.now
    try await body()
    return ContinuousClock.now - start
}

private func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

private func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
}

private func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

@Suite("Logon hardening: what a password check refuses before bcrypt")
struct LogonRefusalTests {
    @Test("a password that matches only up to a NUL byte does not log on (SOAP and JSON API); the real one still does")
    func nulByte() async throws {
        try await withGateway { gateway in
            let xml = try Repo.fixture("create_single_soap11.xml")
            for header in [
                basicHeader("INTEGRATION", "welcome1\0anything"), basicHeader("INTEGRATION", "welcome1\0"), basicHeader("INTEGRATION\0X", "welcome1"),
            ] {
                let soap = try await gateway.send(
                    "POST", ServicePaths.createSync, body: Array(xml.utf8),
                    headers: [("Content-Type", "text/xml; charset=utf-8"), ("Authorization", header)], credentials: nil)
                #expect(soap.status == 401, "\(header): \(soap.text)")
                let api = try await gateway.send("GET", "/api/journal-entries", headers: [("Authorization", header)], credentials: nil)
                #expect(api.status == 401, "\(header)")
            }
            try await gateway.expectLedgerEmpty()
            _ = try expectConfirmation(try await gateway.postSOAP(xml))
        }
    }

    @Test("a password longer than bcrypt's 72 bytes is refused, so that only its first 72 bytes cannot log on")
    func longPassword() async throws {
        let password = String(repeating: "p", count: 72)
        let json = #"{"name": "LONG", "passwordHash": "\#(Bcrypt.hash(password, cost: 4))"}"#
        let user = try JSONDecoder().decode(GatewayConfiguration.User.self, from: Data(json.utf8))
        let directory = UserDirectory(users: [user], logger: GatewayHarness.testLogger)
        func outcome(_ password: String) async -> LogonOutcome {
            var headers = HTTPFields()
            headers[.authorization] = basicHeader("LONG", password)
            return await directory.authenticate(headers: headers, clientCertificate: nil, remoteAddress: nil)
        }
        #expect(await outcome(password).user?.name == "LONG")
        guard case .refused(let failure) = await outcome(password + "anything") else {
            Issue.record("a 80-byte password sharing the first 72 bytes logged on")
            return
        }
        #expect(failure.reason == .passwordTooLong)
    }

    @Test("the Basic scheme name is case-insensitive; other schemes and broken values are 401")
    func schemeName() async throws {
        try await withGateway { gateway in
            let encoded = Data("INTEGRATION:welcome1".utf8).base64EncodedString()
            for (value, status) in [("basic " + encoded, 200), ("BASIC  " + encoded, 200), ("Bearer " + encoded, 401), ("Basic", 401), ("Basic :", 401)] {
                let response = try await gateway.send("GET", "/api/journal-entries", headers: [("Authorization", value)], credentials: nil)
                #expect(response.status == status, "Authorization: \(value)")
            }
        }
    }

    @Test("a failed logon is logged with user, remote address and reason, never the password")
    func failedLogonIsLogged() async throws {
        let log = HTTPSTestLog()
        let gateway = try await GatewayHarness.start(logger: log.logger)
        do {
            let secret = "Sesame-\(UUID().uuidString)"
            #expect(try await gateway.get("/api/journal-entries", credentials: Credentials(user: "INTEGRATION", password: secret)).status == 401)
            #expect(try await gateway.get("/api/journal-entries", credentials: Credentials(user: "NOBODY", password: secret)).status == 401)
            let wrong = try #require(try await log.waitFor("logon failed") { $0.metadata["reason"] == "wrongPassword" }, "\(log.all)")
            #expect(wrong.metadata["user"] == "INTEGRATION")
            #expect(wrong.metadata["remote"]?.hasPrefix("127.0.0.1:") == true, "\(wrong)")
            #expect(wrong.level == .warning)
            let unknown = try #require(try await log.waitFor("logon failed") { $0.metadata["reason"] == "unknownUser" }, "\(log.all)")
            #expect(unknown.metadata["user"] == "NOBODY")
            #expect(!log.all.contains { "\($0)".contains(secret) }, "the password appears in the log")
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }
}

@Suite("Logon hardening: timing and load", .serialized)
struct LogonLoadTests {
    @Test("an unknown user takes as long as a wrong password for a known one (a bcrypt check of the same cost)")
    func unknownUserTiming() async throws {
        let directory = UserDirectory(users: try demoUsers(), logger: GatewayHarness.testLogger)
        var unknown: [Double] = [], wrong: [Double] = []
        func time(_ user: String, _ password: String) async -> Double {
            var headers = HTTPFields()
            headers[.authorization] = basicHeader(user, password)
            return milliseconds(await elapsed { _ = await directory.authenticate(headers: headers, clientCertificate: nil, remoteAddress: nil) })
        }
        _ = await time("WARMUP", "warm-up")
        for round in 0..<8 {
            // Alternating which goes first, so that neither profits from the order.
            if round.isMultiple(of: 2) {
                unknown.append(await time("NOBODY\(round)", "guess-\(round)"))
                wrong.append(await time("INTEGRATION", "guess-\(round)"))
            } else {
                wrong.append(await time("INTEGRATION", "guess-\(round)"))
                unknown.append(await time("NOBODY\(round)", "guess-\(round)"))
            }
        }
        let ratio = median(unknown) / median(wrong)
        print("logon timing (bcrypt cost 10): unknown user median \(median(unknown)) ms, wrong password median \(median(wrong)) ms, ratio \(ratio)")
        #expect(median(wrong) > 10, "a wrong password took \(median(wrong)) ms: no bcrypt check?")
        #expect(ratio > 0.6 && ratio < 1.6, "unknown \(unknown) ms vs wrong password \(wrong) ms")
    }

    @Test("the same wrong credentials again are refused at once, without a new bcrypt check")
    func repeatedFailure() async throws {
        let directory = UserDirectory(users: try demoUsers(), logger: GatewayHarness.testLogger)
        var headers = HTTPFields()
        headers[.authorization] = basicHeader("INTEGRATION", "not-the-password")
        var first: LogonOutcome?
        let firstTime = await elapsed { first = await directory.authenticate(headers: headers, clientCertificate: nil, remoteAddress: nil) }
        var again: LogonOutcome?
        let againTime = await elapsed { again = await directory.authenticate(headers: headers, clientCertificate: nil, remoteAddress: nil) }
        guard case .refused(let firstFailure) = first, case .refused(let againFailure) = again else {
            Issue.record("a wrong password logged on")
            return
        }
        #expect(firstFailure.reason == .wrongPassword)
        #expect(againFailure.reason == .repeatedFailure)
        #expect(againTime < firstTime / 4, "first \(firstTime), again \(againTime)")
        // The right password is a different value: not affected.
        headers[.authorization] = basicHeader("INTEGRATION", "welcome1")
        #expect(await directory.authenticate(headers: headers, clientCertificate: nil, remoteAddress: nil).user?.name == "INTEGRATION")
    }

    @Test("beyond the running and waiting checks, a logon is refused at once as overloaded (503), not queued")
    func boundedChecks() async throws {
        let directory = UserDirectory(users: try demoUsers(), limits: LogonLimits(concurrentVerifications: 1, waitingVerifications: 2), logger: GatewayHarness.testLogger)
        let results = await withTaskGroup(of: (LogonFailure.Reason?, Duration).self) { group in
            for index in 0..<20 {
                group.addTask {
                    var headers = HTTPFields()
                    headers[.authorization] = basicHeader(index.isMultiple(of: 2) ? "INTEGRATION" : "NOBODY\(index)", "flood-\(index)")
                    var outcome: LogonOutcome?
                    let time = await elapsed { outcome = await directory.authenticate(headers: headers, clientCertificate: nil, remoteAddress: nil) }
                    if case .refused(let failure) = outcome { return (failure.reason, time) }
                    return (nil, time)
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let overloaded = results.filter { $0.0 == .overloaded }
        let checked = results.filter { $0.0 == .wrongPassword || $0.0 == .unknownUser }
        #expect(overloaded.count + checked.count == 20, "\(results.map { $0.0 as Any })")
        #expect(checked.count >= 3, "at least the running and the two waiting checks were done")
        #expect(overloaded.count >= 10, "only \(overloaded.count) of 20 were refused as overloaded")
        let slowestRefusal = overloaded.map(\.1).max() ?? .zero
        let fastestCheck = checked.map(\.1).min() ?? .zero
        #expect(slowestRefusal < fastestCheck, "an overloaded refusal took \(slowestRefusal), a check \(fastestCheck)")
        #expect(LogonFailure(reason: .overloaded, userName: nil, certificate: nil).httpStatus == 503)
    }

    @Test("one flooding client address cannot keep another client's first logon out of the queue")
    func sharePerClient() async throws {
        let directory = UserDirectory(
            users: try demoUsers(), limits: LogonLimits(concurrentVerifications: 1, waitingVerifications: 8, verificationsPerClient: 3),
            logger: GatewayHarness.testLogger)
        func attempt(_ user: String, _ password: String, from address: String) async -> LogonOutcome {
            var headers = HTTPFields()
            headers[.authorization] = basicHeader(user, password)
            return await directory.authenticate(headers: headers, clientCertificate: nil, remoteAddress: address)
        }
        let flood = Task {
            await withTaskGroup(of: LogonFailure.Reason?.self) { group in
                for index in 0..<30 {
                    group.addTask {
                        if case .refused(let failure) = await attempt("INTEGRATION", "flood-\(index)", from: "10.0.0.1:\(40000 + index)") {
                            return failure.reason
                        }
                        return nil
                    }
                }
                return await group.reduce(into: [LogonFailure.Reason?]()) { $0.append($1) }
            }
        }
        try await Task.sleep(for: .milliseconds(20))  // the flood holds its share now
        let valid = await attempt("US_POSTER", "welcome2", from: "10.0.0.2:50000")
        let reasons = await flood.value
        #expect(valid.user?.name == "US_POSTER", "\(valid)")
        #expect(reasons.filter { $0 == .overloaded }.count >= 27 - 1, "\(reasons.map { $0 as Any })")
        #expect(reasons.filter { $0 == .wrongPassword }.count <= 4, "\(reasons.map { $0 as Any })")
    }

    /// The measurement the issue asks for: a valid user's answer times while 200 wrong
    /// credentials at a time hammer the logon, against the same user's answer times when idle.
    @Test("a flood of wrong passwords does not stop a valid user from posting")
    func floodOfWrongPasswords() async throws {
        try await withGateway { gateway in
            let valid = Credentials.integration
            _ = try expectConfirmation(try await gateway.postSOAP(BulkRequest(EntrySpec.balanced()).envelope(), credentials: valid))

            /// Posts one entry after the other, at least `count` times and for at least `duration`.
            func postTimes(_ count: Int, label: String, for duration: Duration = .zero) async throws -> [Double] {
                var times: [Double] = []
                let end = ContinuousClock.now + duration
                var index = 0
                while index < count || ContinuousClock.now < end {
                    defer { index += 1 }
                    let xml = BulkRequest(EntrySpec.balanced(id: "\(label)-\(index)"), messageID: BulkRequest.newMessageID(label)).envelope()
                    var response: HTTPResponseSummary?
                    let time = try await elapsed { response = try await gateway.postSOAP(xml, credentials: valid) }
                    _ = try expectConfirmation(try #require(response))
                    times.append(milliseconds(time))
                }
                return times
            }
            let idle = try await postTimes(20, label: "IDLE")

            let flooder = try CurlClient(maxConcurrentTransfers: 200)
            let state = FloodState()
            let body = Array(BulkRequest(EntrySpec.balanced()).envelope().utf8)
            /// 200 concurrent wrong logons (`indices` of them); returns each one's status.
            @Sendable func wave(_ number: Int, indices: [Int] = Array(0..<200)) async -> [Int: Int] {
                await withTaskGroup(of: (Int, Int).self) { group in
                    for index in indices {
                        group.addTask {
                            let user = index.isMultiple(of: 2) ? "INTEGRATION" : "FLOOD\(index)"
                            let request = HTTPRequestSpec(
                                url: gateway.baseURL + ServicePaths.createSync, method: "POST",
                                headers: [("Content-Type", "text/xml; charset=utf-8")], body: body, totalTimeout: .seconds(60),
                                basicAuth: (user, "wrong-\(number)-\(index)"), proxy: .disabled)
                            return (index, (try? await flooder.execute(request).status) ?? -1)
                        }
                    }
                    var byIndex: [Int: Int] = [:]
                    for await (index, status) in group {
                        byIndex[index] = status
                        state.statuses.withLock { $0[status, default: 0] += 1 }
                    }
                    return byIndex
                }
            }
            let flood = Task {
                var number = 0
                var first: [Int: Int] = [:]
                while !state.stop.load(ordering: .relaxed) {
                    let result = await wave(number)
                    if number == 0 { first = result }
                    number += 1
                }
                return (number, first)
            }
            try await Task.sleep(for: .milliseconds(300))  // the flood is under way
            let during = try await postTimes(20, label: "FLOOD", for: .seconds(3))
            state.stop.store(true, ordering: .relaxed)
            let (waves, firstWave) = await flood.value
            let floodStatuses = state.statuses.withLock { $0 }

            // The wrong credentials of the first wave that were checked (401), sent again: refused
            // from memory, without bcrypt, so neither slow nor 503.
            let refused = firstWave.filter { $0.value == 401 }.map(\.key).sorted()
            var repeated: [Int: Int] = [:]
            let repeatTime = await elapsed { repeated = await wave(0, indices: refused) }
            await flooder.shutdown()

            let summary =
                "valid user's posts: idle median \(median(idle)) ms, p95 \(percentile(idle, 0.95)) ms; \(during.count) posts during a flood of \(waves) waves of 200 concurrent wrong logons: median \(median(during)) ms, p95 \(percentile(during, 0.95)) ms, max \(during.max() ?? 0) ms; flood answers \(floodStatuses); repeating the \(refused.count) checked wrong logons of the first wave took \(milliseconds(repeatTime)) ms"
            print(summary)
            #expect(percentile(during, 0.95) < max(1000, 10 * percentile(idle, 0.95)), "\(summary)")
            #expect(Set(floodStatuses.keys).isSubset(of: [401, 503]), "\(summary)")
            #expect(floodStatuses[503, default: 0] > 0, "the bounded queue never refused: \(summary)")
            #expect(!refused.isEmpty && repeated.values.allSatisfy { $0 == 401 } && repeated.count == refused.count, "\(summary)")
            #expect(milliseconds(repeatTime) < 5000, "\(summary)")
            #expect(try await gateway.listAll().count == 1 + idle.count + during.count)
        }
    }
}

/// What the flood's tasks share: the count of answers by status, and the signal to stop.
private final class FloodState: Sendable {
    let statuses = Mutex<[Int: Int]>([:])
    let stop = Atomic<Bool>(false)
}
