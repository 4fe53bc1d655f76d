import Foundation
import GRDB
import Ledger
import LedgerSQLite
import Testing

@Suite("SQLiteLedgerStore")
struct SQLiteLedgerStoreTests {
    let masterData: MasterData
    let directory: TemporaryDirectory

    init() throws {
        masterData = try Demo.masterData()
        directory = try TemporaryDirectory()
    }

    func openStore(_ name: String = "ledger.sqlite", masterData: MasterData? = nil) throws -> SQLiteLedgerStore {
        try SQLiteLedgerStore(path: directory.path(name), masterData: masterData ?? self.masterData)
    }

    func plan(_ draft: JournalEntryDraft) throws -> PostingPlan {
        try LedgerSQLiteTests.plan(draft, masterData: masterData)
    }

    func post(_ store: SQLiteLedgerStore, _ draft: JournalEntryDraft, key: String? = nil) async throws -> DocumentKey {
        let result = try await store.process(inbound(key: key, [.post(try plan(draft))]), confirmation: plainRenderer)
        return try #require(result.postedKeys.first, "\(result)")
    }

    // MARK: Numbering

    @Test("posts get 10-digit gapless numbers per company code, fiscal year and number range, starting at the range's first number")
    func gaplessNumbering() async throws {
        let store = try openStore()
        defer {
            try? store.close()
            directory.remove()
        }
        var keys: [String] = []
        for _ in 0..<3 { keys.append(try await post(store, draft()).description) }
        keys.append(try await post(store, draft(documentType: "AB")).description)  // same range 01 as SA
        keys.append(try await post(store, draft(documentType: "KR")).description)  // range 19
        keys.append(try await post(store, draft(documentType: "DR")).description)  // range 18
        keys.append(try await post(store, draft(postingDate: "2026-01-02")).description)
        keys.append(try await post(store, draft(postingDate: "2024-12-31")).description)
        keys.append(try await post(store, draft(companyCode: "1710")).description)
        keys.append(try await post(store, draft(documentType: "KR")).description)
        #expect(
            keys == [
                "1010/2025/0100000000", "1010/2025/0100000001", "1010/2025/0100000002", "1010/2025/0100000003", "1010/2025/1900000000",
                "1010/2025/1800000000", "1010/2026/0100000000", "1010/2024/0100000000", "1710/2025/0100000000", "1010/2025/1900000001",
            ])
        #expect(keys.allSatisfy { $0.split(separator: "/").last?.count == 10 })
    }

    @Test("numbers and replay records survive closing and reopening the database")
    func numbersSurviveReopening() async throws {
        defer { directory.remove() }
        let first = try openStore()
        _ = try await post(first, draft(), key: "MSG-A")
        _ = try await post(first, draft(), key: "MSG-B")
        let firstConfirmation = try await first.process(inbound(key: "MSG-C", [.post(try plan(draft()))]), confirmation: plainRenderer)
        try first.close()

        let reopened = try openStore()
        defer { try? reopened.close() }
        #expect(try await post(reopened, draft(), key: "MSG-D").documentNumber == "0100000003")
        let replay = try await reopened.process(inbound(key: "MSG-C", [.post(try plan(draft()))]), confirmation: plainRenderer)
        #expect(replay.isReplay)
        #expect(replay.confirmation == firstConfirmation.confirmation)
        #expect(try await allEntries(reopened, JournalEntryQuery()).entries.count == 4)
    }

    // MARK: Concurrency

    @Test("300 concurrent messages get 300 distinct gapless numbers, and every entry is stored whole and balanced")
    func concurrentPosting() async throws {
        let store = try openStore()
        defer {
            try? store.close()
            directory.remove()
        }
        let count = 300
        var plans: [PostingPlan] = []
        for index in 0..<count {
            plans.append(try plan(draft(amount: "\(index + 1).25", lineCount: 2 + index % 4, withCustomer: index % 5 == 0, text: "entry \(index)")))
        }
        let snapshot = plans
        let results = try await withThrowingTaskGroup(of: (Int, TestResult).self) { group in
            for index in 0..<count {
                group.addTask {
                    (index, try await store.process(inbound(key: "MSG-\(index)", [.post(snapshot[index])]), confirmation: plainRenderer))
                }
            }
            var results: [Int: TestResult] = [:]
            for try await (index, result) in group { results[index] = result }
            return results
        }

        // Every caller got its own document back.
        var keyOfMessage: [Int: DocumentKey] = [:]
        for index in 0..<count {
            let result = try #require(results[index])
            let key = try #require(result.postedKeys.first, "message \(index): \(result)")
            #expect(result.confirmation == "posted \(key)")
            keyOfMessage[index] = key
        }
        let numbers = Set(keyOfMessage.values.map(\.documentNumber))
        #expect(numbers == Set((0..<count).map { DocumentKey.formatNumber(100_000_000 + Int64($0)) }))

        // Read back page by page; each entry is the one its message asked for, with all lines, balanced.
        let (entries, pages) = try await allEntries(store, JournalEntryQuery(limit: 64))
        #expect(pages == 5)
        #expect(entries.count == count)
        #expect(entries.map(\.key) == entries.map(\.key).sorted())
        for entry in entries {
            let text = try #require(entry.plan.documentHeaderText)
            let index = try #require(Int(text.dropFirst("entry ".count)))
            #expect(keyOfMessage[index] == entry.key, "entry \(index)")
            #expect(entry.source.messageID == "MSG-\(index)")
            #expect(entry.lines == plans[index].lines)
            #expect(entry.lines.map(\.lineNumber) == Array(1...plans[index].lines.count))
            #expect(entry.lines.reduce(DecimalAmount.zero) { $0 + $1.amountInTransactionCurrency } == .zero)
            #expect(entry.lines.reduce(DecimalAmount.zero) { $0 + $1.amountInCompanyCodeCurrency } == .zero)
        }
        let key42 = try #require(keyOfMessage[42])
        let single = try #require(try await store.journalEntry(key42))
        #expect(single.plan == plans[42].header)
        #expect(single.lines == plans[42].lines)
    }

    @Test("concurrent messages with the same key are processed exactly once; the others replay the same confirmation")
    func concurrentIdenticalKeys() async throws {
        let store = try openStore()
        defer {
            try? store.close()
            directory.remove()
        }
        let message = inbound(key: "MSG-SAME", [.post(try plan(draft()))])
        let results = try await withThrowingTaskGroup(of: TestResult.self) { group in
            for _ in 0..<25 { group.addTask { try await store.process(message, confirmation: plainRenderer) } }
            var results: [TestResult] = []
            for try await result in group { results.append(result) }
            return results
        }
        #expect(results.filter { !$0.isReplay }.count == 1)
        #expect(results.filter(\.isReplay).count == 24)
        #expect(Set(results.map(\.confirmation)) == ["posted 1010/2025/0100000000"])
        #expect(try await allEntries(store, JournalEntryQuery()).entries.count == 1)
    }

    @Test("a message whose rows cannot be written is rolled back alone; its neighbours commit and numbering stays gapless")
    func failingMessageIsolated() async throws {
        let store = try openStore()
        defer {
            try? store.close()
            directory.remove()
        }
        let good = try plan(draft())
        var brokenPlan = try plan(draft(lineCount: 3))
        brokenPlan.lines[2].lineNumber = 1  // duplicate primary key of journal_entry_item
        let broken = brokenPlan
        let count = 30
        let results = await withTaskGroup(of: (Int, Result<TestResult, any Error>).self) { group in
            for index in 0..<count {
                group.addTask {
                    let message = inbound(key: "MSG-\(index)", [.post(index == 10 ? broken : good)])
                    do { return (index, .success(try await store.process(message, confirmation: plainRenderer))) } catch { return (index, .failure(error)) }
                }
            }
            var results: [Int: Result<TestResult, any Error>] = [:]
            for await (index, result) in group { results[index] = result }
            return results
        }
        var numbers: [String] = []
        for index in 0..<count {
            switch results[index] {
            case .success(let result):
                #expect(index != 10, "the broken message must fail")
                numbers += result.postedKeys.map(\.documentNumber)
            case .failure(let error):
                #expect(index == 10, "message \(index) failed: \(error)")
                #expect(error is LedgerStoreError)
            case nil: Issue.record("no result for message \(index)")
            }
        }
        #expect(numbers.sorted() == (0..<(count - 1)).map { DocumentKey.formatNumber(100_000_000 + Int64($0)) })
        #expect(try await allEntries(store, JournalEntryQuery()).entries.count == count - 1)

        // The failed message was not recorded: sending it again (fixed) posts it with the next number.
        let retry = try await store.process(inbound(key: "MSG-10", [.post(good)]), confirmation: plainRenderer)
        #expect(!retry.isReplay)
        #expect(retry.postedKeys.map(\.documentNumber) == ["0100000029"])
    }

    // MARK: Reading

    @Test("an entry reads back with header, lines, poster and source")
    func readBack() async throws {
        let store = try openStore()
        defer {
            try? store.close()
            directory.remove()
        }
        var customerDraft = draft(withCustomer: true, text: "Read back")
        customerDraft.documentReferenceID = "REF-1"
        customerDraft.reference1InDocumentHeader = "R1"
        customerDraft.items[0].costCenter = "CC100"
        customerDraft.items[0].assignmentReference = "ASSIGN"
        customerDraft.items[1].dueCalculationBaseDate = day("2025-03-01")
        customerDraft.items[1].netPaymentDays = 30
        let planned = try plan(customerDraft)
        let result = try await store.process(inbound(key: "MSG-READ", sender: "POSTER", [.post(planned)]), confirmation: plainRenderer)
        let key = try #require(result.postedKeys.first)
        let stored = try #require(try await store.journalEntry(key))
        #expect(stored.key == key)
        #expect(stored.plan == planned.header)
        #expect(stored.lines == planned.lines)
        #expect(stored.lines[1].openItemState == .open)
        #expect(stored.lines[1].businessPartner == "10100001")
        #expect(stored.postedBy == "POSTER")
        #expect(stored.source.interface == "JournalEntryCreateRequestConfirmation_In")
        #expect(stored.source.messageID == "MSG-READ")
        #expect(stored.source.entryMessageID == "MSG-READ-1")
        #expect(stored.source.receivedAt == "2025-03-01T10:00:00.000000Z")
        #expect(try await store.journalEntry(DocumentKey(companyCode: "1010", fiscalYear: 2025, documentNumber: "0100000001")) == nil)
    }

    @Test("journalEntries filters and pages exactly like the reference semantics of InMemoryLedgerStore")
    func listingMatchesReference() async throws {
        let store = try openStore()
        defer {
            try? store.close()
            directory.remove()
        }
        let reference = InMemoryLedgerStore(masterData: masterData)
        let drafts = [
            draft(postingDate: "2025-03-01"), draft(postingDate: "2025-04-15"), draft(documentType: "KR", postingDate: "2025-05-01"),
            draft(postingDate: "2026-01-10"), draft(companyCode: "1710", postingDate: "2025-02-01"), draft(withCustomer: true),
            draft(companyCode: "1710", postingDate: "2026-06-30"), draft(documentType: "DR", postingDate: "2025-12-31", withCustomer: true),
            draft(postingDate: "2024-07-07"),
        ]
        for (index, draft) in drafts.enumerated() {
            let message = inbound(key: "MSG-\(index)", [.post(try plan(draft))])
            let stored = try await store.process(message, confirmation: plainRenderer)
            let expected = try await reference.process(message, confirmation: plainRenderer)
            #expect(stored.postedKeys == expected.postedKeys)
        }

        var queries: [JournalEntryQuery] = []
        func query(_ change: (inout JournalEntryQuery) -> Void) {
            var query = JournalEntryQuery()
            change(&query)
            queries.append(query)
        }
        query { _ in }
        query { $0.companyCode = "1710" }
        query { $0.companyCode = "9999" }
        query { $0.fiscalYear = 2025 }
        query {
            $0.companyCode = "1010"
            $0.fiscalYear = 2025
        }
        query { $0.postingDateFrom = day("2025-04-15") }
        query { $0.postingDateTo = day("2025-04-15") }
        query {
            $0.postingDateFrom = day("2025-03-01")
            $0.postingDateTo = day("2025-12-31")
        }
        query { $0.account = "10100001" }
        query { $0.account = "12100000" }
        query { $0.account = "65000000" }
        query { $0.account = "99999999" }
        query { $0.visibleCompanyCodes = ["1710"] }
        query { $0.visibleCompanyCodes = ["1010", "1710"] }
        query { $0.visibleCompanyCodes = [] }
        query {
            $0.visibleCompanyCodes = ["1010"]
            $0.companyCode = "1710"
        }
        query { $0.after = DocumentKey(companyCode: "1010", fiscalYear: 2025, documentNumber: "0100000001") }
        query { $0.limit = 3 }
        query {
            $0.limit = 2
            $0.fiscalYear = 2025
            $0.after = DocumentKey(companyCode: "1010", fiscalYear: 2025, documentNumber: "0100000000")
        }

        for query in queries {
            let page = try await store.journalEntries(query)
            let expected = try await reference.journalEntries(query)
            #expect(page.entries.map(\.key) == expected.entries.map(\.key), "\(query)")
            #expect(page.next == expected.next, "\(query)")
            #expect(page.entries.map(\.lines) == expected.entries.map(\.lines), "\(query)")
            #expect(page.entries.map(\.plan) == expected.entries.map(\.plan), "\(query)")
        }

        // Paging with `next` visits every entry exactly once, in key order.
        let (paged, pages) = try await allEntries(store, JournalEntryQuery(limit: 2))
        #expect(pages == 5)
        #expect(paged.map(\.key) == (try await store.journalEntries(JournalEntryQuery(limit: 100))).entries.map(\.key))
        #expect(Set(paged.map(\.key)).count == drafts.count)
    }

    // MARK: Replay

    @Test("the same key twice is replayed from the stored outcomes and nothing is posted twice")
    func replay() async throws {
        let store = try openStore()
        defer {
            try? store.close()
            directory.remove()
        }
        let message = inbound(key: "MSG-1", [.post(try plan(draft())), .post(try plan(draft()))])
        let first = try await store.process(message)
        let second = try await store.process(message)
        #expect(first.postedKeys.count == 2)
        #expect(second.isReplay)
        #expect(second.confirmation == first.confirmation, "the replay is rendered from the same stored outcomes")
        #expect(try await allEntries(store, JournalEntryQuery()).entries.count == 2)

        // Another sender may use the same message ID.
        let other = try await store.process(inbound(key: "MSG-1", sender: "OTHER", [.post(try plan(draft()))]), confirmation: plainRenderer)
        #expect(!other.isReplay)
        #expect(other.postedKeys.map(\.documentNumber) == ["0100000002"])
    }

    @Test("a test message is not recorded: it stores nothing and the same key is processed again later")
    func testMessageNotRecorded() async throws {
        let store = try openStore()
        defer {
            try? store.close()
            directory.remove()
        }
        let planned = try plan(draft())
        let check = try await store.process(inbound(key: "MSG-T", isTest: true, [.check(planned)]), confirmation: plainRenderer)
        #expect(check.outcomes == [.checked(planned.summary)])
        let checkAgain = try await store.process(inbound(key: "MSG-T", isTest: true, [.check(planned)]), confirmation: plainRenderer)
        #expect(!checkAgain.isReplay)
        #expect(try await allEntries(store, JournalEntryQuery()).entries.isEmpty)

        let real = try await store.process(inbound(key: "MSG-T", [.post(planned)]), confirmation: plainRenderer)
        #expect(!real.isReplay)
        #expect(real.postedKeys.map(\.documentNumber) == ["0100000000"])
        #expect(try await store.process(inbound(key: "MSG-T", [.post(planned)]), confirmation: plainRenderer).isReplay)
    }

    @Test("messages without a key are never replayed")
    func withoutKey() async throws {
        let store = try openStore()
        defer {
            try? store.close()
            directory.remove()
        }
        let message = inbound(key: nil, [.post(try plan(draft()))])
        let first = try await store.process(message, confirmation: plainRenderer)
        let second = try await store.process(message, confirmation: plainRenderer)
        #expect(!first.isReplay && !second.isReplay)
        #expect((first.postedKeys + second.postedKeys).map(\.documentNumber) == ["0100000000", "0100000001"])
    }

    // MARK: What is stored

    @Test("rejected and checked entries store nothing and use no number")
    func rejectedAndCheckedStoreNothing() async throws {
        let store = try openStore()
        defer {
            try? store.close()
            directory.remove()
        }
        let rejection = PostingRejection([LedgerMessage(.balanceInTransactionCurrency, "10.00", "EUR")])
        let result = try await store.process(inbound(key: "MSG-RC", [.reject(rejection), .check(try plan(draft()))]), confirmation: plainRenderer)
        #expect(result.confirmation == "rejected 702(F5); checked 1010/2025")
        #expect(try await allEntries(store, JournalEntryQuery()).entries.isEmpty)
        #expect(try await post(store, draft()).documentNumber == "0100000000")
    }

    @Test("a message mixing posted and rejected entries stores only the posted ones, numbered without gaps")
    func mixedMessage() async throws {
        let store = try openStore()
        defer {
            try? store.close()
            directory.remove()
        }
        let rejection = PostingRejection([LedgerMessage(.companyCodeNotDefined, "9999")])
        let result = try await store.process(
            inbound(key: "MSG-MIX", [.post(try plan(draft(text: "A"))), .reject(rejection), .post(try plan(draft(text: "B")))]),
            confirmation: plainRenderer)
        #expect(result.confirmation == "posted 1010/2025/0100000000; rejected 001(FH); posted 1010/2025/0100000001")
        let entries = try await allEntries(store, JournalEntryQuery()).entries
        #expect(entries.map(\.plan.documentHeaderText) == ["A", "B"])
        #expect(entries.map(\.source.entryMessageID) == ["MSG-MIX-1", "MSG-MIX-3"])
    }

    @Test("an exhausted number range rejects with 003(JGW) and leaves no gap and no partial rows")
    func exhaustedNumberRange() async throws {
        var definition = try Demo.definition()
        definition.companyCodes[0].numberRanges[0].to = "0100000001"  // two numbers
        let tiny = try MasterData(definition: definition)
        let path = directory.path("tiny.sqlite")
        let store = try SQLiteLedgerStore(path: path, masterData: tiny)
        defer { directory.remove() }
        let planned = try LedgerSQLiteTests.plan(draft(lineCount: 3), masterData: tiny)
        let result = try await store.process(inbound(key: "MSG-X", [.post(planned), .post(planned), .post(planned)]), masterData: tiny)
        #expect(result.postedKeys.map(\.documentNumber) == ["0100000000", "0100000001"])
        guard case .rejected(let rejection)? = result.outcomes?.last else {
            Issue.record("the third entry should be rejected: \(result)")
            return
        }
        #expect(rejection.messages.map(\.description) == ["003(JGW) Number range 01 of company code 1010 is exhausted for fiscal year 2025"])
        let again = try await store.process(inbound(key: "MSG-Y", [.post(planned)]), masterData: tiny)
        #expect(again.confirmation == "rejected 003(JGW)")
        #expect(try await post(store, draft(documentType: "KR")).documentNumber == "1900000000", "other ranges are unaffected")
        try store.close()

        let database = try DatabaseQueue(path: path)
        let (entries, items, itemsOfThird, nextNumber) = try await database.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM journal_entry WHERE document_number LIKE '01%'"),
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM journal_entry_item WHERE document_number LIKE '01%'"),
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM journal_entry_item WHERE document_number = '0100000002'"),
                try Int64.fetchOne(db, sql: "SELECT next_number FROM number_range_status WHERE company_code = '1010' AND number_range = '01'")
            )
        }
        try database.close()
        #expect(entries == 2)
        #expect(items == 6)
        #expect(itemsOfThird == 0)
        #expect(nextNumber == 100_000_002)
    }

    // MARK: Immutability and atomicity

    @Test("posted item amounts cannot be updated and items cannot be deleted, even with direct SQL")
    func immutability() async throws {
        let path = directory.path("immutable.sqlite")
        let store = try SQLiteLedgerStore(path: path, masterData: masterData)
        defer { directory.remove() }
        _ = try await post(store, draft())
        try store.close()

        let database = try DatabaseQueue(path: path)
        defer { try? database.close() }
        let update = await #expect(throws: DatabaseError.self) {
            try await database.write { try $0.execute(sql: "UPDATE journal_entry_item SET amount_tc = '0' WHERE line_number = 1") }
        }
        #expect(update?.message?.contains("immutable") == true)
        await #expect(throws: DatabaseError.self) {
            try await database.write { try $0.execute(sql: "UPDATE journal_entry_item SET gl_account = '41000000'") }
        }
        let delete = await #expect(throws: DatabaseError.self) {
            try await database.write { try $0.execute(sql: "DELETE FROM journal_entry_item WHERE line_number = 2") }
        }
        #expect(delete?.message?.contains("cannot be deleted") == true)

        // Columns outside the trigger (clearing information) may change: the triggers are specific.
        try await database.write { try $0.execute(sql: "UPDATE journal_entry_item SET clearing_document = '1400000000' WHERE line_number = 2") }
        let (amounts, count) = try await database.read { db in
            (
                try String.fetchAll(db, sql: "SELECT amount_tc FROM journal_entry_item ORDER BY line_number"),
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM journal_entry_item")
            )
        }
        #expect(amounts == ["100", "-100"])
        #expect(count == 2)
    }

    @Test("outcomes are stored as data: a replay renders the same confirmation from them, and every entry points at its message")
    func outcomesStoredAsData() async throws {
        let path = directory.path("outcomes.sqlite")
        let store = try SQLiteLedgerStore(path: path, masterData: masterData)
        defer { directory.remove() }
        let rejection = PostingRejection([
            LedgerMessage(.postingPeriodNotOpen, "3", "2025", "1010", "+"), LedgerMessage(.taxCodeNotDefined, "V9", "1010", severity: .warning),
        ])
        let message = inbound(key: "MSG-DATA", [.post(try plan(draft())), .reject(rejection), .post(try plan(draft()))])
        let first = try await store.process(message)
        let replay = try await store.process(message)
        let rejected = "rejected " + rejection.messages.map(\.typeID).joined(separator: ",")
        #expect(first.confirmation == "posted 1010/2025/0100000000; \(rejected); posted 1010/2025/0100000001")
        #expect(replay.isReplay)
        #expect(replay.confirmation == first.confirmation)
        let page = try await store.messages(MessageQuery())
        let recorded = try #require(page.messages.first?.message)
        let detail = try #require(try await store.messageDetail(recorded.id))
        #expect(detail.entries.map(\.outcome) == first.outcomes)
        #expect(detail.message.postedCount == 2)
        #expect(detail.entries.map(\.messageID) == ["MSG-DATA-1", "MSG-DATA-2", "MSG-DATA-3"])
        guard case .rejected(let stored) = detail.entries[1].outcome else {
            Issue.record("entry 2 should be rejected")
            return
        }
        #expect(stored.messages == rejection.messages, "variables and severity survive the round trip")
        try store.close()

        let database = try DatabaseQueue(path: path)
        defer { try? database.close() }
        let links = try await database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT e.document_number, m.key_id FROM journal_entry e JOIN inbound_message m ON m.id = e.inbound_message_id
                    ORDER BY e.document_number
                    """
            ).map { row -> (String, String?) in (row["document_number"], row["key_id"]) }
        }
        #expect(links.map(\.0) == ["0100000000", "0100000001"])
        #expect(links.allSatisfy { $0.1 == "MSG-DATA" })
    }
}
