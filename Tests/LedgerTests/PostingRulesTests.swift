import Ledger
import Testing

/// One test per posting rule, checked by SAP `TypeID` (`702(F5)`) and text.
@Suite("PostingRules")
struct PostingRulesTests {
    let rules: PostingRules

    init() throws {
        rules = try Demo.rules()
    }

    private func check(_ draft: JournalEntryDraft, as authorization: PostingAuthorization = Demo.everyCompanyCode)
        -> Result<PostingPlan, PostingRejection>
    {
        rules.check(draft, authorization: authorization)
    }

    private func customRules(_ change: (inout MasterDataDefinition) throws -> Void) throws -> PostingRules {
        var definition = try Demo.definition()
        try change(&definition)
        return PostingRules(masterData: try MasterData(definition: definition))
    }

    // MARK: Success

    @Test("a balanced G/L document becomes a plan with signed amounts, periods and the document type's number range")
    func balancedDocument() throws {
        var draft = rentDraft()
        draft.documentHeaderText = "Office rent"
        draft.documentReferenceID = "INV-1"
        let plan = try #require(check(draft).plan)
        #expect(plan.companyCode == "1010")
        #expect(plan.fiscalYear == 2025)
        #expect(plan.fiscalPeriod == 3)
        #expect(plan.documentType == "SA")
        #expect(plan.numberRange == "01")
        #expect(plan.transactionCurrency == "EUR")
        #expect(plan.companyCodeCurrency == "EUR")
        #expect(plan.documentHeaderText == "Office rent")
        #expect(plan.documentReferenceID == "INV-1")
        #expect(plan.lines.map(\.lineNumber) == [1, 2])
        #expect(plan.lines.map(\.glAccount) == ["65000000", "11001000"])
        #expect(plan.lines.map(\.debitCredit) == [.debit, .credit])
        #expect(plan.lines.map(\.amountInTransactionCurrency) == [dec("100"), dec("-100")])
        #expect(plan.lines.map(\.amountInCompanyCodeCurrency) == [dec("100"), dec("-100")])
        #expect(plan.lines.allSatisfy { $0.accountType == .glAccount && !$0.isTaxLine && $0.openItemState == .notManaged })
    }

    @Test("G/L accounts with leading zeros are posted to their canonical number")
    func leadingZeros() throws {
        let draft = makeDraft(items: [glItem("0065000000", "10"), glItem("0011001000", "-10")])
        let plan = try #require(check(draft).plan)
        #expect(plan.lines.map(\.glAccount) == ["65000000", "11001000"])
    }

    // MARK: Balance

    @Test("an unbalanced document is rejected with 702(F5) and the balance in the currency's decimals")
    func balance() {
        let result = check(makeDraft(items: [glItem("65000000", "100"), glItem("11001000", "-90")]))
        #expect(result.typeIDs == ["702(F5)"])
        #expect(result.messages.first?.text == "Balance in transaction currency 10.00 EUR")
        #expect(result.messages.first?.severity == .error)

        let negative = check(makeDraft(items: [glItem("65000000", "90"), glItem("11001000", "-100.5")]))
        #expect(negative.messages.map(\.text) == ["Balance in transaction currency -10.50 EUR"])
    }

    @Test("the 702(F5) balance of a JPY document has no decimals")
    func balanceInJPY() {
        let result = check(makeDraft(items: [glItem("65000000", "1000", "JPY"), glItem("11001000", "-900", "JPY")]))
        #expect(result.typeIDs == ["702(F5)"])
        #expect(result.messages.first?.text == "Balance in transaction currency 100 JPY")
    }

    // MARK: Organisation and authorization

    @Test("an unknown company code is rejected with 001(FH)")
    func companyCode() {
        let result = check(rentDraft(companyCode: "9999"))
        #expect(result.typeIDs == ["001(FH)"])
        #expect(result.messages.first?.text == "Company code 9999 not defined")
    }

    @Test("a user without authorization for the company code gets 019(JGW)")
    func authorization() throws {
        let usPoster = PostingAuthorization(userName: "US_POSTER", companyCodes: ["1710"])
        let result = check(rentDraft(), as: usPoster)
        #expect(result.typeIDs == ["019(JGW)"])
        #expect(result.messages.first?.text == "User US_POSTER is not authorized to post in company code 1010")
        #expect(check(rentDraft(companyCode: "1710"), as: usPoster).plan != nil)
        #expect(usPoster.mayPost(in: "1710") && !usPoster.mayPost(in: "1010"))
        #expect(Demo.everyCompanyCode.mayPost(in: "anything"))
    }

    // MARK: Accounts and partners

    @Test("a G/L account missing from the chart of accounts is rejected with 507(F5)")
    func accountNotInChart() {
        let result = check(makeDraft(items: [glItem("0099999999", "10"), glItem("11001000", "-10")]))
        #expect(result.typeIDs == ["507(F5)"])
        #expect(result.messages.first?.text == "G/L account 99999999 is not defined in chart of accounts YCOA")
    }

    @Test("a chart account that does not exist in the company code is rejected with 016(JGW)")
    func accountNotInCompanyCode() throws {
        let rules = try customRules { definition in
            definition.companyCodes[1].accounts = definition.chartsOfAccounts[0].accounts.map(\.number).filter { $0 != "65000000" }
        }
        let result = rules.check(rentDraft(companyCode: "1710"), authorization: Demo.everyCompanyCode)
        #expect(result.typeIDs == ["016(JGW)"])
        #expect(result.messages.first?.text == "G/L account 65000000 is not defined in company code 1710")
        #expect(rules.check(rentDraft(companyCode: "1010"), authorization: Demo.everyCompanyCode).plan != nil)
    }

    @Test("a customer not assigned to the company code is rejected with 102(F5)")
    func customerNotInCompanyCode() {
        let result = check(makeDraft(items: [customerItem("17100001", "100"), glItem("41000000", "-100")]))
        #expect(result.typeIDs == ["102(F5)"])
        #expect(result.messages.first?.text == "Customer 17100001 is not defined in company code 1010")
        let unknown = check(makeDraft(items: [customerItem("0000000042", "100"), glItem("41000000", "-100")]))
        #expect(unknown.messages.map(\.text) == ["Customer 42 is not defined in company code 1010"])
    }

    @Test("a vendor not assigned to the company code is rejected with 104(F5)")
    func vendorNotInCompanyCode() {
        let result = check(makeDraft(items: [glItem("65000000", "100"), vendorItem("17300001", "-100")]))
        #expect(result.typeIDs == ["104(F5)"])
        #expect(result.messages.first?.text == "Vendor 17300001 is not defined in company code 1010")
    }

    @Test("posting directly to a reconciliation account is rejected with 354(F5)", arguments: ["12100000", "0021100000"])
    func reconciliationAccount(account: String) {
        let result = check(makeDraft(items: [glItem(account, "100"), glItem("11001000", "-100")]))
        #expect(result.typeIDs == ["354(F5)"])
        let canonical = MasterData.canonicalNumber(account)
        #expect(result.messages.first?.text == "Account \(canonical) in company code 1010 cannot be directly posted to")
    }

    @Test("customer and vendor lines post to their reconciliation accounts and are open items")
    func partnerLines() throws {
        let invoice = makeDraft(
            documentType: "DR",
            items: [glItem("41000000", "-1000"), customerItem("0010100001", "1190"), taxItem("A1", "-190", base: "-1000")])
        let plan = try #require(check(invoice).plan)
        #expect(plan.numberRange == "18")
        let customer = plan.lines[1]
        #expect(customer.accountType == .customer)
        #expect(customer.glAccount == "12100000")
        #expect(customer.businessPartner == "10100001")
        #expect(customer.openItemState == .open)
        #expect(customer.debitCredit == .debit)
        #expect(plan.lines[0].openItemState == .notManaged)
        let tax = plan.lines[2]
        #expect(tax.isTaxLine && tax.glAccount == "22000000" && tax.taxCode == "A1" && tax.taxBaseAmount == dec("-1000"))

        let bill = makeDraft(
            documentType: "KR", items: [glItem("65000000", "1000"), vendorItem("10300002", "-1190"), taxItem("V1", "190", base: "1000")])
        let vendorPlan = try #require(check(bill).plan)
        #expect(vendorPlan.lines[1].accountType == .vendor)
        #expect(vendorPlan.lines[1].glAccount == "21100000")
        #expect(vendorPlan.lines[1].businessPartner == "10300002")
        #expect(vendorPlan.lines[1].openItemState == .open)
        #expect(vendorPlan.lines[1].debitCredit == .credit)
        #expect(vendorPlan.lines[2].glAccount == "15400000")
    }

    @Test("the GR/IR clearing account 21900000 is open-item managed")
    func openItemManagedGLAccount() throws {
        let plan = try #require(check(makeDraft(items: [glItem("21900000", "50"), glItem("11001000", "-50")])).plan)
        #expect(plan.lines.map(\.openItemState) == [.open, .notManaged])
        #expect(plan.lines[0].accountType == .glAccount)
    }

    @Test("an alternative reconciliation account must be a reconciliation account of the partner's kind (011(JGW))")
    func alternativeReconciliationAccount() throws {
        var good = customerItem("10100001", "100")
        good.kind = .customer("10100001", alternativeReconciliationAccount: "0012100000")
        #expect(try #require(check(makeDraft(items: [good, glItem("41000000", "-100")])).plan).lines[0].glAccount == "12100000")

        var bad = customerItem("10100001", "100")
        bad.kind = .customer("10100001", alternativeReconciliationAccount: "21100000")
        let result = check(makeDraft(items: [bad, glItem("41000000", "-100")]))
        #expect(result.typeIDs == ["011(JGW)"])
        #expect(result.messages.first?.text == "Account 21100000 is not a reconciliation account for customer accounts in company code 1010")
    }

    // MARK: Periods

    @Test("a posting date in a closed period is rejected with 201(F5)")
    func closedPeriod() {
        let result = check(rentDraft(postingDate: "2023-01-15"))
        #expect(result.typeIDs == ["201(F5)"])
        #expect(result.messages.first?.text == "Posting period 001 2023 is not open")
    }

    @Test("a PostingFiscalPeriod that does not match the posting date is rejected with 002(JGW)")
    func periodMismatch() {
        var draft = rentDraft(postingDate: "2025-03-01")
        draft.postingFiscalPeriod = 4
        let result = check(draft)
        #expect(result.typeIDs == ["002(JGW)"])
        #expect(result.messages.first?.text == "Posting period 4 does not match posting date 2025-03-01")
    }

    @Test("a PostingFiscalPeriod equal to the posting month is accepted")
    func periodMatch() throws {
        var draft = rentDraft(postingDate: "2025-03-01")
        draft.postingFiscalPeriod = 3
        #expect(try #require(check(draft).plan).fiscalPeriod == 3)
    }

    @Test("special periods 13 to 16 are accepted for December postings", arguments: 12...16)
    func specialPeriods(period: Int) throws {
        var draft = rentDraft(postingDate: "2025-12-31")
        draft.postingFiscalPeriod = period
        let plan = try #require(check(draft).plan)
        #expect(plan.fiscalPeriod == period)
        #expect(plan.fiscalYear == 2025)
    }

    @Test("special periods are refused outside December, and 17 is never a period", arguments: [("2025-11-30", 13), ("2025-01-31", 16), ("2025-12-31", 17), ("2025-12-31", 0)])
    func specialPeriodsOutsideDecember(date: String, period: Int) {
        var draft = rentDraft(postingDate: date)
        draft.postingFiscalPeriod = period
        let result = check(draft)
        #expect(result.typeIDs == ["002(JGW)"])
        #expect(result.messages.first?.text == "Posting period \(period) does not match posting date \(date)")
    }

    @Test("a closed special period is reported with its three-digit number")
    func closedSpecialPeriod() throws {
        let rules = try customRules { definition in
            definition.openPostingPeriods[0].toYear = 2025
            definition.openPostingPeriods[0].toPeriod = 12
        }
        var draft = rentDraft(postingDate: "2025-12-31")
        draft.postingFiscalPeriod = 13
        let result = rules.check(draft, authorization: Demo.everyCompanyCode)
        #expect(result.messages.map(\.description) == ["201(F5) Posting period 013 2025 is not open"])
    }

    // MARK: Document types and numbering

    @Test("an unknown document type is rejected with 017(JGW)")
    func unknownDocumentType() {
        let result = check(rentDraft(documentType: "ZZ"))
        #expect(result.typeIDs == ["017(JGW)"])
        #expect(result.messages.first?.text == "Document type ZZ is not defined")
    }

    @Test(
        "an account type the document type does not allow is rejected with 018(JGW)",
        arguments: [("DR", "K"), ("KR", "D"), ("DZ", "K"), ("KZ", "D")])
    func accountTypeNotAllowed(documentType: String, accountType: String) {
        let partner = accountType == "K" ? vendorItem("10300001", "-100") : customerItem("10100001", "-100")
        let result = check(makeDraft(documentType: documentType, items: [glItem("65000000", "100"), partner]))
        #expect(result.typeIDs == ["018(JGW)"])
        #expect(result.messages.first?.text == "Account type \(accountType) is not allowed for document type \(documentType)")
    }

    @Test("an external document number is rejected with 004(JGW)")
    func externalNumber() {
        var draft = rentDraft()
        draft.externalDocumentNumber = "0100000001"
        let result = check(draft)
        #expect(result.typeIDs == ["004(JGW)"])
        #expect(result.messages.first?.text == "Document number 0100000001 not allowed: document type SA uses internal numbering")
    }

    // MARK: Currencies and amounts

    @Test("an unknown document currency is rejected once with 816(F5)")
    func unknownCurrency() {
        let result = check(makeDraft(items: [glItem("65000000", "100", "XXX"), glItem("11001000", "-100", "XXX")]))
        #expect(result.typeIDs == ["816(F5)"])
        #expect(result.messages.first?.text == "Currency code XXX not defined")
    }

    @Test("an unknown currency on a later item is rejected with 816(F5) for that item")
    func unknownCurrencyOnItem() {
        let result = check(makeDraft(items: [glItem("65000000", "100"), glItem("11001000", "-100", "XXX")]))
        #expect(result.messages.map(\.description) == ["816(F5) Currency code XXX not defined"])
    }

    @Test("items in different known currencies are rejected with 009(JGW)")
    func mixedCurrencies() {
        let result = check(makeDraft(items: [glItem("65000000", "100"), glItem("11001000", "-100", "USD")]))
        #expect(result.typeIDs == ["009(JGW)"])
        #expect(result.messages.first?.text == "Item 2: currency USD differs from the document currency EUR")
    }

    @Test("an amount whose sign contradicts its DebitCreditCode is rejected with 005(JGW)", arguments: [("100", "H"), ("-100", "S")])
    func signVersusCode(amount: String, code: String) {
        let other = amount.hasPrefix("-") ? "100" : "-100"
        let result = check(makeDraft(items: [glItem("65000000", amount, code: code), glItem("11001000", other)]))
        #expect(result.typeIDs == ["005(JGW)"])
        #expect(result.messages.first?.text.hasPrefix("Item 1: amount \(dec(amount).description) does not match debit/credit code \(code)") == true)
    }

    @Test("a DebitCreditCode that matches the sign is accepted and used")
    func matchingCode() throws {
        let plan = try #require(check(makeDraft(items: [glItem("65000000", "100", code: "S"), glItem("11001000", "-100", code: "H")])).plan)
        #expect(plan.lines.map(\.debitCredit) == [.debit, .credit])
    }

    @Test("a DebitCreditCode other than S or H is rejected with 006(JGW)")
    func invalidCode() {
        let result = check(makeDraft(items: [glItem("65000000", "100", code: "X"), glItem("11001000", "-100")]))
        #expect(result.typeIDs == ["006(JGW)"])
        #expect(result.messages.first?.text == "Item 1: debit/credit code X is not S or H")
    }

    @Test("more than 999 items are rejected with 727(F5) and nothing else about the items")
    func tooManyItems() {
        var items = (0..<999).map { _ in glItem("65000000", "1") }
        items.append(glItem("11001000", "-999"))
        let result = check(makeDraft(items: items))
        #expect(result.typeIDs == ["727(F5)"])
        #expect(result.messages.first?.text == "Maximum number of items in FI reached")
    }

    @Test("exactly 999 items are accepted")
    func maximumItems() throws {
        var items = (0..<998).map { _ in glItem("65000000", "1") }
        items.append(glItem("11001000", "-998"))
        let plan = try #require(check(makeDraft(items: items)).plan)
        #expect(plan.lines.count == 999)
        #expect(plan.lines.last?.lineNumber == 999)
    }

    @Test("a document without items is rejected with 007(JGW)")
    func noItems() {
        #expect(check(makeDraft(items: [])).messages.map(\.description) == ["007(JGW) The journal entry has no line items"])
    }

    @Test(
        "more decimals than the currency allows are rejected with 008(JGW)",
        arguments: [("100.001", "EUR", "2"), ("100.5", "JPY", "0"), ("0.000001", "USD", "2")])
    func tooManyDecimals(amount: String, currency: String, decimals: String) {
        let result = check(makeDraft(items: [glItem("65000000", amount, currency), glItem("11001000", "-" + amount, currency)]))
        #expect(result.typeIDs == ["008(JGW)", "008(JGW)"])
        #expect(result.messages.first?.text == "Item 1: amount \(amount) has more decimal places than currency \(currency) allows (\(decimals))")
    }

    @Test("trailing zeros do not count as decimals, and whole JPY amounts are fine")
    func trailingZeros() throws {
        #expect(check(makeDraft(items: [glItem("65000000", "100.000"), glItem("11001000", "-100.0000")])).plan != nil)
        let yen = try #require(check(makeDraft(items: [glItem("65000000", "10000", "JPY"), glItem("11001000", "-10000", "JPY")])).plan)
        #expect(yen.lines.map(\.amountInCompanyCodeCurrency) == [dec("61"), dec("-61")])
    }

    @Test("an amount beyond SAP's range is rejected with 012(JGW)")
    func amountTooLarge() {
        let huge = "10000000000000000000000"
        let result = check(makeDraft(items: [glItem("65000000", huge), glItem("11001000", "-" + huge)]))
        #expect(result.typeIDs == ["012(JGW)", "012(JGW)"])
        #expect(result.messages.first?.text == "Item 1: amount \(huge) exceeds the allowed range")
    }

    // MARK: Tax

    @Test("an unknown tax code on a ProductTaxItem is rejected with 101(FF)")
    func unknownTaxCodeOnTaxItem() {
        let result = check(
            makeDraft(
                documentType: "DR",
                items: [glItem("41000000", "-1000"), customerItem("10100001", "1190"), taxItem("ZZ", "-190", base: "-1000")]))
        #expect(result.typeIDs == ["101(FF)"])
        #expect(result.messages.first?.text == "Tax code ZZ is not defined; check your entry")
    }

    @Test("an unknown tax code in Item/Tax is rejected with 101(FF)")
    func unknownTaxCodeOnGLItem() {
        var revenue = glItem("41000000", "-100")
        revenue.taxCode = "ZZ"
        let result = check(makeDraft(items: [revenue, glItem("11001000", "100")]))
        #expect(result.messages.map(\.description) == ["101(FF) Tax code ZZ is not defined; check your entry"])
    }

    @Test("tax codes belong to a company code: A1 is unknown in 1710")
    func taxCodePerCompanyCode() {
        let result = check(
            makeDraft(
                companyCode: "1710",
                items: [glItem("41000000", "-100", "USD"), glItem("11001000", "119", "USD"), taxItem("A1", "-19", base: "-100", "USD")]))
        #expect(result.typeIDs == ["101(FF)"])
    }

    @Test("with DoTaxAmountCheck a deviating tax amount is rejected with 707(FF)")
    func taxDeviation() {
        var draft = makeDraft(
            documentType: "DR", items: [glItem("41000000", "-1000"), customerItem("10100001", "1189"), taxItem("A1", "-189", base: "-1000")])
        draft.doTaxAmountCheck = true
        let result = check(draft)
        #expect(result.typeIDs == ["707(FF)"])
        #expect(result.messages.first?.text == "Tax entered incorrect (code A1, amount 189.00), correct 190.00 EUR")

        draft.doTaxAmountCheck = false
        #expect(check(draft).plan != nil, "without the flag the tax amount is the client's business")
    }

    @Test("with DoTaxAmountCheck an exactly matching (rounded) tax amount is accepted", arguments: [("1000", "190"), ("33.33", "6.33"), ("0.50", "0.10")])
    func taxExact(base: String, tax: String) throws {
        let total = (dec(base) + dec(tax)).formatted(fractionDigits: 2)
        var draft = makeDraft(
            documentType: "KR", items: [glItem("65000000", base), vendorItem("10300001", "-" + total), taxItem("V1", tax, base: base)])
        draft.doTaxAmountCheck = true
        let plan = try #require(check(draft).plan, "\(check(draft).messages)")
        #expect(plan.lines[2].isTaxLine)
    }

    /// Hawaii's general excise tax pass-on rate of 4.166 % on 62.53 USD is exactly 2.6049998 USD:
    /// 2.60 in cents. Rounding to six places first (2.605000) and then to cents gave 2.61.
    @Test("the expected tax is rounded once to the currency: 62.53 USD at 4.166 % is 2.60, not 2.61")
    func taxRoundedOnce() throws {
        let rules = try customRules { definition in
            let index = try #require(definition.companyCodes.firstIndex { $0.id == "1710" })
            definition.companyCodes[index].taxCodes = [
                try Demo.decode(MasterDataDefinition.TaxCode.self, #"{"code": "H4", "kind": "output", "rate": "4.166", "account": "22000000"}"#)
            ]
        }
        func taxDraft(_ tax: String) -> JournalEntryDraft {
            let total = (dec("62.53") + dec(tax)).formatted(fractionDigits: 2)
            var draft = makeDraft(
                companyCode: "1710", documentType: "DR",
                items: [glItem("41000000", "-62.53", "USD"), customerItem("17100001", total, "USD"), taxItem("H4", "-" + tax, base: "-62.53", "USD")])
            draft.doTaxAmountCheck = true
            return draft
        }
        let exact = rules.check(taxDraft("2.60"), authorization: Demo.everyCompanyCode)
        #expect(exact.plan != nil, "2.60 is the correct tax; got \(exact.messages.map(\.text))")

        let doubleRounded = rules.check(taxDraft("2.61"), authorization: Demo.everyCompanyCode)
        #expect(doubleRounded.typeIDs == ["707(FF)"])
        #expect(doubleRounded.messages.first?.text == "Tax entered incorrect (code H4, amount 2.61), correct 2.60 USD")
    }

    @Test("a withholding tax item is rejected with 015(JGW)")
    func withholdingTax() {
        var draft = rentDraft()
        draft.withholdingTaxItemCount = 1
        let result = check(draft)
        #expect(result.messages.map(\.description) == ["015(JGW) Withholding tax items are not supported by this gateway"])
    }

    @Test("an item in another company code is rejected with 014(JGW); the document's own company code is fine")
    func crossCompany() {
        var other = glItem("65000000", "100")
        other.companyCode = "1710"
        let result = check(makeDraft(items: [other, glItem("11001000", "-100")]))
        #expect(result.typeIDs == ["014(JGW)"])
        #expect(
            result.messages.first?.text
                == "Item 1: company code 1710 differs from document company code 1010; cross-company postings are not supported")

        var same = glItem("65000000", "100")
        same.companyCode = "1010"
        #expect(check(makeDraft(items: [same, glItem("11001000", "-100")])).plan != nil)
    }

    // MARK: Foreign currency

    @Test("USD in company code 1010 is converted with the configured rate (0.92)")
    func configuredRate() throws {
        let plan = try #require(check(makeDraft(items: [glItem("65000000", "100", "USD"), glItem("11001000", "-100", "USD")])).plan)
        #expect(plan.transactionCurrency == "USD")
        #expect(plan.companyCodeCurrency == "EUR")
        #expect(plan.lines.map(\.amountInTransactionCurrency) == [dec("100"), dec("-100")])
        #expect(plan.lines.map(\.amountInCompanyCodeCurrency) == [dec("92"), dec("-92")])
    }

    @Test("EUR in company code 1710 uses the EUR → USD rate, JPY in 1710 the JPY → USD rate")
    func configuredRatesOfUSCompany() throws {
        let euro = try #require(check(makeDraft(companyCode: "1710", items: [glItem("65000000", "100"), glItem("11001000", "-100")])).plan)
        #expect(euro.lines.map(\.amountInCompanyCodeCurrency) == [dec("108.7"), dec("-108.7")])
        let yen = try #require(
            check(makeDraft(companyCode: "1710", items: [glItem("65000000", "1000", "JPY"), glItem("11001000", "-1000", "JPY")])).plan)
        #expect(yen.lines.map(\.amountInCompanyCodeCurrency) == [dec("6.7"), dec("-6.7")])
    }

    @Test("the header ExchangeRate overrides the configured rate")
    func headerExchangeRate() throws {
        var draft = makeDraft(items: [glItem("65000000", "100", "USD"), glItem("11001000", "-100", "USD")])
        draft.exchangeRate = rate("0.9")
        #expect(try #require(check(draft).plan).lines.map(\.amountInCompanyCodeCurrency) == [dec("90"), dec("-90")])
        draft.indirectQuotedExchangeRate = rate("1.25")
        #expect(try #require(check(draft).plan).lines[0].amountInCompanyCodeCurrency == dec("90"), "ExchangeRate wins over the indirect rate")
    }

    @Test("the header IndirectQuotedExchangeRate divides")
    func indirectExchangeRate() throws {
        var draft = makeDraft(items: [glItem("65000000", "100", "USD"), glItem("11001000", "-100", "USD")])
        draft.indirectQuotedExchangeRate = rate("1.25")
        #expect(try #require(check(draft).plan).lines.map(\.amountInCompanyCodeCurrency) == [dec("80"), dec("-80")])
    }

    @Test("a header rate is ignored when the document is in the company code currency")
    func headerRateIgnoredInLocalCurrency() throws {
        var draft = rentDraft()
        draft.exchangeRate = rate("2")
        #expect(try #require(check(draft).plan).lines[0].amountInCompanyCodeCurrency == dec("100"))
    }

    @Test("a missing exchange rate is rejected once with 105(SG)")
    func missingRate() throws {
        let rules = try customRules { definition in
            definition.currencies.append(try Demo.decode(MasterDataDefinition.Currency.self, #"{"code": "GBP", "decimals": 2}"#))
        }
        let draft = makeDraft(items: [glItem("65000000", "100", "GBP"), glItem("65000000", "50", "GBP"), glItem("11001000", "-150", "GBP")])
        let result = rules.check(draft, authorization: Demo.everyCompanyCode)
        #expect(result.typeIDs == ["105(SG)"])
        #expect(result.messages.first?.text == "Enter rate GBP / EUR rate type M for 2025-03-01 in the system settings")
    }

    @Test("a rounding difference of converted amounts goes to the largest line so the company-code balance is zero")
    func roundingDifference() throws {
        // 10.05 USD × 0.92 = 9.246 → 9.25 (twice); −20.10 × 0.92 = −18.492 → −18.49: the lines sum to +0.01 EUR.
        let draft = makeDraft(items: [glItem("65000000", "10.05", "USD"), glItem("61000000", "10.05", "USD"), glItem("11001000", "-20.10", "USD")])
        let plan = try #require(check(draft).plan, "\(check(draft).messages)")
        #expect(plan.lines.map(\.amountInCompanyCodeCurrency) == [dec("9.25"), dec("9.25"), dec("-18.50")])
        #expect(plan.lines.reduce(DecimalAmount.zero) { $0 + $1.amountInCompanyCodeCurrency } == .zero)
        #expect(plan.lines.reduce(DecimalAmount.zero) { $0 + $1.amountInTransactionCurrency } == .zero)
    }

    @Test("rounding differences are absorbed for many generated foreign-currency documents", arguments: [5 as UInt64, 6])
    func roundingDifferenceProperty(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        for _ in 0..<200 {
            let count = Int(generator.next() % 12) + 2
            var cents: [Int128] = (0..<(count - 1)).map { _ in Int128(generator.next() % 1_000_000) + 1 }
            cents.append(-cents.reduce(0, +))
            let items = cents.enumerated().map { index, value in
                glItem(index == count - 1 ? "11001000" : "65000000", DecimalAmount(micros: value * 10_000).description, "USD")
            }
            var draft = makeDraft(items: items)
            draft.exchangeRate = ExchangeRateValue(scaled: Int128(generator.next() % 300_000_000_000_000) + 1)
            let plan = try #require(check(draft).plan, "\(check(draft).messages)")
            #expect(plan.lines.reduce(DecimalAmount.zero) { $0 + $1.amountInCompanyCodeCurrency } == .zero)
            #expect(plan.lines.allSatisfy { $0.amountInCompanyCodeCurrency.significantFractionDigits <= 2 })
        }
    }

    @Test("client-given company-code amounts that do not balance are rejected with 703(F5)")
    func givenLocalAmountsUnbalanced() {
        var debit = glItem("65000000", "100", "USD")
        debit.amountInCompanyCodeCurrency = CurrencyAmount(dec("92.00"), "EUR")
        var credit = glItem("11001000", "-100", "USD")
        credit.amountInCompanyCodeCurrency = CurrencyAmount(dec("-91.99"), "EUR")
        let result = check(makeDraft(items: [debit, credit]))
        #expect(result.typeIDs == ["703(F5)"])
        #expect(result.messages.first?.text == "Balance in local currency 0.01 EUR")
    }

    @Test("client-given company-code amounts that balance are posted as given")
    func givenLocalAmounts() throws {
        var debit = glItem("65000000", "100", "USD")
        debit.amountInCompanyCodeCurrency = CurrencyAmount(dec("91"), "EUR")
        var credit = glItem("11001000", "-100", "USD")
        credit.amountInCompanyCodeCurrency = CurrencyAmount(dec("-91"), "EUR")
        let plan = try #require(check(makeDraft(items: [debit, credit])).plan)
        #expect(plan.lines.map(\.amountInCompanyCodeCurrency) == [dec("91"), dec("-91")])
    }

    @Test("a company-code amount that differs from the amount in the same currency is rejected with 703(F5) in the currency's decimals")
    func givenLocalAmountDiffersInLocalCurrency() {
        var debit = glItem("65000000", "100.10")
        debit.amountInCompanyCodeCurrency = CurrencyAmount(dec("100.00"), "EUR")
        let result = check(makeDraft(items: [debit, glItem("11001000", "-100.10")]))
        #expect(result.messages.map(\.description) == ["703(F5) Balance in local currency -0.10 EUR"])
    }

    @Test("a tax base in another currency than the document is rejected with 009(JGW)")
    func taxBaseCurrency() {
        let result = check(
            makeDraft(
                documentType: "DR",
                items: [glItem("41000000", "-1000"), customerItem("10100001", "1190"), taxItem("A1", "-190", base: "-1000", "EUR")]
                    .enumerated().map { index, item in
                        guard index == 2 else { return item }
                        var tax = item
                        tax.kind = .tax(taxCode: "A1", base: CurrencyAmount(dec("-1000"), "USD"))
                        return tax
                    }))
        #expect(result.messages.map(\.description) == ["009(JGW) Item 3: currency USD differs from the document currency EUR"])
    }

    @Test("a client-given company-code amount in the wrong currency is rejected with 010(JGW)")
    func givenLocalAmountWrongCurrency() {
        var debit = glItem("65000000", "100", "USD")
        debit.amountInCompanyCodeCurrency = CurrencyAmount(dec("92"), "USD")
        let result = check(makeDraft(items: [debit, glItem("11001000", "-100", "USD")]))
        #expect(result.messages.map(\.description) == ["010(JGW) Item 1: amount in company code currency must be in EUR, not USD"])
    }

    // MARK: Several problems

    @Test("every problem is reported at once, header first, then items in document order")
    func allErrorsInDocumentOrder() {
        var draft = makeDraft(
            postingDate: "2023-01-15",
            items: [
                glItem("99999999", "100"), glItem("65000000", "100", code: "H"), vendorItem("17300001", "-200"), glItem("12100000", "0"),
            ])
        draft.externalDocumentNumber = "123"
        let result = check(draft)
        #expect(result.typeIDs == ["004(JGW)", "201(F5)", "507(F5)", "005(JGW)", "104(F5)", "354(F5)"])
        #expect(result.messages.allSatisfy { $0.severity == .error })
    }

    @Test("several problems of one item are all reported")
    func severalProblemsOfOneItem() {
        var item = glItem("99999999", "100.001", code: "H")
        item.companyCode = "1710"
        let result = check(makeDraft(items: [item, glItem("11001000", "-100")]))
        #expect(result.typeIDs == ["008(JGW)", "005(JGW)", "014(JGW)", "507(F5)"])
    }
}
