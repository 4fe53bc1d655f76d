import CurlClient
import Foundation
import GatewayHTTP
import Ledger
import LedgerSQLite
import Synchronization
import Testing
import XMLCore

@Suite("The journal-gateway process under kill -9 and SIGTERM")
struct CrashSafetyTests {
    /// Starts `journal-gateway serve` on a kernel-chosen port and returns it with the port it logged.
    static func startGateway(database: String) async throws -> (ChildProcess, Int) {
        var environment = ProcessInfo.processInfo.environment
        environment["LOG_LEVEL"] = "info"
        let child = try ChildProcess(
            executable: try GatewayExecutable.path(),
            arguments: [
                "serve", "--host", "127.0.0.1", "--port", "0", "--database", database, "--config", Repo.demoConfig, "--resources", Repo.root,
            ],
            environment: environment)
        guard let port = try await child.waitForLog(#"listening on http://127\.0\.0\.1:(\d+)"#).flatMap({ Int($0) }) else {
            child.signal(SIGKILL)
            let (exit, log) = await child.waitForExit()
            throw HarnessError("journal-gateway did not start (\(exit)):\n\(log)")
        }
        return (child, port)
    }

    /// Document keys (`cc/year/number`) of the posted entries of a confirmation; nil when the
    /// body is not a confirmation (parsed without recording test issues: failures are expected here).
    static func postedKeys(_ body: [UInt8]) -> [String]? {
        guard let document = try? XMLDoc.parse(body), let root = document.rootElement,
            let payload = root.firstChild(named: "Body")?.firstChildElement,
            payload.isNamed("JournalEntryBulkCreateConfirmation", namespaceURI: Repo.sfinNamespace)
        else { return nil }
        return payload.childElements(named: "JournalEntryCreateConfirmation").compactMap { confirmation in
            guard let key = confirmation.firstChild(named: "JournalEntryCreateConfirmation"),
                let number = key.firstChild(named: "AccountingDocument")?.text, number != "0000000000",
                let companyCode = key.firstChild(named: "CompanyCode")?.text, let year = key.firstChild(named: "FiscalYear")?.text
            else { return nil }
            return "\(companyCode)/\(year)/\(number)"
        }
    }

    static func request(_ messageID: String, companyCode: String, amount: String) -> HTTPRequestSpec {
        HTTPRequestSpec(
            url: "", headers: [("Content-Type", "text/xml; charset=utf-8"), ("SOAPAction", "\"\(Repo.soapAction)\"")],
            body: Array(BulkRequest(EntrySpec.balanced(id: messageID + "-E", companyCode: companyCode, amount: amount), messageID: messageID).envelope().utf8),
            totalTimeout: .seconds(60), basicAuth: ("INTEGRATION", "welcome1"), proxy: .disabled)
    }

    /// Every entry in the database file, read through a fresh store.
    static func storedEntries(database: String) async throws -> [StoredJournalEntry] {
        let (_, masterData) = try GatewayConfiguration.load(path: Repo.demoConfig)
        let store = try SQLiteLedgerStore(path: database, masterData: masterData, logger: GatewayHarness.testLogger)
        defer { try? store.close() }
        var entries: [StoredJournalEntry] = []
        var query = JournalEntryQuery(limit: 200)
        while true {
            let page = try await store.journalEntries(query)
            entries += page.entries
            guard let next = page.next else { break }
            query.after = next
        }
        return entries
    }

    @Test("after kill -9 in a burst of posts, every answered document is stored, entries balance and numbers are gapless", .timeLimit(.minutes(3)))
    func killNineDuringBurst() async throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = directory + "/ledger.sqlite"
        let (child, port) = try await Self.startGateway(database: database)
        let client = try CurlClient(maxConcurrentTransfers: 16)

        let total = 150
        let killAfter = 30
        let answered = Locked<[String: String]>([:])  // message ID → cc/year/number
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<total {
                group.addTask {
                    let messageID = "CRASH-\(index)"
                    var spec = Self.request(messageID, companyCode: index % 3 == 0 ? "1710" : "1010", amount: "\(index + 1).25")
                    spec.url = "http://127.0.0.1:\(port)" + ServicePaths.createSync
                    guard let response = try? await client.execute(spec), response.status == 200,
                        let keys = Self.postedKeys(response.body), keys.count == 1
                    else { return }
                    let count = answered.withLock { answered -> Int in
                        answered[messageID] = keys[0]
                        return answered.count
                    }
                    if count == killAfter { child.signal(SIGKILL) }
                }
            }
        }
        await client.shutdown()
        let (exit, log) = await child.waitForExit()
        #expect(exit.reason == .uncaughtSignal && exit.status == SIGKILL, "\(exit)\n\(log)")
        let answeredBeforeKill = answered.withLock { $0 }
        #expect(answeredBeforeKill.count >= killAfter)
        #expect(answeredBeforeKill.count < total, "every post was answered before the kill; the test did not crash mid-stream")

        let entries = try await Self.storedEntries(database: database)
        #expect(entries.count >= answeredBeforeKill.count)
        var byKey: [String: StoredJournalEntry] = [:]
        for entry in entries {
            byKey[entry.key.description] = entry
            let transaction = entry.lines.reduce(DecimalAmount.zero) { $0 + $1.amountInTransactionCurrency }
            let local = entry.lines.reduce(DecimalAmount.zero) { $0 + $1.amountInCompanyCodeCurrency }
            #expect(entry.lines.count == 2 && transaction.isZero && local.isZero, "\(entry.key) does not balance")
        }
        for (messageID, key) in answeredBeforeKill {
            let entry = byKey[key]
            #expect(entry != nil, "\(messageID) was confirmed as \(key) but is not in the ledger")
            #expect(entry?.source.messageID == messageID, "\(key) belongs to \(entry?.source.messageID ?? "-"), not \(messageID)")
        }
        #expect(Set(entries.compactMap(\.source.messageID)).count == entries.count, "a message was posted twice")
        let numbersByYear = Dictionary(grouping: entries) { "\($0.key.companyCode)/\($0.key.fiscalYear)" }
            .mapValues { $0.map(\.key.documentNumber).sorted() }
        for (companyCodeYear, numbers) in numbersByYear {
            let expected = (0..<numbers.count).map { DocumentKey.formatNumber(100_000_000 + Int64($0)) }
            #expect(numbers == expected, "numbers of \(companyCodeYear) have gaps: \(numbers)")
        }

        // After a restart the number ranges continue where the ledger ends, and answered messages replay.
        try await withGateway(databasePath: database) { gateway in
            let next = try await gateway.expectPosted(BulkRequest(EntrySpec.balanced(companyCode: "1010")))
            let count1010 = numbersByYear["1010/2025"]?.count ?? 0
            #expect(next.entries.map(\.accountingDocument) == [DocumentKey.formatNumber(100_000_000 + Int64(count1010))])
            if let (messageID, key) = answeredBeforeKill.first {
                var spec = Self.request(messageID, companyCode: key.hasPrefix("1710") ? "1710" : "1010", amount: "0.01")
                spec.url = gateway.baseURL + ServicePaths.createSync
                let replay = try await gateway.client.execute(spec)
                #expect(Self.postedKeys(replay.body) == [key], "replay of \(messageID) after the crash")
            }
        }
    }

    @Test("SIGTERM stops the process gracefully with exit status 0 and 'journal-gateway stopped' in the log", .timeLimit(.minutes(2)))
    func sigtermStopsGracefully() async throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = directory + "/ledger.sqlite"
        let (child, port) = try await Self.startGateway(database: database)
        let client = try CurlClient()
        var spec = Self.request("TERM-1", companyCode: "1010", amount: "10.00")
        spec.url = "http://127.0.0.1:\(port)" + ServicePaths.createSync
        let response = try await client.execute(spec)
        await client.shutdown()
        #expect(response.status == 200)
        let keys = Self.postedKeys(response.body)
        #expect(keys == ["1010/2025/0100000000"])

        child.signal(SIGTERM)
        let (exit, log) = await child.waitForExit()
        #expect(exit.reason == .exit && exit.status == 0, "\(exit)\n\(log)")
        #expect(log.contains("journal-gateway stopped"), "\(log)")
        let entries = try await Self.storedEntries(database: database)
        #expect(entries.map(\.key.description) == ["1010/2025/0100000000"])
    }
}

/// A mutex-protected value that closures can share (a `Mutex` itself cannot be captured).
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<T: Sendable>(_ body: (inout Value) -> T) -> T { mutex.withLock { body(&$0) } }
}
