import Ledger

/// A seeded random sequence of posts, replays, rejected posts, changes, reversals, clearings (with
/// partial payments whose rest is cleared later, refused second clearings and refused reversals of
/// cleared documents; customer items in EUR or in USD at varying rates, cleared in their currency,
/// so that clearings post realized exchange rate differences) and resets of clearings (refused
/// while a rest item is cleared since), with
/// the ledger's invariants (``LedgerVerifier``) and a model of what must have happened, including
/// every open customer item, checked after every step.
extension StoreConformance {
    static let invariantCases: [ConformanceCase] = [1, 7, 2026].map { (seed: UInt64) in
        ConformanceCase("over a seeded random sequence (seed \(seed)) of posts, replays, rejections, changes, reversals, clearings and resets the invariants hold after every step") {
            makeStore in
            try await runRandomSequence(seed: seed, steps: 160, store: try await makeStore())
        }
    }

    /// SplitMix64: a small, seedable generator, so that a failing sequence can be replayed.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func runRandomSequence(seed: UInt64, steps: Int, store: any LedgerStore) async throws {
        let fixture = try ConformanceFixture(store: store)
        var random = SeededGenerator(state: seed)
        // The model: what must be in the ledger.
        var posted: [DocumentKey: JournalEntryDraft] = [:]
        var reversedBy: [DocumentKey: DocumentKey] = [:]
        var reversals: Set<DocumentKey> = []
        var sent: [(key: String, actions: [EntrySubmission.Action], keys: [DocumentKey])] = []
        var headerTexts: [DocumentKey: String] = [:]
        // The open customer items, with their amounts (in their document's currency), and every customer item's currency.
        var customerItems: [OpenItemKey: DecimalAmount] = [:]
        var itemCurrency: [OpenItemKey: String] = [:]
        var hasClearedItems: Set<DocumentKey> = []
        // Clearings not reset: the items each cleared (with their amounts) and the rest item it left.
        var activeClearings: [DocumentKey: (items: [OpenItemKey: DecimalAmount], rest: OpenItemKey?)] = [:]
        var clearings = 0
        var foreignClearings = 0
        var exchangeDifferences = 0
        var resets = 0
        var refusedResets = 0
        for step in 0..<steps {
            let context = "seed \(seed), step \(step)"
            let roll = Int.random(in: 0..<100, using: &random)
            switch roll {
            case 0..<30:  // a new message with one or two valid entries, maybe one rejected
                var drafts: [JournalEntryDraft] = []
                for _ in 0..<Int.random(in: 1...2, using: &random) {
                    let cents = Int.random(in: 1...999_999, using: &random)
                    drafts.append(
                        fixture.draft(
                            companyCode: Bool.random(using: &random) ? "1010" : "1710", documentType: ["SA", "AB", "SA"].randomElement(using: &random)!,
                            postingDate: ["2025-03-01", "2025-11-30", "2026-01-15"].randomElement(using: &random)!,
                            amount: "\(cents / 100).\(String(cents % 100).leftPadded(2))", withCustomer: false))
                }
                var actions = try drafts.map { EntrySubmission.Action.post(try fixture.plan($0)) }
                if Bool.random(using: &random) { actions.append(.reject(PostingRejection([LedgerMessage(.balanceInTransactionCurrency, "1.00", "EUR")]))) }
                let key = "RND-\(seed)-\(step)"
                let result = try await fixture.process(fixture.message(key: key, digest: key, actions))
                let keys = result.records.compactMap(\.postedKey)
                try requireEqual(keys.count, drafts.count, "\(context): every valid entry posts")
                for (key, draft) in zip(keys, drafts) { posted[key] = draft }
                sent.append((key, actions, keys))
            case 30..<38:  // a replay of an earlier message: nothing new
                guard let earlier = sent.randomElement(using: &random) else { continue }
                let result = try await fixture.process(fixture.message(key: earlier.key, digest: earlier.key, earlier.actions))
                try require(result.isReplay, "\(context): a replay")
                try requireEqual(result.records.compactMap(\.postedKey), earlier.keys, "\(context): the replay names the original documents")
            case 38..<44:  // a message whose only entry is rejected
                let result = try await fixture.process(
                    fixture.message(key: "REJ-\(seed)-\(step)", [.reject(PostingRejection([LedgerMessage(.postingPeriodNotOpen, "003", "2023")]))]))
                try requireEqual(result.records.compactMap(\.postedKey), [], "\(context): nothing posts")
            case 44..<56:  // a customer invoice or payment, half of them in USD at the rate of the day
                let cents = Int.random(in: 1...99_999, using: &random) * (Bool.random(using: &random) ? 1 : -1)
                let rate = Bool.random(using: &random) ? ["0.90", "0.92", "0.9517"].randomElement(using: &random) : nil
                let draft = fixture.customerDraft(
                    amount: (cents < 0 ? "-" : "") + "\(abs(cents) / 100).\(String(abs(cents) % 100).leftPadded(2))", currency: rate == nil ? "EUR" : "USD",
                    rate: rate)
                let key = try await fixture.post(try fixture.plan(draft), key: "CUS-\(seed)-\(step)")
                posted[key] = draft
                customerItems[OpenItemKey(document: key, item: 1)] = draft.items[0].amount.value
                itemCurrency[OpenItemKey(document: key, item: 1)] = draft.items[0].amount.currency
            case 56..<66:  // clear an open customer invoice against an open payment in its currency (partial on the larger one)
                let sorted = customerItems.sorted { $0.key < $1.key }
                let currencies = ["EUR", "USD"].filter { currency in
                    let open = sorted.filter { itemCurrency[$0.key] == currency }
                    return open.contains { !$0.value.isNegative } && open.contains { $0.value.isNegative }
                }
                guard let currency = currencies.randomElement(using: &random) else { continue }
                let open = sorted.filter { itemCurrency[$0.key] == currency }
                guard let invoice = open.filter({ !$0.value.isNegative }).randomElement(using: &random),
                    let payment = open.filter({ $0.value.isNegative }).randomElement(using: &random)
                else { continue }
                var plan = try fixture.clearingPlan(
                    [(invoice.key.document, invoice.key.item), (payment.key.document, payment.key.item)], currency: currency)
                if invoice.value.magnitude > payment.value.magnitude {
                    plan.items[0].partialPayment = payment.value.magnitude
                } else if payment.value.magnitude > invoice.value.magnitude {
                    plan.items[1].partialPayment = invoice.value.magnitude
                }
                let result = try await fixture.process(fixture.message(key: "CLR-\(seed)-\(step)", [.clear(plan)]))
                guard let clearing = result.records.first?.postedKey,
                    let lines = try await fixture.store.journalEntry(clearing)?.lines
                else { throw ConformanceFailure("\(context): the clearing did not post: \(result)") }
                clearings += 1
                if currency != "EUR" { foreignClearings += 1 }
                if lines.contains(where: { $0.glAccount == "72100000" || $0.glAccount == "72200000" }) { exchangeDifferences += 1 }
                customerItems[invoice.key] = nil
                customerItems[payment.key] = nil
                hasClearedItems.formUnion([invoice.key.document, payment.key.document, clearing])
                posted[clearing] = fixture.customerDraft(amount: "0.01")  // placeholder: a clearing is reset, never reversed by a request
                var restKey: OpenItemKey?
                if let rest = lines.first(where: { $0.openItemState == .open }) {
                    // The rest of the partial payment is a new open item of the clearing document.
                    try requireEqual(rest.amountInTransactionCurrency, invoice.value + payment.value, "\(context): the rest")
                    restKey = OpenItemKey(document: clearing, item: rest.lineNumber)
                    customerItems[restKey!] = rest.amountInTransactionCurrency
                    itemCurrency[restKey!] = currency
                }
                activeClearings[clearing] = ([invoice.key: invoice.value, payment.key: payment.value], restKey)
                // A second clearing of the same items is refused.
                let again = try await fixture.process(fixture.message(key: "CLR2-\(seed)-\(step)", [.clear(plan)]))
                try requireEqual(again.records.first?.rejectionIDs, ["JGW044", "JGW044"], "\(context): cleared twice")
            case 66..<74:  // change the header text of some document (or of a missing one)
                let target = posted.keys.sorted().randomElement(using: &random) ?? DocumentKey(companyCode: "1010", fiscalYear: 2025, documentNumber: "0199999999")
                let text = "Text \(step)"
                let change = JournalEntryChange(
                    document: target, item: nil, scope: .header, changes: [FieldChange(field: .named("DocumentHeaderText", in: .header)!, value: text)])
                let result = try await fixture.process(fixture.message(key: "CHG-\(seed)-\(step)", [.change(change)]))
                if posted[target] != nil {
                    try requireEqual(result.records.first?.outcome, .changed(target, item: nil), "\(context): the change applies")
                    headerTexts[target] = text
                } else {
                    try requireEqual(result.records.first?.rejectionIDs, ["JGW035"], "\(context): a missing document")
                }
            case 74..<80:  // reset a clearing: refused while the rest item it left is cleared since
                guard let (clearing, made) = activeClearings.sorted(by: { $0.key < $1.key }).randomElement(using: &random) else { continue }
                let result = try await fixture.reset(clearing)
                if let rest = made.rest, customerItems[rest] == nil {
                    try requireEqual(result.failureIDs, ["JGW059"], "\(context): the rest of \(clearing) is cleared since")
                    refusedResets += 1
                    continue
                }
                guard case .success(let done) = result else { throw ConformanceFailure("\(context): the reset of \(clearing) was refused: \(result)") }
                try requireEqual(done.reopened, made.items.keys.sorted(), "\(context): the items open again")
                resets += 1
                activeClearings[clearing] = nil
                for (item, amount) in made.items { customerItems[item] = amount }
                if let rest = made.rest { customerItems[rest] = nil }
                reversedBy[clearing] = done.reversal
                reversals.insert(done.reversal)
                posted[done.reversal] = fixture.customerDraft(amount: "0.01")  // placeholder: a reversal is never reversed
            default:  // reverse some document: allowed once, never a reversal
                guard let target = posted.keys.sorted().randomElement(using: &random), let draft = posted[target] else { continue }
                if hasClearedItems.contains(target) && reversedBy[target] == nil && !reversals.contains(target) {
                    guard let stored = try await fixture.store.journalEntry(target) else { continue }
                    if stored.lines.contains(where: { $0.openItemState == .cleared }) {
                        // A document with cleared items is not reversed (checked only for documents whose lines the model knows).
                        if stored.plan.documentType == "AB" { continue }
                        let refused = try await fixture.process(fixture.message(key: "REVC-\(seed)-\(step)", [.post(try fixture.plan(fixture.reversal(of: draft, key: target)))]))
                        try requireEqual(refused.records.first?.rejectionIDs, ["JGW054"], "\(context): reversal of cleared items")
                        continue
                    }
                }
                let plan = try fixture.plan(fixture.reversal(of: draft, key: target))
                let result = try await fixture.process(fixture.message(key: "REV-\(seed)-\(step)", [.post(plan)]))
                if reversedBy[target] != nil {
                    try requireEqual(result.records.first?.rejectionIDs, ["JGW029"], "\(context): reversed twice")
                } else if reversals.contains(target) {
                    try requireEqual(result.records.first?.rejectionIDs, ["F5905"], "\(context): a reversal reversed")
                } else {
                    guard let reversal = result.records.first?.postedKey else { throw ConformanceFailure("\(context): the reversal did not post: \(result)") }
                    reversedBy[target] = reversal
                    reversals.insert(reversal)
                    for item in customerItems.keys where item.document == target { customerItems[item] = nil }
                    var mirrored = draft
                    mirrored.items = fixture.reversal(of: draft, key: target).items
                    posted[reversal] = mirrored
                }
            }
            // After every step: the invariants, and the model.
            let entries = try await fixture.allEntries()
            let report = LedgerVerifier.verify(entries, masterData: fixture.masterData)
            try require(report.breaches.isEmpty, "\(context): \(report.breaches)")
            try requireEqual(Set(entries.map(\.key)), Set(posted.keys), "\(context): the posted documents")
            var openCustomerItems: [OpenItemKey: DecimalAmount] = [:]
            for entry in entries {
                for line in entry.lines where line.accountType == .customer && line.openItemState == .open {
                    openCustomerItems[OpenItemKey(document: entry.key, item: line.lineNumber)] = line.amountInTransactionCurrency
                }
            }
            try requireEqual(openCustomerItems, customerItems, "\(context): the open customer items")
            for entry in entries {
                try requireEqual(entry.reversedBy, reversedBy[entry.key], "\(context): \(entry.key) reversed by")
                if let text = headerTexts[entry.key] { try requireEqual(entry.plan.documentHeaderText, text, "\(context): \(entry.key) header text") }
            }
        }
        try require(
            clearings > 0 && foreignClearings > 0 && resets > 0 && !reversedBy.isEmpty && !headerTexts.isEmpty,
            "seed \(seed): the sequence must clear (also in USD), reset, reverse and change (\(clearings) clearings, \(foreignClearings) in USD, \(exchangeDifferences) with an exchange rate difference, \(resets) resets, \(refusedResets) refused, open customer items \(customerItems.values.map(\.description)))")
    }
}

extension String {
    fileprivate func leftPadded(_ length: Int) -> String { String(repeating: "0", count: max(0, length - count)) + self }
}
