import ConfirmationDelivery
import CoreMetrics
import CurlClient
import Foundation
import GatewayWorkers
import Ledger
import Logging
import ServiceLifecycle
import Synchronization

/// A retry policy for tests: tiny delays, no jitter, a short attempt timeout.
func quickPolicy(attempts: Int = 5, timeout: TimeInterval = 2) -> RetryPolicy {
    RetryPolicy(maximumAttempts: attempts, initialDelay: 0.01, multiplier: 1, maximumDelay: 0.01, jitter: 0, attemptTimeout: timeout)
}

/// A clock the test can move forward; starts at the wall clock.
final class TestClock: Sendable {
    private let offset = Mutex<TimeInterval>(0)

    func now() -> Date { Date().addingTimeInterval(offset.withLock { $0 }) }

    func advance(by seconds: TimeInterval) { offset.withLock { $0 += seconds } }
}

/// Writes what the posting worker writes for an asynchronous message with a receiver: the
/// message, one rejected entry, and its confirmation delivery, in one transaction.
@discardableResult
func enqueueConfirmation(
    in store: any LedgerStore, url: String, number: Int = 1, now: Date = Date(), communicationSystem: String? = "ERP"
) async throws -> (message: MessageRowID, delivery: DeliveryRowID) {
    try await store.write { tx in
        let confirmation = ConfirmationHeader(
            uuid: String(format: "00000000-0000-4000-8000-%012d", number), creationDateTime: "2025-03-01T10:00:01.000000Z",
            referenceID: "BULK-\(number)", referenceUUID: nil, recipientBusinessSystemID: communicationSystem)
        let message = try tx.insertMessage(
            NewMessage(
                key: InboundMessageKey(sender: "INTEGRATION", interface: "JournalEntryBulkCreationRequest_In", messageID: "BULK-\(number)"),
                interface: "JournalEntryBulkCreationRequest_In", sender: "INTEGRATION", messageID: "BULK-\(number)", messageUUID: nil,
                transportMessageID: nil, receivedAt: "2025-03-01T10:00:00.000000Z", firstReceivedAt: "2025-03-01T10:00:00.000000Z",
                attempt: 1, entryCount: 1, payloadDigest: nil, state: .processed, confirmation: confirmation, isTest: false))
        try tx.recordEntries(
            [
                EntryRecord(
                    index: 0, outcome: .rejected(PostingRejection([])), messageID: "BULK-\(number)-1", messageUUID: nil,
                    confirmationUUID: String(format: "00000000-0000-4000-9000-%012d", number), originalReferenceDocumentType: "BKPFF",
                    logicalSystem: "JGWCLNT100")
            ], ofMessage: message)
        let delivery = try tx.enqueueDelivery(
            NewDelivery(
                messageRowID: message,
                target: DeliveryTarget(
                    communicationSystem: communicationSystem, url: url, outboundInterface: "JournalEntryBulkCreateConfirmation_Out",
                    soapVersion: "1.1"),
                state: DeliveryState(enqueuedAt: now), createdAt: now))
        return (message, delivery)
    }
}

/// Renders a delivery's confirmation from what the store holds, as the gateway does: the
/// message's confirmation header and its entries' confirmation UUIDs, in a SOAP 1.1 envelope
/// (a reduced JournalEntryBulkCreateConfirmation). Counts its calls.
final class StoreRenderer: Sendable {
    let store: any LedgerStore
    private let calls = Mutex(0)
    /// Calls that throw before rendering, from the first.
    private let failures: Mutex<Int>

    init(store: any LedgerStore, failFirst failures: Int = 0) {
        self.store = store
        self.failures = Mutex(failures)
    }

    var callCount: Int { calls.withLock { $0 } }

    func render(_ delivery: DeliveryRecord) async throws -> OutboundConfirmation {
        calls.withLock { $0 += 1 }
        if failures.withLock({ f in
            defer { f = max(0, f - 1) }
            return f > 0
        }) {
            throw RenderFailure()
        }
        guard let detail = try await store.messageDetail(delivery.messageRowID) else { throw RenderFailure() }
        let header = detail.message.confirmation
        var payload = #"<n0:JournalEntryBulkCreateConfirmation xmlns:n0="http://sap.com/xi/SAPSCORE/SFIN">"#
        payload += "<MessageHeader><UUID>\(header.uuid)</UUID><ReferenceID>\(header.referenceID ?? "")</ReferenceID>"
        payload += "<CreationDateTime>\(header.creationDateTime)</CreationDateTime></MessageHeader>"
        for entry in detail.entries {
            payload += "<JournalEntryCreateConfirmation><MessageHeader><UUID>\(entry.confirmationUUID)</UUID></MessageHeader>"
            payload += "</JournalEntryCreateConfirmation>"
        }
        payload += "</n0:JournalEntryBulkCreateConfirmation>"
        let envelope =
            #"<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/"><soap-env:Header/><soap-env:Body>"#
            + payload + "</soap-env:Body></soap-env:Envelope>"
        return OutboundConfirmation(
            body: Array(envelope.utf8), contentType: "text/xml; charset=utf-8",
            soapAction: "http://sap.com/xi/SAPSCORE/SFIN/JournalEntryBulkCreateConfirmation_Out", headers: [("X-Test", "1")])
    }
}

struct RenderFailure: Error, CustomStringConvertible {
    var description: String { "no template for this message" }
}

/// A dispatcher for tests: fast polling, no proxy, the given clock.
func makeDispatcher(
    store: any LedgerStore, renderer: StoreRenderer, policy: RetryPolicy = quickPolicy(), concurrency: Int = 8,
    pollInterval: Duration = .milliseconds(20), leaseMargin: TimeInterval = 1, grace: Duration? = nil, clock: TestClock = TestClock(),
    instance: String = "test-dispatcher", metricsFactory: (any MetricsFactory)? = nil,
    credentials: @escaping ConfirmationDispatcher.CredentialsProvider = { _ in nil }
) -> ConfirmationDispatcher {
    var logger = Logger(label: "dispatcher-test")
    logger.logLevel = .critical
    return ConfirmationDispatcher(
        store: store, policy: policy,
        configuration: .init(
            instance: instance, pollInterval: pollInterval, maximumConcurrentSends: concurrency, leaseMargin: leaseMargin,
            shutdownGracePeriod: grace, proxy: .disabled),
        logger: logger, metricsFactory: metricsFactory, now: { clock.now() }, randomUnit: { 0.5 }, credentials: credentials,
        render: { try await renderer.render($0) })
}

/// Runs `dispatcher` in a service group around `body`, then shuts the group down gracefully and
/// waits for the dispatcher to stop.
func whileRunning<T: Sendable>(_ dispatcher: ConfirmationDispatcher, _ body: () async throws -> T) async throws -> T {
    var logger = Logger(label: "service-group-test")
    logger.logLevel = .critical
    let group = ServiceGroup(services: [dispatcher], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        do {
            let result = try await body()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            throw error
        }
    }
}

/// Polls `condition` every few milliseconds until it holds or `timeout` passes; a condition that
/// throws counts as not holding.
func eventually(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if (try? await condition()) == true { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return (try? await condition()) == true
}

extension LedgerStore {
    /// The delivery of `message` with its attempts.
    func deliveryDetail(_ message: MessageRowID) async throws -> (delivery: DeliveryRecord, attempts: [DeliveryAttempt]) {
        let detail = try await messageDetail(message)
        guard let detail, let delivery = detail.delivery else { throw LedgerStoreError("no delivery for message \(message)") }
        return (delivery, detail.attempts)
    }

    func deliveryStatus(_ message: MessageRowID) async throws -> DeliveryState.Status {
        try await deliveryDetail(message).delivery.state.status
    }
}

/// The loopback URL of a receiver.
func confirmationsURL(_ port: Int) -> String { "http://127.0.0.1:\(port)/confirmations" }
