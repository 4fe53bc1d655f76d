import Ledger
import Testing

/// Which ledgers an entry goes into: every ledger of the company code for an ordinary posting,
/// the ledger group's for a posting by ledger (`JournalEntryBulkLedgerCreateRequest`), which
/// carries G/L items only and cannot be a reversal.
@Suite("PostingRules: ledgers and postings by ledger")
struct PostingByLedgerTests {
    let rules: PostingRules

    init() throws {
        rules = try Demo.rules()
    }

    private func check(_ draft: JournalEntryDraft) -> Result<PostingPlan, PostingRejection> {
        rules.check(draft, authorization: Demo.everyCompanyCode)
    }

    private func byLedger(_ group: String, _ draft: JournalEntryDraft = rentDraft()) -> JournalEntryDraft {
        var draft = draft
        draft.ledgerGroup = group
        return draft
    }

    /// A customer invoice: revenue, the customer line and output tax.
    private func customerInvoice() -> JournalEntryDraft {
        makeDraft(documentType: "DR", items: [glItem("41000000", "-1000"), customerItem("10100001", "1190"), taxItem("A1", "-190", base: "-1000")])
    }

    // MARK: Ordinary postings

    @Test(
        "an ordinary posting goes into every ledger of its company code, the leading ledger first",
        arguments: [("1010", ["0L", "2L"]), ("1710", ["0L", "2L", "3L"])])
    func ordinaryPosting(companyCode: String, ledgers: [String]) throws {
        let plan = try #require(check(rentDraft(companyCode: companyCode)).plan)
        #expect(plan.ledgerGroup == nil)
        #expect(plan.ledgers == ledgers)
    }

    @Test("with a definition without ledgers, an ordinary posting goes into the leading ledger 0L")
    func ordinaryPostingWithDefaults() throws {
        var definition = try Demo.definition()
        definition.ledgers = nil
        definition.ledgerGroups = nil
        let rules = PostingRules(masterData: try MasterData(definition: definition))
        let plan = try #require(rules.check(rentDraft(), authorization: Demo.everyCompanyCode).plan)
        #expect(plan.ledgers == ["0L"])
    }

    @Test("an ordinary posting keeps customer, vendor and tax lines")
    func ordinaryPostingWithPartners() throws {
        let plan = try #require(check(customerInvoice()).plan)
        #expect(plan.lines.map(\.accountType) == [.glAccount, .customer, .glAccount])
        #expect(plan.ledgers == ["0L", "2L"])
    }

    // MARK: Postings by ledger

    @Test(
        "a posting by ledger goes into the group's ledgers that its company code has",
        arguments: [
            ("0L", "1010", ["0L"]), ("2L", "1010", ["2L"]), ("3L", "1710", ["3L"]), ("2L3L", "1710", ["2L", "3L"]),
            ("2L3L", "1010", ["2L"]),
        ])
    func postingByLedger(group: String, companyCode: String, ledgers: [String]) throws {
        let plan = try #require(check(byLedger(group, rentDraft(companyCode: companyCode))).plan)
        #expect(plan.ledgerGroup == group)
        #expect(plan.ledgers == ledgers)
        #expect(plan.lines.map(\.glAccount) == ["65000000", "11001000"], "the lines are the same as in an ordinary posting")
    }

    @Test("an unknown ledger group is refused with 020(JGW)")
    func unknownLedgerGroup() {
        let result = check(byLedger("9L"))
        #expect(result.messages.map(\.description) == ["020(JGW) Ledger group 9L is not defined"])
    }

    @Test("ledger group ids are case-sensitive, as SAP stores them")
    func ledgerGroupCase() {
        #expect(check(byLedger("2l3l")).typeIDs == ["020(JGW)"])
    }

    @Test("a ledger group with no ledger in the company code is refused with 021(JGW)")
    func ledgerGroupNotInCompanyCode() {
        let result = check(byLedger("3L"))  // 3L is assigned to 1710 only
        #expect(result.messages.map(\.description) == ["021(JGW) No ledger of ledger group 3L is assigned to company code 1010"])
    }

    @Test("customer, vendor and tax items are refused in a posting by ledger with 022(JGW), one per item")
    func onlyGLItems() {
        let invoice = check(byLedger("0L", customerInvoice()))
        #expect(
            invoice.messages.map(\.description) == [
                "022(JGW) Item 2: customer items cannot be posted by ledger group 0L; only G/L account items can",
                "022(JGW) Item 3: tax items cannot be posted by ledger group 0L; only G/L account items can",
            ])
        let bill = check(
            byLedger("2L", makeDraft(documentType: "KR", items: [glItem("65000000", "100"), vendorItem("10300002", "-100")])))
        #expect(bill.messages.map(\.description) == ["022(JGW) Item 2: vendor items cannot be posted by ledger group 2L; only G/L account items can"])
    }

    @Test("a refused customer item is not checked further (an unknown customer gives no 102(F5) on top)")
    func refusedItemOnce() {
        let result = check(byLedger("0L", makeDraft(items: [glItem("65000000", "100"), customerItem("0000000042", "-100")])))
        #expect(result.typeIDs == ["022(JGW)"])
    }

    @Test(
        "reversal fields are refused in a posting by ledger with 023(JGW), one per field sent",
        arguments: [
            (nil, "010000000010102025", ["ReversalReferenceDocument"]), ("01", nil, ["ReversalReason"]),
            ("01", "010000000010102025", ["ReversalReason", "ReversalReferenceDocument"]),
        ] as [(String?, String?, [String])])
    func noReversal(reason: String?, reference: String?, fields: [String]) {
        var draft = byLedger("2L3L")
        draft.reversalReason = reason
        draft.reversalReferenceDocument = reference
        #expect(
            check(draft).messages.map(\.description)
                == fields.map { "023(JGW) \($0) is not supported when posting by ledger group 2L3L: such an entry cannot be a reversal" })
    }

    @Test("blank reversal fields count as not sent")
    func blankReversalFields() throws {
        var draft = byLedger("0L")
        draft.reversalReason = ""
        draft.reversalReferenceDocument = "  "
        #expect(try #require(check(draft).plan).ledgers == ["0L"])
    }

    @Test("every problem of a posting by ledger is reported at once: header fields first, then items in document order")
    func allProblemsAtOnce() {
        var draft = byLedger("9L", customerInvoice())
        draft.reversalReferenceDocument = "010000000010102025"
        draft.postingDate = day("2023-12-31")  // period closed
        #expect(check(draft).typeIDs == ["020(JGW)", "023(JGW)", "201(F5)", "022(JGW)", "022(JGW)"])
    }

    @Test("an unknown company code is reported alone, before the ledger group is looked at")
    func unknownCompanyCodeFirst() {
        #expect(check(byLedger("9L", rentDraft(companyCode: "9999"))).typeIDs == ["001(FH)"])
    }
}
