import Ledger
import Testing

/// Renders outcomes deterministically so confirmations can be compared.
let plainRenderer: ConfirmationRenderer = { outcomes in
    outcomes.map { outcome in
        switch outcome {
        case .posted(let key): "posted \(key)"
        case .checked(let summary): "checked \(summary.companyCode)/\(summary.fiscalYear)"
        case .rejected(let rejection): "rejected " + rejection.messages.map(\.typeID).joined(separator: ",")
        }
    }.joined(separator: "; ")
}

func inbound(
    key: String?, sender: String = "INTEGRATION", isTest: Bool = false, digest: String? = nil, _ actions: [EntrySubmission.Action],
    receivedAt: String = "2025-03-01T10:00:00.000000Z"
) -> InboundMessage {
    InboundMessage(
        key: key.map { InboundMessageKey(sender: sender, messageID: $0) }, interface: "JournalEntryCreateRequestConfirmation_In",
        sender: sender, messageID: key, messageUUID: nil, receivedAt: receivedAt, isTestMessage: isTest,
        entries: actions.enumerated().map { index, action in
            EntrySubmission(action: action, messageID: key.map { "\($0)-\(index + 1)" }, messageUUID: nil)
        }, payloadDigest: digest)
}

extension ProcessingResult {
    var outcomes: [EntryOutcome]? {
        if case .processed(let outcomes, _) = self { return outcomes }
        return nil
    }

    var isReplay: Bool {
        if case .replayed = self { return true }
        return false
    }

    var postedKeys: [DocumentKey] {
        (outcomes ?? []).compactMap { if case .posted(let key) = $0 { key } else { nil } }
    }
}

@Suite("InMemoryLedgerStore")
struct InMemoryLedgerStoreTests {
    let masterData: MasterData
    let rules: PostingRules
    let store: InMemoryLedgerStore

    init() throws {
        masterData = try Demo.masterData()
        rules = PostingRules(masterData: masterData)
        store = InMemoryLedgerStore(masterData: masterData)
    }

    func plan(_ draft: JournalEntryDraft) throws -> PostingPlan {
        try #require(rules.check(draft, authorization: Demo.everyCompanyCode).plan)
    }

    func post(_ draft: JournalEntryDraft, key: String? = nil) async throws -> DocumentKey {
        let result = try await store.process(inbound(key: key, [.post(try plan(draft))]), confirmation: plainRenderer)
        return try #require(result.postedKeys.first)
    }

    @Test("numbers are gapless per company code, fiscal year and number range, starting at the range's first number")
    func gaplessNumbering() async throws {
        var keys: [String] = []
        for _ in 0..<3 { keys.append(try await post(rentDraft()).description) }
        keys.append(try await post(rentDraft(documentType: "AB")).description)  // AB shares range 01 with SA
        keys.append(try await post(rentDraft(documentType: "KR")).description)
        keys.append(try await post(rentDraft(postingDate: "2026-01-02")).description)
        keys.append(try await post(rentDraft(companyCode: "1710")).description)
        keys.append(try await post(rentDraft()).description)
        #expect(
            keys == [
                "1010/2025/0100000000", "1010/2025/0100000001", "1010/2025/0100000002", "1010/2025/0100000003", "1010/2025/1900000000",
                "1010/2026/0100000000", "1710/2025/0100000000", "1010/2025/0100000004",
            ])
    }

    @Test("a posted entry reads back with its header, lines and source")
    func readBack() async throws {
        let planned = try plan(rentDraft())
        let message = inbound(key: "MSG-READ", [.post(planned)])
        let result = try await store.process(message, confirmation: plainRenderer)
        let key = try #require(result.postedKeys.first)
        let stored = try #require(try await store.journalEntry(key))
        #expect(stored.plan == planned.header)
        #expect(stored.lines == planned.lines)
        #expect(stored.postedBy == "INTEGRATION")
        #expect(stored.source.messageID == "MSG-READ")
        #expect(stored.source.entryMessageID == "MSG-READ-1")
        #expect(stored.source.interface == "JournalEntryCreateRequestConfirmation_In")
        #expect(try await store.journalEntry(DocumentKey(companyCode: "1010", fiscalYear: 2025, documentNumber: "0100000001")) == nil)
    }

    @Test("the same key is replayed with the original confirmation and nothing is posted twice")
    func replay() async throws {
        let message = inbound(key: "MSG-1", [.post(try plan(rentDraft()))])
        let first = try await store.process(message, confirmation: plainRenderer)
        let second = try await store.process(message, confirmation: { _ in "must not be rendered" })
        #expect(first.outcomes != nil)
        #expect(second.isReplay)
        #expect(second.confirmation == first.confirmation)
        #expect(try await store.journalEntries(JournalEntryQuery()).entries.count == 1)
    }

    @Test("the replay key includes the sender")
    func replayPerSender() async throws {
        let planned = try plan(rentDraft())
        _ = try await store.process(inbound(key: "MSG-1", sender: "A", [.post(planned)]), confirmation: plainRenderer)
        let other = try await store.process(inbound(key: "MSG-1", sender: "B", [.post(planned)]), confirmation: plainRenderer)
        #expect(!other.isReplay)
        #expect(try await store.journalEntries(JournalEntryQuery()).entries.count == 2)
    }

    @Test("a test message is not recorded, so the same key posts for real later")
    func testMessageNotRecorded() async throws {
        let planned = try plan(rentDraft())
        let check = try await store.process(inbound(key: "MSG-T", isTest: true, [.check(planned)]), confirmation: plainRenderer)
        #expect(check.outcomes == [.checked(planned.summary)])
        let real = try await store.process(inbound(key: "MSG-T", [.post(planned)]), confirmation: plainRenderer)
        #expect(!real.isReplay)
        #expect(real.postedKeys.map(\.documentNumber) == ["0100000000"])
    }

    @Test("a key whose entries were all rejected does not block: the message is processed again and then posts")
    func reprocessingAfterRejection() async throws {
        let rejection = PostingRejection([LedgerMessage(.postingPeriodNotOpen, "003", "2023")])
        let rejected = try await store.process(inbound(key: "MSG-R", digest: "d1", [.reject(rejection)], receivedAt: "2025-03-01T10:00:00.000000Z"), confirmation: plainRenderer)
        #expect(rejected.confirmation == "rejected 201(F5)")
        let corrected = try await store.process(
            inbound(key: "MSG-R", digest: "d2", [.post(try plan(rentDraft()))], receivedAt: "2025-03-01T11:00:00.000000Z"), confirmation: plainRenderer)
        #expect(corrected.postedKeys.map(\.documentNumber) == ["0100000000"])
        let replay = try await store.process(inbound(key: "MSG-R", digest: "d2", [.post(try plan(rentDraft()))]), confirmation: plainRenderer)
        #expect(replay.isReplay && replay.confirmation == corrected.confirmation)
        let conflict = try await store.process(inbound(key: "MSG-R", digest: "d3", [.post(try plan(rentDraft()))]), confirmation: plainRenderer)
        guard case .conflict(let firstReceivedAt) = conflict else {
            Issue.record("another payload under a posted key must be a conflict, got \(conflict)")
            return
        }
        #expect(firstReceivedAt == "2025-03-01T10:00:00.000000Z")
        #expect(try await store.journalEntries(JournalEntryQuery()).entries.count == 1)
    }

    @Test("a test message is answered without the store's records: no replay under a posted key, nothing recorded")
    func testMessageIgnoresRecords() async throws {
        let planned = try plan(rentDraft())
        _ = try await store.process(inbound(key: "MSG-P", digest: "d1", [.post(planned)]), confirmation: plainRenderer)
        let check = try await store.process(inbound(key: "MSG-P", isTest: true, digest: "d2", [.check(planned)]), confirmation: plainRenderer)
        #expect(check.outcomes == [.checked(planned.summary)])
        #expect(try await store.process(inbound(key: "MSG-P", digest: "d1", [.post(planned)]), confirmation: plainRenderer).isReplay)
    }

    @Test("messages without a key are never replayed")
    func noKeyNoReplay() async throws {
        let message = inbound(key: nil, [.post(try plan(rentDraft()))])
        let first = try await store.process(message, confirmation: plainRenderer)
        let second = try await store.process(message, confirmation: plainRenderer)
        #expect(!first.isReplay && !second.isReplay)
        #expect((first.postedKeys + second.postedKeys).map(\.documentNumber) == ["0100000000", "0100000001"])
    }

    @Test("rejected and checked entries store nothing and use no number")
    func rejectedAndChecked() async throws {
        let rejection = PostingRejection([LedgerMessage(.balanceInTransactionCurrency, "10.00", "EUR")])
        let result = try await store.process(
            inbound(key: "MSG-M", [.post(try plan(rentDraft())), .reject(rejection), .check(try plan(rentDraft())), .post(try plan(rentDraft()))]),
            confirmation: plainRenderer)
        #expect(result.confirmation == "posted 1010/2025/0100000000; rejected 702(F5); checked 1010/2025; posted 1010/2025/0100000001")
        #expect(try await store.journalEntries(JournalEntryQuery()).entries.map(\.key.documentNumber) == ["0100000000", "0100000001"])
    }

    @Test("an exhausted number range rejects the entry with 003(JGW)")
    func exhaustedRange() async throws {
        var definition = try Demo.definition()
        definition.companyCodes[0].numberRanges[0].to = "0100000001"
        let tiny = try MasterData(definition: definition)
        let store = InMemoryLedgerStore(masterData: tiny)
        let planned = try #require(PostingRules(masterData: tiny).check(rentDraft(), authorization: Demo.everyCompanyCode).plan)
        let result = try await store.process(inbound(key: nil, [.post(planned), .post(planned), .post(planned)]), confirmation: plainRenderer)
        let outcomes = try #require(result.outcomes)
        #expect(result.postedKeys.map(\.documentNumber) == ["0100000000", "0100000001"])
        guard case .rejected(let rejection) = outcomes.last else {
            Issue.record("third entry should be rejected, got \(outcomes)")
            return
        }
        #expect(rejection.messages.map(\.description) == ["003(JGW) Number range 01 of company code 1010 is exhausted for fiscal year 2025"])
    }

    @Test("listing filters by company code, year, dates, account and visibility, and pages with `next`")
    func listing() async throws {
        _ = try await post(rentDraft(postingDate: "2025-03-01"))  // 1010/2025/0100000000
        _ = try await post(rentDraft(postingDate: "2025-04-15"))  // 1010/2025/0100000001
        _ = try await post(rentDraft(documentType: "KR", postingDate: "2025-05-01"))  // 1010/2025/1900000000
        _ = try await post(rentDraft(postingDate: "2026-01-10"))  // 1010/2026/0100000000
        _ = try await post(rentDraft(companyCode: "1710"))  // 1710/2025/0100000000
        _ = try await post(makeDraft(items: [customerItem("10100001", "10"), glItem("41000000", "-10")]))  // 1010/2025/0100000002

        func keys(_ change: (inout JournalEntryQuery) -> Void) async throws -> [String] {
            var query = JournalEntryQuery()
            change(&query)
            return try await store.journalEntries(query).entries.map(\.key.description)
        }
        #expect(try await keys { _ in }.count == 6)
        #expect(try await keys { $0.companyCode = "1710" } == ["1710/2025/0100000000"])
        #expect(try await keys { $0.fiscalYear = 2026 } == ["1010/2026/0100000000"])
        #expect(
            try await keys {
                $0.postingDateFrom = day("2025-04-01")
                $0.postingDateTo = day("2025-05-01")
            } == ["1010/2025/0100000001", "1010/2025/1900000000"])
        #expect(try await keys { $0.account = "10100001" } == ["1010/2025/0100000002"])
        #expect(try await keys { $0.account = "12100000" } == ["1010/2025/0100000002"])
        #expect(try await keys { $0.visibleCompanyCodes = ["1710"] } == ["1710/2025/0100000000"])
        #expect(try await keys { $0.visibleCompanyCodes = [] } == [])

        var query = JournalEntryQuery(limit: 4)
        let first = try await store.journalEntries(query)
        #expect(first.entries.count == 4)
        let cursor = try #require(first.next)
        query.after = cursor
        let second = try await store.journalEntries(query)
        #expect(second.next == nil)
        #expect((first.entries + second.entries).map(\.key) == (first.entries + second.entries).map(\.key).sorted())
        #expect(Set((first.entries + second.entries).map(\.key)).count == 6)
    }
}
