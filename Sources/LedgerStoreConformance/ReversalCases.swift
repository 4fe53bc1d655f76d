import Ledger

/// Reversals (`ReversalReferenceDocument` + `ReversalReason`): decided inside the posting
/// transaction against what the store holds, linked both ways, never twice.
extension StoreConformance {
    static let reversalCases: [ConformanceCase] = [
        ConformanceCase("a reversal posts the mirror of its original and links both ways") { makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            let originalDraft = fixture.draft(withCustomer: true)
            let original = try await fixture.post(try fixture.plan(originalDraft), key: "ORIGINAL")
            let reversalPlan = try fixture.plan(fixture.reversal(of: originalDraft, key: original))
            try requireEqual(reversalPlan.reversal?.original, original, "the plan names the original")
            let reversal = try await fixture.post(reversalPlan, key: "REVERSAL")
            let storedOriginal = try await fixture.store.journalEntry(original)
            let storedReversal = try await fixture.store.journalEntry(reversal)
            try requireEqual(storedOriginal?.reversedBy, reversal, "the original names its reversal")
            try requireEqual(storedReversal?.reverses, original, "the reversal names its original")
            try requireEqual(storedReversal?.reversalReason, "01", "reversal reason")
            try requireEqual(storedOriginal?.reverses, nil, "the original reverses nothing")
            let sum = (storedOriginal?.lines ?? []).reduce(DecimalAmount.zero) { $0 + $1.amountInTransactionCurrency }
                + (storedReversal?.lines ?? []).reduce(DecimalAmount.zero) { $0 + $1.amountInTransactionCurrency }
            try requireEqual(sum, .zero, "both documents together")
        },
        ConformanceCase("a document is reversed once: a second reversal, a reversal of the reversal and a missing original are rejected and take no number") { makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            let originalDraft = fixture.draft()
            let original = try await fixture.post(try fixture.plan(originalDraft))
            let reversalDraft = fixture.reversal(of: originalDraft, key: original)
            let reversal = try await fixture.post(try fixture.plan(reversalDraft))
            let again = try await fixture.process(fixture.message(key: "AGAIN", [.post(try fixture.plan(reversalDraft))]))
            try requireEqual(
                again.records.first?.rejectionIDs, ["JGW029"], "a second reversal: \(String(describing: again.records.first))")
            let ofReversal = try await fixture.process(
                fixture.message(key: "OF-REVERSAL", [.post(try fixture.plan(fixture.reversal(of: reversalDraft, key: reversal)))]))
            try requireEqual(ofReversal.records.first?.rejectionIDs, ["F5905"], "a reversal of the reversal")
            let missingKey = DocumentKey(companyCode: "1010", fiscalYear: 2025, documentNumber: "0100000099")
            let missing = try await fixture.process(fixture.message(key: "MISSING", [.post(try fixture.plan(fixture.reversal(of: originalDraft, key: missingKey)))]))
            try requireEqual(missing.records.first?.rejectionIDs, ["JGW028"], "a missing original")
            let next = try await fixture.post(try fixture.plan())
            try requireEqual(next.documentNumber, "0100000002", "rejected reversals take no number")
        },
        ConformanceCase("a reversal whose items are not the original's with opposite amounts is rejected") { makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            let originalDraft = fixture.draft(amount: "100.00")
            let original = try await fixture.post(try fixture.plan(originalDraft))
            var wrong = fixture.reversal(of: fixture.draft(amount: "90.00"), key: original)
            wrong.reversalReason = "01"
            let result = try await fixture.process(fixture.message(key: "WRONG", [.post(try fixture.plan(wrong))]))
            try requireEqual(result.records.first?.rejectionIDs, ["JGW030"], "non-mirroring items")
            try requireEqual(try await fixture.store.journalEntry(original)?.reversedBy, nil, "the original stays unreversed")
            // The same amounts with the same sign are no reversal either.
            var same = originalDraft
            same.reversalReferenceDocument = original.objectKey
            same.reversalReason = "01"
            let sameResult = try await fixture.process(fixture.message(key: "SAME", [.post(try fixture.plan(same))]))
            try requireEqual(sameResult.records.first?.rejectionIDs, ["JGW030"], "same-sign items")
        },
        ConformanceCase("two reversals of one document in one message: the first posts, the second is rejected") { makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            let originalDraft = fixture.draft()
            let original = try await fixture.post(try fixture.plan(originalDraft))
            let plan = try fixture.plan(fixture.reversal(of: originalDraft, key: original))
            let result = try await fixture.process(fixture.message(key: "TWICE", [.post(plan), .post(plan)]))
            try require(result.records.first?.postedKey != nil, "the first reversal posts")
            try requireEqual(result.records.last?.rejectionIDs, ["JGW029"], "the second is refused")
        },
    ]
}

extension ConformanceFixture {
    /// `draft` with every amount negated, as the reversal of the document `key`, reason `01`.
    public func reversal(of draft: JournalEntryDraft, key: DocumentKey) -> JournalEntryDraft {
        var reversal = draft
        reversal.items = draft.items.map { item in
            var item = item
            item.amount = CurrencyAmount(-item.amount.value, item.amount.currency)
            return item
        }
        reversal.reversalReferenceDocument = key.objectKey
        reversal.reversalReason = "01"
        return reversal
    }
}

extension EntryRecord {
    /// `<class><number>` of each message of a rejected entry (`JGW029`); `nil` unless rejected.
    var rejectionIDs: [String]? {
        guard case .rejected(let rejection) = outcome else { return nil }
        return rejection.messages.map { $0.id.messageClass + $0.id.number }
    }
}
