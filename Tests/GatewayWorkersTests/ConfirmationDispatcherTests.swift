import ConfirmationDelivery
import Foundation
import GatewayWorkers
import Ledger
import Synchronization
import Testing

@Suite("ConfirmationDispatcher: delivery and retries")
struct ConfirmationDispatcherTests {
    let store = InMemoryLedgerStore()

    @Test("a 200 delivers the confirmation once, as rendered from the store, with its SOAP headers")
    func deliveredOn200() async throws {
        let receiver = try LoopbackReceiver()
        defer { receiver.stop() }
        let renderer = StoreRenderer(store: store)
        let (message, _) = try await enqueueConfirmation(in: store, url: confirmationsURL(receiver.port) + "?sap-client=100")

        try await whileRunning(makeDispatcher(store: store, renderer: renderer)) {
            #expect(await eventually { try await store.deliveryStatus(message) == .delivered })
        }

        let (delivery, attempts) = try await store.deliveryDetail(message)
        #expect(delivery.claimedBy == nil)
        #expect(delivery.state.totalAttempts == 1)
        #expect(delivery.state.lastStatus == 200)
        #expect(attempts.map(\.number) == [1])
        #expect(attempts.first?.httpStatus == 200)
        #expect(attempts.first?.error == nil)
        let received = try #require(receiver.requests.first)
        #expect(receiver.requests.count == 1)
        #expect(received.method == "POST")
        #expect(received.target == "/confirmations?sap-client=100")
        #expect(received.header("Content-Type") == "text/xml; charset=utf-8")
        #expect(received.header("SOAPAction") == "\"http://sap.com/xi/SAPSCORE/SFIN/JournalEntryBulkCreateConfirmation_Out\"")
        #expect(received.header("X-Test") == "1")
        let body = String(decoding: received.body, as: UTF8.self)
        #expect(body.contains("<UUID>00000000-0000-4000-8000-000000000001</UUID>"))
        #expect(body.contains("<ReferenceID>BULK-1</ReferenceID>"))
    }

    @Test("500, then 200: delivered on the second attempt, both attempts recorded, the same body both times")
    func serverErrorThenDelivered() async throws {
        let answers = Mutex([500, 200])
        let receiver = try LoopbackReceiver { _ in
            .reply(status: answers.withLock { $0.count > 1 ? $0.removeFirst() : $0[0] }, body: Array("<fault>busy</fault>".utf8))
        }
        defer { receiver.stop() }
        let renderer = StoreRenderer(store: store)
        let (message, _) = try await enqueueConfirmation(in: store, url: confirmationsURL(receiver.port))

        try await whileRunning(makeDispatcher(store: store, renderer: renderer)) {
            #expect(await eventually { try await store.deliveryStatus(message) == .delivered })
        }

        let (delivery, attempts) = try await store.deliveryDetail(message)
        #expect(attempts.map(\.number) == [1, 2])
        #expect(attempts.map(\.httpStatus) == [500, 200])
        #expect(attempts.map(\.error) == ["HTTP status 500", nil])
        #expect(delivery.state.totalAttempts == 2)
        #expect(renderer.callCount == 2)
        let bodies = receiver.requests.map(\.body)
        #expect(bodies.count == 2)
        #expect(bodies[0] == bodies[1])
    }

    @Test("4xx is retried like any other failure")
    func clientErrorIsRetried() async throws {
        let answers = Mutex([400, 400, 200])
        let receiver = try LoopbackReceiver { _ in .reply(status: answers.withLock { $0.count > 1 ? $0.removeFirst() : $0[0] }) }
        defer { receiver.stop() }
        let (message, _) = try await enqueueConfirmation(in: store, url: confirmationsURL(receiver.port))

        try await whileRunning(makeDispatcher(store: store, renderer: StoreRenderer(store: store))) {
            #expect(await eventually { try await store.deliveryStatus(message) == .delivered })
        }

        let attempts = try await store.deliveryDetail(message).attempts
        #expect(attempts.map(\.httpStatus) == [400, 400, 200])
    }

    @Test("receiver down, then up: refused connections are recorded and retried until it answers")
    func receiverDownThenUp() async throws {
        let port = try LoopbackReceiver.closedPort()
        let (message, _) = try await enqueueConfirmation(in: store, url: confirmationsURL(port))
        let policy = RetryPolicy(maximumAttempts: 1000, initialDelay: 0.02, multiplier: 1, maximumDelay: 0.02, jitter: 0, attemptTimeout: 2)
        let holder = Mutex<LoopbackReceiver?>(nil)
        defer { holder.withLock { $0?.stop() } }

        try await whileRunning(makeDispatcher(store: store, renderer: StoreRenderer(store: store), policy: policy)) {
            #expect(await eventually { try await store.deliveryDetail(message).attempts.count >= 2 })
            let receiver = try LoopbackReceiver(port: port)
            holder.withLock { $0 = receiver }
            #expect(await eventually { try await store.deliveryStatus(message) == .delivered })
        }

        let attempts = try await store.deliveryDetail(message).attempts
        #expect(attempts.count >= 3)
        #expect(attempts.dropLast().allSatisfy { $0.httpStatus == nil && $0.error == "connection refused" })
        #expect(attempts.last?.httpStatus == 200)
        #expect(holder.withLock { $0?.requestCount } == 1)
    }

    @Test("a receiver that does not answer within the attempt timeout: the attempt times out and is retried")
    func timeoutIsRetried() async throws {
        let first = Mutex(true)
        let receiver = try LoopbackReceiver { _ in first.withLock { f in defer { f = false }; return f } ? .hang : .ok }
        defer { receiver.stop() }
        let (message, _) = try await enqueueConfirmation(in: store, url: confirmationsURL(receiver.port))
        let started = ContinuousClock.now

        try await whileRunning(makeDispatcher(store: store, renderer: StoreRenderer(store: store), policy: quickPolicy(timeout: 0.3))) {
            #expect(await eventually { try await store.deliveryStatus(message) == .delivered })
        }

        let attempts = try await store.deliveryDetail(message).attempts
        #expect(attempts.map(\.error) == ["timed out", nil])
        #expect(attempts.map(\.httpStatus) == [nil, 200])
        let firstDuration = try #require(attempts.first).finishedAt.timeIntervalSince(try #require(attempts.first).startedAt)
        #expect(firstDuration >= 0.25 && firstDuration < 2)
        #expect(started.duration(to: .now) < .seconds(5))
        #expect(Set(receiver.requests.map(\.body)).count == 1)
    }

    @Test("every attempt failing: failed after the policy's last attempt, each attempt sent the same confirmation")
    func exhaustedDeliveryFails() async throws {
        let receiver = try LoopbackReceiver { _ in .reply(status: 503) }
        defer { receiver.stop() }
        let (message, _) = try await enqueueConfirmation(in: store, url: confirmationsURL(receiver.port))

        try await whileRunning(makeDispatcher(store: store, renderer: StoreRenderer(store: store), policy: quickPolicy(attempts: 3))) {
            #expect(await eventually { try await store.deliveryStatus(message) == .failed })
            try await Task.sleep(for: .milliseconds(100))  // nothing more is sent
        }

        let (delivery, attempts) = try await store.deliveryDetail(message)
        guard case .failed(let reason, _) = delivery.state.phase else {
            Issue.record("not failed: \(delivery.state.phase)")
            return
        }
        #expect(reason == "HTTP status 503")
        #expect(delivery.state.attemptsMade == 3)
        #expect(attempts.map(\.number) == [1, 2, 3])
        #expect(attempts.allSatisfy { $0.httpStatus == 503 })
        #expect(receiver.requests.count == 3)
        #expect(Set(receiver.requests.map(\.body)).count == 1)
        let body = String(decoding: receiver.requests[0].body, as: UTF8.self)
        #expect(body.contains("<UUID>00000000-0000-4000-8000-000000000001</UUID>"))
    }

    @Test("a rendering error is a failed attempt with a clear error, retried; nothing is sent for it")
    func renderingErrorIsAFailedAttempt() async throws {
        let receiver = try LoopbackReceiver()
        defer { receiver.stop() }
        let renderer = StoreRenderer(store: store, failFirst: 1)
        let (message, _) = try await enqueueConfirmation(in: store, url: confirmationsURL(receiver.port))

        try await whileRunning(makeDispatcher(store: store, renderer: renderer)) {
            #expect(await eventually { try await store.deliveryStatus(message) == .delivered })
        }

        let attempts = try await store.deliveryDetail(message).attempts
        #expect(attempts.map(\.error) == ["the confirmation could not be rendered: no template for this message", nil])
        #expect(receiver.requests.count == 1)
    }

    @Test("wake() sends a new confirmation at once, long before the next poll")
    func wakeShortensTheWait() async throws {
        let receiver = try LoopbackReceiver()
        defer { receiver.stop() }
        let dispatcher = makeDispatcher(store: store, renderer: StoreRenderer(store: store), pollInterval: .seconds(60))

        try await whileRunning(dispatcher) {
            try await Task.sleep(for: .milliseconds(100))  // the first, empty poll is over
            let (message, _) = try await enqueueConfirmation(in: store, url: confirmationsURL(receiver.port))
            dispatcher.wake()
            #expect(await eventually(timeout: .seconds(5)) { try await store.deliveryStatus(message) == .delivered })
        }
    }

    @Test("without wake(), a new confirmation is found at the next poll")
    func pollFindsNewDeliveries() async throws {
        let receiver = try LoopbackReceiver()
        defer { receiver.stop() }

        try await whileRunning(makeDispatcher(store: store, renderer: StoreRenderer(store: store), pollInterval: .milliseconds(200))) {
            try await Task.sleep(for: .milliseconds(50))
            let (message, _) = try await enqueueConfirmation(in: store, url: confirmationsURL(receiver.port))
            #expect(await eventually(timeout: .seconds(5)) { try await store.deliveryStatus(message) == .delivered })
        }
    }

    @Test("a receiver's credentials go with every attempt: Basic logon")
    func credentialsAreSent() async throws {
        let receiver = try LoopbackReceiver()
        defer { receiver.stop() }
        let (message, _) = try await enqueueConfirmation(in: store, url: confirmationsURL(receiver.port), communicationSystem: "ERP")
        let dispatcher = makeDispatcher(store: store, renderer: StoreRenderer(store: store)) { target in
            target.communicationSystem == "ERP" ? OutboundCredentials(basicAuth: (user: "GATEWAY", password: "s3cret")) : nil
        }

        try await whileRunning(dispatcher) {
            #expect(await eventually { try await store.deliveryStatus(message) == .delivered })
        }

        #expect(receiver.requests.first?.header("Authorization") == "Basic " + Data("GATEWAY:s3cret".utf8).base64EncodedString())
    }

    @Test("many confirmations to one receiver reuse at most one connection per concurrent send")
    func connectionsAreReused() async throws {
        let receiver = try LoopbackReceiver()
        defer { receiver.stop() }
        var messages: [MessageRowID] = []
        for number in 1...200 { messages.append(try await enqueueConfirmation(in: store, url: confirmationsURL(receiver.port), number: number).message) }

        try await whileRunning(makeDispatcher(store: store, renderer: StoreRenderer(store: store), concurrency: 4)) {
            #expect(await eventually { receiver.requestCount >= 200 })
            #expect(await eventually { try await store.messages(MessageQuery(limit: 500)).messages.allSatisfy { $0.delivery?.state.status == .delivered } })
        }

        #expect(receiver.requestCount == 200)
        #expect(receiver.connectionsAccepted <= 4)
        #expect(receiver.peakHandlersRunning <= 4)
    }
}
