import Ledger

/// Cash discount, reversals that clear their original, and the operator's reset of a clearing.
extension StoreConformance {
    static let clearingResetCases: [ConformanceCase] = [
        ConformanceCase("cash discount on a customer item posts to the cash discount granted account and the items are cleared in full") {
            makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            let invoice = try await fixture.post(try fixture.plan(fixture.customerDraft(amount: "1000.00")))
            let payment = try await fixture.post(try fixture.plan(fixture.customerDraft(amount: "-980.00")))
            var plan = try fixture.clearingPlan([(invoice, 1), (payment, 1)])
            plan.items[0].cashDiscount = DecimalAmount(parsing: "20.00")
            let result = try await fixture.process(fixture.message(key: "SKT", [.clear(plan)]))
            guard let clearing = result.records.first?.postedKey else { throw ConformanceFailure("the clearing did not post: \(result)") }
            let lines = try await fixture.store.journalEntry(clearing)?.lines ?? []
            try requireEqual(lines.map(\.glAccount), ["12100000", "52010000", "12100000"], "offset, cash discount, offset")
            try requireEqual(lines.map(\.amountInTransactionCurrency.description), ["-1000", "20", "980"], "amounts")
            try requireEqual(lines.map(\.openItemState), [.cleared, .notManaged, .cleared], "the discount is a plain G/L line")
            try requireEqual(lines[1].debitCredit, .debit, "cash discount granted is an expense (debit)")
            for key in [invoice, payment] {
                try requireEqual(try await fixture.store.journalEntry(key)?.lines.first?.clearingDocument, clearing, "\(key) cleared")
            }
            let report = LedgerVerifier.verify(try await fixture.allEntries(), masterData: fixture.masterData)
            try require(report.breaches.isEmpty, "\(report.breaches)")
        },
        ConformanceCase("cash discount on a vendor item posts to the cash discount received account (revenue, credit)") { makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            let invoice = try await fixture.post(try fixture.plan(fixture.vendorDraft(amount: "-500.00")))
            let payment = try await fixture.post(try fixture.plan(fixture.vendorDraft(amount: "485.00")))
            var plan = try fixture.clearingPlan([(invoice, 1), (payment, 1)], accountType: .vendor, account: "10300001")
            plan.items[0].cashDiscount = DecimalAmount(parsing: "15.00")
            let result = try await fixture.process(fixture.message(key: "SKE", [.clear(plan)]))
            guard let clearing = result.records.first?.postedKey else { throw ConformanceFailure("the clearing did not post: \(result)") }
            let lines = try await fixture.store.journalEntry(clearing)?.lines ?? []
            try requireEqual(lines.map(\.glAccount), ["21100000", "71010000", "21100000"], "offset, cash discount, offset")
            try requireEqual(lines.map(\.amountInTransactionCurrency.description), ["500", "-15", "-485"], "amounts")
            try requireEqual(lines[1].debitCredit, .credit, "cash discount received is revenue (credit)")
        },
        ConformanceCase("cash discount is refused on a G/L item, without a cash discount account, and when it exceeds the item") { makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            let date = LedgerDate(iso: "2025-03-01")!
            func check(companyCode: String, accountType: AccountType, account: String, discount: String) -> [String] {
                let draft = ClearingDraft(
                    companyCode: companyCode, documentType: "AB", documentDate: date, postingDate: date, currency: companyCode == "1710" ? "USD" : "EUR",
                    headerText: nil, referenceDocument: nil, createdByUser: nil,
                    items: [
                        OpenItemReference(
                            document: DocumentKey(companyCode: companyCode, fiscalYear: 2025, documentNumber: "0100000000"), item: 1,
                            accountType: accountType, account: account, cashDiscount: DecimalAmount(parsing: discount))
                    ])
                guard case .failure(let rejection) = fixture.rules.check(draft, authorization: ConformanceFixture.authorization) else { return [] }
                return rejection.messages.map { $0.id.messageClass + $0.id.number }
            }
            try requireEqual(check(companyCode: "1010", accountType: .glAccount, account: "11001000", discount: "1.00"), ["JGW055"], "a G/L item")
            try requireEqual(check(companyCode: "1710", accountType: .customer, account: "10100001", discount: "1.00"), ["JGW047"], "no account")
            let invoice = try await fixture.post(try fixture.plan(fixture.customerDraft(amount: "100.00")))
            let payment = try await fixture.post(try fixture.plan(fixture.customerDraft(amount: "-10.00")))
            var plan = try fixture.clearingPlan([(invoice, 1), (payment, 1)])
            plan.items[0].cashDiscount = DecimalAmount(parsing: "100.00")
            let tooLarge = try await fixture.process(fixture.message(key: "BIG", [.clear(plan)]))
            try requireEqual(tooLarge.records.first?.rejectionIDs, ["JGW056"], "discount as large as the item")
            try requireEqual(try await fixture.allEntries().count, 2, "nothing posted")
        },
        ConformanceCase("a reversal clears the original's open items against its own, so neither stays open") { makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            let draft = fixture.customerDraft(amount: "250.00")
            let invoice = try await fixture.post(try fixture.plan(draft))
            let reversal = try await fixture.post(try fixture.plan(fixture.reversal(of: draft, key: invoice)))
            let original = try await fixture.store.journalEntry(invoice)?.lines.first
            try requireEqual(original?.openItemState, .cleared, "the original's customer item is cleared")
            try requireEqual(original?.clearingDocument, reversal, "by the reversal document")
            let mirror = try await fixture.store.journalEntry(reversal)?.lines.first
            try requireEqual(mirror?.openItemState, .cleared, "the reversal's customer item is cleared")
            try requireEqual(mirror?.clearingDocument, reversal, "by the reversal document itself")
            let report = LedgerVerifier.verify(try await fixture.allEntries(), masterData: fixture.masterData)
            try require(report.breaches.isEmpty, "\(report.breaches)")
            let reset = try await fixture.reset(reversal)
            try requireEqual(reset.failureIDs, ["JGW057"], "a reversal's clearing is not reset")
        },
        ConformanceCase("resetting a clearing reopens its items, reverses the clearing document and clears the rest item against its mirror") {
            makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            let invoice = try await fixture.post(try fixture.plan(fixture.customerDraft(amount: "119.00")))
            let payment = try await fixture.post(try fixture.plan(fixture.customerDraft(amount: "-100.00")))
            var plan = try fixture.clearingPlan([(invoice, 1), (payment, 1)])
            plan.items[0].partialPayment = DecimalAmount(parsing: "100.00")
            guard let clearing = try await fixture.process(fixture.message(key: "PART", [.clear(plan)])).records.first?.postedKey else {
                throw ConformanceFailure("the clearing did not post")
            }
            let reset = try await fixture.reset(clearing)
            guard case .success(let done) = reset else { throw ConformanceFailure("the reset was refused: \(reset)") }
            try requireEqual(
                done.reopened, [OpenItemKey(document: invoice, item: 1), OpenItemKey(document: payment, item: 1)], "the items open again")
            for key in [invoice, payment] {
                let line = try await fixture.store.journalEntry(key)?.lines.first
                try requireEqual(line?.openItemState, .open, "\(key) is open")
                try requireEqual(line?.clearingDocument, nil, "\(key) names no clearing")
                try requireEqual(line?.clearingDate, nil, "\(key) has no clearing date")
            }
            let stored = try await fixture.store.journalEntry(clearing)
            try requireEqual(stored?.reversedBy, done.reversal, "the clearing is reversed")
            try requireEqual(stored?.lines.map(\.clearingDocument), [done.reversal, done.reversal, done.reversal], "its lines are cleared by the reversal")
            let reversal = try await fixture.store.journalEntry(done.reversal)
            try requireEqual(reversal?.reverses, clearing, "the reversal names the clearing")
            try requireEqual(reversal?.lines.map(\.amountInTransactionCurrency.description), ["119", "-19", "-100"], "it mirrors the clearing")
            try requireEqual(reversal?.lines.map(\.openItemState), [.cleared, .cleared, .cleared], "nothing of it is open")
            try requireEqual(reversal?.plan.createdByUser, "OPERATOR", "who reset it")
            try requireEqual(try await fixture.store.messageDetail(done.message)?.message.interface, MessageProcessor.clearingResetInterface, "recorded")
            var report = LedgerVerifier.verify(try await fixture.allEntries(), masterData: fixture.masterData)
            try require(report.breaches.isEmpty, "\(report.breaches)")
            // Reset once; the items can be cleared again, and the invoice reversed once open.
            try requireEqual(try await fixture.reset(clearing).failureIDs, ["JGW058"], "reset twice")
            var full = try fixture.clearingPlan([(invoice, 1), (payment, 1)])
            full.items[0].residual = DecimalAmount(parsing: "19.00")
            let again = try await fixture.process(fixture.message(key: "AGAIN", [.clear(full)]))
            try require(again.records.first?.postedKey != nil, "cleared again: \(again)")
            report = LedgerVerifier.verify(try await fixture.allEntries(), masterData: fixture.masterData)
            try require(report.breaches.isEmpty, "\(report.breaches)")
        },
        ConformanceCase(
            "resetting a clearing in USD reverses its exchange rate difference too: both currencies mirrored, the items open at their own amounts"
        ) { makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            // The partial payment of the clearing cases: 666.67 USD left open as 613.34 EUR, a loss of 6.66 EUR.
            let (invoice, payment, clearing, _) = try await fixture.clearInUSD(
                invoice: ("1000.00", at: "0.92"), payment: ("-333.33", at: "0.90"), key: "FX-PART"
            ) { $0.items[0].partialPayment = DecimalAmount(parsing: "333.33") }
            let reset = try await fixture.reset(clearing)
            guard case .success(let done) = reset else { throw ConformanceFailure("the reset was refused: \(reset)") }
            try requireEqual(done.reopened.count, 2, "invoice and payment open again")
            let reversal = try await fixture.store.journalEntry(done.reversal)
            try requireEqual(reversal?.plan.transactionCurrency, "USD", "the reversal is in the clearing currency")
            try requireEqual(reversal?.lines.map(\.glAccount), ["12100000", "12100000", "12100000", "72200000"], "offset, rest, offset, loss mirrored")
            try requireEqual(reversal?.lines.map(\.amountInTransactionCurrency.cents), ["1000.00", "-666.67", "-333.33", "0.00"], "USD")
            try requireEqual(reversal?.lines.map(\.amountInCompanyCodeCurrency.cents), ["920.00", "-613.34", "-300.00", "-6.66"], "EUR")
            try requireEqual(reversal?.lines.last?.debitCredit, .credit, "the loss is taken back")
            try requireEqual(reversal?.lines.map(\.openItemState), [.cleared, .cleared, .cleared, .notManaged], "nothing of it is open")
            for (key, local) in [(invoice, "920.00"), (payment, "-300.00")] {
                let line = try await fixture.store.journalEntry(key)?.lines.first
                try requireEqual(line?.openItemState, .open, "\(key) is open")
                try requireEqual(line?.amountInCompanyCodeCurrency.cents, local, "\(key) keeps its own company-code amount")
            }
            let entries = try await fixture.allEntries()
            let loss = entries.flatMap(\.lines).filter { $0.glAccount == "72200000" }.reduce(DecimalAmount.zero) { $0 + $1.amountInCompanyCodeCurrency }
            try requireEqual(loss, .zero, "no loss is left on the loss account")
            let report = LedgerVerifier.verify(entries, masterData: fixture.masterData)
            try require(report.breaches.isEmpty, "\(report.breaches)")
        },
        ConformanceCase("a reset is refused, writing nothing, for a missing document, a plain posting, and while a rest item it left is cleared since") {
            makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            try requireEqual(
                try await fixture.reset(DocumentKey(companyCode: "1010", fiscalYear: 2025, documentNumber: "0100009999")).failureIDs, ["JGW061"], "missing")
            let invoice = try await fixture.post(try fixture.plan(fixture.customerDraft(amount: "119.00")))
            try requireEqual(try await fixture.reset(invoice).failureIDs, ["JGW057"], "not a clearing")
            let payment = try await fixture.post(try fixture.plan(fixture.customerDraft(amount: "-100.00")))
            var plan = try fixture.clearingPlan([(invoice, 1), (payment, 1)])
            plan.items[0].partialPayment = DecimalAmount(parsing: "100.00")
            guard let first = try await fixture.process(fixture.message(key: "FIRST", [.clear(plan)])).records.first?.postedKey else {
                throw ConformanceFailure("the first clearing did not post")
            }
            // The rest (19.00, item 2 of the first clearing) is paid and cleared by a second clearing.
            let rest = try await fixture.post(try fixture.plan(fixture.customerDraft(amount: "-19.00")))
            guard let second = try await fixture.process(fixture.message(key: "SECOND", [.clear(try fixture.clearingPlan([(first, 2), (rest, 1)]))])).records.first?.postedKey
            else { throw ConformanceFailure("the second clearing did not post") }
            let before = try await fixture.allEntries()
            try requireEqual(try await fixture.reset(first).failureIDs, ["JGW059"], "the rest is cleared since")
            try requireEqual(try await fixture.allEntries(), before, "nothing changed")
            // Reset the later clearing first, then the first one.
            guard case .success = try await fixture.reset(second) else { throw ConformanceFailure("the second reset was refused") }
            guard case .success(let done) = try await fixture.reset(first) else { throw ConformanceFailure("the first reset was refused") }
            try requireEqual(done.reopened.count, 2, "invoice and payment open again")
            let open = try await fixture.allEntries().flatMap { entry in entry.lines.filter { $0.openItemState == .open }.map { "\(entry.key.documentNumber)/\($0.lineNumber)" } }
            try requireEqual(
                Set(open), Set([invoice, payment, rest].map { "\($0.documentNumber)/1" }), "exactly the three customer documents are open")
            let report = LedgerVerifier.verify(try await fixture.allEntries(), masterData: fixture.masterData)
            try require(report.breaches.isEmpty, "\(report.breaches)")
        },
        ConformanceCase("a check run of a clearing or a change is decided against the ledger as it is and leaves no trace") { makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            let invoice = try await fixture.post(try fixture.plan(fixture.customerDraft(amount: "50.00")))
            let payment = try await fixture.post(try fixture.plan(fixture.customerDraft(amount: "-50.00")))
            let plan = try fixture.clearingPlan([(invoice, 1), (payment, 1)])
            let before = try await fixture.allEntries()
            let check = try await fixture.process(fixture.message(key: "CHECK", [.checkClear(plan)]))
            guard case .checked = check.records.first?.outcome else { throw ConformanceFailure("the check run did not pass: \(check)") }
            try requireEqual(try await fixture.allEntries(), before, "nothing posted, nothing cleared")
            let unbalanced = try await fixture.process(fixture.message(key: "CHECK-UNB", [.checkClear(try fixture.clearingPlan([(invoice, 1)]))]))
            try requireEqual(unbalanced.records.first?.rejectionIDs, ["F5702"], "a check run finds what the real clearing would")
            let real = try await fixture.process(fixture.message(key: "REAL", [.clear(plan)]))
            guard let clearing = real.records.first?.postedKey else { throw ConformanceFailure("the clearing did not post") }
            try requireEqual(clearing.documentNumber, "0100000002", "the check run used no number")
            let again = try await fixture.process(fixture.message(key: "CHECK-2", [.checkClear(plan)]))
            try requireEqual(again.records.first?.rejectionIDs, ["JGW044", "JGW044"], "a check run sees the items cleared")
            let missing = JournalEntryChange(
                document: DocumentKey(companyCode: "1010", fiscalYear: 2025, documentNumber: "0100000099"), item: nil, scope: .header,
                changes: [FieldChange(field: .named("DocumentHeaderText", in: .header)!, value: "X")])
            let change = try await fixture.process(fixture.message(key: "CHECK-CHG", [.checkChange(missing)]))
            try requireEqual(change.records.first?.rejectionIDs, ["JGW035"], "a check run of a change of a missing document")
            let text = JournalEntryChange(
                document: invoice, item: nil, scope: .header, changes: [FieldChange(field: .named("DocumentHeaderText", in: .header)!, value: "Checked")])
            let checked = try await fixture.process(fixture.message(key: "CHECK-CHG2", [.checkChange(text)]))
            guard case .checked = checked.records.first?.outcome else { throw ConformanceFailure("the change check did not pass: \(checked)") }
            try requireEqual(try await fixture.store.journalEntry(invoice)?.plan.documentHeaderText, before.first?.plan.documentHeaderText, "unchanged")
            try requireEqual(try await fixture.store.changeHistory(of: invoice), [], "no history")
        },
    ]
}

extension ConformanceFixture {
    /// A vendor line of `amount` against the bank (an invoice when negative, a payment when positive).
    public func vendorDraft(amount: String) -> JournalEntryDraft {
        var draft = customerDraft(amount: amount)
        draft.items[0].kind = .vendor("10300001", alternativeReconciliationAccount: nil)
        return draft
    }

    /// Resets `clearing` as the operator `OPERATOR` would, on the clearing's posting date.
    public func reset(_ clearing: DocumentKey) async throws -> Result<ClearingResetResult, PostingRejection> {
        let processor = MessageProcessor(masterData: masterData)
        let request = ClearingResetRequest(clearing: clearing, user: "OPERATOR", at: "2025-03-02T09:00:00.000000Z", uuid: "reset-\(clearing)")
        return try await store.write { transaction in try processor.resetClearing(request, in: transaction) }
    }
}

extension Result where Success == ClearingResetResult, Failure == PostingRejection {
    /// `<class><number>` of each message of a refused reset; `nil` when it succeeded.
    var failureIDs: [String]? {
        guard case .failure(let rejection) = self else { return nil }
        return rejection.messages.map { $0.id.messageClass + $0.id.number }
    }
}
