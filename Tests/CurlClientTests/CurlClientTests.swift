import CurlClient
import Glibc
import Testing

/// A request to the local receiver, bypassing any proxy configured in the environment.
private func request(
    _ server: TestHTTPServer,
    path: String = "/",
    body: [UInt8] = Array("<Envelope/>".utf8),
    headers: [(name: String, value: String)] = []
) -> HTTPRequestSpec {
    HTTPRequestSpec(url: "http://127.0.0.1:\(server.port)\(path)", headers: headers, body: body, proxy: .disabled)
}

/// Runs `request` and returns its result instead of throwing.
private func outcome(_ client: CurlClient, _ request: HTTPRequestSpec) async -> Result<HTTPResponseSummary, CurlError> {
    do {
        return .success(try await client.execute(request))
    } catch {
        return .failure(error)
    }
}

@Suite struct CurlClientTests {
    @Test func postWithBodyAndHeadersArrivesIntact() async throws {
        let server = try TestHTTPServer { _ in
            .reply(status: 200, headers: [("Content-Type", "text/xml"), ("X-Receipt", " 42 ")], body: Array("<ok/>".utf8))
        }
        defer { server.stop() }
        let client = try CurlClient()

        let envelope = Array(#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body/></soap:Envelope>"#.utf8)
        let response = try await client.execute(
            request(
                server, path: "/sap/confirm?sap-client=100", body: envelope,
                headers: [("Content-Type", "text/xml; charset=utf-8"), ("SOAPAction", "\"urn:confirm\""), ("X-Empty", "")]
            )
        )

        #expect(response.status == 200)
        #expect(response.isSuccess)
        #expect(response.body == Array("<ok/>".utf8))
        #expect(response.header("x-receipt") == "42")
        #expect(response.header("CONTENT-TYPE") == "text/xml")
        #expect(!response.bodyTruncated)

        let received = try #require(server.requests.first)
        #expect(server.requests.count == 1)
        #expect(received.method == "POST")
        #expect(received.target == "/sap/confirm?sap-client=100")
        #expect(received.header("Content-Type") == "text/xml; charset=utf-8")
        #expect(received.header("SOAPAction") == "\"urn:confirm\"")
        #expect(received.header("X-Empty") == "")
        #expect(received.header("Content-Length") == "\(envelope.count)")
        #expect(received.header("Expect") == nil)
        #expect(received.header("Authorization") == nil)
        #expect(received.body == envelope)
        await client.shutdown()
    }

    @Test func oneMegabyteBodyArrivesIntact() async throws {
        let server = try TestHTTPServer { request in .reply(status: 200, body: Array("\(request.body.count)".utf8)) }
        defer { server.stop() }
        let client = try CurlClient()

        let body = (0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        let response = try await client.execute(request(server, body: body))

        #expect(response.status == 200)
        #expect(response.body == Array("1000000".utf8))
        #expect(server.requests.first?.body == body)
        await client.shutdown()
    }

    @Test func sequentialRequestsReuseOneConnection() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try CurlClient()

        for i in 0..<3 {
            let response = try await client.execute(request(server, body: Array("request \(i)".utf8)))
            #expect(response.status == 200)
        }

        #expect(server.requests.map(\.body) == (0..<3).map { Array("request \($0)".utf8) })
        #expect(server.connectionsAccepted == 1)
        await client.shutdown()
    }

    @Test func serverErrorStatusIsAResponseNotAnError() async throws {
        let server = try TestHTTPServer { _ in .reply(status: 500, body: Array("<soap:Fault/>".utf8)) }
        defer { server.stop() }
        let client = try CurlClient()

        let response = try await client.execute(request(server))

        #expect(response.status == 500)
        #expect(!response.isSuccess)
        #expect(response.body == Array("<soap:Fault/>".utf8))
        await client.shutdown()
    }

    @Test func redirectsAreNotFollowed() async throws {
        let server = try TestHTTPServer { _ in .reply(status: 302, headers: [("Location", "/elsewhere")]) }
        defer { server.stop() }
        let client = try CurlClient()

        let response = try await client.execute(request(server))

        #expect(response.status == 302)
        #expect(response.header("Location") == "/elsewhere")
        #expect(server.requests.map(\.target) == ["/"])
        await client.shutdown()
    }

    @Test func responseBodyIsCapped() async throws {
        let server = try TestHTTPServer { _ in .reply(status: 200, body: [UInt8](repeating: 7, count: 3 << 20)) }
        defer { server.stop() }
        let client = try CurlClient()

        let capped = try await client.execute(request(server))
        #expect(capped.status == 200)
        #expect(capped.body.count == 1 << 20)
        #expect(capped.bodyTruncated)

        var small = request(server)
        small.maxResponseBodyBytes = 10
        let tiny = try await client.execute(small)
        #expect(tiny.body == [UInt8](repeating: 7, count: 10))
        #expect(tiny.bodyTruncated)
        await client.shutdown()
    }

    @Test func connectionRefusedIsAConnectFailure() async throws {
        let port = try TestHTTPServer.closedPort()
        let client = try CurlClient()

        let result = await outcome(
            client, HTTPRequestSpec(url: "http://127.0.0.1:\(port)/", body: [1, 2, 3], proxy: .disabled)
        )

        let error = try #require(result.failure)
        #expect(error.isConnectFailure)
        #expect(error.isRetryable)
        #expect(error.code == 7)
        #expect(error == .couldNotConnect)
        #expect(!error.isTimeout)
        #expect(error.message.contains("connect"))
        await client.shutdown()
    }

    @Test func silentReceiverTimesOutWithinTheConfiguredTimeout() async throws {
        let server = try TestHTTPServer { _ in .hang }
        defer { server.stop() }
        let client = try CurlClient()

        var spec = request(server)
        spec.totalTimeout = .milliseconds(300)
        let start = ContinuousClock.now
        let result = await outcome(client, spec)
        let elapsed = ContinuousClock.now - start

        let error = try #require(result.failure)
        #expect(error.isTimeout)
        #expect(error == .timedOut)
        #expect(error.code == 28)
        #expect(error.isRetryable)
        #expect(elapsed >= .milliseconds(250))
        // An upper sanity bound only: the suite runs in parallel on 2 cores (bcrypt floods included),
        // so scheduling can add seconds; without the timeout the transfer would hang forever.
        #expect(elapsed < .seconds(15))
        #expect(server.requests.count == 1)
        await client.shutdown()
    }

    @Test func cancellingTheTaskAbortsAHangingTransfer() async throws {
        let server = try TestHTTPServer { _ in .hang }
        defer { server.stop() }
        let client = try CurlClient()

        let task = Task { await outcome(client, request(server)) }
        #expect(await eventually { server.requests.count == 1 })
        let cancelledAt = ContinuousClock.now
        task.cancel()
        let result = await task.value
        let elapsed = ContinuousClock.now - cancelledAt

        let error = try #require(result.failure)
        #expect(error.isCancelled)
        #expect(error == .cancelled)
        #expect(elapsed < .seconds(1))
        // The connection was really dropped, not left hanging.
        #expect(await eventually { server.connectionsClosed == 1 })
        await client.shutdown()
    }

    @Test func alreadyCancelledTaskDoesNotSend() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try CurlClient()

        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await outcome(client, request(server))
        }
        let result = await task.value

        #expect(result.failure == .cancelled)
        #expect(server.requests.isEmpty)
        await client.shutdown()
    }

    @Test func twoHundredConcurrentRequestsAllComplete() async throws {
        let server = try TestHTTPServer { request in .reply(status: 200, body: request.body) }
        defer { server.stop() }
        let client = try CurlClient(maxConcurrentTransfers: 64)

        let responses = try await withThrowingTaskGroup(of: (Int, HTTPResponseSummary).self) { group in
            for i in 0..<200 {
                group.addTask { (i, try await client.execute(request(server, body: Array("message \(i)".utf8)))) }
            }
            var all: [Int: HTTPResponseSummary] = [:]
            for try await (i, response) in group { all[i] = response }
            return all
        }

        #expect(responses.count == 200)
        for (i, response) in responses {
            #expect(response.status == 200)
            #expect(response.body == Array("message \(i)".utf8))
        }
        #expect(server.requests.count == 200)
        #expect(server.connectionsAccepted <= 64)
        await client.shutdown()
    }

    @Test func transfersBeyondTheLimitAreQueued() async throws {
        let server = try TestHTTPServer { _ in
            usleep(20_000)
            return .ok
        }
        defer { server.stop() }
        let client = try CurlClient(maxConcurrentTransfers: 3)

        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<12 { group.addTask { try await client.execute(request(server)).status } }
            for try await status in group { #expect(status == 200) }
        }

        #expect(server.requests.count == 12)
        #expect(server.peakHandlersRunning <= 3)
        #expect(server.connectionsAccepted <= 3)
        await client.shutdown()
    }

    @Test func basicAuthHeaderIsSent() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try CurlClient()

        var spec = request(server)
        spec.basicAuth = (user: "gateway", password: "s3cr3t p@ss")
        _ = try await client.execute(spec)

        #expect(server.requests.first?.header("Authorization") == "Basic Z2F0ZXdheTpzM2NyM3QgcEBzcw==")
        await client.shutdown()
    }

    @Test func shutdownResumesAnInFlightTransferAndReturns() async throws {
        let server = try TestHTTPServer { _ in .hang }
        defer { server.stop() }
        let client = try CurlClient()

        let task = Task { await outcome(client, request(server)) }
        #expect(await eventually { server.requests.count == 1 })
        let start = ContinuousClock.now
        await client.shutdown()
        let result = await task.value
        #expect(ContinuousClock.now - start < .seconds(1))

        #expect(result.failure == .shutdown)
        #expect(result.failure?.isShutdown == true)

        // Idempotent, and later requests are refused without being sent.
        await client.shutdown()
        let late = await outcome(client, request(server))
        #expect(late.failure == .shutdown)
        #expect(server.requests.count == 1)
    }

    @Test func gracefulShutdownLetsInFlightTransfersFinish() async throws {
        let server = try TestHTTPServer { _ in
            usleep(200_000)
            return .ok
        }
        defer { server.stop() }
        let client = try CurlClient()

        let task = Task { await outcome(client, request(server)) }
        #expect(await eventually { server.requests.count == 1 })
        await client.shutdown(gracePeriod: .seconds(5))

        let response = try #require(await task.value.success)
        #expect(response.status == 200)
    }

    @Test func droppingTheClientWithoutShutdownIsSafe() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        do {
            let client = try CurlClient()
            #expect(try await client.execute(request(server)).status == 200)
        }
        // deinit asked the loop thread to stop; a new client still works.
        let client = try CurlClient()
        #expect(try await client.execute(request(server)).status == 200)
        await client.shutdown()
    }

    @Test(arguments: ["file:///etc/passwd", "ftp://127.0.0.1/", "gopher://127.0.0.1/", "dict://127.0.0.1/"])
    func nonHTTPSchemesAreRefused(url: String) async throws {
        let client = try CurlClient()

        let result = await outcome(client, HTTPRequestSpec(url: url, method: "GET", proxy: .disabled))

        let error = try #require(result.failure)
        #expect(error.isUnsupportedProtocol)
        #expect(error == .unsupportedProtocol)
        #expect(error.code == 1)
        #expect(!error.isRetryable)
        await client.shutdown()
    }

    @Test func headerInjectionIsRefusedBeforeSending() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try CurlClient()

        let bad = request(server, headers: [("X-Note", "a\r\nX-Injected: 1")])
        let result = await outcome(client, bad)

        #expect(result.failure?.isInvalidRequest == true)
        #expect(server.requests.isEmpty)
        await client.shutdown()
    }

    @Test func errorsCompareByKindAndCode() {
        #expect(CurlError.cancelled != CurlError.shutdown)
        #expect(CurlError.timedOut.isTimeout)
        #expect(CurlError.couldNotResolveHost.isConnectFailure)
        #expect(CurlError.tlsVerificationFailed.isTLSFailure)
        #expect(CurlError.invalidRequest("a") == CurlError.invalidRequest("b"))
        #expect(CurlError.timedOut.shortDescription == "timeout")
        #expect(CurlError.couldNotConnect.description.contains("Couldn't connect"))
    }
}

extension Result {
    fileprivate var failure: Failure? {
        if case .failure(let error) = self { error } else { nil }
    }
    fileprivate var success: Success? {
        if case .success(let value) = self { value } else { nil }
    }
}
