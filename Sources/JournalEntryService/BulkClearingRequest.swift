import Ledger
import XMLCore

/// A decoded `JournalEntryBulkClearingRequest` (*Journal Entry – Clearing*).
public struct BulkClearingRequest: Sendable {
    public var messageHeader: MessageHeaderFields
    /// One per `JournalEntryClearingRequest`: one clearing document each.
    public var clearings: [Entry]

    public struct Entry: Sendable {
        public var messageHeader: MessageHeaderFields
        public var draft: ClearingDraft
    }
}

/// Turns an XSD-valid `JournalEntryBulkClearingRequest` into ``BulkClearingRequest``.
public enum BulkClearingRequestDecoder {
    public static let rootElement = "JournalEntryBulkClearingRequest"
    public static let clearingElements: Set<String> = ["JournalEntryClearingRequest"]

    public static func decode(_ root: XMLElement) -> Result<BulkClearingRequest, BulkCreateRequestDecoder.DecodingProblems> {
        var header = MessageHeaderFields()
        var clearings: [BulkClearingRequest.Entry] = []
        var issues: [XMLIssue] = []
        root.forEachChildElement { child in
            switch child.localName {
            case "MessageHeader": header = BulkIntakeService.messageHeader(child)
            case "JournalEntryClearingRequest":
                var entryHeader = MessageHeaderFields()
                var draft: ClearingDraft?
                child.forEachChildElement { part in
                    switch part.localName {
                    case "MessageHeader": entryHeader = BulkIntakeService.messageHeader(part)
                    case "JournalEntry": draft = journalEntry(part, issues: &issues)
                    default: break
                    }
                }
                if let draft { clearings.append(.init(messageHeader: entryHeader, draft: draft)) }
            default: break
            }
        }
        guard issues.isEmpty else { return .failure(.init(issues: issues)) }
        return .success(BulkClearingRequest(messageHeader: header, clearings: clearings))
    }

    static func journalEntry(_ element: XMLElement, issues: inout [XMLIssue]) -> ClearingDraft? {
        var fields: [String: String] = [:]
        var itemElements: [(XMLElement, isGL: Bool)] = []
        element.forEachChildElement { field in
            switch field.localName {
            case "GLItems": itemElements.append((field, true))
            case "APARItems": itemElements.append((field, false))
            default: fields[field.localName] = field.trimmedText
            }
        }
        let companyCode = fields["CompanyCode"] ?? ""
        guard let documentDate = LedgerDate(iso: fields["DocumentDate"] ?? ""), let postingDate = LedgerDate(iso: fields["PostingDate"] ?? "") else {
            return nil  // the XSD has checked both dates
        }
        var draft = ClearingDraft(
            companyCode: companyCode, documentType: fields["AccountingDocumentType"] ?? "", documentDate: documentDate, postingDate: postingDate,
            currency: fields["CurrencyCode"] ?? "", headerText: fields["DocumentHeaderText"], referenceDocument: fields["ReferenceDocument"],
            createdByUser: fields["CreatedByUser"], items: [])
        for (index, (item, isGL)) in itemElements.enumerated() {
            var values: [String: String] = [:]
            var amounts: [String: DecimalAmount] = [:]
            item.forEachChildElement { field in
                let name = field.localName
                if name.hasSuffix("AmtInDspCrcy") || name.hasSuffix("AmountInDspCrcy") {
                    guard let amount = DecimalAmount(parsing: field.trimmedText) else {
                        issues.append(
                            XMLIssue(line: 0, column: 0, path: nil, element: name, message: "\(name) '\(field.trimmedText)' is not an amount"))
                        return
                    }
                    amounts[name] = amount
                } else {
                    values[name] = field.trimmedText
                }
            }
            let itemCompanyCode = values["CompanyCode"].flatMap { $0.isEmpty ? nil : $0 } ?? companyCode
            if itemCompanyCode != companyCode { draft.foreignCompanyCodeItems.append(index) }
            let accountType: AccountType = isGL ? .glAccount : (values["AccountType"] == "K" ? .vendor : .customer)
            if !isGL, let type = values["AccountType"], type != "D", type != "K" {
                issues.append(XMLIssue(line: 0, column: 0, path: nil, element: "AccountType", message: "AccountType '\(type)' is not D (customer) or K (vendor)"))
            }
            let account = MasterData.canonicalNumber(isGL ? values["GLAccount"] ?? "" : values["APARAccount"] ?? "")
            let document = DocumentKey(
                companyCode: itemCompanyCode, fiscalYear: Int(values["FiscalYear"] ?? "") ?? 0,
                documentNumber: BulkChangeRequestDecoder.documentNumber(values["AccountingDocument"] ?? ""))
            draft.items.append(
                OpenItemReference(
                    document: document, item: BulkChangeRequestDecoder.itemNumber(values["AccountingDocumentItem"] ?? "") ?? 0, accountType: accountType,
                    account: account, partialPayment: amounts["PartialPaymentAmtInDspCrcy"], cashDiscount: amounts["CashDiscountAmountInDspCrcy"],
                    residual: amounts["OtherDeductionAmountInDspCrcy"], paymentDifferenceReason: values["PaymentDifferenceReason"]))
        }
        return draft
    }
}
