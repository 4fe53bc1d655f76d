import JournalEntryService
import Ledger
import SOAPCore
import Testing
import XMLCore

@Suite("BulkCreateRequestDecoder")
struct BulkCreateRequestDecoderTests {
    private func decode(_ xml: String) throws -> Result<BulkCreateRequest, BulkCreateRequestDecoder.DecodingProblems> {
        let envelope = try SOAPEnvelope.parse(xml)
        return BulkCreateRequestDecoder.decode(envelope.payload)
    }

    private func decoded(_ xml: String) throws -> BulkCreateRequest {
        try decode(xml).get()
    }

    @Test("the single-entry fixture decodes header fields and items exactly", arguments: ["create_single_soap11.xml", "create_single_soap12.xml"])
    func singleEntry(fixture: String) throws {
        let request = try decoded(try Repository.fixture(fixture))
        let ids = FixtureIDs.single(fixture)  // each single-entry fixture has its own message IDs
        #expect(request.messageHeader.id == ids.message)
        #expect(request.messageHeader.uuid == nil)
        #expect(request.messageHeader.creationDateTime == "2025-03-01T10:00:00Z")
        #expect(request.messageHeader.testDataIndicator == false)
        #expect(request.entries.count == 1)
        let entry = try #require(request.entries.first)
        #expect(entry.messageHeader.id == ids.entry)
        let draft = entry.draft
        #expect(draft.originalReferenceDocumentType == "BKPFF")
        #expect(draft.businessTransactionType == "RFBU")
        #expect(draft.documentType == "SA")
        #expect(draft.documentHeaderText == "Office rent March 2025")
        #expect(draft.createdByUser == "DEMO_USER")
        #expect(draft.companyCode == "1010")
        #expect(draft.documentDate == LedgerDate(year: 2025, month: 3, day: 1))
        #expect(draft.postingDate == LedgerDate(year: 2025, month: 3, day: 1))
        #expect(draft.postingFiscalPeriod == nil)
        #expect(draft.externalDocumentNumber == nil)
        #expect(draft.exchangeRate == nil)
        #expect(draft.doTaxAmountCheck == false)
        #expect(draft.withholdingTaxItemCount == 0)
        #expect(draft.items.count == 2)
        #expect(draft.items.map(\.kind) == [.glAccount("65000000"), .glAccount("11001000")])
        #expect(draft.items.map(\.amount) == [CurrencyAmount(DecimalAmount(micros: 100_000_000), "EUR"), CurrencyAmount(DecimalAmount(micros: -100_000_000), "EUR")])
        #expect(draft.items.map(\.debitCreditCode) == ["S", "H"])
        #expect(draft.items.map(\.referenceDocumentItem) == ["1", "2"])
        #expect(draft.items.map(\.itemText) == ["Office rent March 2025", "Bank transfer rent"])
        #expect(draft.items[1].valueDate == LedgerDate(year: 2025, month: 3, day: 1))
        #expect(draft.items[0].valueDate == nil)
    }

    @Test("the full fixture keeps G/L, debtor, creditor and tax items in document order with exact amounts")
    func fullEntries() throws {
        let request = try decoded(try Repository.fixture("create_full_soap11.xml"))
        #expect(request.messageHeader.id == "MSG-FIXTURE-FULL")
        #expect(request.messageHeader.uuid == "5f0e9b1d-2a3c-4d4e-9f8a-7b6c5d4e3f2a")
        #expect(request.entries.map(\.messageHeader.id) == ["SUB-FIXTURE-FULL-1", "SUB-FIXTURE-FULL-2"])
        #expect(request.entries.map(\.messageHeader.uuid) == ["6a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b", "7b2e1d3f-4c5e-4f60-9bac-1d2e3f4a5b6c"])

        let invoice = try #require(request.entries.first?.draft)
        #expect(invoice.documentType == "DR")
        #expect(invoice.documentReferenceID == "INV-2025-0001")
        #expect(
            invoice.items.map(\.kind) == [
                .glAccount("41000000"), .customer("10100001", alternativeReconciliationAccount: nil),
                .tax(taxCode: "A1", base: CurrencyAmount(DecimalAmount(micros: -1_000_000_000), "EUR")),
            ])
        #expect(invoice.items.map(\.amount.value) == [DecimalAmount(-1000), DecimalAmount(1190), DecimalAmount(-190)])
        #expect(invoice.items.map(\.amount.currency) == ["EUR", "EUR", "EUR"])
        #expect(invoice.items[0].taxCode == "A1", "Item/Tax/TaxCode")
        #expect(invoice.items[1].dueCalculationBaseDate == LedgerDate(year: 2025, month: 3, day: 1))
        #expect(invoice.items[1].netPaymentDays == 30)
        #expect(invoice.items.map(\.referenceDocumentItem) == ["2", "1", "3"])

        let bill = try #require(request.entries.last?.draft)
        #expect(bill.documentType == "KR")
        #expect(
            bill.items.map(\.kind) == [
                .glAccount("65000000"), .vendor("10300001", alternativeReconciliationAccount: nil),
                .tax(taxCode: "V1", base: CurrencyAmount(DecimalAmount(1000), "EUR")),
            ])
        #expect(bill.items.map(\.amount.value) == [DecimalAmount(1000), DecimalAmount(-1190), DecimalAmount(190)])
        #expect(bill.items[0].taxCode == "V1")
    }

    @Test("the decoded full fixture passes the demo posting rules")
    func fullEntriesPost() throws {
        let rules = PostingRules(masterData: try Repository.masterData())
        let request = try decoded(try Repository.fixture("create_full_soap11.xml"))
        for entry in request.entries {
            let result = rules.check(entry.draft, authorization: PostingAuthorization(userName: "INTEGRATION", companyCodes: nil))
            if case .failure(let rejection) = result { Issue.record("\(entry.messageHeader.id ?? "?"): \(rejection.messages)") }
        }
    }

    @Test("G/L, debtor and creditor numbers with leading zeros are kept raw (canonicalised later by the rules)")
    func leadingZerosKeptRaw() throws {
        let xml = try Repository.fixture("create_full_soap11.xml")
            .replacingFirst("<GLAccount>41000000</GLAccount>", with: "<GLAccount>0041000000</GLAccount>")
            .replacingFirst("<Debtor>10100001</Debtor>", with: "<Debtor>0010100001</Debtor>")
            .replacingFirst("<Creditor>10300001</Creditor>", with: "<Creditor>0010300001</Creditor>")
        let request = try decoded(xml)
        #expect(request.entries[0].draft.items[0].kind == .glAccount("0041000000"))
        #expect(request.entries[0].draft.items[1].kind == .customer("0010100001", alternativeReconciliationAccount: nil))
        #expect(request.entries[1].draft.items[1].kind == .vendor("0010300001", alternativeReconciliationAccount: nil))
    }

    @Test("items given out of XSD order still decode in XSD group order (G/L, debtor, creditor, tax)")
    func orderInsensitive() throws {
        let request = try decoded(try Repository.fixture("invalid_order.xml"))
        let kinds = try #require(request.entries.first?.draft.items.map(\.kind))
        let groups = kinds.map { kind -> Int in
            switch kind {
            case .glAccount: 0
            case .customer: 1
            case .vendor: 2
            case .tax: 3
            }
        }
        #expect(groups == groups.sorted())
    }

    @Test("TestDataIndicator on the bulk header is read as true for 'true' and '1'", arguments: ["true", "1", " true "])
    func testDataIndicator(value: String) throws {
        let xml = try Repository.fixture("create_single_soap11.xml")
            .replacingFirst("</CreationDateTime>", with: "</CreationDateTime><TestDataIndicator>\(value)</TestDataIndicator>")
        let request = try decoded(xml)
        #expect(request.messageHeader.testDataIndicator)
        #expect(request.entries.first?.messageHeader.testDataIndicator == false)
    }

    @Test("TestDataIndicator 'false' or '0' is false", arguments: ["false", "0"])
    func testDataIndicatorFalse(value: String) throws {
        let xml = try Repository.fixture("create_single_soap11.xml")
            .replacingFirst("</CreationDateTime>", with: "</CreationDateTime><TestDataIndicator>\(value)</TestDataIndicator>")
        #expect(try decoded(xml).messageHeader.testDataIndicator == false)
    }

    @Test("header currency-conversion, period and tax-check fields decode exactly")
    func optionalHeaderFields() throws {
        let xml = try Repository.fixture("create_single_soap11.xml")
            .replacingFirst(
                "<PostingDate>2025-03-01</PostingDate>",
                with: """
                    <PostingDate>2025-03-01</PostingDate><PostingFiscalPeriod>03</PostingFiscalPeriod>\
                    <ExchangeRate>1.08700000000001</ExchangeRate><IndirectQuotedExchangeRate>0.91996320147194</IndirectQuotedExchangeRate>
                    """)
            .replacingFirst(
                "<DocumentHeaderText>",
                with: "<AccountingDocument>0100000123</AccountingDocument><DocumentReferenceID>REF-1</DocumentReferenceID><DocumentHeaderText>")
            .replacingFirst("<CreatedByUser>", with: "<DoTaxAmountCheck>true</DoTaxAmountCheck><CreatedByUser>")
        #expect(try Repository.schema().validate(try SOAPEnvelope.parse(xml).payload).isEmpty)
        let request = try decoded(xml)
        let draft = try #require(request.entries.first?.draft)
        #expect(draft.postingFiscalPeriod == 3)
        #expect(draft.exchangeRate == ExchangeRateValue(scaled: 108_700_000_000_001))
        #expect(draft.indirectQuotedExchangeRate == ExchangeRateValue(scaled: 91_996_320_147_194))
        #expect(draft.externalDocumentNumber == "0100000123")
        #expect(draft.documentReferenceID == "REF-1")
        #expect(draft.doTaxAmountCheck)
    }

    @Test("item-level company code, company-code amount, assignment and account assignment decode")
    func optionalItemFields() throws {
        let xml = try Repository.fixture("create_single_soap11.xml")
            .replacingFirst(
                "<ReferenceDocumentItem>2</ReferenceDocumentItem>", with: "<ReferenceDocumentItem>2</ReferenceDocumentItem><CompanyCode>1010</CompanyCode>")
            .replacingFirst(
                "<AmountInTransactionCurrency currencyCode=\"EUR\">-100.00</AmountInTransactionCurrency>",
                with: "<AmountInTransactionCurrency currencyCode=\"EUR\">-100.00</AmountInTransactionCurrency>"
                    + "<AmountInCompanyCodeCurrency currencyCode=\"EUR\">-100.000</AmountInCompanyCodeCurrency>")
            .replacingFirst(
                "<DocumentItemText>Bank transfer rent</DocumentItemText>",
                with: "<DocumentItemText> Bank transfer rent </DocumentItemText><AssignmentReference>A-1</AssignmentReference>")
            .replacingFirst(
                "<ValueDate>2025-03-01</ValueDate>",
                with: "<ValueDate>2025-03-01</ValueDate><AccountAssignment><ProfitCenter>PC1</ProfitCenter><CostCenter>CC1</CostCenter></AccountAssignment>")
        #expect(try Repository.schema().validate(try SOAPEnvelope.parse(xml).payload).isEmpty)
        let item = try #require(try decoded(xml).entries.first?.draft.items.last)
        #expect(item.companyCode == "1010")
        #expect(item.amountInCompanyCodeCurrency == CurrencyAmount(DecimalAmount(-100), "EUR"))
        #expect(item.itemText == " Bank transfer rent ", "DocumentItemText is a string, not a token")
        #expect(item.assignmentReference == "A-1")
        #expect(item.profitCenter == "PC1")
        #expect(item.costCenter == "CC1")
    }

    @Test("amounts keep all six fractional digits exactly")
    func exactAmounts() throws {
        let xml = try Repository.fixture("create_single_soap11.xml")
            .replacingFirst(">100.00<", with: ">1234567890123456789012.123456<")
            .replacingFirst(">-100.00<", with: ">-0.000001<")
        let items = try #require(try decoded(xml).entries.first?.draft.items)
        #expect(items[0].amount.value == DecimalAmount(micros: 1_234_567_890_123_456_789_012_123_456))
        #expect(items[1].amount.value == DecimalAmount(micros: -1))
    }

    @Test(
        "an amount beyond SAP's range is an XMLIssue with the element's line, column and path",
        arguments: ["10000000000000000000000", "-10000000000000000000000.0", "99999999999999999999999"])
    func amountOutOfRange(amount: String) throws {
        let xml = try Repository.fixture("create_single_soap11.xml").replacingFirst(">100.00<", with: ">\(amount)<")
        let envelope = try SOAPEnvelope.parse(xml)
        // At most 24 digits: the system libxml2 (2.9.14) refuses longer xsd:decimal values outright.
        #expect(try Repository.schema().validate(envelope.payload).isEmpty, "the XSD itself accepts the amount")
        guard case .failure(let problems) = BulkCreateRequestDecoder.decode(envelope.payload) else {
            Issue.record("an out-of-range amount must not decode")
            return
        }
        let issue = try #require(problems.issues.first)
        #expect(problems.issues.count == 1)
        let position = try #require(xml.position(of: "<AmountInTransactionCurrency currencyCode=\"EUR\">\(amount)<"))
        #expect(issue.line == position.line)
        #expect(issue.column == position.column)
        #expect(issue.element == "AmountInTransactionCurrency")
        #expect(
            issue.path
                == "/soapenv:Envelope/soapenv:Body/sfin:JournalEntryBulkCreateRequest/JournalEntryCreateRequest/JournalEntry/Item[1]/AmountInTransactionCurrency"
        )
        #expect(issue.message.contains(amount))
    }

    @Test("the largest amount SAP allows decodes")
    func largestAmount() throws {
        let xml = try Repository.fixture("create_single_soap11.xml")
            .replacingFirst(">100.00<", with: ">9999999999999999999999.999999<")
            .replacingFirst(">-100.00<", with: ">-9999999999999999999999.999999<")
        let items = try #require(try decoded(xml).entries.first?.draft.items)
        #expect(items.map(\.amount.value) == [DecimalAmount.sapAmountLimit, -DecimalAmount.sapAmountLimit])
    }
}
