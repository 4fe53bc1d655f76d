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

/// Turns an XSD-valid `JournalEntryBulkCreateRequest` element into ``BulkCreateRequest``.
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
            switch child.localName {
            case "MessageHeader": header = decoder.messageHeader(child)
            case "JournalEntryCreateRequest":
                var entryHeader = MessageHeaderFields()
                var draft: JournalEntryDraft?
                child.forEachChildElement { part in
                    switch part.localName {
                    case "MessageHeader": entryHeader = decoder.messageHeader(part)
                    case "JournalEntry": draft = decoder.journalEntry(part)
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
                switch field.localName {
                case "ID": header.id = field.trimmedText
                case "UUID": header.uuid = field.trimmedText
                case "ReferenceID": header.referenceID = field.trimmedText
                case "CreationDateTime": header.creationDateTime = field.trimmedText
                case "TestDataIndicator": header.testDataIndicator = field.booleanValue
                case "SenderBusinessSystemID": header.senderBusinessSystemID = field.trimmedText
                case "RecipientBusinessSystemID": header.recipientBusinessSystemID = field.trimmedText
                default: break
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
                switch field.localName {
                case "OriginalReferenceDocumentType": draft.originalReferenceDocumentType = field.trimmedText
                case "OriginalReferenceDocument": draft.originalReferenceDocument = field.trimmedText
                case "OriginalReferenceDocumentLogicalSystem": draft.originalReferenceDocumentLogicalSystem = field.trimmedText
                case "BusinessTransactionType": draft.businessTransactionType = field.trimmedText
                case "AccountingDocumentType": draft.documentType = field.trimmedText
                case "AccountingDocument": draft.externalDocumentNumber = field.trimmedText
                case "DocumentReferenceID": draft.documentReferenceID = field.trimmedText
                case "DocumentHeaderText": draft.documentHeaderText = field.text
                case "CreatedByUser": draft.createdByUser = field.trimmedText
                case "CompanyCode": draft.companyCode = field.trimmedText
                case "DocumentDate": draft.documentDate = date(field)
                case "PostingDate": draft.postingDate = date(field)
                case "PostingFiscalPeriod": draft.postingFiscalPeriod = Int(field.trimmedText)
                case "ExchangeRate": draft.exchangeRate = ExchangeRateValue(parsing: field.trimmedText)
                case "IndirectQuotedExchangeRate": draft.indirectQuotedExchangeRate = ExchangeRateValue(parsing: field.trimmedText)
                case "DoTaxAmountCheck": draft.doTaxAmountCheck = field.booleanValue
                case "Reference1InDocumentHeader": draft.reference1InDocumentHeader = field.trimmedText
                case "Reference2InDocumentHeader": draft.reference2InDocumentHeader = field.trimmedText
                case "Item": glItems.append(item(field))
                case "DebtorItem": debtorItems.append(item(field))
                case "CreditorItem": creditorItems.append(item(field))
                case "ProductTaxItem": taxItems.append(item(field))
                case "WithholdingTaxItem": draft.withholdingTaxItemCount += 1
                default: break
                }
            }
            draft.items = glItems + debtorItems + creditorItems + taxItems
            return draft
        }

        mutating func item(_ element: XMLElement) -> DraftItem {
            var account = ""
            var partner = ""
            var alternative: String?
            var taxCode: String?
            var taxBase: CurrencyAmount?
            var result = DraftItem(kind: .glAccount(""), amount: CurrencyAmount(.zero, ""))
            element.forEachChildElement { field in
                switch field.localName {
                case "GLAccount": account = field.trimmedText
                case "Debtor", "Creditor": partner = field.trimmedText
                case "AltvRecnclnAccts": alternative = field.trimmedText
                case "TaxCode": taxCode = field.trimmedText
                case "TaxBaseAmountInTransCrcy": taxBase = amount(field)
                case "AmountInTransactionCurrency": result.amount = amount(field)
                case "AmountInCompanyCodeCurrency": result.amountInCompanyCodeCurrency = amount(field)
                case "DebitCreditCode": result.debitCreditCode = field.trimmedText
                case "ReferenceDocumentItem": result.referenceDocumentItem = field.trimmedText
                case "CompanyCode": result.companyCode = field.trimmedText
                case "DocumentItemText": result.itemText = field.text
                case "AssignmentReference": result.assignmentReference = field.trimmedText
                case "ValueDate": result.valueDate = date(field)
                case "Tax": result.taxCode = field.firstChild(named: "TaxCode")?.trimmedText
                case "AccountAssignment":
                    result.costCenter = field.firstChild(named: "CostCenter")?.trimmedText
                    result.profitCenter = field.firstChild(named: "ProfitCenter")?.trimmedText
                case "CashDiscountTerms":
                    if let base = field.firstChild(named: "DueCalculationBaseDate") { result.dueCalculationBaseDate = date(base) }
                    if let days = field.firstChild(named: "NetPaymentDays") { result.netPaymentDays = Self.days(days.trimmedText) }
                default: break
                }
            }
            switch element.localName {
            case "DebtorItem": result.kind = .customer(partner, alternativeReconciliationAccount: alternative)
            case "CreditorItem": result.kind = .vendor(partner, alternativeReconciliationAccount: alternative)
            case "ProductTaxItem": result.kind = .tax(taxCode: taxCode ?? "", base: taxBase ?? CurrencyAmount(.zero, result.amount.currency))
            default: result.kind = .glAccount(account)
            }
            return result
        }

        mutating func amount(_ element: XMLElement) -> CurrencyAmount {
            let currency = element.attribute("currencyCode")?.trimmingSpaces ?? ""
            guard let value = DecimalAmount(parsing: element.text), value.magnitude <= DecimalAmount.sapAmountLimit else {
                issues.append(
                    XMLIssue(
                        line: element.line, column: element.column, path: element.path, element: element.localName,
                        message: "Element '\(element.localName)': the amount '\(element.trimmedText)' is outside SAP's Amount range "
                            + "(at most 22 integer and 6 fractional digits)."))
                return CurrencyAmount(.zero, currency)
            }
            return CurrencyAmount(value, currency)
        }

        mutating func date(_ element: XMLElement) -> LedgerDate {
            if let date = LedgerDate(iso: element.text) { return date }
            issues.append(
                XMLIssue(
                    line: element.line, column: element.column, path: element.path, element: element.localName,
                    message: "Element '\(element.localName)': '\(element.trimmedText)' is not a valid date (YYYY-MM-DD)."))
            return LedgerDate(year: 1, month: 1, day: 1)!
        }

        /// `P30D` → 30.
        static func days(_ duration: String) -> Int? {
            guard duration.hasPrefix("P"), duration.hasSuffix("D") else { return nil }
            return Int(duration.dropFirst().dropLast())
        }
    }
}

extension XMLElement {
    /// Text content with XML whitespace trimmed (what `xsd:token` means).
    var trimmedText: String { text.trimmingSpaces }

    var booleanValue: Bool {
        let value = trimmedText
        return value == "true" || value == "1"
    }
}

extension String {
    var trimmingSpaces: String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" || first == "\n" || first == "\r" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" || last == "\n" || last == "\r" { slice = slice.dropLast() }
        return slice.count == count ? self : String(slice)
    }
}
