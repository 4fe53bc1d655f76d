import Ledger
import LedgerStoreConformance
import Testing

/// The verifier finds each kind of breach it is there for (so that "no breaches" means something).
@Suite("Ledger verifier")
struct LedgerVerifierTests {
    /// Four posted documents of a healthy in-memory ledger: the second reverses the first (and
    /// clears its customer item), the fourth has an open customer item.
    func healthyLedger() async throws -> (entries: [StoredJournalEntry], fixture: ConformanceFixture) {
        let fixture = try ConformanceFixture(store: InMemoryLedgerStore())
        let draft = fixture.draft(withCustomer: true)
        let original = try await fixture.post(try fixture.plan(draft))
        _ = try await fixture.post(try fixture.plan(fixture.reversal(of: draft, key: original)))
        _ = try await fixture.post(try fixture.plan())
        _ = try await fixture.post(try fixture.plan(fixture.customerDraft(amount: "42.00")))
        let entries = try await fixture.allEntries()
        #expect(LedgerVerifier.verify(entries, masterData: fixture.masterData).breaches.isEmpty)
        return (entries, fixture)
    }

    @Test("an unbalanced document breaks the document balance and the trial balance")
    func unbalanced() async throws {
        var (entries, fixture) = try await healthyLedger()
        entries[2].lines[0].amountInTransactionCurrency += DecimalAmount(parsing: "0.01")!
        entries[2].lines[0].amountInCompanyCodeCurrency += DecimalAmount(parsing: "0.01")!
        let invariants = LedgerVerifier.verify(entries, masterData: fixture.masterData).breaches.map(\.invariant)
        #expect(invariants == ["documents balance", "trial balance"])
    }

    @Test("a missing number breaks gapless numbering")
    func gap() async throws {
        let (entries, fixture) = try await healthyLedger()
        let breaches = LedgerVerifier.verify([entries[0], entries[2]], masterData: fixture.masterData).breaches
        #expect(breaches.map(\.invariant).contains("gapless numbers"), "\(breaches)")
    }

    @Test("a one-sided reversal link, or a reversal that does not mirror, breaks the reversal links")
    func reversalLinks() async throws {
        var (entries, fixture) = try await healthyLedger()
        entries[0].reversedBy = nil
        #expect(LedgerVerifier.verify(entries, masterData: fixture.masterData).breaches.map(\.invariant) == ["reversal links"])
        var (mirrorBroken, _) = try await healthyLedger()
        mirrorBroken[1].lines.swapAt(0, 1)
        mirrorBroken[1].lines[0].glAccount = "65000000"
        mirrorBroken[1].lines[1].glAccount = "11001000"
        let breaches = LedgerVerifier.verify(mirrorBroken, masterData: fixture.masterData).breaches
        #expect(breaches.contains { $0.invariant == "reversal links" && $0.detail.contains("does not mirror") }, "\(breaches)")
    }

    @Test("an open item marked cleared without its counterpart breaks the open-item balance and the clearing")
    func openItems() async throws {
        var (entries, fixture) = try await healthyLedger()
        guard let index = entries[3].lines.firstIndex(where: { $0.openItemState == .open }) else {
            Issue.record("the fixture has an open customer line")
            return
        }
        entries[3].lines[index].openItemState = .cleared
        entries[3].lines[index].clearingDocument = entries[3].key
        let breaches = LedgerVerifier.verify(entries, masterData: fixture.masterData).breaches
        #expect(breaches.map(\.invariant) == ["open items", "clearings"], "\(breaches)")
    }

    @Test("a cleared item naming a clearing document that does not exist breaks the clearings")
    func clearingMissing() async throws {
        var (entries, fixture) = try await healthyLedger()
        guard let index = entries[0].lines.firstIndex(where: { $0.openItemState == .cleared }) else {
            Issue.record("the reversed document's customer item is cleared")
            return
        }
        entries[0].lines[index].clearingDocument = DocumentKey(companyCode: "1010", fiscalYear: 2025, documentNumber: "0100009999")
        let breaches = LedgerVerifier.verify(entries, masterData: fixture.masterData).breaches
        #expect(!breaches.isEmpty && breaches.allSatisfy { $0.invariant == "clearings" }, "\(breaches)")
        #expect(breaches.contains { $0.detail.contains("does not exist") }, "\(breaches)")
    }
}
