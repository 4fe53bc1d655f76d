import Ledger

/// Changes (`JournalEntryBulkChangeRequest_In`): fields set in the posting transaction, kept in
/// the change history with their old values; amounts never change.
extension StoreConformance {
    static let changeCases: [ConformanceCase] = [
        ConformanceCase("a header and an item change set their fields, keep the history and leave amounts alone") { makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            let key = try await fixture.post(try fixture.plan(withCustomer: true))
            let before = try await fixture.store.journalEntry(key)
            let header = JournalEntryChange(
                document: key, item: nil, scope: .header,
                changes: [
                    FieldChange(field: .named("DocumentHeaderText", in: .header)!, value: "Corrected text"),
                    FieldChange(field: .named("JrnlEntryCntrySpecificRef1", in: .header)!, value: "REF-1"),
                ])
            let item = JournalEntryChange(
                document: key, item: 2, scope: .debtorCreditorItem,
                changes: [
                    FieldChange(field: .named("PaymentBlockingReasonCode", in: .debtorCreditorItem)!, value: "A"),
                    FieldChange(field: .named("DueCalculationBaseDate", in: .debtorCreditorItem)!, value: "2025-04-01"),
                    FieldChange(field: .named("DocumentItemText", in: .debtorCreditorItem)!, value: "Invoice 4711"),
                ])
            let result = try await fixture.process(fixture.message(key: "CHANGE-1", [.change(header), .change(item)]))
            try requireEqual(result.records.map(\.outcome), [.changed(key, item: nil), .changed(key, item: 2)], "outcomes")
            guard let after = try await fixture.store.journalEntry(key) else { throw ConformanceFailure("the document is gone") }
            try requireEqual(after.plan.documentHeaderText, "Corrected text", "header text")
            try requireEqual(after.additionalFields[0]?["JrnlEntryCntrySpecificRef1"], "REF-1", "country-specific reference")
            try requireEqual(after.additionalFields[2]?["PaymentBlockingReasonCode"], "A", "payment block")
            try requireEqual(after.lines[1].dueCalculationBaseDate, LedgerDate(iso: "2025-04-01"), "due date")
            try requireEqual(after.lines[1].itemText, "Invoice 4711", "item text")
            try requireEqual(after.lines.map(\.amountInTransactionCurrency), before?.lines.map(\.amountInTransactionCurrency) ?? [], "amounts")
            let history = try await fixture.store.changeHistory(of: key)
            try requireEqual(
                history.map { "\($0.item.map(String.init) ?? "-") \($0.field) \($0.oldValue ?? "∅")→\($0.newValue ?? "∅")" },
                [
                    "- DocumentHeaderText ∅→Corrected text", "- JrnlEntryCntrySpecificRef1 ∅→REF-1", "2 PaymentBlockingReasonCode ∅→A",
                    "2 DueCalculationBaseDate ∅→2025-04-01", "2 DocumentItemText ∅→Invoice 4711",
                ], "history")
            try require(history.allSatisfy { $0.changedBy == "CONFORMANCE" && $0.messageID == "CHANGE-1-1" || $0.messageID == "CHANGE-1-2" }, "who and which request: \(history)")
        },
        ConformanceCase("an empty value clears a field, an unchanged value writes no history, and a replay changes nothing") { makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            let key = try await fixture.post(try fixture.plan(withCustomer: true))
            let text = ChangeableField.named("DocumentItemText", in: .debtorCreditorItem)!
            let block = ChangeableField.named("PaymentBlockingReasonCode", in: .debtorCreditorItem)!
            let set = JournalEntryChange(document: key, item: 2, scope: .debtorCreditorItem, changes: [FieldChange(field: block, value: "A"), FieldChange(field: text, value: "X")])
            let message = fixture.message(key: "SET", [.change(set)])
            _ = try await fixture.process(message)
            let replay = try await fixture.process(message)
            try require(replay.isReplay, "the same message again is a replay")
            let clear = JournalEntryChange(document: key, item: 2, scope: .debtorCreditorItem, changes: [FieldChange(field: block, value: ""), FieldChange(field: text, value: "X")])
            _ = try await fixture.process(fixture.message(key: "CLEAR", [.change(clear)]))
            let after = try await fixture.store.journalEntry(key)
            try requireEqual(after?.additionalFields[2]?["PaymentBlockingReasonCode"], nil, "cleared")
            let history = try await fixture.store.changeHistory(of: key)
            try requireEqual(history.map(\.field), ["PaymentBlockingReasonCode", "DocumentItemText", "PaymentBlockingReasonCode"], "history fields")
            try requireEqual(history.last?.oldValue, "A", "old value of the clearing change")
            try requireEqual(history.last?.newValue, nil, "new value of the clearing change")
        },
        ConformanceCase("a change of a missing document or item, or of an item of the other kind, is rejected and changes nothing") { makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            let key = try await fixture.post(try fixture.plan(withCustomer: true))
            let text = ChangeableField.named("DocumentItemText", in: .glItem)!
            let missing = DocumentKey(companyCode: "1010", fiscalYear: 2025, documentNumber: "0100000042")
            let result = try await fixture.process(
                fixture.message(
                    key: "BAD",
                    [
                        .change(JournalEntryChange(document: missing, item: nil, scope: .header, changes: [FieldChange(field: .named("DocumentHeaderText", in: .header)!, value: "x")])),
                        .change(JournalEntryChange(document: key, item: 9, scope: .glItem, changes: [FieldChange(field: text, value: "x")])),
                        .change(JournalEntryChange(document: key, item: 2, scope: .glItem, changes: [FieldChange(field: text, value: "x")])),
                        .change(JournalEntryChange(document: key, item: 1, scope: .debtorCreditorItem, changes: [FieldChange(field: .named("DocumentItemText", in: .debtorCreditorItem)!, value: "x")])),
                    ]))
            try requireEqual(result.records.map(\.rejectionIDs), [["JGW035"], ["JGW036"], ["JGW037"], ["JGW037"]], "rejections")
            try requireEqual(try await fixture.store.changeHistory(of: key).count, 0, "no history")
        },
    ]
}
