import Ledger
import XMLCore

/// A decoded `JournalEntryBulkChangeRequestMessage` (*Journal Entry – Change*).
public struct BulkChangeRequest: Sendable {
    public var messageHeader: MessageHeaderFields
    /// Every `JournalEntryHeader`, `JournalEntryGLItem` and `JournalEntryDebtorCreditorItem`, in request order.
    public var changes: [Entry]

    public struct Entry: Sendable {
        public var messageHeader: MessageHeaderFields
        public var change: JournalEntryChange
    }
}

/// Turns an XSD-valid `JournalEntryBulkChangeRequestMessage` into ``BulkChangeRequest``.
///
/// Each `…Change` wrapper holds the new value and `FieldValueChangeIsRequested`: only wrappers
/// with `true` become ``FieldChange``s (an empty value clears the field); with `false` the field
/// is left as it is, whatever the value says.
public enum BulkChangeRequestDecoder {
    public static let rootElement = "JournalEntryBulkChangeRequestMessage"
    /// The request elements that are one change each (counted against the entry limit).
    public static let changeElements: Set<String> = ["JournalEntryHeader", "JournalEntryGLItem", "JournalEntryDebtorCreditorItem"]

    public static func decode(_ root: XMLElement) -> Result<BulkChangeRequest, BulkCreateRequestDecoder.DecodingProblems> {
        var header = MessageHeaderFields()
        var changes: [BulkChangeRequest.Entry] = []
        var issues: [XMLIssue] = []
        root.forEachChildElement { child in
            let scope: ChangeableField.Scope
            switch child.localName {
            case "MessageHeader":
                header = BulkIntakeService.messageHeader(child)
                return
            case "JournalEntryHeader": scope = .header
            case "JournalEntryGLItem": scope = .glItem
            case "JournalEntryDebtorCreditorItem": scope = .debtorCreditorItem
            default: return
            }
            var entryHeader = MessageHeaderFields()
            var key: DocumentKey?
            var item: Int?
            var fields: [FieldChange] = []
            child.forEachChildElement { part in
                switch part.localName {
                case "MessageHeader": entryHeader = BulkIntakeService.messageHeader(part)
                case "HeaderKey", "ItemKey":
                    var number = "", companyCode = "", year = 0
                    part.forEachChildElement { keyField in
                        switch keyField.localName {
                        case "AccountingDocument": number = keyField.trimmedText
                        case "CompanyCode": companyCode = keyField.trimmedText
                        case "FiscalYear": year = Int(keyField.trimmedText) ?? 0
                        case "AccountingDocumentItemID": item = Self.itemNumber(keyField.trimmedText)
                        default: break
                        }
                    }
                    key = DocumentKey(companyCode: companyCode, fiscalYear: year, documentNumber: Self.documentNumber(number))
                default:
                    guard part.localName.hasSuffix("Change") else { return }
                    var valueElement: XMLElement?
                    var requested = false
                    part.forEachChildElement { inner in
                        if inner.localName == "FieldValueChangeIsRequested" { requested = inner.booleanValue } else { valueElement = inner }
                    }
                    guard requested, let valueElement else { return }
                    guard let field = ChangeableField.named(valueElement.localName, in: scope) else {
                        issues.append(
                            XMLIssue(
                                line: 0, column: 0, path: nil, element: valueElement.localName,
                                message: "\(valueElement.localName) cannot be changed in \(child.localName)"))
                        return
                    }
                    fields.append(FieldChange(field: field, value: Self.value(of: valueElement)))
                }
            }
            if let key { changes.append(.init(messageHeader: entryHeader, change: JournalEntryChange(document: key, item: item, scope: scope, changes: fields))) }
        }
        guard issues.isEmpty else { return .failure(.init(issues: issues)) }
        return .success(BulkChangeRequest(messageHeader: header, changes: changes))
    }

    /// The text of a value element; an amount keeps its currency (`12.50 EUR`).
    static func value(of element: XMLElement) -> String {
        let text = element.trimmedText
        if let currency = element.attributes.first(where: { $0.localName == "currencyCode" })?.value, !text.isEmpty {
            return text + " " + currency
        }
        return text
    }

    /// SAP's document numbers are 10 digits: a shorter all-digit number is zero-padded.
    static func documentNumber(_ text: String) -> String {
        guard text.count < 10, !text.isEmpty, text.unicodeScalars.allSatisfy({ (0x30...0x39).contains($0.value) }) else { return text }
        return String(repeating: "0", count: 10 - text.count) + text
    }

    /// `AccountingDocumentItemID` is an `xsd:decimal` 1 … 999 (`1`, `001`, `1.0`).
    static func itemNumber(_ text: String) -> Int? {
        if let value = Int(text) { return value }
        guard let amount = DecimalAmount(parsing: text), amount.significantFractionDigits == 0 else { return nil }
        return Int(amount.formatted(fractionDigits: 0))
    }
}
