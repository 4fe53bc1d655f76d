import GatewayConfig
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
                let number = key.firstChild(named: "AccountingDocument")?.text, number != " ",
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

        let total = 400
        let killAfter = 30
        let answered = Locked<[String: String]>([:])  // message ID → cc/year/number
        // 16 senders, each waiting for its answer before it sends the next, so that the kill lands
        // with requests still to send (transfers queued all at once would be served before a busy
        // test process gets round to counting answers).
        let senders = 16
        await withTaskGroup(of: Void.self) { group in
            for sender in 0..<senders {
                group.addTask {
                    for index in stride(from: sender, to: total, by: senders) {
                        let messageID = "CRASH-\(index)"
                        var spec = Self.request(messageID, companyCode: index % 3 == 0 ? "1710" : "1010", amount: "\(index + 1).25")
                        spec.url = "http://127.0.0.1:\(port)" + ServicePaths.createSync
                        guard let response = try? await client.execute(spec) else { return }  // the gateway is gone
                        guard response.status == 200, let keys = Self.postedKeys(response.body), keys.count == 1 else { continue }
                        let count = answered.withLock { answered -> Int in
                            answered[messageID] = keys[0]
                            return answered.count
                        }
                        if count == killAfter { child.signal(SIGKILL) }
                    }
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
            if let (messageID, key) = answeredBeforeKill.first, let index = Int(messageID.dropFirst("CRASH-".count)) {
                // The same message again replays; the same ID with another payload is a conflict.
                var spec = Self.request(messageID, companyCode: index % 3 == 0 ? "1710" : "1010", amount: "\(index + 1).25")
                spec.url = gateway.baseURL + ServicePaths.createSync
                let replay = try await gateway.client.execute(spec)
                #expect(Self.postedKeys(replay.body) == [key], "replay of \(messageID) after the crash")
                var changed = Self.request(messageID, companyCode: index % 3 == 0 ? "1710" : "1010", amount: "0.01")
                changed.url = gateway.baseURL + ServicePaths.createSync
                let conflict = try await gateway.client.execute(changed)
                #expect(conflict.status == 500 && conflict.text.contains("already used for a different message"), "\(conflict.text)")
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

extension CrashSafetyTests {
    /// Size of the database's `-wal` file; `nil` when there is none.
    static func walSize(_ database: String) -> Int64? {
        ((try? FileManager.default.attributesOfItem(atPath: database + "-wal"))?[.size] as? NSNumber)?.int64Value
    }

    /// A bulk of `count` balanced entries in 1010 under `messageID`.
    static func bulkRequest(_ messageID: String, entries count: Int, port: Int) -> HTTPRequestSpec {
        let entries = (0..<count).map { EntrySpec.balanced(id: "\(messageID)-\($0)", amount: "\($0 + 1).50") }
        return HTTPRequestSpec(
            url: "http://127.0.0.1:\(port)" + ServicePaths.createSync,
            headers: [("Content-Type", "text/xml; charset=utf-8"), ("SOAPAction", "\"\(Repo.soapAction)\"")],
            body: Array(BulkRequest(messageID: messageID, entries: entries).envelope().utf8), totalTimeout: .seconds(120),
            basicAuth: ("INTEGRATION", "welcome1"), proxy: .disabled, maxResponseBodyBytes: 16 << 20)
    }

    /// Checks what a ledger file holds: integrity, every entry balanced, numbers gapless per company code and year.
    static func expectConsistentLedger(_ database: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [StoredJournalEntry] {
        let (_, masterData) = try GatewayConfiguration.load(path: Repo.demoConfig)
        let store = try SQLiteLedgerStore(path: database, masterData: masterData, logger: GatewayHarness.testLogger)
        let integrity = try await store.integrityCheck()
        try store.close()
        #expect(integrity == ["ok"], "integrity_check of \(database): \(integrity)", sourceLocation: sourceLocation)
        let entries = try await storedEntries(database: database)
        for entry in entries {
            let transaction = entry.lines.reduce(DecimalAmount.zero) { $0 + $1.amountInTransactionCurrency }
            let local = entry.lines.reduce(DecimalAmount.zero) { $0 + $1.amountInCompanyCodeCurrency }
            #expect(!entry.lines.isEmpty && transaction.isZero && local.isZero, "\(entry.key) does not balance", sourceLocation: sourceLocation)
        }
        let numbersByYear = Dictionary(grouping: entries) { "\($0.key.companyCode)/\($0.key.fiscalYear)" }.mapValues { $0.map(\.key.documentNumber).sorted() }
        for (companyCodeYear, numbers) in numbersByYear {
            let expected = (0..<numbers.count).map { DocumentKey.formatNumber(100_000_000 + Int64($0)) }
            #expect(numbers == expected, "numbers of \(companyCodeYear) have gaps: \(numbers)", sourceLocation: sourceLocation)
        }
        return entries
    }

    @Test("journal-gateway backup copies the ledger of a serving, posting gateway consistently; after SIGTERM no WAL is left", .timeLimit(.minutes(3)))
    func backupWhileServing() async throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = directory + "/ledger.sqlite"
        let target = directory + "/backup.sqlite"
        let (child, port) = try await Self.startGateway(database: database)
        let client = try CurlClient(maxConcurrentTransfers: 8)

        let total = 300
        let answered = Locked<[String: String]>([:])  // message ID → cc/year/number
        let backupRun = Locked<(started: Set<String>, finished: Set<String>, exit: ChildProcess.Exit, output: String)?>(nil)
        try await withThrowingTaskGroup(of: Void.self) { group in
            // 8 senders, each sending its next post after the answer to its last, so that posts are
            // still coming in while the backup runs.
            for sender in 0..<8 {
                group.addTask {
                    for index in stride(from: sender, to: total, by: 8) {
                        let messageID = "BACKUP-\(index)"
                        var spec = Self.request(messageID, companyCode: index % 4 == 0 ? "1710" : "1010", amount: "\(index + 1).10")
                        spec.url = "http://127.0.0.1:\(port)" + ServicePaths.createSync
                        let response = try await client.execute(spec)
                        let keys = try #require(Self.postedKeys(response.body), "\(messageID): \(response.status) \(response.text)")
                        answered.withLock { $0[messageID] = keys.first }
                    }
                }
            }
            group.addTask {
                // Back up once a quarter of the posts are answered, while the others are still coming in.
                while answered.withLock({ $0.count }) < total / 4 { try await Task.sleep(for: .milliseconds(5)) }
                let started = answered.withLock { Set($0.keys) }
                let backup = try ChildProcess(executable: try GatewayExecutable.path(), arguments: ["backup", "--database", database, target])
                let (exit, output) = await backup.waitForExit()
                backupRun.withLock { $0 = (started, answered.withLock { Set($0.keys) }, exit, output) }
            }
            try await group.waitForAll()
        }
        await client.shutdown()
        let run = try #require(backupRun.withLock { $0 })
        #expect(run.exit.reason == .exit && run.exit.status == 0, "\(run.exit): \(run.output)")
        #expect(run.output.contains("journal entries") && run.output.contains("bytes"), "\(run.output)")
        #expect(run.started.count < total, "the backup ran while posts were still being answered")

        let copied = try await Self.expectConsistentLedger(target)
        let copiedMessages = Set(copied.compactMap(\.source.messageID))
        #expect(copied.count == copiedMessages.count, "a message was copied twice")
        #expect(run.started.isSubset(of: copiedMessages), "answered before the backup began but missing in the copy: \(run.started.subtracting(copiedMessages).sorted())")
        #expect(copiedMessages.isSubset(of: Set((0..<total).map { "BACKUP-\($0)" })))
        #expect(run.output.contains("\(copied.count) journal entries"), "\(run.output)")

        // A second backup to the same file is refused without --force.
        let again = try ChildProcess(executable: try GatewayExecutable.path(), arguments: ["backup", "--database", database, target])
        let (againExit, againOutput) = await again.waitForExit()
        #expect(againExit.reason == .exit && againExit.status != 0 && againOutput.contains("--force"), "\(againExit): \(againOutput)")

        child.signal(SIGTERM)
        let (exit, log) = await child.waitForExit()
        #expect(exit.reason == .exit && exit.status == 0, "\(exit)\n\(log)")
        #expect((Self.walSize(database) ?? 0) == 0, "after a graceful stop the -wal file is empty or gone, not \(Self.walSize(database) ?? -1) bytes")
        let final = try await Self.expectConsistentLedger(database)
        #expect(final.count == total)
    }

    @Test("SIGTERM while 20 bulks are in flight: every one is answered with its documents, all of them are stored, exit status 0", .timeLimit(.minutes(3)))
    func sigtermWithRequestsInFlight() async throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = directory + "/ledger.sqlite"
        let (child, port) = try await Self.startGateway(database: database)
        let client = try CurlClient(maxConcurrentTransfers: 20)

        let requests = 20
        let entriesPerBulk = 100
        let terminatedAt = Locked<ContinuousClock.Instant?>(nil)
        let results = await withTaskGroup(of: (String, Result<HTTPResponseSummary, any Error>, ContinuousClock.Instant).self) { group in
            for index in 0..<requests {
                group.addTask {
                    let messageID = "INFLIGHT-\(index)"
                    let result: Result<HTTPResponseSummary, any Error>
                    do {
                        result = .success(try await client.execute(Self.bulkRequest(messageID, entries: entriesPerBulk, port: port)))
                    } catch {
                        result = .failure(error)
                    }
                    let now = ContinuousClock.now
                    // The first answer means the others are being processed: stop the gateway now.
                    let first = terminatedAt.withLock { instant -> Bool in
                        guard instant == nil else { return false }
                        instant = now
                        return true
                    }
                    if first { child.signal(SIGTERM) }
                    return (messageID, result, now)
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        await client.shutdown()
        let (exit, log) = await child.waitForExit()
        #expect(exit.reason == .exit && exit.status == 0, "\(exit)\n\(log)")
        #expect(log.contains("journal-gateway stopped"), "\(log)")

        let signalled = try #require(terminatedAt.withLock { $0 })
        var answeredKeys: [String: [String]] = [:]
        for (messageID, result, answeredAt) in results {
            switch result {
            case .success(let response):
                let keys = Self.postedKeys(response.body)
                #expect(response.status == 200 && keys?.count == entriesPerBulk, "\(messageID): \(response.status), \(response.body.count) bytes")
                answeredKeys[messageID] = keys
            case .failure(let error):
                Issue.record("\(messageID) was in flight at SIGTERM but got no answer: \(error)")
            }
            _ = answeredAt
        }
        let answeredAfterSignal = results.filter { $0.2 > signalled }.count
        #expect(answeredAfterSignal >= requests / 2, "only \(answeredAfterSignal) requests were answered after SIGTERM; the test did not stop mid-stream")
        #expect((Self.walSize(database) ?? 0) == 0, "the ledger was not closed cleanly: -wal has \(Self.walSize(database) ?? -1) bytes")
        let stored = try await Self.expectConsistentLedger(database)
        #expect(Set(stored.map(\.key.description)) == Set(answeredKeys.values.flatMap { $0 }), "stored entries differ from the answered ones")
        #expect(stored.count == requests * entriesPerBulk)
    }

    @Test("when serving fails (port in use) the ledger is closed cleanly, the error is printed and the exit status is not 0", .timeLimit(.minutes(2)))
    func servingFailureClosesLedger() async throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (first, port) = try await Self.startGateway(database: directory + "/first.sqlite")
        defer { first.signal(SIGKILL) }
        let database = directory + "/second.sqlite"
        let second = try ChildProcess(
            executable: try GatewayExecutable.path(),
            arguments: ["serve", "--host", "127.0.0.1", "--port", "\(port)", "--database", database, "--config", Repo.demoConfig, "--resources", Repo.root])
        let (exit, log) = await second.waitForExit()
        #expect(exit.reason == .exit && exit.status != 0, "\(exit)\n\(log)")
        #expect(log.lowercased().contains("address already in use") || log.lowercased().contains("in use"), "the error is printed: \(log)")
        #expect(FileManager.default.fileExists(atPath: database), "the ledger was opened (and migrated) before serving failed")
        #expect((Self.walSize(database) ?? 0) == 0, "the ledger was not closed: -wal has \(Self.walSize(database) ?? -1) bytes\n\(log)")
        _ = try await Self.expectConsistentLedger(database)
    }
}

/// A mutex-protected value that closures can share (a `Mutex` itself cannot be captured).
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<T: Sendable>(_ body: (inout Value) -> T) -> T { mutex.withLock { body(&$0) } }
}
