import Foundation
import SOAPCore
import XMLCore

/// Builds `JournalEntryBulkCreateRequest` envelopes in XSD order, so that each test states only
/// what it is about:
///
/// ```swift
/// let xml = BulkRequest(EntrySpec(lines: [.gl("65000000", "100.00"), .gl("11001000", "-90.00")])).envelope()
/// ```
struct BulkRequest: Sendable {
    var messageID: String?
    var messageUUID: String?
    var testData = false
    var entries: [EntrySpec]

    init(messageID: String? = newMessageID(), messageUUID: String? = nil, testData: Bool = false, entries: [EntrySpec]) {
        self.messageID = messageID
        self.messageUUID = messageUUID
        self.testData = testData
        self.entries = entries
    }

    init(_ entry: EntrySpec, messageID: String? = newMessageID(), testData: Bool = false) {
        self.init(messageID: messageID, testData: testData, entries: [entry])
    }

    /// The payload (`sfin:JournalEntryBulkCreateRequest`) alone.
    var payload: String {
        var out = "<sfin:JournalEntryBulkCreateRequest xmlns:sfin=\"\(Repo.sfinNamespace)\">\n"
        out += messageHeader(id: messageID, uuid: messageUUID, testData: testData, indent: "  ")
        for (index, entry) in entries.enumerated() {
            out += "  <JournalEntryCreateRequest>\n"
            out += messageHeader(id: entry.id ?? messageID.map { "\($0)-\(index + 1)" }, uuid: nil, testData: entry.testData, indent: "    ")
            out += entry.xml(indent: "    ")
            out += "  </JournalEntryCreateRequest>\n"
        }
        out += "</sfin:JournalEntryBulkCreateRequest>"
        return out
    }

    /// The whole envelope in `version`.
    func envelope(_ version: SOAPVersion = .soap11) -> String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<soapenv:Envelope xmlns:soapenv=\"\(version.envelopeNamespace)\">\n"
            + "<soapenv:Header/>\n<soapenv:Body>\n" + payload + "\n</soapenv:Body>\n</soapenv:Envelope>\n"
    }

    private func messageHeader(id: String?, uuid: String?, testData: Bool, indent: String) -> String {
        var out = indent + "<MessageHeader>"
        if let id { out += "<ID>\(XMLEscaping.escapeText(id))</ID>" }
        if let uuid { out += "<UUID>\(uuid)</UUID>" }
        out += "<CreationDateTime>2025-03-01T10:00:00Z</CreationDateTime>"
        if testData { out += "<TestDataIndicator>true</TestDataIndicator>" }
        return out + "</MessageHeader>\n"
    }

    static func newMessageID(_ prefix: String = "MSG") -> String {
        prefix + "-" + UUID().uuidString.prefix(13)
    }
}

/// One journal entry of a request.
struct EntrySpec: Sendable {
    var id: String?
    var companyCode: String
    var documentType: String
    var postingDate: String
    var documentDate: String
    var logicalSystem: String?
    var headerText: String?
    /// `TestDataIndicator` in this entry's own `MessageHeader`.
    var testData = false
    /// `ExchangeRate` (direct quotation) sent by the client.
    var exchangeRate: String?
    /// `ReversalReason` and `ReversalReferenceDocument` (SAP's object key of the reversed document).
    var reversalReason: String?
    var reversalReferenceDocument: String?
    var lines: [LineSpec]

    init(
        id: String? = nil, companyCode: String = "1010", documentType: String = "SA", postingDate: String = "2025-03-01",
        documentDate: String? = nil, logicalSystem: String? = nil, headerText: String? = "Integration test", lines: [LineSpec]
    ) {
        self.id = id
        self.companyCode = companyCode
        self.documentType = documentType
        self.postingDate = postingDate
        self.documentDate = documentDate ?? postingDate
        self.logicalSystem = logicalSystem
        self.headerText = headerText
        self.lines = lines
    }

    /// A balanced two-line entry: `debit` +amount, `credit` −amount.
    static func balanced(
        id: String? = nil, companyCode: String = "1010", amount: String = "100.00", currency: String? = nil,
        debit: String = "65000000", credit: String = "11001000", postingDate: String = "2025-03-01"
    ) -> EntrySpec {
        let currency = currency ?? (companyCode == "1710" ? "USD" : "EUR")
        return EntrySpec(
            id: id, companyCode: companyCode, postingDate: postingDate,
            lines: [.gl(debit, amount, currency), .gl(credit, "-" + amount, currency)])
    }

    func xml(indent: String) -> String {
        let i = indent + "  "
        var out = indent + "<JournalEntry>\n"
        out += i + "<OriginalReferenceDocumentType>BKPFF</OriginalReferenceDocumentType>\n"
        if let logicalSystem { out += i + "<OriginalReferenceDocumentLogicalSystem>\(logicalSystem)</OriginalReferenceDocumentLogicalSystem>\n" }
        out += i + "<BusinessTransactionType>RFBU</BusinessTransactionType>\n"
        out += i + "<AccountingDocumentType>\(XMLEscaping.escapeText(documentType))</AccountingDocumentType>\n"
        if let headerText { out += i + "<DocumentHeaderText>\(XMLEscaping.escapeText(headerText))</DocumentHeaderText>\n" }
        if let reversalReason { out += i + "<ReversalReason>\(XMLEscaping.escapeText(reversalReason))</ReversalReason>\n" }
        if let reversalReferenceDocument {
            out += i + "<ReversalReferenceDocument>\(XMLEscaping.escapeText(reversalReferenceDocument))</ReversalReferenceDocument>\n"
        }
        out += i + "<CreatedByUser>ITEST</CreatedByUser>\n"
        out += i + "<CompanyCode>\(XMLEscaping.escapeText(companyCode))</CompanyCode>\n"
        out += i + "<DocumentDate>\(documentDate)</DocumentDate>\n"
        out += i + "<PostingDate>\(postingDate)</PostingDate>\n"
        if let exchangeRate { out += i + "<ExchangeRate>\(exchangeRate)</ExchangeRate>\n" }
        // XSD order: Item*, DebtorItem*, CreditorItem*, ProductTaxItem*.
        let ordered =
            lines.filter { if case .gl = $0.kind { true } else { false } }
            + lines.filter { if case .customer = $0.kind { true } else { false } }
            + lines.filter { if case .vendor = $0.kind { true } else { false } }
            + lines.filter { if case .tax = $0.kind { true } else { false } }
        for (index, line) in ordered.enumerated() { out += line.xml(number: index + 1, indent: i) }
        return out + indent + "</JournalEntry>\n"
    }
}

/// One line of an entry. The debit/credit code follows the amount's sign unless given.
struct LineSpec: Sendable {
    enum Kind: Sendable {
        case gl(String)
        case customer(String)
        case vendor(String)
        case tax(code: String, base: String)
    }

    var kind: Kind
    var amount: String
    var currency: String
    /// `nil` = derive from the sign; `""` = omit the element.
    var debitCredit: String?
    /// `Item/Tax/TaxCode` of a G/L line.
    var taxCode: String?

    static func gl(_ account: String, _ amount: String, _ currency: String = "EUR", dc: String? = nil, taxCode: String? = nil) -> LineSpec {
        LineSpec(kind: .gl(account), amount: amount, currency: currency, debitCredit: dc, taxCode: taxCode)
    }

    static func customer(_ id: String, _ amount: String, _ currency: String = "EUR", dc: String? = nil) -> LineSpec {
        LineSpec(kind: .customer(id), amount: amount, currency: currency, debitCredit: dc)
    }

    static func vendor(_ id: String, _ amount: String, _ currency: String = "EUR", dc: String? = nil) -> LineSpec {
        LineSpec(kind: .vendor(id), amount: amount, currency: currency, debitCredit: dc)
    }

    static func tax(_ code: String, _ amount: String, base: String, _ currency: String = "EUR") -> LineSpec {
        LineSpec(kind: .tax(code: code, base: base), amount: amount, currency: currency, debitCredit: nil)
    }

    private var debitCreditElement: String {
        let code = debitCredit ?? (amount.hasPrefix("-") ? "H" : "S")
        return code.isEmpty ? "" : "<DebitCreditCode>\(XMLEscaping.escapeText(code))</DebitCreditCode>"
    }

    private var amountElement: String {
        "<AmountInTransactionCurrency currencyCode=\"\(currency)\">\(amount)</AmountInTransactionCurrency>"
    }

    func xml(number: Int, indent: String) -> String {
        let reference = "<ReferenceDocumentItem>\(number)</ReferenceDocumentItem>"
        switch kind {
        case .gl(let account):
            let tax = taxCode.map { "<Tax><TaxCode>\($0)</TaxCode></Tax>" } ?? ""
            return indent + "<Item>\(reference)<GLAccount>\(account)</GLAccount>\(amountElement)\(debitCreditElement)"
                + "<DocumentItemText>Line \(number)</DocumentItemText>\(tax)</Item>\n"
        case .customer(let id):
            return indent + "<DebtorItem>\(reference)<Debtor>\(id)</Debtor>\(amountElement)\(debitCreditElement)</DebtorItem>\n"
        case .vendor(let id):
            return indent + "<CreditorItem>\(reference)<Creditor>\(id)</Creditor>\(amountElement)\(debitCreditElement)</CreditorItem>\n"
        case .tax(let code, let base):
            return indent + "<ProductTaxItem>\(reference)<TaxCode>\(code)</TaxCode>\(amountElement)\(debitCreditElement)"
                + "<TaxBaseAmountInTransCrcy currencyCode=\"\(currency)\">\(base)</TaxBaseAmountInTransCrcy></ProductTaxItem>\n"
        }
    }
}

extension String {
    /// The fixture text with its SOAP 1.1 envelope namespace swapped for SOAP 1.2.
    var asSOAP12: String {
        replacingOccurrences(of: SOAPVersion.soap11Namespace, with: SOAPVersion.soap12Namespace)
    }
}
