import Ledger

/// The message algorithm (``MessageProcessor``) over a store's primitives: numbering, replays,
/// conflicts, reprocessing, atomicity and serialisation.
extension StoreConformance {
    static let messageAlgorithmCases: [ConformanceCase] = [
        ConformanceCase("numbers are gapless per company code, fiscal year and range, starting at the range's first number") { makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            var keys: [String] = []
            for _ in 0..<3 { keys.append(try await fixture.post(try fixture.plan()).description) }
            keys.append(try await fixture.post(try fixture.plan(documentType: "AB")).description)  // AB shares range 01 with SA
            keys.append(try await fixture.post(try fixture.plan(documentType: "KR")).description)
            keys.append(try await fixture.post(try fixture.plan(postingDate: "2026-01-02")).description)
            keys.append(try await fixture.post(try fixture.plan(companyCode: "1710")).description)
            keys.append(try await fixture.post(try fixture.plan()).description)
            try requireEqual(
                keys,
                [
                    "1010/2025/0100000000", "1010/2025/0100000001", "1010/2025/0100000002", "1010/2025/0100000003", "1010/2025/1900000000",
                    "1010/2026/0100000000", "1710/2025/0100000000", "1010/2025/0100000004",
                ], "document keys")
        },
        ConformanceCase("a posted entry reads back with its header, lines, source and ledgers") { makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            let planned = try fixture.plan(withCustomer: true)
            let key = try await fixture.post(planned, key: "MSG-READ")
            guard let stored = try await fixture.store.journalEntry(key) else { throw ConformanceFailure("\(key) does not read back") }
            try requireEqual(stored.plan, planned.header, "header")
            try requireEqual(stored.lines, planned.lines, "lines")
            try requireEqual(stored.postedBy, "CONFORMANCE", "posted by")
            try requireEqual(stored.source.messageID, "MSG-READ", "source message ID")
            try requireEqual(stored.source.entryMessageID, "MSG-READ-1", "source entry message ID")
            try requireEqual(stored.source.interface, ConformanceFixture.interface, "source interface")
            try requireEqual(stored.ledgers, planned.ledgers, "ledgers")
            try requireEqual(stored.ledgerGroup, planned.ledgerGroup, "ledger group")
            let missing = DocumentKey(companyCode: "1010", fiscalYear: 2025, documentNumber: "0100000001")
            try require(try await fixture.store.journalEntry(missing) == nil, "an unposted key must not read back")
        },
        ConformanceCase("the same key is replayed with the original records and nothing is posted twice") { makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            let message = fixture.message(key: "MSG-1", digest: "d1", [.post(try fixture.plan())])
            let first = try await fixture.process(message)
            let second = try await fixture.process(message)
            try require(!first.isReplay && second.isReplay, "the second message must be a replay: \(first), \(second)")
            try requireEqual(second.records, first.records, "replayed records")
            try requireEqual(try await fixture.allEntries().count, 1, "entries posted")
        },
        ConformanceCase("the replay key is sender, interface and message ID") { makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            let planned = try fixture.plan()
            _ = try await fixture.process(fixture.message(key: "MSG-1", sender: "A", [.post(planned)]))
            let otherSender = try await fixture.process(fixture.message(key: "MSG-1", sender: "B", [.post(planned)]))
            let otherInterface = try await fixture.process(
                fixture.message(key: "MSG-1", sender: "A", interface: ConformanceFixture.bulkInterface, [.post(planned)]))
            try require(!otherSender.isReplay && !otherInterface.isReplay, "another sender or interface is another key")
            try requireEqual(try await fixture.allEntries().count, 3, "entries posted")
        },
        ConformanceCase("a key whose entries were all rejected is processed again; then replayed; another payload is a conflict") { makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            let rejection = PostingRejection([LedgerMessage(.postingPeriodNotOpen, "003", "2023")])
            let rejected = try await fixture.process(fixture.message(key: "MSG-R", digest: "d1", receivedAt: "2025-03-01T10:00:00.000000Z", [.reject(rejection)]))
            try require(rejected.records.first?.postedKey == nil, "the rejected entry must not post")
            let corrected = try await fixture.process(
                fixture.message(key: "MSG-R", digest: "d2", receivedAt: "2025-03-01T11:00:00.000000Z", [.post(try fixture.plan())]))
            try requireEqual(corrected.records.compactMap(\.postedKey?.documentNumber), ["0100000000"], "corrected message posts")
            if case .processed(let record?, _) = corrected {
                try requireEqual(record.attempt, 2, "attempt of the corrected message")
                try requireEqual(record.firstReceivedAt, "2025-03-01T10:00:00.000000Z", "first received at")
            } else {
                throw ConformanceFailure("the corrected message must be processed and recorded, got \(corrected)")
            }
            let replay = try await fixture.process(fixture.message(key: "MSG-R", digest: "d2", [.post(try fixture.plan())]))
            try require(replay.isReplay && replay.records == corrected.records, "the same payload again is a replay")
            let conflict = try await fixture.process(fixture.message(key: "MSG-R", digest: "d3", [.post(try fixture.plan())]))
            guard case .conflict(let firstReceivedAt) = conflict else { throw ConformanceFailure("another payload must conflict, got \(conflict)") }
            try requireEqual(firstReceivedAt, "2025-03-01T10:00:00.000000Z", "conflict names the first reception")
            try requireEqual(try await fixture.allEntries().count, 1, "entries posted")
        },
        ConformanceCase("messages without a key are never replayed") { makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            let message = fixture.message(key: nil, [.post(try fixture.plan())])
            let first = try await fixture.process(message)
            let second = try await fixture.process(message)
            try require(!first.isReplay && !second.isReplay, "no key, no replay")
            try requireEqual((first.records + second.records).compactMap(\.postedKey?.documentNumber), ["0100000000", "0100000001"], "numbers")
        },
        ConformanceCase("rejected and checked entries store nothing and take no number; outcomes are kept in entry order") { makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            let rejection = PostingRejection([LedgerMessage(.balanceInTransactionCurrency, "10.00", "EUR")])
            let result = try await fixture.process(
                fixture.message(key: "MSG-M", [.post(try fixture.plan()), .reject(rejection), .check(try fixture.plan()), .post(try fixture.plan())]))
            let outcomes = result.records.map(\.outcome)
            try requireEqual(outcomes.count, 4, "outcomes")
            try requireEqual(result.records.map(\.index), [0, 1, 2, 3], "record indices")
            try require(outcomes[1] == .rejected(rejection), "the rejection is kept with its messages: \(outcomes[1])")
            try require(outcomes[2] == .checked(PostingPlan.Summary(companyCode: "1010", fiscalYear: 2025)), "checked: \(outcomes[2])")
            try requireEqual(try await fixture.allEntries().map(\.key.documentNumber), ["0100000000", "0100000001"], "posted numbers")
            guard case .processed(let record?, _) = result else { throw ConformanceFailure("not recorded: \(result)") }
            try requireEqual(record.postedCount, 2, "posted count")
            let stored = try await fixture.store.write { try $0.entries(ofMessage: record.id) }
            try requireEqual(stored, result.records, "stored entry records")
        },
        ConformanceCase("an exhausted number range rejects the entry with 003(JGW) and posts the others") { makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore(), numberRangeEnd: "0100000001")
            let planned = try fixture.plan()
            let result = try await fixture.process(fixture.message(key: nil, [.post(planned), .post(planned), .post(planned)]))
            try requireEqual(result.records.compactMap(\.postedKey?.documentNumber), ["0100000000", "0100000001"], "posted numbers")
            guard case .rejected(let rejection) = result.records.last?.outcome else { throw ConformanceFailure("third must be rejected: \(result)") }
            try requireEqual(
                rejection.messages.map(\.description), ["003(JGW) Number range 01 of company code 1010 is exhausted for fiscal year 2025"], "message")
        },
        ConformanceCase("a body that throws leaves nothing behind: no message, no entry, the number is given back") { makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            let processor = MessageProcessor(masterData: fixture.masterData)
            let message = fixture.message(key: "MSG-FAIL", [.post(try fixture.plan())])
            struct Abort: Error {}
            do {
                _ = try await fixture.store.write(rows: 10) { transaction in
                    _ = try processor.process(message, in: transaction)
                    throw Abort()
                }
                throw ConformanceFailure("write must rethrow the body's error")
            } catch is Abort {}
            try requireEqual(try await fixture.allEntries().count, 0, "entries after the failed body")
            let again = try await fixture.process(message)
            try require(!again.isReplay, "the key of a rolled-back message must be free")
            try requireEqual(again.records.compactMap(\.postedKey?.documentNumber), ["0100000000"], "the number is reused")
        },
        ConformanceCase("concurrent writes are serialised: 40 messages posted at once get 40 distinct gapless numbers") { makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            let planned = try fixture.plan()
            let numbers = try await withThrowingTaskGroup(of: [String].self) { group in
                for index in 0..<40 {
                    group.addTask { try await fixture.process(fixture.message(key: "MSG-\(index)", [.post(planned)])).records.compactMap(\.postedKey?.documentNumber) }
                }
                var all: [String] = []
                for try await numbers in group { all += numbers }
                return all
            }
            try requireEqual(numbers.sorted(), (0..<40).map { DocumentKey.formatNumber(100_000_000 + Int64($0)) }, "numbers")
        },
        ConformanceCase("the same key sent concurrently posts once; the others are replays") { makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            let message = fixture.message(key: "MSG-SAME", digest: "d", [.post(try fixture.plan())])
            let replays = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<20 { group.addTask { try await fixture.process(message).isReplay } }
                var count = 0
                for try await replay in group where replay { count += 1 }
                return count
            }
            try requireEqual(replays, 19, "replays")
            try requireEqual(try await fixture.allEntries().count, 1, "entries posted")
        },
    ]
}
