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
    ] + foreignCurrencyClearingCases

    /// Clearing in a foreign currency: a USD invoice of company code 1010 (EUR) cleared in USD.
    static let foreignCurrencyClearingCases: [ConformanceCase] = [
        ConformanceCase(
            "a USD invoice cleared in USD against a USD payment posted at another rate: the offsets mirror both currencies, the realized difference goes to the loss or gain account"
        ) { makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            // 1,000.00 USD invoiced at 0.92 (920.00 EUR), paid at 0.90 (900.00 EUR): a loss of 20.00 EUR.
            let invoice = try await fixture.post(try fixture.plan(fixture.customerDraft(amount: "1000.00", currency: "USD", rate: "0.92")))
            let payment = try await fixture.post(try fixture.plan(fixture.customerDraft(amount: "-1000.00", currency: "USD", rate: "0.90")))
            let plan = try fixture.clearingPlan([(invoice, 1), (payment, 1)], currency: "USD")
            // TestDataIndicator: the same decision, nothing written.
            let simulated = try await fixture.process(fixture.message(key: "FX-TEST", [.checkClear(plan)]))
            guard case .checked = simulated.records.first?.outcome else { throw ConformanceFailure("the simulated clearing was not checked: \(simulated)") }
            try requireEqual(try await fixture.allEntries().count, 2, "a simulated clearing writes nothing")
            let result = try await fixture.process(fixture.message(key: "FX-LOSS", [.clear(plan)]))
            guard let clearing = result.records.first?.postedKey, let stored = try await fixture.store.journalEntry(clearing) else {
                throw ConformanceFailure("the clearing did not post: \(result)")
            }
            try requireEqual(stored.plan.transactionCurrency, "USD", "the clearing document is in the clearing currency")
            try requireEqual(stored.lines.map(\.glAccount), ["12100000", "12100000", "72200000"], "offset, offset, realized loss")
            try requireEqual(stored.lines.map(\.amountInTransactionCurrency.cents), ["-1000.00", "1000.00", "0.00"], "USD")
            try requireEqual(stored.lines.map(\.amountInCompanyCodeCurrency.cents), ["-920.00", "900.00", "20.00"], "EUR")
            try requireEqual(stored.lines.map(\.debitCredit), [.credit, .debit, .debit], "a loss is a debit")
            try requireEqual(stored.lines.map(\.openItemState), [.cleared, .cleared, .notManaged], "the difference is a plain G/L line")
            for key in [invoice, payment] {
                try requireEqual(try await fixture.store.journalEntry(key)?.lines.first?.clearingDocument, clearing, "\(key) cleared")
            }

            // 333.33 USD invoiced at 0.92 (306.66 EUR), paid at 0.9517 (317.23 EUR): a gain of 10.57 EUR.
            let gain = try await fixture.clearInUSD(invoice: ("333.33", at: "0.92"), payment: ("-333.33", at: "0.9517"), key: "FX-GAIN")
            try requireEqual(gain.lines.map(\.glAccount), ["12100000", "12100000", "72100000"], "offset, offset, realized gain")
            try requireEqual(gain.lines.map(\.amountInCompanyCodeCurrency.cents), ["-306.66", "317.23", "-10.57"], "EUR")
            try requireEqual(gain.lines[2].debitCredit, .credit, "a gain is a credit")
            let report = LedgerVerifier.verify(try await fixture.allEntries(), masterData: fixture.masterData)
            try require(report.breaches.isEmpty, "\(report.breaches)")
        },
        ConformanceCase(
            "a partial payment in USD leaves a USD rest item translated at the invoice's own rate; clearing the rest at that rate has no difference"
        ) { makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            // 1,000.00 USD at 0.92 (920.00 EUR); 333.33 USD paid at 0.90 (300.00 EUR). The rest, 666.67 USD, at 920.00 / 1,000.00:
            // 613.3364, i.e. 613.34 EUR. The paid part was worth 920.00 − 613.34 = 306.66 EUR and brought 300.00 EUR: a loss of 6.66 EUR.
            let partial = try await fixture.clearInUSD(invoice: ("1000.00", at: "0.92"), payment: ("-333.33", at: "0.90"), key: "FX-PART") {
                $0.items[0].partialPayment = DecimalAmount(parsing: "333.33")
            }
            try requireEqual(partial.lines.map(\.glAccount), ["12100000", "12100000", "12100000", "72200000"], "offset, rest, offset, loss")
            try requireEqual(partial.lines.map(\.amountInTransactionCurrency.cents), ["-1000.00", "666.67", "333.33", "0.00"], "USD")
            try requireEqual(partial.lines.map(\.amountInCompanyCodeCurrency.cents), ["-920.00", "613.34", "300.00", "6.66"], "EUR")
            try requireEqual(partial.lines.map(\.openItemState), [.cleared, .open, .cleared, .notManaged], "the rest is open")

            let restPayment = try await fixture.post(try fixture.plan(fixture.customerDraft(amount: "-666.67", currency: "USD", rate: "0.92")))
            let restCleared = try await fixture.process(
                fixture.message(key: "FX-REST", [.clear(try fixture.clearingPlan([(partial.clearing, 2), (restPayment, 1)], currency: "USD"))]))
            guard let restClearing = restCleared.records.first?.postedKey, let restLines = try await fixture.store.journalEntry(restClearing)?.lines else {
                throw ConformanceFailure("the rest was not cleared: \(restCleared)")
            }
            try requireEqual(restLines.map(\.amountInCompanyCodeCurrency.cents), ["-613.34", "613.34"], "same rate: no exchange rate difference line")
            let report = LedgerVerifier.verify(try await fixture.allEntries(), masterData: fixture.masterData)
            try require(report.breaches.isEmpty, "\(report.breaches)")
        },
        ConformanceCase("a residual and cash discount in USD are translated at the cleared item's own rate, rounded once to cents") { makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            // Residual: 200.00 USD at 0.92 (184.00 EUR) against 150.01 USD paid at 0.93 (139.5093, i.e. 139.51 EUR),
            // 49.99 USD left open at 0.92 (45.9908, i.e. 45.99 EUR): −184.00 + 45.99 + 139.51 = 1.50 EUR gained.
            let residual = try await fixture.clearInUSD(invoice: ("200.00", at: "0.92"), payment: ("-150.01", at: "0.93"), key: "FX-RES") {
                $0.items[0].residual = DecimalAmount(parsing: "49.99")
                $0.items[0].paymentDifferenceReason = "910"
            }
            try requireEqual(residual.lines.map(\.glAccount), ["12100000", "12100000", "12100000", "72100000"], "offset, residual, offset, gain")
            try requireEqual(residual.lines.map(\.amountInTransactionCurrency.cents), ["-200.00", "49.99", "150.01", "0.00"], "USD")
            try requireEqual(residual.lines.map(\.amountInCompanyCodeCurrency.cents), ["-184.00", "45.99", "139.51", "-1.50"], "EUR")
            try requireEqual(residual.lines[1].openItemState, .open, "the residual is open")
            try requireEqual(residual.lines[1].assignmentReference, "RC 910", "the residual's reason")

            // Cash discount: 1,000.00 USD at 0.9234 (923.40 EUR) against 980.00 USD paid at the same rate (904.932,
            // i.e. 904.93 EUR); 20.00 USD discount at 923.40 / 1,000.00 = 18.468, i.e. 18.47 EUR: 0.00 left.
            let discount = try await fixture.clearInUSD(invoice: ("1000.00", at: "0.9234"), payment: ("-980.00", at: "0.9234"), key: "FX-SKT") {
                $0.items[0].cashDiscount = DecimalAmount(parsing: "20.00")
            }
            try requireEqual(discount.lines.map(\.glAccount), ["12100000", "52010000", "12100000"], "offset, cash discount, offset")
            try requireEqual(discount.lines.map(\.amountInTransactionCurrency.cents), ["-1000.00", "20.00", "980.00"], "USD")
            try requireEqual(discount.lines.map(\.amountInCompanyCodeCurrency.cents), ["-923.40", "18.47", "904.93"], "EUR: no difference left")
            let report = LedgerVerifier.verify(try await fixture.allEntries(), masterData: fixture.masterData)
            try require(report.breaches.isEmpty, "\(report.breaches)")
        },
        ConformanceCase(
            "an exchange rate difference in a company code without exchangeRateDifferenceAccounts is refused with 062(JGW) and nothing is written, simulated or not"
        ) { makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore(), exchangeRateDifferenceAccounts: false)
            let invoice = try await fixture.post(try fixture.plan(fixture.customerDraft(amount: "1000.00", currency: "USD", rate: "0.92")))
            let payment = try await fixture.post(try fixture.plan(fixture.customerDraft(amount: "-1000.00", currency: "USD", rate: "0.90")))
            let plan = try fixture.clearingPlan([(invoice, 1), (payment, 1)], currency: "USD")
            for (index, action) in [EntrySubmission.Action.checkClear(plan), .clear(plan)].enumerated() {
                let result = try await fixture.process(fixture.message(key: "FX-NOACC-\(index)", [action]))
                try requireEqual(result.records.first?.rejectionIDs, ["JGW062"], "no account for the loss")
                guard case .rejected(let rejection) = result.records.first?.outcome else { continue }
                try requireEqual(
                    rejection.messages.first?.text,
                    "Company code 1010 has no account for a realized exchange rate loss (20.00 EUR): see exchangeRateDifferenceAccounts", "the text")
            }
            try requireEqual(try await fixture.allEntries().count, 2, "no clearing document")
            for key in [invoice, payment] {
                try requireEqual(try await fixture.store.journalEntry(key)?.lines.first?.openItemState, .open, "\(key) stays open")
            }
            // Without a difference no account is needed.
            let samePayment = try await fixture.post(try fixture.plan(fixture.customerDraft(amount: "-1000.00", currency: "USD", rate: "0.92")))
            let even = try await fixture.process(
                fixture.message(key: "FX-EVEN", [.clear(try fixture.clearingPlan([(invoice, 1), (samePayment, 1)], currency: "USD"))]))
            try require(even.records.first?.postedKey != nil, "a clearing without a difference posts: \(even)")
        },
        ConformanceCase(
            "items in another currency than the clearing's are refused with 048(JGW); an unknown currency with 816(F5), a difference with too many decimals with 008(JGW)"
        ) { makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            let euro = try await fixture.post(try fixture.plan(fixture.customerDraft(amount: "100.00")))
            let dollar = try await fixture.post(try fixture.plan(fixture.customerDraft(amount: "-100.00", currency: "USD")))
            let inDollars = try await fixture.process(fixture.message(key: "FX-CUR1", [.clear(try fixture.clearingPlan([(euro, 1), (dollar, 1)], currency: "USD"))]))
            try requireEqual(inDollars.records.first?.rejectionIDs, ["JGW048"], "a EUR item in a USD clearing")
            let inEuros = try await fixture.process(fixture.message(key: "FX-CUR2", [.clear(try fixture.clearingPlan([(euro, 1), (dollar, 1)]))]))
            try requireEqual(inEuros.records.first?.rejectionIDs, ["JGW048"], "a USD item in a clearing in the company code currency")
            try requireEqual(try await fixture.allEntries().count, 2, "no clearing document")

            let date = LedgerDate(iso: "2025-03-01")!
            func checkIDs(currency: String, partialPayment: String? = nil) -> [String] {
                let draft = ClearingDraft(
                    companyCode: "1010", documentType: "AB", documentDate: date, postingDate: date, currency: currency, headerText: nil,
                    referenceDocument: nil, createdByUser: nil,
                    items: [
                        OpenItemReference(
                            document: dollar, item: 1, accountType: .customer, account: "10100001",
                            partialPayment: partialPayment.flatMap { DecimalAmount(parsing: $0) })
                    ])
                guard case .failure(let rejection) = fixture.rules.check(draft, authorization: ConformanceFixture.authorization) else { return [] }
                return rejection.messages.map { $0.id.messageClass + $0.id.number }
            }
            try requireEqual(checkIDs(currency: "XYZ"), ["F5816"], "an unknown currency")
            try requireEqual(checkIDs(currency: "USD", partialPayment: "10.005"), ["JGW008"], "a partial payment in tenths of a cent")
            try requireEqual(checkIDs(currency: "USD", partialPayment: "10.00"), [], "a partial payment in cents")
        },
    ]
}

extension ConformanceFixture {
    /// A USD invoice and payment of customer 10100001 in 1010, each posted at its own rate (EUR per USD), cleared in USD by
    /// message `key`; `adjust` adds a partial payment, residual or cash discount to the plan. Throws unless the clearing posts.
    func clearInUSD(
        invoice: (amount: String, at: String), payment: (amount: String, at: String), key: String, adjust: (inout ClearingPlan) -> Void = { _ in }
    ) async throws -> (invoice: DocumentKey, payment: DocumentKey, clearing: DocumentKey, lines: [PlannedLine]) {
        let invoiceKey = try await post(try plan(customerDraft(amount: invoice.amount, currency: "USD", rate: invoice.at)))
        let paymentKey = try await post(try plan(customerDraft(amount: payment.amount, currency: "USD", rate: payment.at)))
        var clearing = try clearingPlan([(invoiceKey, 1), (paymentKey, 1)], currency: "USD")
        adjust(&clearing)
        let result = try await process(message(key: key, [.clear(clearing)]))
        guard let clearingKey = result.records.first?.postedKey, let lines = try await store.journalEntry(clearingKey)?.lines else {
            throw ConformanceFailure("the clearing \(key) did not post: \(result)")
        }
        return (invoiceKey, paymentKey, clearingKey, lines)
    }
}

extension DecimalAmount {
    /// With two decimals, as amounts in EUR and USD are read (`-920.00`).
    var cents: String { formatted(fractionDigits: 2) }
}

extension ConformanceFixture {
    /// A customer line of `amount` against the bank in company code 1010 (an invoice when positive, a payment when negative), in
    /// `currency`, translated at `rate` (`ExchangeRate`, EUR per unit) when given, else at the master data's rate.
    public func customerDraft(amount: String, postingDate: String = "2025-03-01", currency: String = "EUR", rate: String? = nil) -> JournalEntryDraft {
        let value = DecimalAmount(parsing: amount)!
        let date = LedgerDate(iso: postingDate)!
        var draft = JournalEntryDraft(
            originalReferenceDocumentType: "BKPFF", businessTransactionType: "RFBU", documentType: "SA", createdByUser: "TESTER",
            companyCode: "1010", documentDate: date, postingDate: date,
            items: [
                DraftItem(kind: .customer("10100001", alternativeReconciliationAccount: nil), amount: CurrencyAmount(value, currency)),
                DraftItem(kind: .glAccount("11001000"), amount: CurrencyAmount(-value, currency)),
            ])
        draft.exchangeRate = rate.map { ExchangeRateValue(parsing: $0)! }
        return draft
    }

    /// A checked clearing (document type AB, 2025-03-01, in `currency`) of customer 10100001's items (or another account's) in 1010.
    public func clearingPlan(
        _ items: [(DocumentKey, Int)], accountType: AccountType = .customer, account: String = "10100001", currency: String = "EUR"
    ) throws -> ClearingPlan {
        let date = LedgerDate(iso: "2025-03-01")!
        let draft = ClearingDraft(
            companyCode: "1010", documentType: "AB", documentDate: date, postingDate: date, currency: currency, headerText: "Clearing",
            referenceDocument: nil, createdByUser: nil,
            items: items.map { OpenItemReference(document: $0.0, item: $0.1, accountType: accountType, account: account) })
        switch rules.check(draft, authorization: Self.authorization) {
        case .success(let plan): return plan
        case .failure(let rejection): throw ConformanceFailure("the clearing was rejected by the checks: \(rejection.messages)")
        }
    }
}
