import Foundation
import JournalEntryService
import Ledger
import Logging
import SOAPCore
import Testing
import XMLCore

@Suite("JournalEntryCreateService")
struct JournalEntryCreateServiceTests {
    static let integration = PostingAuthorization(userName: "INTEGRATION", companyCodes: nil)
    static let system = GatewaySystem(systemID: "JGW", logicalSystem: "JGWCLNT100")

    let masterData: MasterData
    let schema: XSDSchema
    let store: InMemoryLedgerStore

    init() throws {
        masterData = try Repository.masterData()
        schema = try Repository.schema()
        store = InMemoryLedgerStore(masterData: masterData)
    }

    func makeService(limits: ServiceLimits = ServiceLimits()) -> JournalEntryCreateService {
        JournalEntryCreateService(
            schema: schema, masterData: masterData, store: store, system: Self.system, limits: limits, logger: Logger(label: "test"))
    }

    func handle(_ xml: String, limits: ServiceLimits = ServiceLimits(), as authorization: PostingAuthorization = integration) async throws
        -> String
    {
        try await makeService(limits: limits).handle(try SOAPEnvelope.parse(xml), authorization: authorization)
    }

    /// The fault `handle` throws, or `nil` (with a recorded issue) when it answers normally.
    func expectFault(_ xml: String, limits: ServiceLimits = ServiceLimits(), sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> SOAPFault?
    {
        let envelope = try SOAPEnvelope.parse(xml)
        do {
            let payload = try await makeService(limits: limits).handle(envelope, authorization: Self.integration)
            Issue.record("expected a SOAP fault, got \(payload.prefix(300))", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    func storedEntries() async throws -> [StoredJournalEntry] {
        try await store.journalEntries(JournalEntryQuery(limit: 1000)).entries
    }

    func validate(_ xml: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let document = try XMLDoc.parse(xml)
        let issues = schema.validate(try #require(document.rootElement))
        #expect(issues.isEmpty, "\(issues.map(\.description))", sourceLocation: sourceLocation)
    }

    // MARK: Posting

    @Test("a valid request is posted and confirmed with 605(RW) in an XSD-valid payload", arguments: ["create_single_soap11.xml", "create_single_soap12.xml"])
    func success(fixture: String) async throws {
        let payload = try await handle(try Repository.fixture(fixture))
        try validate(payload)
        let confirmation = try ParsedConfirmation(payload)
        let header = try #require(confirmation.root.firstChild(named: "MessageHeader"))
        let ids = FixtureIDs.single(fixture)
        #expect(header.childText("ReferenceID") == ids.message)
        #expect(header.childText("SenderBusinessSystemID") == "JGW")
        let entry = try confirmation.entry(0)
        #expect(entry.referenceID == ids.entry)
        #expect(entry.accountingDocument == "0100000000")
        #expect(entry.companyCode == "1010")
        #expect(entry.fiscalYear == "2025")
        #expect(entry.typeIDs == ["605(RW)"])
        #expect(entry.notes == ["Document posted successfully: BKPFF 010000000010102025 JGWCLNT100"])

        let stored = try await storedEntries()
        #expect(stored.map(\.key.description) == ["1010/2025/0100000000"])
        #expect(stored.first?.lines.map(\.amountInTransactionCurrency) == [DecimalAmount(100), DecimalAmount(-100)])
        #expect(stored.first?.postedBy == "INTEGRATION")
        #expect(stored.first?.source.messageID == ids.message)
        #expect(stored.first?.source.entryMessageID == ids.entry)
    }

    @Test("the full fixture posts a customer and a supplier invoice in their number ranges")
    func fullFixture() async throws {
        let payload = try await handle(try Repository.fixture("create_full_soap11.xml"))
        try validate(payload)
        let confirmation = try ParsedConfirmation(payload)
        #expect(try confirmation.entry(0).accountingDocument == "1800000000")
        #expect(try confirmation.entry(1).accountingDocument == "1900000000")
        let header = try #require(confirmation.root.firstChild(named: "MessageHeader"))
        #expect(header.childText("ReferenceUUID") == "5f0e9b1d-2a3c-4d4e-9f8a-7b6c5d4e3f2a")
        let stored = try await storedEntries()
        #expect(stored.count == 2)
        #expect(stored.flatMap(\.lines).filter { $0.openItemState == .open }.compactMap(\.businessPartner) == ["10100001", "10300001"])
    }

    @Test("a bulk with a balanced and an unbalanced entry posts the first and rejects the second with 702(F5)")
    func mixedBulk() async throws {
        let payload = try await handle(try Repository.fixture("create_bulk_mixed_soap11.xml"))
        try validate(payload)
        let confirmation = try ParsedConfirmation(payload)
        let first = try confirmation.entry(0)
        let second = try confirmation.entry(1)
        #expect(first.typeIDs == ["605(RW)"])
        #expect(second.referenceID == "SUB-FIXTURE-BULK-2")
        #expect((second.accountingDocument, second.companyCode, second.fiscalYear) == (" ", " ", "0000"))
        #expect(second.maximumSeverity == "3")
        #expect(second.typeIDs == ["609(RW)", "702(F5)"])
        #expect(second.notes == ["Error in document: BKPFF $ JGWCLNT100", "Balance in transaction currency 10.00 EUR"])
        #expect(try await storedEntries().count == 1)
    }

    @Test("a user not authorized for the company code gets 019(JGW) and nothing is stored")
    func notAuthorized() async throws {
        let payload = try await handle(
            try Repository.fixture("create_single_soap11.xml"), as: PostingAuthorization(userName: "US_POSTER", companyCodes: ["1710"]))
        let entry = try ParsedConfirmation(payload).entry(0)
        #expect(entry.typeIDs == ["609(RW)", "019(JGW)"])
        #expect(entry.notes.last == "User US_POSTER is not authorized to post in company code 1010")
        #expect(try await storedEntries().isEmpty)
    }

    // MARK: Faults

    @Test("a body element other than JournalEntryBulkCreateRequest is a Sender fault")
    func wrongRoot() async throws {
        let xml = """
            <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sfin="http://sap.com/xi/SAPSCORE/SFIN">
              <soapenv:Body><sfin:JournalEntryBulkChangeRequest><MessageHeader/></sfin:JournalEntryBulkChangeRequest></soapenv:Body>
            </soapenv:Envelope>
            """
        let fault = try #require(try await expectFault(xml))
        #expect(fault.code == .sender)
        #expect(fault.version == .soap11)
        #expect(fault.reason.contains("{http://sap.com/xi/SAPSCORE/SFIN}JournalEntryBulkChangeRequest"))
        #expect(try await storedEntries().isEmpty)
    }

    @Test("the right element name in a foreign namespace is a Sender fault too")
    func wrongNamespace() async throws {
        let xml = try Repository.fixture("create_single_soap11.xml")
            .replacingFirst(#"xmlns:sfin="http://sap.com/xi/SAPSCORE/SFIN""#, with: #"xmlns:sfin="urn:not-sap""#)
        let fault = try #require(try await expectFault(xml))
        #expect(fault.code == .sender)
    }

    @Test(
        "an XSD-invalid request is a Sender fault listing located issues, and nothing is stored",
        arguments: [
            ("invalid_order.xml", "Item"), ("invalid_missing_company.xml", nil), ("invalid_empty_id.xml", "ID"),
            ("invalid_placeholder.xml", "PostingDate"),
        ] as [(String, String?)])
    func schemaInvalid(fixture: String, element: String?) async throws {
        let xml = try Repository.fixture(fixture)
        let fault = try #require(try await expectFault(xml))
        #expect(fault.code == .sender)
        #expect(!fault.issues.isEmpty)
        #expect(fault.issues.allSatisfy { $0.line > 0 })
        #expect(fault.reason.hasPrefix("The request does not conform to the schema of JournalEntryCreateRequestConfirmation_In"))
        if let element { #expect(fault.issues.contains { $0.element == element }, "\(fault.issues)") }
        #expect(try await storedEntries().isEmpty)
    }

    @Test("a SoapUI '?' placeholder in a field the XSD accepts is a fault pointing at that field")
    func placeholder() async throws {
        let xml = try Repository.fixture("create_single_soap11.xml")
            .replacingFirst("<DocumentHeaderText>", with: "<DocumentReferenceID>?</DocumentReferenceID>\n          <DocumentHeaderText>")
        #expect(schema.validate(try SOAPEnvelope.parse(xml).payload).isEmpty, "the XSD accepts '?' as a token")
        let fault = try #require(try await expectFault(xml))
        #expect(fault.code == .sender)
        let issue = try #require(fault.issues.first)
        #expect(fault.issues.count == 1)
        #expect(issue.element == "DocumentReferenceID")
        #expect(issue.path?.hasSuffix("/JournalEntryCreateRequest/JournalEntry/DocumentReferenceID") == true)
        #expect(issue.line == xml.position(of: "<DocumentReferenceID>?")?.line)
        #expect(issue.message.contains("placeholder"))
        #expect(fault.reason.contains("DocumentReferenceID"))
        #expect(try await storedEntries().isEmpty)
    }

    @Test("an amount beyond SAP's range is a fault pointing at the amount")
    func amountOutOfRange() async throws {
        let xml = try Repository.fixture("create_single_soap11.xml").replacingFirst(">-100.00<", with: ">-10000000000000000000000.00<")
        let fault = try #require(try await expectFault(xml))
        #expect(fault.code == .sender)
        #expect(fault.issues.map(\.element) == ["AmountInTransactionCurrency"])
        #expect(fault.issues.first?.path?.hasSuffix("/Item[2]/AmountInTransactionCurrency") == true)
        #expect(try await storedEntries().isEmpty)
    }

    @Test("more entries than maximumEntriesPerMessage is a Sender fault and nothing is posted")
    func tooManyEntries() async throws {
        let xml = try Repository.fixture("create_bulk_mixed_soap11.xml")
        let fault = try #require(try await expectFault(xml, limits: ServiceLimits(maximumEntriesPerMessage: 1)))
        #expect(fault.code == .sender)
        #expect(fault.reason.contains("2 JournalEntryCreateRequest"))
        #expect(fault.reason.contains("at most 1"))
        #expect(try await storedEntries().isEmpty)

        _ = try await handle(xml, limits: ServiceLimits(maximumEntriesPerMessage: 2))
        #expect(try await storedEntries().count == 1, "exactly the limit is accepted")
    }

    // MARK: Replay and checks

    @Test("the same message again returns the identical payload and posts nothing twice")
    func replay() async throws {
        let xml = try Repository.fixture("create_single_soap11.xml")
        let first = try await handle(xml)
        let second = try await handle(xml)
        #expect(second == first, "UUIDs and timestamps included: the stored payload comes back")
        #expect(try await storedEntries().count == 1)
    }

    @Test("the same message ID with another payload after a posting is a Sender fault naming the ID and when it was first received")
    func payloadConflict() async throws {
        let original = try Repository.fixture("create_single_soap11.xml")
        let first = try await handle(original)
        let firstCreation = try #require(try ParsedConfirmation(first).root.firstChild(named: "MessageHeader")?.childText("CreationDateTime"))
        let changed = original.replacingFirst(">100.00<", with: ">120.00<").replacingFirst(">-100.00<", with: ">-120.00<")
        let fault = try #require(try await expectFault(changed))
        #expect(fault.code == .sender)
        #expect(
            fault.reason
                == "MessageHeader/ID 'MSG-FIXTURE-1' was already used for a different message (first received at \(firstCreation)); nothing was posted. "
                + "Send this message with a new MessageHeader/ID; resending the original message unchanged returns its confirmation.")
        let detail = try #require(fault.detailXML)
        let parsed = try XMLDoc.parse(detail)
        let root = try #require(parsed.rootElement)
        #expect(root.isNamed("MessageIDConflict", namespaceURI: "urn:journal-gateway:fault"))
        #expect(root.childText("MessageID") == "MSG-FIXTURE-1")
        #expect(root.childText("FirstReceivedAt") == firstCreation)
        #expect(try await storedEntries().map(\.lines.first?.amountInTransactionCurrency) == [DecimalAmount(parsing: "100.00")])

        #expect(try await handle(original) == first, "the original payload still replays")
        let keyedByUUID = original.replacingFirst("<ID>MSG-FIXTURE-1</ID>", with: "<UUID>5f0e9b1d-2a3c-4d4e-9f8a-7b6c5d4e3f2a</UUID>")
        _ = try await handle(keyedByUUID)
        let uuidFault = try #require(
            try await expectFault(keyedByUUID.replacingFirst("Office rent March 2025</DocumentHeaderText>", with: "Office rent April 2025</DocumentHeaderText>")))
        #expect(uuidFault.reason.hasPrefix("MessageHeader/UUID '5f0e9b1d-2a3c-4d4e-9f8a-7b6c5d4e3f2a' was already used for a different message"))
        #expect(try await storedEntries().count == 2)
    }

    @Test("the same message reformatted, in SOAP 1.2, with other prefixes, comments, CDATA or a new CreationDateTime is a replay, not a conflict")
    func replayOfReformattedPayload() async throws {
        let original = try Repository.fixture("create_single_soap11.xml")
        let first = try await handle(original)
        let compact = original.replacingOccurrences(of: ">\\s+<", with: "><", options: .regularExpression)
        #expect(!compact.contains("\n  <"), "the test must really remove the indentation")
        let variants = [
            ("compact", compact),
            ("SOAP 1.2", original.replacingFirst("http://schemas.xmlsoap.org/soap/envelope/", with: "http://www.w3.org/2003/05/soap-envelope")),
            ("prefix", original.replacingFirst("xmlns:sfin=", with: "xmlns:x=").replacingFirst("<sfin:JournalEntryBulkCreateRequest>", with: "<x:JournalEntryBulkCreateRequest>")
                .replacingFirst("</sfin:JournalEntryBulkCreateRequest>", with: "</x:JournalEntryBulkCreateRequest>")),
            ("comment and CDATA", original.replacingFirst("<CompanyCode>1010</CompanyCode>", with: "<!-- cc --><CompanyCode><![CDATA[1010]]></CompanyCode>")),
            ("character reference", original.replacingFirst("<GLAccount>65000000</GLAccount>", with: "<GLAccount>&#54;5000000</GLAccount>")),
            ("creation time", original.replacingFirst("<CreationDateTime>2025-03-01T10:00:00Z</CreationDateTime>", with: "<CreationDateTime>2025-03-02T08:30:00Z</CreationDateTime>")),
        ]
        for (name, variant) in variants {
            #expect(try await handle(variant) == first, "\(name): the same message must replay")
        }
        // A value written differently is another message, even if only by a blank.
        let blank = original.replacingFirst("<DocumentHeaderText>Office rent March 2025</DocumentHeaderText>", with: "<DocumentHeaderText>Office rent March 2025 </DocumentHeaderText>")
        #expect(try await expectFault(blank)?.reason.contains("already used for a different message") == true)
        #expect(try await storedEntries().count == 1)
    }

    @Test("a message whose only entry was rejected does not block its ID: the corrected message posts and then replays")
    func reprocessingOfRejectedMessage() async throws {
        let corrected = try Repository.fixture("create_single_soap11.xml")
        let closedPeriod = corrected.replacingFirst("<PostingDate>2025-03-01</PostingDate>", with: "<PostingDate>2023-03-01</PostingDate>")
        let rejected = try ParsedConfirmation(try await handle(closedPeriod)).entry(0)
        #expect(rejected.typeIDs == ["609(RW)", "201(F5)"])
        #expect(try ParsedConfirmation(try await handle(closedPeriod)).entry(0).typeIDs == ["609(RW)", "201(F5)"], "sent again, it is checked again")

        let postedPayload = try await handle(corrected)
        let posted = try ParsedConfirmation(postedPayload).entry(0)
        #expect(posted.typeIDs == ["605(RW)"])
        #expect(posted.accountingDocument == "0100000000")
        #expect(try await handle(corrected) == postedPayload, "now the ID is taken: the same payload replays")
        #expect(try await expectFault(closedPeriod)?.code == .sender, "and the old payload is a conflict")
        #expect(try await storedEntries().count == 1)
    }

    @Test("without a bulk ID the UUID is the replay key, compared case-insensitively")
    func replayByUUID() async throws {
        let lower = try Repository.fixture("create_single_soap11.xml")
            .replacingFirst("<ID>MSG-FIXTURE-1</ID>", with: "<UUID>5f0e9b1d-2a3c-4d4e-9f8a-7b6c5d4e3f2a</UUID>")
        let upper = lower.replacingFirst("5f0e9b1d-2a3c-4d4e-9f8a-7b6c5d4e3f2a", with: "5F0E9B1D-2A3C-4D4E-9F8A-7B6C5D4E3F2A")
        let first = try await handle(lower)
        #expect(try await handle(upper) == first)
        #expect(try await storedEntries().count == 1)
    }

    @Test("without ID or UUID there is no ReferenceID and no replay protection")
    func noMessageID() async throws {
        let xml = try Repository.fixture("create_single_soap11.xml").replacingFirst("<ID>MSG-FIXTURE-1</ID>", with: "")
        let first = try await handle(xml)
        try validate(first)
        let header = try #require(try ParsedConfirmation(first).root.firstChild(named: "MessageHeader"))
        #expect(header.firstChild(named: "ReferenceID") == nil)
        _ = try await handle(xml)
        #expect(try await storedEntries().map(\.key.documentNumber) == ["0100000000", "0100000001"])
    }

    @Test("TestDataIndicator on the bulk header checks with 614(RW), stores nothing, and does not block the real posting")
    func testDataIndicator() async throws {
        let real = try Repository.fixture("create_single_soap11.xml")
        let test = real.replacingFirst("</CreationDateTime>", with: "</CreationDateTime>\n        <TestDataIndicator>true</TestDataIndicator>")
        let payload = try await handle(test)
        try validate(payload)
        let entry = try ParsedConfirmation(payload).entry(0)
        #expect(entry.typeIDs == ["614(RW)"])
        #expect(entry.notes == ["Document check without errors: BKPFF $ JGWCLNT100"])
        #expect((entry.accountingDocument, entry.companyCode, entry.fiscalYear) == (" ", " ", "0000"))
        #expect(try await storedEntries().isEmpty)

        let posted = try ParsedConfirmation(try await handle(real)).entry(0)
        #expect(posted.typeIDs == ["605(RW)"])
        #expect(posted.accountingDocument == "0100000000", "the check used no number")
    }

    @Test("TestDataIndicator on one entry's header checks only that entry")
    func entryTestDataIndicator() async throws {
        let xml = try Repository.fixture("create_bulk_mixed_soap11.xml")
            .replacingFirst(
                "<ID>SUB-FIXTURE-BULK-1</ID>\n          <CreationDateTime>2025-03-01T10:00:00Z</CreationDateTime>",
                with: "<ID>SUB-FIXTURE-BULK-1</ID>\n          <CreationDateTime>2025-03-01T10:00:00Z</CreationDateTime><TestDataIndicator>true</TestDataIndicator>")
        let confirmation = try ParsedConfirmation(try await handle(xml))
        #expect(try confirmation.entry(0).typeIDs == ["614(RW)"])
        #expect(try confirmation.entry(1).typeIDs == ["609(RW)", "702(F5)"])
        #expect(try await storedEntries().isEmpty)
    }

    // MARK: Robustness

    @Test("a PostingFiscalPeriod that is not a number is not silently ignored")
    func nonNumericFiscalPeriod() async throws {
        let xml = try Repository.fixture("create_single_soap11.xml")
            .replacingFirst("<PostingDate>2025-03-01</PostingDate>", with: "<PostingDate>2025-03-01</PostingDate><PostingFiscalPeriod>X4</PostingFiscalPeriod>")
        #expect(schema.validate(try SOAPEnvelope.parse(xml).payload).isEmpty, "the XSD types PostingFiscalPeriod as string ≤ 2")
        let envelope = try SOAPEnvelope.parse(xml)
        let outcome: Result<String, SOAPFault>
        do {
            outcome = .success(try await makeService().handle(envelope, authorization: Self.integration))
        } catch {
            outcome = .failure(error)
        }
        switch outcome {
        case .success(let payload):
            #expect(try ParsedConfirmation(payload).entry(0).typeIDs.first == "609(RW)", "the entry should be rejected")
        case .failure(let fault):
            #expect(fault.code == .sender)
        }
        #expect(try await storedEntries().isEmpty, "the entry must not be posted in a period the client did not ask for")
    }

    /// Amount (2^64·10^7 − 10^4) millionths × ExchangeRate (2^64·10^7 + 10^4)·10^-14: both XSD-valid,
    /// and their rounded product just exceeds 128 bits (see DecimalAmountTests). One such request
    /// must give a business error, not take the whole gateway process down.
    @Test("a foreign-currency request with an extreme header ExchangeRate does not crash the process")
    func extremeExchangeRateDoesNotCrash() async {
        await #expect(processExitsWith: .success) {
            let xml = try Repository.fixture("create_single_soap11.xml")
                .replacingFirst(">100.00<", with: ">184467440737095516159.99<")
                .replacingFirst(">-100.00<", with: ">-184467440737095516159.99<")
                .replacingOccurrences(of: "currencyCode=\"EUR\"", with: "currencyCode=\"USD\"")
                .replacingFirst("<PostingDate>2025-03-01</PostingDate>", with: "<PostingDate>2025-03-01</PostingDate><ExchangeRate>1844674407370.9551616001</ExchangeRate>")
            let masterData = try Repository.masterData()
            let service = JournalEntryCreateService(
                schema: try Repository.schema(), masterData: masterData, store: InMemoryLedgerStore(masterData: masterData),
                system: GatewaySystem(systemID: "JGW", logicalSystem: "JGWCLNT100"), limits: ServiceLimits(), logger: Logger(label: "test"))
            let envelope = try SOAPEnvelope.parse(xml)
            guard Repository.schemaValid(envelope.payload) else { exit(2) }  // a broken test setup, not the bug
            _ = try? await service.handle(envelope, authorization: PostingAuthorization(userName: "INTEGRATION", companyCodes: nil))
        }
    }

    @Test("an amount with more than 24 digits gets a fault pointing at it (libxml2 2.9's xsd:decimal limit), and nothing is posted")
    func amountBeyondLibxml2DecimalPrecision() async throws {
        // 22 integer and 6 fractional digits is the largest magnitude SAP's Amount type allows, but
        // libxml2 2.9.14 validates xsd:decimal values of at most 24 digits. The gateway documents this:
        // such values are refused with a precise fault instead of being posted unchecked.
        let xml = try Repository.fixture("create_single_soap11.xml")
            .replacingFirst(">100.00<", with: ">9999999999999999999999.000000<")
            .replacingFirst(">-100.00<", with: ">-9999999999999999999999.000000<")
        let issues = schema.validate(try SOAPEnvelope.parse(xml).payload)
        #expect(issues.count == 2)
        #expect(issues.allSatisfy { $0.element == "AmountInTransactionCurrency" && $0.line > 0 && $0.column > 0 })
        await #expect(throws: SOAPFault.self) { _ = try await handle(xml) }

        // 24 digits (22 integer + 2 fractional) still validate and post.
        let largest = try Repository.fixture("create_single_soap11.xml")
            .replacingFirst(">100.00<", with: ">9999999999999999999999.00<")
            .replacingFirst(">-100.00<", with: ">-9999999999999999999999.00<")
        let entry = try ParsedConfirmation(try await handle(largest)).entry(0)
        #expect(entry.typeIDs == ["605(RW)"])
    }
}

extension Repository {
    static func schemaValid(_ element: XMLElement) -> Bool {
        (try? schema().validate(element).isEmpty) ?? false
    }
}
