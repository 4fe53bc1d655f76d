import ConfirmationDelivery
import CurlClient
import Foundation
import GatewayWorkers
import Ledger
import Testing

/// Confirmations are delivered at least once with one identity: retried until the receiver
/// answers 2xx, every attempt recorded for the monitor. (The harness's fast retry policy: 6
/// attempts, 0.2 s doubling to at most 2 s.)
@Suite("Delivering confirmations: retries until the receiver takes them", .timeLimit(.minutes(2)))
struct AsyncDeliveryTests {
    @Test("a receiver answering 500, 500, then 200 gets the same confirmation three times; delivered at the third attempt")
    func serverErrorsThenSuccess() async throws {
        try await withAsyncScenario(statuses: [500, 500]) { scenario in
            let gateway = scenario.gateway
            let request = AsyncRequest([.balanced()])
            expectAccepted(try await gateway.postAsync(request, queryMessageID: newTransportID()))
            let received = try await scenario.receiver.waitForRequests(3)
            #expect(received.map(\.answeredStatus) == [500, 500, 200])
            let first = try expectConfirmation(received[0], confirming: request, sentTo: scenario.confirmationsURL)
            // Every retry carries the same confirmation: same MessageHeader/UUID, same bytes.
            #expect(received.allSatisfy { $0.body == received[0].body }, "retries differ from the first attempt")
            #expect(try received.map { try ReceivedConfirmation($0).confirmation.uuid } == Array(repeating: first.confirmation.uuid, count: 3))
            // Spaced out, not sent back to back (backoff of about 0.2 s, then 0.4 s).
            #expect(received[1].receivedAt.timeIntervalSince(received[0].receivedAt) >= 0.15)
            #expect(received[2].receivedAt.timeIntervalSince(received[1].receivedAt) >= 0.3)

            let detail = try await gateway.waitForDelivery(try #require(request.messageID), .delivered)
            let delivery = try #require(detail.delivery)
            #expect(detail.attempts.map(\.httpStatus) == [500, 500, 200])
            #expect(detail.attempts.map(\.number) == [1, 2, 3])
            #expect(detail.attempts.prefix(2).allSatisfy { $0.error != nil }, "\(detail.attempts)")
            #expect(detail.attempts.last?.error == nil)
            #expect(delivery.state.attemptsMade == 3)
            #expect(delivery.state.totalAttempts == 3)
            #expect(delivery.state.lastStatus == 200)
            #expect(delivery.state.lastError == nil)
            #expect(try scenario.receiver.requests.count == 3, "nothing is sent after the 200")
        }
    }

    @Test("the monitor (/api/messages) shows the message processed, its entries and every delivery attempt")
    func monitorShowsAttempts() async throws {
        try await withAsyncScenario(statuses: [500]) { scenario in
            let gateway = scenario.gateway
            let request = AsyncRequest([.balanced(), EntrySpec(lines: [.gl("65000000", "100.00"), .gl("11001000", "-90.00")])])
            expectAccepted(try await gateway.postAsync(request, queryMessageID: newTransportID()))
            let detail = try await gateway.waitForDelivery(try #require(request.messageID), .delivered)

            let response = try await gateway.get("/api/messages/\(detail.message.id)")
            try #require(response.status == 200, "GET /api/messages/\(detail.message.id) answered \(response.status): \(response.text)")
            let view = try JSONDecoder().decode(MonitorMessage.self, from: Data(response.body))
            #expect(view.interface == AsyncContract.createInterface)
            #expect(view.messageID == request.messageID)
            #expect(view.state == "processed")
            #expect(view.postedCount == 1)
            #expect(view.entries?.map(\.outcome) == ["posted", "rejected"])
            #expect(view.delivery?.status == "delivered")
            #expect(view.delivery?.url == scenario.confirmationsURL)
            #expect(view.delivery?.totalAttempts == 2)
            #expect(view.delivery?.lastStatus == 200)
            #expect(view.attempts?.map(\.httpStatus) == [500, 200])
            #expect(view.attempts?.first?.error?.isEmpty == false)

            let list = try await gateway.get("/api/messages?delivery=delivered&messageID=\(percentEncoded(try #require(request.messageID)))")
            try #require(list.status == 200, "\(list.text)")
            let page = try JSONDecoder().decode(MonitorList.self, from: Data(list.body))
            #expect(page.messages.map(\.id) == [detail.message.id])
        }
    }

    @Test("a receiver that is down, then up: refused attempts are recorded and the confirmation is delivered after a retry")
    func receiverDownThenUp() async throws {
        try await withAsyncScenario(receiverUp: false) { scenario in
            let gateway = scenario.gateway
            let request = AsyncRequest([.balanced()])
            expectAccepted(try await gateway.postAsync(request, queryMessageID: newTransportID()))
            let id = try #require(request.messageID)
            // The entries are posted whether or not the receiver is there.
            let processed = try await gateway.waitUntilProcessed(id)
            #expect(processed.entries.map(\.outcome.isPosted) == [true])

            let failing = try await gateway.waitForAttempts(id, atLeast: 1)
            let firstAttempt = try #require(failing.attempts.first)
            #expect(firstAttempt.httpStatus == nil, "no HTTP answer from a port nobody listens on")
            #expect(firstAttempt.error?.isEmpty == false, "the refused connection is recorded: \(firstAttempt)")
            let waiting = try #require(failing.delivery)
            #expect(
                [.retryScheduled, .inFlight, .pending].contains(waiting.state.status), "a refused attempt is retried: \(waiting.state.status)")
            #expect(waiting.state.lastError?.isEmpty == false)

            let receiver = try await scenario.startReceiver()
            let received = try await receiver.waitForRequests(1)
            try expectConfirmation(received[0], confirming: request, sentTo: scenario.confirmationsURL)
            let delivered = try await gateway.waitForDelivery(id, .delivered)
            #expect(delivered.attempts.count >= 2)
            #expect(delivered.attempts.dropLast().allSatisfy { $0.httpStatus == nil && $0.error != nil }, "\(delivered.attempts)")
            #expect(delivered.attempts.last?.httpStatus == 200)
            #expect(delivered.delivery?.state.lastStatus == 200)
        }
    }

    @Test("a 4xx answer is not a delivery: recorded and retried like a 5xx")
    func clientErrorIsRetried() async throws {
        try await withAsyncScenario(statuses: [404]) { scenario in
            let request = AsyncRequest([.balanced()])
            expectAccepted(try await scenario.gateway.postAsync(request, queryMessageID: newTransportID()))
            let received = try await scenario.receiver.waitForRequests(2)
            #expect(received.map(\.answeredStatus) == [404, 200])
            let detail = try await scenario.gateway.waitForDelivery(try #require(request.messageID), .delivered)
            #expect(detail.attempts.map(\.httpStatus) == [404, 200])
        }
    }

    @Test("a receiver that never takes it: the delivery fails after the policy's last attempt and stays failed")
    func failsAfterLastAttempt() async throws {
        try await withAsyncScenario(defaultStatus: 503) { scenario in
            let request = AsyncRequest([.balanced()])
            expectAccepted(try await scenario.gateway.postAsync(request, queryMessageID: newTransportID()))
            let detail = try await scenario.gateway.waitForDelivery(try #require(request.messageID), .failed, timeout: .seconds(30))
            #expect(detail.attempts.count == 6, "GatewayHarness.fastOptions allows 6 attempts: \(detail.attempts.map(\.httpStatus))")
            #expect(detail.attempts.allSatisfy { $0.httpStatus == 503 })
            #expect(detail.delivery?.state.lastStatus == 503)
            #expect(try scenario.receiver.requests.count == 6)
        }
    }
}

/// An operator sends a confirmation again: a failed one once the receiver is fixed, or a
/// delivered one the receiver says it lost (forced). The receiver gets the same confirmation.
@Suite("Redelivering confirmations", .timeLimit(.minutes(2)))
struct AsyncRedeliveryTests {
    /// Posts one message to a receiver that answers 503 until its delivery has failed; returns
    /// the message's bulk ID and its row ID.
    private func failedDelivery(_ scenario: AsyncScenario) async throws -> (request: AsyncRequest, row: MessageRowID) {
        let request = AsyncRequest([.balanced()])
        expectAccepted(try await scenario.gateway.postAsync(request, queryMessageID: newTransportID()))
        let detail = try await scenario.gateway.waitForDelivery(try #require(request.messageID), .failed, timeout: .seconds(30))
        return (request, detail.message.id)
    }

    @Test("journal-gateway messages redeliver <id> sends a failed confirmation again; the running gateway delivers it")
    func redeliverFromCLI() async throws {
        try await withAsyncScenario(defaultStatus: 503) { scenario in
            let (request, row) = try await failedDelivery(scenario)
            let receiver = try scenario.receiver
            let failedCount = receiver.requests.count
            receiver.answer(thenDefault: 200)

            let child = try ChildProcess(
                executable: try GatewayExecutable.path(),
                arguments: ["messages", "redeliver", "\(row)", "--database", scenario.gateway.databasePath, "--config", scenario.configPath],
                timeLimit: .seconds(60))
            let (exit, log) = await child.waitForExit()
            #expect(exit.reason == .exit && exit.status == 0, "messages redeliver failed (\(exit)):\n\(log)")

            let received = try await receiver.waitForRequests(failedCount + 1)
            #expect(received.last?.answeredStatus == 200)
            #expect(received.last?.body == received.first?.body, "the redelivered confirmation differs from the first attempt")
            try expectConfirmation(try #require(received.last), confirming: request, sentTo: scenario.confirmationsURL)
            let detail = try await scenario.gateway.waitForDelivery(try #require(request.messageID), .delivered)
            #expect(detail.delivery?.state.totalAttempts == failedCount + 1)
            #expect(detail.delivery?.state.attemptsMade == 1, "a fresh budget of attempts")
        }
    }

    @Test("journal-gateway messages redeliver refuses a delivered confirmation without --force")
    func redeliverDeliveredFromCLI() async throws {
        try await withAsyncScenario { scenario in
            let request = AsyncRequest([.balanced()])
            expectAccepted(try await scenario.gateway.postAsync(request, queryMessageID: newTransportID()))
            let detail = try await scenario.gateway.waitForDelivery(try #require(request.messageID), .delivered)
            let child = try ChildProcess(
                executable: try GatewayExecutable.path(),
                arguments: ["messages", "redeliver", "\(detail.message.id)", "--database", scenario.gateway.databasePath, "--config", scenario.configPath],
                timeLimit: .seconds(60))
            let (exit, log) = await child.waitForExit()
            #expect(exit.reason == .exit && exit.status != 0, "a delivered confirmation was redelivered without --force:\n\(log)")
            #expect(log.contains("delivered"), "\(log)")
            #expect(try scenario.receiver.requests.count == 1)
        }
    }

    @Test("Redelivery.redeliver makes a failed delivery pending with a fresh budget; the dispatcher delivers it at its next poll")
    func redeliverFailed() async throws {
        try await withAsyncScenario(defaultStatus: 503) { scenario in
            let (request, row) = try await failedDelivery(scenario)
            let receiver = try scenario.receiver
            let failedCount = receiver.requests.count
            receiver.answer(thenDefault: 200)

            let outcome = try await Redelivery.redeliver(message: row, store: scenario.gateway.store, now: Date())
            guard case .redelivered(let record) = outcome else {
                Issue.record("expected .redelivered, got \(outcome)")
                return
            }
            #expect(record.state.status == .pending)
            #expect(record.state.attemptsMade == 0)
            let received = try await receiver.waitForRequests(failedCount + 1)
            #expect(received.last?.body == received.first?.body)
            let detail = try await scenario.gateway.waitForDelivery(try #require(request.messageID), .delivered)
            #expect(detail.attempts.count == failedCount + 1)
        }
    }

    @Test("a delivered confirmation is sent again only with force, with the same MessageHeader/UUID")
    func forceResend() async throws {
        try await withAsyncScenario { scenario in
            let gateway = scenario.gateway
            let request = AsyncRequest([.balanced()])
            expectAccepted(try await gateway.postAsync(request, queryMessageID: newTransportID()))
            let delivered = try await gateway.waitForDelivery(try #require(request.messageID), .delivered)
            let row = delivered.message.id

            await #expect(throws: Redelivery.RedeliveryError.self) {
                try await Redelivery.redeliver(message: row, store: gateway.store, now: Date())
            }
            let outcome = try await Redelivery.redeliver(message: row, force: true, store: gateway.store, now: Date())
            guard case .resent = outcome else {
                Issue.record("expected .resent, got \(outcome)")
                return
            }
            let received = try await scenario.receiver.waitForRequests(2)
            let uuids = try received.map { try ReceivedConfirmation($0).confirmation.uuid }
            #expect(uuids[0] == uuids[1])
            #expect(received[0].body == received[1].body)
            let again = try await gateway.waitForAttempts(try #require(request.messageID), atLeast: 2)
            #expect(again.attempts.map(\.httpStatus) == [200, 200])
        }
    }
}

/// What the tests read of the monitor's JSON (`/api/messages`).
struct MonitorMessage: Decodable, Sendable {
    struct Entry: Decodable, Sendable {
        let outcome: String
    }

    struct Delivery: Decodable, Sendable {
        let status: String
        let url: String
        let totalAttempts: Int
        let lastStatus: Int?
    }

    struct Attempt: Decodable, Sendable {
        let number: Int
        let httpStatus: Int?
        let error: String?
    }

    let id: Int64
    let interface: String
    let messageID: String?
    let state: String
    let postedCount: Int
    let entries: [Entry]?
    let delivery: Delivery?
    let attempts: [Attempt]?
}

struct MonitorList: Decodable, Sendable {
    let messages: [MonitorMessage]
}
