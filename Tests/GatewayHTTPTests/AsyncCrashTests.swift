import ConfirmationDelivery
import CurlClient
import Foundation
import GatewayConfig
import GatewayHTTP
import Ledger
import LedgerSQLite
import Synchronization
import Testing

/// The asynchronous path under `kill -9`: whatever moment the process dies, every acknowledged
/// message is posted exactly once and has exactly one confirmation outcome, and every confirmation
/// a receiver gets for a message is the same one.
@Suite("Asynchronous posting under kill -9")
struct AsyncCrashTests {
    static let bulks = 6
    static let entriesPerBulk = 250

    static func startGateway(database: String, config: String) async throws -> (ChildProcess, Int) {
        let child = try ChildProcess(
            executable: try GatewayExecutable.path(),
            arguments: ["serve", "--host", "127.0.0.1", "--port", "0", "--database", database, "--config", config, "--resources", Repo.root],
            environment: ProcessInfo.processInfo.environment.merging(["LOG_LEVEL": "info"]) { _, new in new })
        guard let port = try await child.waitForLog(#"listening on http://127\.0\.0\.1:(\d+)"#).flatMap({ Int($0) }) else {
            child.signal(SIGKILL)
            let (exit, log) = await child.waitForExit()
            throw HarnessError("journal-gateway did not start (\(exit)):\n\(log)")
        }
        return (child, port)
    }

    /// Messages whose confirmation the running gateway records as delivered (its monitor API).
    static func deliveredCount(port: Int) async throws -> Int {
        let client = try CurlClient(maxConcurrentTransfers: 1)
        let answer = try? await client.execute(
            HTTPRequestSpec(
                url: "http://127.0.0.1:\(port)/api/messages?delivery=delivered&limit=500", method: "GET", totalTimeout: .seconds(10),
                basicAuth: ("INTEGRATION", "welcome1"), proxy: .disabled))
        await client.shutdown()
        guard let response = answer, response.status == 200, let json = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
            let messages = json["messages"] as? [Any]
        else { return 0 }
        return messages.count
    }

    /// Sends every request not yet acknowledged (a real client resends until it gets its 202);
    /// `onAccepted` sees each 202 as it arrives.
    static func submit(
        _ requests: [AsyncRequest], port: Int, acknowledged: Locked<Set<String>>, onAccepted: @escaping @Sendable (Int) -> Void = { _ in }
    ) async throws {
        let client = try CurlClient(maxConcurrentTransfers: 8)
        await withTaskGroup(of: Void.self) { group in
            for request in requests where !acknowledged.withLock({ $0.contains(request.messageID ?? "") }) {
                group.addTask {
                    let spec = HTTPRequestSpec(
                        url: "http://127.0.0.1:\(port)" + request.path,
                        headers: [("Content-Type", "text/xml; charset=utf-8"), ("SOAPAction", "\"\(AsyncContract.soapAction(request.interface))\"")],
                        body: Array(request.envelope().utf8), totalTimeout: .seconds(60), basicAuth: ("INTEGRATION", "welcome1"), proxy: .disabled)
                    guard let response = try? await client.execute(spec), response.status == 202, let id = request.messageID else { return }
                    let count = acknowledged.withLock { set -> Int in
                        set.insert(id)
                        return set.count
                    }
                    onAccepted(count)
                }
            }
        }
        await client.shutdown()
    }

    @Test("kill -9 while bulks are taken, posted and confirmed: each is posted once, has one confirmation outcome and one confirmation identity", .timeLimit(.minutes(4)))
    func killNineDuringAsyncWork() async throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let receiver = try await ConfirmationReceiver.start()
        let config = try writeAsyncConfig(in: directory, confirmationsBase: receiver.baseURL) { json in
            json["delivery"] = ["retry": ["initialDelaySeconds": 0.2, "maximumDelaySeconds": 1, "attemptTimeoutSeconds": 3]]
        }
        let database = directory + "/ledger.sqlite"
        let requests = (0..<Self.bulks).map { index in
            AsyncRequest((0..<Self.entriesPerBulk).map { entry in EntrySpec.balanced(id: "KILL-\(index)-\(entry)", amount: "\(index + 1).\(entry % 100)") }, messageID: "KILL-\(index)")
        }
        let acknowledged = Locked<Set<String>>([])

        // 1: killed while the bulks are still arriving (right after the first 202).
        var (child, port) = try await Self.startGateway(database: database, config: config)
        let first = child
        try await Self.submit(requests, port: port, acknowledged: acknowledged) { count in
            if count == 1 { first.signal(SIGKILL) }
        }
        var (exit, log) = await child.waitForExit()
        #expect(exit.reason == .uncaughtSignal, "\(exit)\n\(log)")

        // 2: restarted, the client resends what was not acknowledged; killed at the first confirmation.
        (child, port) = try await Self.startGateway(database: database, config: config)
        try await Self.submit(requests, port: port, acknowledged: acknowledged)
        #expect(acknowledged.withLock { $0.count } == Self.bulks)
        let deadline = ContinuousClock.now + .seconds(90)
        while receiver.requests.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        child.signal(SIGKILL)
        (exit, log) = await child.waitForExit()
        #expect(exit.reason == .uncaughtSignal, "\(exit)\n\(log)")

        // 3: restarted once more; everything is posted and confirmed; then a graceful stop.
        (child, port) = try await Self.startGateway(database: database, config: config)
        func confirmedIDs() -> Set<String> { Set(receiver.requests.compactMap { try? ReceivedConfirmation($0).confirmation.referenceID }) }
        let allIDs = Set(requests.compactMap(\.messageID))
        let finalDeadline = ContinuousClock.now + .seconds(120)
        while !allIDs.isSubset(of: confirmedIDs()), ContinuousClock.now < finalDeadline { try await Task.sleep(for: .milliseconds(50)) }
        // A confirmation the receiver got just before the second kill may still be recorded as in
        // flight: it is sent again once its lease has passed. Wait until the store says delivered.
        while try await Self.deliveredCount(port: port) < Self.bulks, ContinuousClock.now < finalDeadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        child.signal(SIGTERM)
        (exit, log) = await child.waitForExit()
        #expect(exit.reason == .exit && exit.status == 0, "\(exit)\n\(log)")
        await receiver.stop()
        #expect(confirmedIDs() == allIDs, "confirmations received for \(confirmedIDs().sorted()) of \(allIDs.sorted())")

        // Every confirmation of one message is the same message (same wsa:MessageID = MessageHeader/UUID).
        let received = try receiver.requests.map(ReceivedConfirmation.init)
        for (id, copies) in Dictionary(grouping: received, by: { $0.confirmation.referenceID ?? "" }) {
            #expect(Set(copies.map(\.wsaMessageID)).count == 1, "\(id) was confirmed with different identities")
            #expect(copies.allSatisfy { $0.confirmation.entries.count == Self.entriesPerBulk }, "\(id): a confirmation lacks entries")
        }

        // The store: one processed message per key, each with all its entries posted once and one delivery.
        let (_, masterData) = try GatewayConfiguration.load(path: config)
        let store = try SQLiteLedgerStore(path: database, masterData: masterData, logger: GatewayHarness.testLogger)
        defer { try? store.close() }
        let messages = try await store.messages(MessageQuery(limit: 500)).messages
        let byKey = Dictionary(grouping: messages.filter { $0.message.key != nil }, by: { $0.message.key?.messageID ?? "" })
        #expect(Set(byKey.keys) == allIDs)
        for (id, rows) in byKey {
            #expect(rows.count == 1, "\(id) is recorded \(rows.count) times")
            #expect(rows.first?.message.state == .processed, "\(id) is \(String(describing: rows.first?.message.state))")
            #expect(rows.first?.message.postedCount == Self.entriesPerBulk, "\(id) posted \(rows.first?.message.postedCount ?? -1)")
            #expect(rows.first?.delivery?.state.status == .delivered, "\(id): \(String(describing: rows.first?.delivery?.state.status))")
        }
        var entries: [StoredJournalEntry] = []
        var query = JournalEntryQuery(limit: 500)
        while true {
            let page = try await store.journalEntries(query)
            entries += page.entries
            guard let next = page.next else { break }
            query.after = next
        }
        #expect(entries.count == Self.bulks * Self.entriesPerBulk, "entries in the ledger")
        let perEntry = Dictionary(grouping: entries) { "\($0.source.messageID ?? "")/\($0.source.entryMessageID ?? "")" }
        #expect(perEntry.values.allSatisfy { $0.count == 1 }, "an entry was posted twice")
        let numbers = entries.filter { $0.key.companyCode == "1010" }.map(\.key.documentNumber).sorted()
        #expect(numbers == (0..<numbers.count).map { DocumentKey.formatNumber(100_000_000 + Int64($0)) }, "numbers have gaps")
    }
}
