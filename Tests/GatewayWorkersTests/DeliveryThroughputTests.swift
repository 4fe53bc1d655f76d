import ConfirmationDelivery
import Foundation
import GatewayWorkers
import Ledger
import Testing

@Suite("ConfirmationDispatcher: throughput smoke test")
struct DeliveryThroughputTests {
    @Test("2,000 confirmations to one local receiver are all delivered, each once (rate printed, not asserted)")
    func twoThousandDeliveries() async throws {
        let store = InMemoryLedgerStore()
        let receiver = try LoopbackReceiver()
        defer { receiver.stop() }
        let count = 2_000
        for number in 1...count { try await enqueueConfirmation(in: store, url: confirmationsURL(receiver.port), number: number) }
        let dispatcher = makeDispatcher(store: store, renderer: StoreRenderer(store: store), concurrency: 64)

        let started = ContinuousClock.now
        let elapsed = try await whileRunning(dispatcher) {
            // Poll cheaply (the receiver's count), then check the store once everything arrived.
            #expect(await eventually(timeout: .seconds(60)) { receiver.requestCount >= count })
            #expect(await eventually(timeout: .seconds(10)) { () async throws -> Bool in
                try await store.messages(MessageQuery(limit: count + 1)).messages.allSatisfy { $0.delivery?.state.status == .delivered }
            })
            return started.duration(to: .now)
        }

        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("delivered \(count) confirmations in \(String(format: "%.2f", seconds)) s: \(Int(Double(count) / seconds))/s "
            + "over \(receiver.connectionsAccepted) connections (debug build, in-memory store)")
        #expect(receiver.requestCount == count)
        let uuids = Set(receiver.requests.map { request in
            String(decoding: request.body, as: UTF8.self).firstMatch(of: /<UUID>([^<]+)<\/UUID>/).map { String($0.1) } ?? ""
        })
        #expect(uuids.count == count)
        #expect(receiver.connectionsAccepted <= 64)
    }
}
