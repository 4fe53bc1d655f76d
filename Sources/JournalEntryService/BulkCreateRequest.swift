import Ledger
import XMLCore

/// The fields of a `MessageHeader` (SAP's `BusinessDocumentMessageHeader`) the gateway uses.
public struct MessageHeaderFields: Sendable, Hashable {
    public var id: String?
    public var uuid: String?
    public var referenceID: String?
    public var creationDateTime: String?
    public var testDataIndicator: Bool = false
    public var senderBusinessSystemID: String?
    public var recipientBusinessSystemID: String?

    public init() {}
}

/// A decoded `JournalEntryBulkCreateRequest`.
public struct BulkCreateRequest: Sendable {
    public var messageHeader: MessageHeaderFields
    public var entries: [Entry]

    /// One `JournalEntryCreateRequest`.
    public struct Entry: Sendable {
        public var messageHeader: MessageHeaderFields
        public var draft: JournalEntryDraft
    }
}

/// Turns an XSD-valid `JournalEntryBulkCreateRequest` or `JournalEntryBulkLedgerCreateRequest`
/// element into ``BulkCreateRequest`` (the by-ledger request has the same structure, with
/// `LedgerGroup` in each entry).
///
/// The XSD has already checked structure, order, lengths and lexical forms, so decoding only
/// reads; what the XSD cannot express (amounts beyond SAP's range, which libxml2 cannot check
/// with a facet) comes back as ``XMLIssue``s pointing at the element.
public enum BulkCreateRequestDecoder {
    public static func decode(_ root: XMLElement) -> Result<BulkCreateRequest, DecodingProblems> {
        var decoder = Decoder()
        var header = MessageHeaderFields()
        var entries: [BulkCreateRequest.Entry] = []
        root.forEachChildElement { child in
            switch child.field(BulkField.self) {
            case .messageHeader: header = decoder.messageHeader(child)
            case .journalEntryCreateRequest:
                var entryHeader = MessageHeaderFields()
                var draft: JournalEntryDraft?
                child.forEachChildElement { part in
                    switch part.field(BulkField.self) {
                    case .messageHeader: entryHeader = decoder.messageHeader(part)
                    case .journalEntry: draft = decoder.journalEntry(part)
                    default: break
                    }
                }
                if let draft { entries.append(.init(messageHeader: entryHeader, draft: draft)) }
            default: break
            }
        }
        guard decoder.issues.isEmpty else { return .failure(DecodingProblems(issues: decoder.issues)) }
        return .success(BulkCreateRequest(messageHeader: header, entries: entries))
    }

    /// Problems the XSD could not catch.
    public struct DecodingProblems: Error, Sendable {
        public var issues: [XMLIssue]
    }

    private struct Decoder {
        var issues: [XMLIssue] = []

        mutating func messageHeader(_ element: XMLElement) -> MessageHeaderFields {
            var header = MessageHeaderFields()
            element.forEachChildElement { field in
                switch field.field(MessageHeaderField.self) {
                case .id: header.id = field.trimmedText
                case .uuid: header.uuid = field.trimmedText
                case .referenceID: header.referenceID = field.trimmedText
                case .creationDateTime: header.creationDateTime = field.trimmedText
                case .testDataIndicator: header.testDataIndicator = field.booleanValue
                case .senderBusinessSystemID: header.senderBusinessSystemID = field.trimmedText
                case .recipientBusinessSystemID: header.recipientBusinessSystemID = field.trimmedText
                case nil: break
                }
            }
            return header
        }

        mutating func journalEntry(_ element: XMLElement) -> JournalEntryDraft {
            var draft = JournalEntryDraft(
                originalReferenceDocumentType: "", businessTransactionType: "", documentType: "", createdByUser: "", companyCode: "",
                documentDate: LedgerDate(year: 1, month: 1, day: 1)!, postingDate: LedgerDate(year: 1, month: 1, day: 1)!, items: [])
            var glItems: [DraftItem] = []
            var debtorItems: [DraftItem] = []
            var creditorItems: [DraftItem] = []
            var taxItems: [DraftItem] = []
            element.forEachChildElement { field in
                switch field.field(EntryField.self) {
                case .originalReferenceDocumentType: draft.originalReferenceDocumentType = field.trimmedText
                case .originalReferenceDocument: draft.originalReferenceDocument = field.trimmedText
                case .originalReferenceDocumentLogicalSystem: draft.originalReferenceDocumentLogicalSystem = field.trimmedText
                case .businessTransactionType: draft.businessTransactionType = field.trimmedText
                case .accountingDocumentType: draft.documentType = field.trimmedText
                case .accountingDocument: draft.externalDocumentNumber = field.trimmedText
                case .documentReferenceID: draft.documentReferenceID = field.trimmedText
                case .documentHeaderText: draft.documentHeaderText = field.text
                case .createdByUser: draft.createdByUser = field.trimmedText
                case .companyCode: draft.companyCode = field.trimmedText
                case .documentDate: draft.documentDate = date(field)
                case .postingDate: draft.postingDate = date(field)
                case .postingFiscalPeriod: draft.postingFiscalPeriod = period(field)
                case .exchangeRate: draft.exchangeRate = ExchangeRateValue(parsing: field.trimmedText)
                case .indirectQuotedExchangeRate: draft.indirectQuotedExchangeRate = ExchangeRateValue(parsing: field.trimmedText)
                case .doTaxAmountCheck: draft.doTaxAmountCheck = field.booleanValue
                case .reference1InDocumentHeader: draft.reference1InDocumentHeader = field.trimmedText
                case .reference2InDocumentHeader: draft.reference2InDocumentHeader = field.trimmedText
                case .item: glItems.append(item(field, kind: .item))
                case .debtorItem: debtorItems.append(item(field, kind: .debtorItem))
                case .creditorItem: creditorItems.append(item(field, kind: .creditorItem))
                case .productTaxItem: taxItems.append(item(field, kind: .productTaxItem))
                case .withholdingTaxItem: draft.withholdingTaxItemCount += 1
                case .ledgerGroup: draft.ledgerGroup = field.trimmedText
                case .reversalReason: draft.reversalReason = field.trimmedText
                case .reversalReferenceDocument: draft.reversalReferenceDocument = field.trimmedText
                case nil: break
                }
            }
            draft.items = glItems + debtorItems + creditorItems + taxItems
            return draft
        }

        mutating func item(_ element: XMLElement, kind: EntryField) -> DraftItem {
            var account = ""
            var partner = ""
            var alternative: String?
            var taxCode: String?
            var taxBase: CurrencyAmount?
            var result = DraftItem(kind: .glAccount(""), amount: CurrencyAmount(.zero, ""))
            element.forEachChildElement { field in
                switch field.field(ItemField.self) {
                case .glAccount: account = field.trimmedText
                case .debtor, .creditor: partner = field.trimmedText
                case .altvRecnclnAccts: alternative = field.trimmedText
                case .taxCode: taxCode = field.trimmedText
                case .taxBaseAmountInTransCrcy: taxBase = amount(field)
                case .amountInTransactionCurrency: result.amount = amount(field)
                case .amountInCompanyCodeCurrency: result.amountInCompanyCodeCurrency = amount(field)
                case .debitCreditCode: result.debitCreditCode = field.trimmedText
                case .referenceDocumentItem: result.referenceDocumentItem = field.trimmedText
                case .companyCode: result.companyCode = field.trimmedText
                case .documentItemText: result.itemText = field.text
                case .assignmentReference: result.assignmentReference = field.trimmedText
                case .valueDate: result.valueDate = date(field)
                case .tax: result.taxCode = field.firstChild(named: "TaxCode")?.trimmedText
                case .accountAssignment:
                    result.costCenter = field.firstChild(named: "CostCenter")?.trimmedText
                    result.profitCenter = field.firstChild(named: "ProfitCenter")?.trimmedText
                case .cashDiscountTerms:
                    if let base = field.firstChild(named: "DueCalculationBaseDate") { result.dueCalculationBaseDate = date(base) }
                    if let days = field.firstChild(named: "NetPaymentDays") { result.netPaymentDays = Self.days(days.trimmedText) }
                case nil: break
                }
            }
            switch kind {
            case .debtorItem: result.kind = .customer(partner, alternativeReconciliationAccount: alternative)
            case .creditorItem: result.kind = .vendor(partner, alternativeReconciliationAccount: alternative)
            case .productTaxItem: result.kind = .tax(taxCode: taxCode ?? "", base: taxBase ?? CurrencyAmount(.zero, result.amount.currency))
            default: result.kind = .glAccount(account)
            }
            return result
        }

        mutating func amount(_ element: XMLElement) -> CurrencyAmount {
            let currency = element.attribute("currencyCode").map { String($0.trimmingASCIIWhitespace()) } ?? ""
            guard let value = DecimalAmount(parsing: element.text), value.magnitude <= DecimalAmount.sapAmountLimit else {
                report(element, "the amount '\(element.trimmedText)' is outside SAP's Amount range (at most 22 integer and 6 fractional digits).")
                return CurrencyAmount(.zero, currency)
            }
            return CurrencyAmount(value, currency)
        }

        mutating func date(_ element: XMLElement) -> LedgerDate {
            if let date = LedgerDate(iso: element.text) { return date }
            report(element, "'\(element.trimmedText)' is not a valid date (YYYY-MM-DD).")
            return LedgerDate(year: 1, month: 1, day: 1)!
        }

        mutating func period(_ element: XMLElement) -> Int? {
            if let period = Int(element.trimmedText), (1...16).contains(period) { return period }
            report(element, "'\(element.trimmedText)' is not a posting period (1 to 16).")
            return nil
        }

        /// Records a problem at `element`, worded like libxml2's validity errors.
        mutating func report(_ element: XMLElement, _ problem: String) {
            issues.append(
                XMLIssue(
                    line: element.line, column: element.column, path: element.path, element: element.localName,
                    message: "Element '\(element.localName)': \(problem)"))
        }

        /// `P30D` → 30.
        static func days(_ duration: String) -> Int? {
            guard duration.hasPrefix("P"), duration.hasSuffix("D") else { return nil }
            return Int(duration.dropFirst().dropLast())
        }
    }
}

/// Element names the decoder looks at, matched without allocating (``XMLNameTable``).
protocol XMLFieldSet: CaseIterable, RawRepresentable where RawValue == String, AllCases == [Self] {
    static var table: XMLNameTable { get }
}

enum BulkField: String, XMLFieldSet {
    case messageHeader = "MessageHeader", journalEntryCreateRequest = "JournalEntryCreateRequest", journalEntry = "JournalEntry"
    static let table = XMLNameTable(allCases.map(\.rawValue))
}

enum MessageHeaderField: String, XMLFieldSet {
    case id = "ID", uuid = "UUID", referenceID = "ReferenceID", creationDateTime = "CreationDateTime"
    case testDataIndicator = "TestDataIndicator", senderBusinessSystemID = "SenderBusinessSystemID"
    case recipientBusinessSystemID = "RecipientBusinessSystemID"
    static let table = XMLNameTable(allCases.map(\.rawValue))
}

enum EntryField: String, XMLFieldSet {
    case originalReferenceDocumentType = "OriginalReferenceDocumentType", originalReferenceDocument = "OriginalReferenceDocument"
    case originalReferenceDocumentLogicalSystem = "OriginalReferenceDocumentLogicalSystem"
    case businessTransactionType = "BusinessTransactionType", accountingDocumentType = "AccountingDocumentType"
    case accountingDocument = "AccountingDocument", documentReferenceID = "DocumentReferenceID", documentHeaderText = "DocumentHeaderText"
    case createdByUser = "CreatedByUser", companyCode = "CompanyCode", documentDate = "DocumentDate", postingDate = "PostingDate"
    case postingFiscalPeriod = "PostingFiscalPeriod", exchangeRate = "ExchangeRate", indirectQuotedExchangeRate = "IndirectQuotedExchangeRate"
    case doTaxAmountCheck = "DoTaxAmountCheck", reference1InDocumentHeader = "Reference1InDocumentHeader"
    case reference2InDocumentHeader = "Reference2InDocumentHeader"
    case item = "Item", debtorItem = "DebtorItem", creditorItem = "CreditorItem", productTaxItem = "ProductTaxItem"
    case withholdingTaxItem = "WithholdingTaxItem"
    case ledgerGroup = "LedgerGroup", reversalReason = "ReversalReason", reversalReferenceDocument = "ReversalReferenceDocument"
    static let table = XMLNameTable(allCases.map(\.rawValue))
}

enum ItemField: String, XMLFieldSet {
    case glAccount = "GLAccount", debtor = "Debtor", creditor = "Creditor", altvRecnclnAccts = "AltvRecnclnAccts", taxCode = "TaxCode"
    case taxBaseAmountInTransCrcy = "TaxBaseAmountInTransCrcy", amountInTransactionCurrency = "AmountInTransactionCurrency"
    case amountInCompanyCodeCurrency = "AmountInCompanyCodeCurrency", debitCreditCode = "DebitCreditCode"
    case referenceDocumentItem = "ReferenceDocumentItem", companyCode = "CompanyCode", documentItemText = "DocumentItemText"
    case assignmentReference = "AssignmentReference", valueDate = "ValueDate", tax = "Tax", accountAssignment = "AccountAssignment"
    case cashDiscountTerms = "CashDiscountTerms"
    static let table = XMLNameTable(allCases.map(\.rawValue))
}

extension XMLElement {
    /// Which of `F`'s names this element has, if any.
    func field<F: XMLFieldSet>(_ type: F.Type) -> F? {
        nameIndex(in: F.table).map { F.allCases[$0] }
    }

    /// Text content with XML whitespace trimmed (what `xsd:token` means).
    var trimmedText: String { String(text.trimmingASCIIWhitespace()) }

    var booleanValue: Bool {
        let value = trimmedText
        return value == "true" || value == "1"
    }
}
