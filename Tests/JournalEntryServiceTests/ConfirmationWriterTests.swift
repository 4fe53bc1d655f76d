import JournalEntryService
import Ledger
import Testing
import XMLCore

@Suite("ConfirmationWriter")
struct ConfirmationWriterTests {
    let writer = ConfirmationWriter(system: GatewaySystem(systemID: "JGW", logicalSystem: "JGWCLNT100"))
    let schema: XSDSchema

    init() throws {
        schema = try Repository.schema()
    }

    func bulk(referenceID: String? = "MSG-1", referenceUUID: String? = nil, recipient: String? = nil) -> ConfirmationHeader {
        ConfirmationHeader(
            uuid: "2d656d48-6d1b-1eee-bc82-9fbbd1ef35ff", creationDateTime: "2025-03-01T10:00:00.123456Z", referenceID: referenceID,
            referenceUUID: referenceUUID, recipientBusinessSystemID: recipient)
    }

    /// An entry's confirmation context; the outcome is added by ``render(bulk:entries:outcomes:)``.
    func entry(referenceID: String? = "SUB-1", logicalSystem: String = "JGWCLNT100") -> EntryRecord {
        EntryRecord(
            index: 0, outcome: .posted(Self.postedKey), messageID: referenceID, messageUUID: nil,
            confirmationUUID: "2d656d48-6d1b-1eee-bc82-9fbbd1ef55ff", originalReferenceDocumentType: "BKPFF", logicalSystem: logicalSystem)
    }

    /// Renders entries with the given outcomes, in order.
    func render(bulk: ConfirmationHeader, entries: [EntryRecord], outcomes: [EntryOutcome], originInterface: String? = nil) -> String {
        let records = zip(entries, outcomes).enumerated().map { index, pair in
            var record = pair.0
            record.index = index
            record.outcome = pair.1
            return record
        }
        return writer.render(header: bulk, entries: records, originInterface: originInterface)
    }

    @Test("an asynchronous confirmation names the inbound interface in ConfirmationInterfaceOrignName")
    func originInterface() throws {
        let xml = render(bulk: bulk(), entries: [entry()], outcomes: [.posted(Self.postedKey)], originInterface: "JournalEntryBulkCreationRequest_In")
        try validate(xml)
        #expect(xml.contains("<ConfirmationInterfaceOrignName>JournalEntryBulkCreationRequest_In</ConfirmationInterfaceOrignName>"))
        #expect(!render(bulk: bulk(), entries: [entry()], outcomes: [.posted(Self.postedKey)]).contains("JournalEntryBulkCreationRequest_In"))
    }

    static let postedKey = DocumentKey(companyCode: "1010", fiscalYear: 2025, documentNumber: "0100000000")
    static let rejection = PostingRejection([
        LedgerMessage(.balanceInTransactionCurrency, "10.00", "EUR"), LedgerMessage(.glAccountNotInChartOfAccounts, "99999999", "YCOA"),
    ])

    func validate(_ xml: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let document = try XMLDoc.parse(xml)
        let root = try #require(document.rootElement)
        let issues = schema.validate(root)
        #expect(issues.isEmpty, "\(issues.map(\.description))", sourceLocation: sourceLocation)
    }

    @Test("a posted entry validates against the XSD and reports 605(RW) with the SAP object key")
    func posted() throws {
        let xml = render(bulk: bulk(), entries: [entry()], outcomes: [.posted(Self.postedKey)])
        try validate(xml)
        let confirmation = try ParsedConfirmation(xml)
        let posted = try confirmation.entry(0)
        #expect(posted.accountingDocument == "0100000000")
        #expect(posted.companyCode == "1010")
        #expect(posted.fiscalYear == "2025")
        #expect(posted.maximumSeverity == "1")
        #expect(posted.typeIDs == ["605(RW)"])
        #expect(posted.severities == ["1"])
        #expect(posted.notes == ["Document posted successfully: BKPFF 010000000010102025 JGWCLNT100"])
        #expect(posted.referenceID == "SUB-1")
    }

    @Test("the object key blank-pads a short company code to four characters")
    func objectKeyPadding() throws {
        let key = DocumentKey(companyCode: "10", fiscalYear: 2025, documentNumber: "0100000007")
        #expect(key.objectKey == "010000000710  2025")
        let xml = render(bulk: bulk(), entries: [entry()], outcomes: [.posted(key)])
        try validate(xml)
        #expect(try ParsedConfirmation(xml).entry(0).notes == ["Document posted successfully: BKPFF 010000000710  2025 JGWCLNT100"])
    }

    @Test("a rejected entry validates and carries 609(RW) followed by the detail messages, severity 3")
    func rejected() throws {
        let xml = render(bulk: bulk(), entries: [entry()], outcomes: [.rejected(Self.rejection)])
        try validate(xml)
        #expect(xml.contains("<AccountingDocument> </AccountingDocument><CompanyCode> </CompanyCode><FiscalYear>0000</FiscalYear>"))
        let rejected = try ParsedConfirmation(xml).entry(0)
        #expect(rejected.accountingDocument == " ")
        #expect(rejected.companyCode == " ")
        #expect(rejected.fiscalYear == "0000")
        #expect(rejected.maximumSeverity == "3")
        #expect(rejected.typeIDs == ["609(RW)", "702(F5)", "507(F5)"])
        #expect(rejected.severities == ["3", "3", "3"])
        #expect(
            rejected.notes == [
                "Error in document: BKPFF $ JGWCLNT100", "Balance in transaction currency 10.00 EUR",
                "G/L account 99999999 is not defined in chart of accounts YCOA",
            ])
    }

    @Test("a checked entry validates and reports 614(RW) with the blank key of an unposted entry")
    func checked() throws {
        let day = try #require(LedgerDate(year: 2026, month: 1, day: 5))
        let draft = JournalEntryDraft(
            originalReferenceDocumentType: "BKPFF", businessTransactionType: "RFBU", documentType: "SA", createdByUser: "U",
            companyCode: "1710", documentDate: day, postingDate: day,
            items: [
                DraftItem(kind: .glAccount("65000000"), amount: CurrencyAmount(DecimalAmount(5), "USD")),
                DraftItem(kind: .glAccount("11001000"), amount: CurrencyAmount(DecimalAmount(-5), "USD")),
            ])
        let rules = PostingRules(masterData: try Repository.masterData())
        let plan = try rules.check(draft, authorization: PostingAuthorization(userName: "U", companyCodes: nil)).get()
        let xml = render(bulk: bulk(), entries: [entry()], outcomes: [.checked(plan.summary)])
        try validate(xml)
        #expect(xml.contains("<AccountingDocument> </AccountingDocument><CompanyCode> </CompanyCode><FiscalYear>0000</FiscalYear>"))
        let checked = try ParsedConfirmation(xml).entry(0)
        #expect(checked.accountingDocument == " ")
        #expect(checked.companyCode == " ")
        #expect(checked.fiscalYear == "0000")
        #expect(checked.typeIDs == ["614(RW)"])
        #expect(checked.maximumSeverity == "1")
        #expect(checked.notes == ["Document check without errors: BKPFF $ JGWCLNT100"])
    }

    @Test("elements come in XSD order: MessageHeader, ConfirmationInterfaceOrignName, one confirmation per entry, Log")
    func xsdOrder() throws {
        let xml = render(
            bulk: bulk(referenceUUID: "5f0e9b1d-2a3c-4d4e-9f8a-7b6c5d4e3f2a", recipient: "CLIENT_SYS"),
            entries: [entry(referenceID: "A"), entry(referenceID: "B"), entry(referenceID: "C")],
            outcomes: [.posted(Self.postedKey), .rejected(Self.rejection), .posted(DocumentKey(companyCode: "1010", fiscalYear: 2025, documentNumber: "0100000001"))])
        try validate(xml)
        let confirmation = try ParsedConfirmation(xml)
        #expect(confirmation.root.localName == "JournalEntryBulkCreateConfirmation")
        #expect(confirmation.root.namespaceURI == "http://sap.com/xi/SAPSCORE/SFIN")
        #expect(
            confirmation.root.childElements.map(\.localName) == [
                "MessageHeader", "ConfirmationInterfaceOrignName", "JournalEntryCreateConfirmation", "JournalEntryCreateConfirmation",
                "JournalEntryCreateConfirmation", "Log",
            ])
        let header = try #require(confirmation.root.firstChild(named: "MessageHeader"))
        #expect(
            header.childElements.map(\.localName) == [
                "UUID", "ReferenceID", "ReferenceUUID", "CreationDateTime", "SenderBusinessSystemID", "RecipientBusinessSystemID",
            ])
        #expect(header.childText("ReferenceID") == "MSG-1")
        #expect(header.childText("SenderBusinessSystemID") == "JGW")
        #expect(header.childText("RecipientBusinessSystemID") == "CLIENT_SYS")
        #expect(confirmation.root.firstChild(named: "ConfirmationInterfaceOrignName")?.text == "")
        #expect(confirmation.root.childElements.last?.hasChildElements == false, "the bulk Log is empty")
        for element in confirmation.entries {
            #expect(element.childElements.map(\.localName) == ["MessageHeader", "JournalEntryCreateConfirmation", "Log"])
            #expect(
                element.firstChild(named: "JournalEntryCreateConfirmation")?.childElements.map(\.localName)
                    == ["AccountingDocument", "CompanyCode", "FiscalYear"])
            let item = try #require(element.firstChild(named: "Log")?.firstChild(named: "Item"))
            #expect(item.childElements.map(\.localName) == ["TypeID", "SeverityCode", "Note"])
        }
        #expect(try (0..<3).map { try confirmation.entry($0).referenceID } == ["A", "B", "C"])
        #expect(try confirmation.entry(2).accountingDocument == "0100000001")
    }

    @Test("&, < and > in notes are escaped and read back unchanged")
    func escaping() throws {
        let hostile = PostingRejection([LedgerMessage(.documentTypeNotDefined, "<&>"), LedgerMessage(.taxCodeNotDefined, "a&b")])
        let xml = render(bulk: bulk(), entries: [entry(logicalSystem: "SYS&<1>")], outcomes: [.rejected(hostile)])
        #expect(xml.contains("Document type &lt;&amp;&gt; is not defined"))
        #expect(!xml.contains("<&>"))
        try validate(xml)
        #expect(
            try ParsedConfirmation(xml).entry(0).notes == [
                "Error in document: BKPFF $ SYS&<1>", "Document type <&> is not defined", "Tax code a&b is not defined; check your entry",
            ])
    }

    @Test("ReferenceID is omitted when the request had no ID")
    func noReferenceID() throws {
        let xml = render(bulk: bulk(referenceID: nil), entries: [entry(referenceID: nil)], outcomes: [.posted(Self.postedKey)])
        try validate(xml)
        let confirmation = try ParsedConfirmation(xml)
        #expect(confirmation.root.descendants(named: "ReferenceID").isEmpty)
        #expect(!xml.contains("ReferenceID"))
        #expect(confirmation.root.firstChild(named: "MessageHeader")?.childElements.map(\.localName) == ["UUID", "CreationDateTime", "SenderBusinessSystemID"])
    }

    @Test("a note longer than 200 characters is cut so the confirmation still validates")
    func longNote() throws {
        let long = String(repeating: "X", count: 50)
        let rejection = PostingRejection([LedgerMessage(.crossCompanyCodeNotSupported, long, long, long)])
        let xml = render(bulk: bulk(), entries: [entry()], outcomes: [.rejected(rejection)])
        try validate(xml)
        #expect(try ParsedConfirmation(xml).entry(0).notes.allSatisfy { $0.count <= 200 })
    }

    @Test(
        "the schema accepts exactly one blank or SAP's value in the key, and nothing else",
        arguments: [
            (" ", " ", true), ("0100000000", "1010", true), ("  ", " ", false), (" ", "  ", false), ("", " ", false), (" ", "", false),
            ("01000000001", "1010", false), ("0100000000", "10101", false), ("\t", " ", false),
        ])
    func keyFacets(accountingDocument: String, companyCode: String, valid: Bool) throws {
        let xml = render(bulk: bulk(), entries: [entry()], outcomes: [.posted(Self.postedKey)])
            .replacingFirst("<AccountingDocument>0100000000</AccountingDocument>", with: "<AccountingDocument>\(accountingDocument)</AccountingDocument>")
            .replacingFirst("<CompanyCode>1010</CompanyCode>", with: "<CompanyCode>\(companyCode)</CompanyCode>")
        let root = try #require(try XMLDoc.parse(xml).rootElement)
        let issues = schema.validate(root)
        #expect(issues.isEmpty == valid, "\(issues.map(\.description))")
    }

    @Test("SAP's other fields: CreationDateTime with 6 fractional digits and Z, lower-case UUIDs, n0 prefix, empty interface name and bulk Log")
    func sapFieldShapes() throws {
        let xml = render(bulk: bulk(referenceID: nil), entries: [entry(referenceID: nil)], outcomes: [.rejected(Self.rejection)])
        try validate(xml)
        #expect(xml.hasPrefix("<n0:JournalEntryBulkCreateConfirmation xmlns:n0=\"http://sap.com/xi/SAPSCORE/SFIN\"><MessageHeader>"))
        #expect(xml.contains("<ConfirmationInterfaceOrignName/>"))
        #expect(xml.hasSuffix("</JournalEntryCreateConfirmation><Log/></n0:JournalEntryBulkCreateConfirmation>"))
        let confirmation = try ParsedConfirmation(xml)
        let headers = [try #require(confirmation.root.firstChild(named: "MessageHeader"))]
            + confirmation.entries.compactMap { $0.firstChild(named: "MessageHeader") }
        for header in headers {
            #expect(header.childElements.first?.localName == "UUID")
            #expect(header.firstChild(named: "ReferenceID") == nil)
            #expect(header.childText("CreationDateTime") == "2025-03-01T10:00:00.123456Z")
        }
        let log = try #require(confirmation.entries.first?.firstChild(named: "Log"))
        #expect(log.childElements.map(\.localName) == ["MaximumLogItemSeverityCode", "Item", "Item", "Item"])
    }
}
