import ConfirmationDelivery
import CoreMetrics
import Foundation
import GatewayWorkers
import Ledger
import Synchronization
import Testing

/// Records every value handed to swift-metrics, by label and dimensions.
final class RecordingMetrics: MetricsFactory, Sendable {
    private let values = Mutex<[String: [Double]]>([:])

    static func key(_ label: String, _ dimensions: [(String, String)]) -> String {
        ([label] + dimensions.map { "\($0.0)=\($0.1)" }).joined(separator: " ")
    }

    /// Sum of what was recorded under `label` with `dimensions`.
    func total(_ label: String, _ dimensions: [(String, String)] = []) -> Double {
        values.withLock { $0[Self.key(label, dimensions)]?.reduce(0, +) ?? 0 }
    }

    func count(_ label: String) -> Int { values.withLock { $0[label]?.count ?? 0 } }
    func last(_ label: String) -> Double? { values.withLock { $0[label]?.last } }

    fileprivate func add(_ key: String, _ value: Double) { values.withLock { $0[key, default: []].append(value) } }

    final class Handler: CounterHandler, RecorderHandler, TimerHandler, Sendable {
        let key: String
        let metrics: RecordingMetrics
        init(_ key: String, _ metrics: RecordingMetrics) {
            self.key = key
            self.metrics = metrics
        }
        func increment(by amount: Int64) { metrics.add(key, Double(amount)) }
        func reset() {}
        func record(_ value: Int64) { metrics.add(key, Double(value)) }
        func record(_ value: Double) { metrics.add(key, value) }
        func recordNanoseconds(_ duration: Int64) { metrics.add(key, Double(duration)) }
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler { Handler(Self.key(label, dimensions), self) }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        Handler(Self.key(label, dimensions), self)
    }
    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler { Handler(Self.key(label, dimensions), self) }
    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
}

@Suite("ConfirmationDispatcher: metrics")
struct DeliveryMetricsTests {
    @Test("attempts are counted by outcome; delivered and failed deliveries, attempt durations and latency are recorded")
    func metricsFollowTheAttempts() async throws {
        let store = InMemoryLedgerStore()
        let answers = Mutex([500, 400, 200])
        let receiver = try LoopbackReceiver { request in
            if String(decoding: request.body, as: UTF8.self).contains("BULK-2") { return .reply(status: 503) }
            return .reply(status: answers.withLock { $0.count > 1 ? $0.removeFirst() : $0[0] })
        }
        defer { receiver.stop() }
        let (delivered, _) = try await enqueueConfirmation(in: store, url: confirmationsURL(receiver.port), number: 1)
        let (failed, _) = try await enqueueConfirmation(in: store, url: confirmationsURL(receiver.port), number: 2)
        let metrics = RecordingMetrics()
        let dispatcher = makeDispatcher(
            store: store, renderer: StoreRenderer(store: store), policy: quickPolicy(attempts: 3), metricsFactory: metrics)

        try await whileRunning(dispatcher) {
            #expect(await eventually { try await store.deliveryStatus(delivered) == .delivered })
            #expect(await eventually { try await store.deliveryStatus(failed) == .failed })
        }

        let attempts = "journal_gateway_delivery_attempts_total"
        #expect(metrics.total(attempts, [("outcome", "http_5xx")]) == 4)  // 500 once, 503 three times
        #expect(metrics.total(attempts, [("outcome", "http_4xx")]) == 1)
        #expect(metrics.total(attempts, [("outcome", "delivered")]) == 1)
        #expect(metrics.total(attempts, [("outcome", "timeout")]) == 0)
        #expect(metrics.total("journal_gateway_deliveries_delivered_total") == 1)
        #expect(metrics.total("journal_gateway_deliveries_failed_total") == 1)
        #expect(metrics.count("journal_gateway_delivery_attempt_duration_seconds") == 6)
        #expect(metrics.count("journal_gateway_delivery_latency_seconds") == 1)
        #expect(metrics.last("journal_gateway_deliveries_in_flight") == 0)
    }
}
