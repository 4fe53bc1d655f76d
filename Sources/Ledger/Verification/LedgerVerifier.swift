/// The invariants every ledger must keep, checked over its posted documents (``LedgerVerifier/verify(_:masterData:)``):
/// the same checks run after every step of the seeded random test and in `journal-gateway verify`
/// against a live ledger file.
///
/// 1. Every document balances, in transaction and in company-code currency.
/// 2. The trial balance of each company code (all its documents, in company-code currency) is zero.
/// 3. Numbers are gapless: per company code, fiscal year and number range, the documents carry
///    the range's first numbers without a hole.
/// 4. Reversal links agree: `A.reversedBy == B` exactly when `B.reverses == A`, each document is
///    reversed at most once, and a reversal mirrors its original (opposite amounts per account).
/// 5. Open items: per open-item-managed account (customer, vendor, or G/L account with open-item
///    management), the account balance equals the sum of its open items.
/// 6. Clearings: every cleared item names a clearing document that exists, and the items cleared
///    by one clearing document (in it and in the documents it cleared) sum to zero per account;
///    so a clearing, a reversal clearing its original and a reset clearing all leave nothing behind.
public enum LedgerVerifier {
    /// One broken invariant, as a sentence for the operator.
    public struct Breach: Sendable, Hashable, CustomStringConvertible {
        public var invariant: String
        public var detail: String
        public var description: String { "\(invariant): \(detail)" }
    }

    /// What was checked, and what was found.
    public struct Report: Sendable {
        public var documents = 0
        public var companyCodes = 0
        public var openItemAccounts = 0
        public var breaches: [Breach] = []
    }

    public static func verify(_ entries: [StoredJournalEntry], masterData: MasterData) -> Report {
        var report = Report()
        report.documents = entries.count
        func breach(_ invariant: String, _ detail: String) { report.breaches.append(Breach(invariant: invariant, detail: detail)) }
        let byKey = Dictionary(entries.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        if byKey.count != entries.count { breach("unique keys", "\(entries.count - byKey.count) document keys occur twice") }

        var trialBalance: [String: DecimalAmount] = [:]
        var numbers: [String: [Int64]] = [:]
        var accountBalance: [String: DecimalAmount] = [:]
        var openItemSum: [String: DecimalAmount] = [:]
        var clearedSum: [DocumentKey: [String: DecimalAmount]] = [:]
        for entry in entries {
            let transaction = entry.lines.reduce(DecimalAmount.zero) { $0 + $1.amountInTransactionCurrency }
            let local = entry.lines.reduce(DecimalAmount.zero) { $0 + $1.amountInCompanyCodeCurrency }
            if transaction != .zero || local != .zero {
                breach("documents balance", "\(entry.key) sums to \(transaction) \(entry.plan.transactionCurrency) / \(local) \(entry.plan.companyCodeCurrency)")
            }
            trialBalance[entry.key.companyCode, default: .zero] += local
            let range = masterData.documentTypes[entry.plan.documentType]?.numberRange ?? "?"
            if let number = Int64(entry.key.documentNumber) {
                numbers["\(entry.key.companyCode)/\(entry.key.fiscalYear)/\(range)", default: []].append(number)
            } else {
                breach("gapless numbers", "\(entry.key) has a document number that is not a number")
            }
            for line in entry.lines where line.openItemState != .notManaged {
                let account = "\(entry.key.companyCode)/\(line.accountType.rawValue)/\(line.businessPartner ?? line.glAccount)"
                accountBalance[account, default: .zero] += line.amountInCompanyCodeCurrency
                if line.openItemState == .open { openItemSum[account, default: .zero] += line.amountInCompanyCodeCurrency }
                if line.openItemState == .cleared {
                    if let clearing = line.clearingDocument {
                        clearedSum[clearing, default: [:]][account, default: .zero] += line.amountInCompanyCodeCurrency
                    } else {
                        breach("clearings", "item \(line.lineNumber) of \(entry.key) is cleared but names no clearing document")
                    }
                }
            }
            // Reversal links, both ways.
            if let original = entry.reverses {
                if let reversed = byKey[original] {
                    if reversed.reversedBy != entry.key {
                        breach("reversal links", "\(entry.key) reverses \(original), which names \(reversed.reversedBy.map { "\($0)" } ?? "no reversal")")
                    }
                    if !mirrors(entry, reversed) { breach("reversal links", "\(entry.key) does not mirror the document it reverses, \(original)") }
                } else {
                    breach("reversal links", "\(entry.key) reverses \(original), which does not exist")
                }
            }
            if let reversal = entry.reversedBy, byKey[reversal]?.reverses != entry.key {
                breach("reversal links", "\(entry.key) names \(reversal) as its reversal, which does not reverse it")
            }
        }
        report.companyCodes = trialBalance.count
        for (companyCode, balance) in trialBalance.sorted(by: { $0.key < $1.key }) where balance != .zero {
            breach("trial balance", "company code \(companyCode) sums to \(balance), not zero")
        }
        for (range, used) in numbers.sorted(by: { $0.key < $1.key }) {
            let parts = range.split(separator: "/")
            let first = masterData.companyCodes[String(parts[0])]?.numberRanges[String(parts[2])]?.first ?? (used.min() ?? 0)
            let sorted = used.sorted()
            let expected = Array(first..<(first + Int64(sorted.count)))
            if sorted != expected {
                let missing = Set(expected).subtracting(sorted).sorted().prefix(5).map(String.init)
                breach("gapless numbers", "range \(range): \(sorted.count) documents, not numbered \(first)…; missing \(missing.joined(separator: ", "))")
            }
        }
        report.openItemAccounts = accountBalance.count
        for (account, balance) in accountBalance.sorted(by: { $0.key < $1.key }) where balance != (openItemSum[account] ?? .zero) {
            breach("open items", "account \(account) has balance \(balance) but its open items sum to \(openItemSum[account] ?? .zero)")
        }
        for (clearing, sums) in clearedSum.sorted(by: { $0.key < $1.key }) {
            if byKey[clearing] == nil { breach("clearings", "items are cleared by \(clearing), which does not exist") }
            for (account, sum) in sums.sorted(by: { $0.key < $1.key }) where sum != .zero {
                breach("clearings", "the items \(clearing) clears on account \(account) sum to \(sum), not zero")
            }
        }
        return report
    }

    /// Whether `reversal` has, per account and partner, the opposite amounts of `original`.
    static func mirrors(_ reversal: StoredJournalEntry, _ original: StoredJournalEntry) -> Bool {
        func totals(_ entry: StoredJournalEntry, negated: Bool) -> [String: DecimalAmount] {
            var totals: [String: DecimalAmount] = [:]
            for line in entry.lines {
                let amount = negated ? -line.amountInTransactionCurrency : line.amountInTransactionCurrency
                totals["\(line.accountType.rawValue)/\(line.glAccount)/\(line.businessPartner ?? "")", default: .zero] += amount
            }
            return totals
        }
        return totals(reversal, negated: false) == totals(original, negated: true)
    }
}
