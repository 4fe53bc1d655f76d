import ConfirmationDelivery
import Foundation
@testable import GatewayWorkers
import Ledger
import Testing

/// Claims someone else holds, shutdowns and stale results: nothing is lost, nothing stays claimed.
@Suite("ConfirmationDispatcher: leases, shutdown, stale results")
struct DeliveryRecoveryTests {
    let store = InMemoryLedgerStore()

    /// Claims `delivery` as `instance` at `at` for `lease` seconds, as a dispatcher that then stops would.
    func claim(_ delivery: DeliveryRowID, as instance: String, at: Date, lease: TimeInterval) async throws {
        try await store.write { tx in
            guard var record = try tx.delivery(id: delivery) else { throw LedgerStoreError("no delivery") }
            _ = try record.state.claim(now: at, lease: lease)
            try tx.updateDelivery(delivery, state: record.state, claimedBy: instance)
        }
    }

    @Test("a delivery claimed by a dispatcher that stopped is taken again once its lease ended; the lost attempt is recorded")
    func expiredLeaseIsRecovered() async throws {
        let receiver = try LoopbackReceiver()
        defer { receiver.stop() }
        let (message, delivery) = try await enqueueConfirmation(
            in: store, url: confirmationsURL(receiver.port), now: Date().addingTimeInterval(-30))
        try await claim(delivery, as: "crashed-dispatcher", at: Date().addingTimeInterval(-20), lease: 15)

        try await whileRunning(makeDispatcher(store: store, renderer: StoreRenderer(store: store))) {
            #expect(await eventually { try await store.deliveryStatus(message) == .delivered })
        }

        let (record, attempts) = try await store.deliveryDetail(message)
        #expect(attempts.map(\.number) == [1, 2])
        #expect(attempts.map(\.httpStatus) == [nil, 200])
        #expect(attempts.first?.error == "attempt 1 did not report before its lease expired")
        #expect(record.claimedBy == nil)
        #expect(receiver.requestCount == 1)
    }

    @Test("a claim whose lease still holds is left alone until the clock passes its end")
    func heldLeaseIsRespected() async throws {
        let receiver = try LoopbackReceiver()
        defer { receiver.stop() }
        let clock = TestClock()
        let (message, delivery) = try await enqueueConfirmation(in: store, url: confirmationsURL(receiver.port), now: clock.now())
        try await claim(delivery, as: "other-dispatcher", at: clock.now(), lease: 60)

        try await whileRunning(makeDispatcher(store: store, renderer: StoreRenderer(store: store), clock: clock)) {
            try await Task.sleep(for: .milliseconds(300))
            let held = try await store.deliveryDetail(message).delivery
            #expect(held.state.status == .inFlight)
            #expect(held.claimedBy == "other-dispatcher")
            #expect(receiver.requestCount == 0)

            clock.advance(by: 61)
            #expect(await eventually { try await store.deliveryStatus(message) == .delivered })
        }
        #expect(receiver.requestCount == 1)
    }

    @Test("the lost attempt was the policy's last: the delivery fails on recovery and is not sent")
    func recoveryOfTheLastAttemptFails() async throws {
        let receiver = try LoopbackReceiver()
        defer { receiver.stop() }
        let (message, delivery) = try await enqueueConfirmation(
            in: store, url: confirmationsURL(receiver.port), now: Date().addingTimeInterval(-30))
        try await claim(delivery, as: "crashed-dispatcher", at: Date().addingTimeInterval(-20), lease: 15)

        try await whileRunning(makeDispatcher(store: store, renderer: StoreRenderer(store: store), policy: quickPolicy(attempts: 1))) {
            #expect(await eventually { try await store.deliveryStatus(message) == .failed })
        }
        #expect(receiver.requestCount == 0)
        #expect(try await store.deliveryDetail(message).delivery.claimedBy == nil)
    }

    @Test("graceful shutdown with a receiver that never answers: aborted after the grace period, recorded, not left claimed")
    func shutdownAbortsAfterGracePeriod() async throws {
        let receiver = try LoopbackReceiver { _ in .hang }
        defer { receiver.stop() }
        let (message, _) = try await enqueueConfirmation(in: store, url: confirmationsURL(receiver.port))
        let dispatcher = makeDispatcher(
            store: store, renderer: StoreRenderer(store: store), policy: quickPolicy(timeout: 30), grace: .milliseconds(200))

        var stopped = ContinuousClock.now
        try await whileRunning(dispatcher) {
            #expect(await eventually { receiver.requestCount == 1 })
            stopped = .now
        }
        #expect(stopped.duration(to: .now) < .seconds(3))

        let (record, attempts) = try await store.deliveryDetail(message)
        #expect(record.state.status == .retryScheduled)
        #expect(record.claimedBy == nil)
        #expect(attempts.map(\.error) == ["aborted: the dispatcher stopped before the receiver answered"])
    }

    @Test("graceful shutdown lets an attempt in flight finish within the grace period")
    func shutdownLetsAttemptsFinish() async throws {
        let receiver = try LoopbackReceiver { _ in
            usleep(300_000)
            return .ok
        }
        defer { receiver.stop() }
        let (message, _) = try await enqueueConfirmation(in: store, url: confirmationsURL(receiver.port))
        let dispatcher = makeDispatcher(store: store, renderer: StoreRenderer(store: store), grace: .seconds(5))

        try await whileRunning(dispatcher) {
            #expect(await eventually { receiver.requestCount == 1 })
        }

        #expect(try await store.deliveryStatus(message) == .delivered)
    }

    @Test("after shutdown, confirmations stay pending in the store for the next run")
    func nothingIsClaimedAfterShutdown() async throws {
        let receiver = try LoopbackReceiver()
        defer { receiver.stop() }
        let dispatcher = makeDispatcher(store: store, renderer: StoreRenderer(store: store))
        try await whileRunning(dispatcher) {}
        let (message, _) = try await enqueueConfirmation(in: store, url: confirmationsURL(receiver.port))
        dispatcher.wake()
        try await Task.sleep(for: .milliseconds(100))
        #expect(try await store.deliveryStatus(message) == .pending)
        await #expect(throws: ConfirmationDispatcherError.alreadyRunning) { try await dispatcher.run() }

        try await whileRunning(makeDispatcher(store: store, renderer: StoreRenderer(store: store))) {
            #expect(await eventually { try await store.deliveryStatus(message) == .delivered })
        }
    }

    @Test("a result that arrives after another dispatcher recovered the delivery is not applied")
    func staleResultIsIgnored() async throws {
        let start = Date().addingTimeInterval(-10)
        let (_, delivery) = try await enqueueConfirmation(in: store, url: "http://127.0.0.1:9/", now: start)
        let policy = quickPolicy()
        let batch = try await store.write { tx in
            try DeliveryClaims.claim(in: tx, now: start, limit: 10, lease: 1, policy: policy, instance: "slow")
        }
        let claimed = try #require(batch.claimed.first)
        // The lease ended; another dispatcher recovered and claimed it again.
        let taken = try await store.write { tx in
            try DeliveryClaims.claim(in: tx, now: Date(), limit: 10, lease: 60, policy: policy, instance: "fast")
        }
        #expect(taken.recovered.map(\.id) == [delivery])
        #expect(taken.claimed.map(\.record.id) == [delivery])

        let late = FinishedAttempt(
            claimed: claimed, outcome: .httpStatus(200), kind: .sent, startedAt: start, finishedAt: Date(), randomUnit: 0.5,
            duration: .seconds(9), responseExcerpt: nil)
        let settled = try await store.write { tx in try DeliveryClaims.settle(in: tx, [late], policy: policy) }

        #expect(settled.count == 1)
        #expect(settled.first?.record == nil)
        let record = try #require(try await store.write { tx in try tx.delivery(id: delivery) })
        #expect(record.claimedBy == "fast")
        #expect(record.state.status == .inFlight)
        #expect(record.state.totalAttempts == 1)  // only the lost attempt
    }
}

@Suite("Redelivery")
struct RedeliveryTests {
    let store = InMemoryLedgerStore()

    /// A delivery that failed: every attempt refused, budget of one.
    func failedDelivery(number: Int = 1, port: Int) async throws -> MessageRowID {
        let (message, delivery) = try await enqueueConfirmation(in: store, url: confirmationsURL(port), number: number)
        try await store.write { tx in
            guard var record = try tx.delivery(id: delivery) else { throw LedgerStoreError("no delivery") }
            let now = Date()
            _ = try record.state.claim(now: now, lease: 10)
            _ = try record.state.attemptFinished(.connectionRefused, now: now, randomUnit: 0.5, policy: quickPolicy(attempts: 1))
            try tx.updateDelivery(delivery, state: record.state, claimedBy: nil)
            try tx.recordAttempt(
                DeliveryAttempt(number: 1, startedAt: now, finishedAt: now, httpStatus: nil, error: "connection refused"), ofDelivery: delivery)
        }
        #expect(try await store.deliveryStatus(message) == .failed)
        return message
    }

    @Test("a failed confirmation is pending again with a fresh budget, and the running dispatcher delivers it")
    func failedIsRedelivered() async throws {
        let receiver = try LoopbackReceiver()
        defer { receiver.stop() }
        let message = try await failedDelivery(port: receiver.port)

        try await whileRunning(makeDispatcher(store: store, renderer: StoreRenderer(store: store))) {
            let outcome = try await Redelivery.redeliver(message: message, store: store, now: Date())
            guard case .redelivered(let record) = outcome else {
                Issue.record("unexpected \(outcome)")
                return
            }
            #expect(record.state.status == .pending)
            #expect(record.state.attemptsMade == 0)
            #expect(await eventually { try await store.deliveryStatus(message) == .delivered })
        }

        let (record, attempts) = try await store.deliveryDetail(message)
        #expect(record.state.totalAttempts == 2)
        #expect(attempts.map(\.number) == [1, 2])
        #expect(receiver.requestCount == 1)
    }

    @Test("redeliverAllFailed sends every failed confirmation again and counts them")
    func allFailedAreRedelivered() async throws {
        let port = try LoopbackReceiver.closedPort()
        var failed: [MessageRowID] = []
        for number in 1...3 { failed.append(try await failedDelivery(number: number, port: port)) }
        let (waiting, _) = try await enqueueConfirmation(in: store, url: confirmationsURL(port), number: 4)

        let count = try await Redelivery.redeliverAllFailed(store: store, now: Date(), batchSize: 2)

        #expect(count == 3)
        for message in failed { #expect(try await store.deliveryStatus(message) == .pending) }
        #expect(try await store.deliveryStatus(waiting) == .pending)
        #expect(try await Redelivery.redeliverAllFailed(store: store, now: Date()) == 0)
    }

    @Test("a delivered confirmation is not sent again, unless forced: then the receiver gets the same confirmation once more")
    func deliveredIsRefusedUnlessForced() async throws {
        let receiver = try LoopbackReceiver()
        defer { receiver.stop() }
        let (message, _) = try await enqueueConfirmation(in: store, url: confirmationsURL(receiver.port))
        try await whileRunning(makeDispatcher(store: store, renderer: StoreRenderer(store: store))) {
            #expect(await eventually { try await store.deliveryStatus(message) == .delivered })

            await #expect {
                try await Redelivery.redeliver(message: message, store: store, now: Date())
            } throws: { error in
                guard case .alreadyDelivered(message, _, 200) = error as? Redelivery.RedeliveryError else { return false }
                return "\(error)".contains("was delivered at")
            }
            #expect(receiver.requestCount == 1)

            let forced = try await Redelivery.redeliver(message: message, force: true, store: store, now: Date())
            guard case .resent(let record) = forced else {
                Issue.record("unexpected \(forced)")
                return
            }
            #expect(record.state.status == .pending)
            #expect(await eventually { receiver.requestCount == 2 })
            #expect(await eventually { try await store.deliveryStatus(message) == .delivered })
        }

        #expect(receiver.requests[0].body == receiver.requests[1].body)
        #expect(try await store.deliveryDetail(message).attempts.map(\.number) == [1, 2])
    }

    @Test("a confirmation waiting for a later retry is made due now, with the same attempt and budget")
    func waitingIsMadeDue() async throws {
        let port = try LoopbackReceiver.closedPort()
        let (message, delivery) = try await enqueueConfirmation(in: store, url: confirmationsURL(port))
        let later = RetryPolicy(maximumAttempts: 5, initialDelay: 3600, jitter: 0)
        try await store.write { tx in
            guard var record = try tx.delivery(id: delivery) else { throw LedgerStoreError("no delivery") }
            _ = try record.state.claim(now: Date(), lease: 10)
            _ = try record.state.attemptFinished(.connectionRefused, now: Date(), randomUnit: 0.5, policy: later)
            try tx.updateDelivery(delivery, state: record.state, claimedBy: nil)
        }
        let now = Date()

        let outcome = try await Redelivery.redeliver(message: message, store: store, now: now)

        guard case .madeDue(let record) = outcome else {
            Issue.record("unexpected \(outcome)")
            return
        }
        #expect(record.state.phase == .retryScheduled(attempt: 2, nextAttemptAt: now))
        #expect(record.state.attemptsMade == 1)
        #expect(try await store.deliveryDetail(message).delivery.state.nextAttemptAt == now)
    }

    @Test("an in-flight confirmation is left as it is; unknown messages and messages without delivery are errors")
    func otherStates() async throws {
        let (message, delivery) = try await enqueueConfirmation(in: store, url: "http://127.0.0.1:9/")
        let waiting = try await Redelivery.redeliver(message: message, store: store, now: Date())
        #expect(waiting == .madeDue(try #require(try await store.write { tx in try tx.delivery(id: delivery) })))

        try await store.write { tx in
            guard var record = try tx.delivery(id: delivery) else { throw LedgerStoreError("no delivery") }
            _ = try record.state.claim(now: Date(), lease: 60)
            try tx.updateDelivery(delivery, state: record.state, claimedBy: "somebody")
        }
        let inFlight = try await Redelivery.redeliver(message: message, store: store, now: Date())
        #expect(inFlight.record.state.status == .inFlight)
        #expect(inFlight.record.claimedBy == "somebody")

        await #expect(throws: Redelivery.RedeliveryError.noSuchMessage(999)) {
            try await Redelivery.redeliver(message: 999, store: store, now: Date())
        }
        let bare = try await store.write { tx in
            try tx.insertMessage(
                NewMessage(
                    key: nil, interface: "JournalEntryCreateRequestConfirmation_In", sender: "INTEGRATION", messageID: nil, messageUUID: nil,
                    transportMessageID: nil, receivedAt: "2025-03-01T10:00:00.000000Z", firstReceivedAt: "2025-03-01T10:00:00.000000Z",
                    attempt: 1, entryCount: 0, payloadDigest: nil, state: .processed,
                    confirmation: ConfirmationHeader(
                        uuid: "u", creationDateTime: "2025-03-01T10:00:00.000000Z", referenceID: nil, referenceUUID: nil,
                        recipientBusinessSystemID: nil), isTest: false))
        }
        await #expect(throws: Redelivery.RedeliveryError.noDelivery(message: bare)) {
            try await Redelivery.redeliver(message: bare, store: store, now: Date())
        }
    }
}
