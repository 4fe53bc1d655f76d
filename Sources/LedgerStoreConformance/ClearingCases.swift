import Ledger

/// Clearing open items: a clearing document per request, decided in the posting transaction.
extension StoreConformance {
    static let clearingCases: [ConformanceCase] = [
        ConformanceCase("an invoice and its payment are cleared by one balanced clearing document; the items name it; an item is cleared once") {
            makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            let invoice = try await fixture.post(try fixture.plan(fixture.customerDraft(amount: "119.00")))
            let payment = try await fixture.post(try fixture.plan(fixture.customerDraft(amount: "-119.00")))
            let plan = try fixture.clearingPlan([(invoice, 1), (payment, 1)])
            let result = try await fixture.process(fixture.message(key: "CLEAR-1", [.clear(plan)]))
            guard let clearing = result.records.first?.postedKey else { throw ConformanceFailure("the clearing did not post: \(result)") }
            let stored = try await fixture.store.journalEntry(clearing)
            try requireEqual(stored?.lines.map(\.amountInTransactionCurrency), [DecimalAmount(parsing: "-119.00")!, DecimalAmount(parsing: "119.00")!], "offset lines")
            try requireEqual(stored?.lines.map(\.openItemState), [.cleared, .cleared], "offset lines are cleared")
            for key in [invoice, payment] {
                let line = try await fixture.store.journalEntry(key)?.lines.first
                try requireEqual(line?.openItemState, .cleared, "\(key) item 1")
                try requireEqual(line?.clearingDocument, clearing, "\(key) names the clearing document")
                try requireEqual(line?.clearingDate, LedgerDate(iso: "2025-03-01"), "\(key) clearing date")
            }
            let again = try await fixture.process(fixture.message(key: "CLEAR-2", [.clear(plan)]))
            try requireEqual(again.records.first?.rejectionIDs, ["JGW044", "JGW044"], "cleared twice")
            let report = LedgerVerifier.verify(try await fixture.allEntries(), masterData: fixture.masterData)
            try require(report.breaches.isEmpty, "\(report.breaches)")
            // A document with cleared items cannot be reversed.
            let reversal = try await fixture.process(
                fixture.message(key: "REV", [.post(try fixture.plan(fixture.reversal(of: fixture.customerDraft(amount: "119.00"), key: invoice)))]))
            try requireEqual(reversal.records.first?.rejectionIDs, ["JGW054"], "reversal of a cleared document")
        },
        ConformanceCase("a partial payment and a residual leave the rest open as a new item of the clearing document") { makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            for (index, kind) in ["partial", "residual"].enumerated() {
                let invoice = try await fixture.post(try fixture.plan(fixture.customerDraft(amount: "119.00")))
                let payment = try await fixture.post(try fixture.plan(fixture.customerDraft(amount: "-100.00")))
                var plan = try fixture.clearingPlan([(invoice, 1), (payment, 1)])
                if kind == "partial" { plan.items[0].partialPayment = DecimalAmount(parsing: "100.00") } else { plan.items[0].residual = DecimalAmount(parsing: "19.00") }
                let result = try await fixture.process(fixture.message(key: "PART-\(index)", [.clear(plan)]))
                guard let clearing = result.records.first?.postedKey else { throw ConformanceFailure("\(kind): the clearing did not post: \(result)") }
                let lines = try await fixture.store.journalEntry(clearing)?.lines ?? []
                try requireEqual(lines.map(\.amountInTransactionCurrency.description), ["-119", "19", "100"], "\(kind): lines")
                try requireEqual(lines.map(\.openItemState), [.cleared, .open, .cleared], "\(kind): the rest is open")
            }
            let report = LedgerVerifier.verify(try await fixture.allEntries(), masterData: fixture.masterData)
            try require(report.breaches.isEmpty, "\(report.breaches)")
        },
        ConformanceCase("a clearing that does not balance, of an item without open-item management or of another account, is rejected and writes nothing") {
            makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            let invoice = try await fixture.post(try fixture.plan(fixture.customerDraft(amount: "119.00")))
            let payment = try await fixture.post(try fixture.plan(fixture.customerDraft(amount: "-100.00")))
            let unbalanced = try await fixture.process(fixture.message(key: "UNBAL", [.clear(try fixture.clearingPlan([(invoice, 1), (payment, 1)]))]))
            try requireEqual(unbalanced.records.first?.rejectionIDs, ["F5702"], "unbalanced")
            var bank = try fixture.clearingPlan([(invoice, 2)])
            bank.items[0].accountType = .glAccount
            bank.items[0].account = "11001000"
            let notManaged = try await fixture.process(fixture.message(key: "BANK", [.clear(bank)]))
            try requireEqual(notManaged.records.first?.rejectionIDs, ["JGW043"], "no open-item management")
            var other = try fixture.clearingPlan([(invoice, 1)])
            other.items[0].account = "10100002"
            let otherAccount = try await fixture.process(fixture.message(key: "OTHER", [.clear(other)]))
            try requireEqual(otherAccount.records.first?.rejectionIDs, ["JGW042"], "another account")
            try requireEqual(try await fixture.store.journalEntry(invoice)?.lines.first?.openItemState, .open, "the invoice stays open")
            try requireEqual(try await fixture.allEntries().count, 2, "no clearing document")
        },
    ]
}

extension ConformanceFixture {
    /// A customer line of `amount` against the bank (an invoice when positive, a payment when negative).
    public func customerDraft(amount: String, postingDate: String = "2025-03-01") -> JournalEntryDraft {
        let value = DecimalAmount(parsing: amount)!
        let date = LedgerDate(iso: postingDate)!
        return JournalEntryDraft(
            originalReferenceDocumentType: "BKPFF", businessTransactionType: "RFBU", documentType: "SA", createdByUser: "TESTER",
            companyCode: "1010", documentDate: date, postingDate: date,
            items: [
                DraftItem(kind: .customer("10100001", alternativeReconciliationAccount: nil), amount: CurrencyAmount(value, "EUR")),
                DraftItem(kind: .glAccount("11001000"), amount: CurrencyAmount(-value, "EUR")),
            ])
    }

    /// A checked clearing (document type AB, 2025-03-01, EUR) of customer 10100001's items (or another account's).
    public func clearingPlan(_ items: [(DocumentKey, Int)], accountType: AccountType = .customer, account: String = "10100001") throws -> ClearingPlan {
        let date = LedgerDate(iso: "2025-03-01")!
        let draft = ClearingDraft(
            companyCode: "1010", documentType: "AB", documentDate: date, postingDate: date, currency: "EUR", headerText: "Clearing",
            referenceDocument: nil, createdByUser: nil,
            items: items.map { OpenItemReference(document: $0.0, item: $0.1, accountType: accountType, account: account) })
        switch rules.check(draft, authorization: Self.authorization) {
        case .success(let plan): return plan
        case .failure(let rejection): throw ConformanceFailure("the clearing was rejected by the checks: \(rejection.messages)")
        }
    }
}
