import Foundation
import SOAPCore
import Testing
import XMLCore

@Suite("The published schema files")
struct SchemaFilesTests {
    static let schemaFiles: [String] = {
        let directory = Repository.root.appendingPathComponent("Schemas").path
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".xsd") }.sorted()
    }()

    @Test("there are schema files to check")
    func thereAreSchemas() {
        #expect(Self.schemaFiles.contains("JournalEntryCreate.xsd"))
        #expect(Self.schemaFiles.contains("SFINCommonTypes.xsd"))
    }

    @Test("every XSD under Schemas/ compiles with libxml2", arguments: schemaFiles)
    func compiles(_ file: String) throws {
        XMLLibrary.initialize()
        _ = try XSDSchema(path: Repository.root.appendingPathComponent("Schemas/\(file)").path)
    }

    @Test("every valid request fixture validates and every invalid one does not", arguments: [
        ("create_single_soap11.xml", true), ("create_single_soap12.xml", true), ("create_bulk_mixed_soap11.xml", true),
        ("create_full_soap11.xml", true), ("create_wsa_soap12.xml", true), ("invalid_empty_id.xml", false),
        ("invalid_order.xml", false), ("invalid_missing_company.xml", false),
    ])
    func fixtures(_ file: String, valid: Bool) throws {
        let envelope = try SOAPEnvelope.parse(try Repository.fixture(file))
        #expect(try Repository.schema().validate(envelope.payload).isEmpty == valid)
    }

    @Test("the change and clearing fixtures validate against their own schemas, and the invalid ones do not", arguments: [
        ("change_request_soap11.xml", "JournalEntryBulkChange.xsd", true), ("change_request_clear_soap12.xml", "JournalEntryBulkChange.xsd", true),
        ("change_confirmation_soap11.xml", "JournalEntryBulkChange.xsd", true), ("invalid_change_wrapper_order.xml", "JournalEntryBulkChange.xsd", false),
        ("clearing_request_soap11.xml", "JournalEntryBulkClearing.xsd", true), ("clearing_request_partial_soap12.xml", "JournalEntryBulkClearing.xsd", true),
        ("clearing_confirmation_soap11.xml", "JournalEntryBulkClearing.xsd", true),
        ("invalid_clearing_missing_currency.xml", "JournalEntryBulkClearing.xsd", false),
    ])
    func serviceFixtures(_ file: String, schemaFile: String, valid: Bool) throws {
        XMLLibrary.initialize()
        let schema = try XSDSchema(path: Repository.root.appendingPathComponent("Schemas/\(schemaFile)").path)
        let envelope = try SOAPEnvelope.parse(try Repository.fixture(file))
        let issues = schema.validate(envelope.payload)
        #expect(issues.isEmpty == valid, "\(issues)")
    }

    @Test(
        "requests keep SAP's strict types: a blank AccountingDocument or CompanyCode in a request is invalid",
        arguments: [
            ("<CompanyCode>1010</CompanyCode>", "<CompanyCode>1710</CompanyCode>", "<CompanyCode> </CompanyCode>"),
            ("<DocumentHeaderText>", "<AccountingDocument>0100000123</AccountingDocument><DocumentHeaderText>",
             "<AccountingDocument> </AccountingDocument><DocumentHeaderText>"),
        ])
    func requestsStayStrict(original: String, filled: String, blank: String) throws {
        let fixture = try Repository.fixture("create_single_soap11.xml")
        let schema = try Repository.schema()
        let valid = try SOAPEnvelope.parse(fixture.replacingFirst(original, with: filled))
        #expect(schema.validate(valid.payload).isEmpty, "the element is in a valid place")
        let invalid = try SOAPEnvelope.parse(fixture.replacingFirst(original, with: blank))
        let issues = schema.validate(invalid.payload)
        #expect(issues.count == 1 && issues.first?.message.contains("minLength") == true, "\(issues)")
    }

    @Test("the WSDL file imports the create schema (the gateway serves it inline) and names SAP's operation and soapAction")
    func wsdl() throws {
        let wsdl = try String(
            contentsOf: Repository.root.appendingPathComponent("WSDL/JournalEntryCreateRequestConfirmation_In.wsdl"), encoding: .utf8)
        let document = try XMLDoc.parse(wsdl)
        #expect(document.rootElement?.isNamed("definitions", namespaceURI: "http://schemas.xmlsoap.org/wsdl/") == true)
        #expect(wsdl.contains("schemaLocation=\"../Schemas/JournalEntryCreate.xsd\""))
        #expect(wsdl.contains("JournalEntryCreateRequestConfirmation_In/JournalEntryCreateRequestConfirmation_InRequest"))
        #expect(wsdl.contains("name=\"binding_soap12\""))
    }
}
