import Foundation
import SOAPCore
import Testing
import XMLCore

@testable import JournalEntryService

/// The payload digest is stored with every message and compared with later messages under the
/// same key, so its canonical form may never change between releases: a resend of a message
/// recorded by an earlier release must still be a replay, not a conflict. The expected values
/// were computed by the String-based implementation of releases up to issue 7.
@Suite("Payload digest")
struct PayloadDigestTests {
    static func digest(_ text: String) throws -> String {
        XMLLibrary.initialize()
        let bytes = Array(text.utf8)
        let envelope = try bytes.withUnsafeBytes { try SOAPEnvelope.parse($0, limits: XMLParseLimits()) }
        return PayloadDigest.digest(of: envelope.payload)
    }

    @Test(
        "the digests of the fixtures are the ones earlier releases stored",
        arguments: [
            ("create_single_soap11.xml", "fc0f6e07455e82cac043021fbbb712541d643808fb5b71e8cd541ade174701c4"),
            ("create_single_soap12.xml", "afbb9020f7fe6638e89cce6fd8cd6d50a44b73ad4edb69695c4659fc65c9ec0c"),
            ("create_bulk_mixed_soap11.xml", "d374b0ae7a7da261891fae2d328584c122b5292963b3c3e6d5c84bc5f9aa0e01"),
            ("create_wsa_soap12.xml", "ccfd4df04ea2779eb42c74db0e05bf76dfb97d0cc34116b248a1afdaeff4688e"),
            ("clearing_request_soap11.xml", "562e92840641c0eaa7aaba9bdefc0af31a0f1e6731143c720022d8639346b82f"),
            ("change_request_soap11.xml", "5e6b36c75037726ebfff086187957da87b40f723b09e4f9ca40c551965c020a1"),
            ("create_full_soap11.xml", "4f9ff597d287f8bd53cafb944bf31d142f5fe340a4df17461f914a74f6993b0c"),
            ("ledger_create_soap11.xml", "5711bee1323d31e57d5bd1a01c8df4d074b920a9e8205e3cba6abad13530653a"),
        ])
    func stable(fixture: String, expected: String) throws {
        #expect(try Self.digest(try Repository.fixture(fixture)) == expected)
    }

    /// Attributes in another order than the canonical one, an upper-case UUID with blanks, a
    /// comment splitting a text, CDATA, character references and a creation time that does not count.
    static let unusual = """
        <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>
        <s:JournalEntryBulkCreateRequest xmlns:s="http://sap.com/xi/SAPSCORE/SFIN" xmlns:x="urn:x"><MessageHeader><ID>A&#x42;C</ID>
        <UUID> 0A1B2C3D-0000-4000-8000-00000000000A </UUID><CreationDateTime>2025-03-01T10:00:00Z</CreationDateTime></MessageHeader>
        <JournalEntryCreateRequest><JournalEntry><Item><AmountInTransactionCurrency x:b="2" currencyCode="EUR" a="1">12<!-- c -->.50</AmountInTransactionCurrency>
        <DocumentItemText><![CDATA[a < b]]> &amp; c</DocumentItemText><Empty/></Item></JournalEntry></JournalEntryCreateRequest>
        </s:JournalEntryBulkCreateRequest></soapenv:Body></soapenv:Envelope>
        """

    @Test("an unusual payload keeps its digest")
    func unusualPayload() throws {
        #expect(try Self.digest(Self.unusual) == "0918875cceb434eae1901c7849052a3ab09505da5878265164151ffcb618b23e")
    }

    @Test("what a client stack may change does not count; every value does")
    func equivalence() throws {
        let base = try Self.digest(Self.unusual)
        let reformatted = Self.unusual.replacingOccurrences(of: "2025-03-01T10:00:00Z", with: "2026-01-01T00:00:00Z")
            .replacingOccurrences(of: "0A1B2C3D", with: "0a1b2c3d").replacingOccurrences(of: "xmlns:s=", with: "xmlns:q=\"urn:q\" xmlns:s=")
        #expect(try Self.digest(reformatted) == base)
        #expect(try Self.digest(Self.unusual.replacingOccurrences(of: ">12<", with: ">13<")) != base)
        #expect(try Self.digest(Self.unusual.replacingOccurrences(of: "a=\"1\"", with: "a=\"2\"")) != base)
        #expect(try Self.digest(Self.unusual.replacingOccurrences(of: "<Empty/>", with: "<Empty> </Empty>")) != base)
    }
}

@Suite("Random UUIDs")
struct RandomUUIDTests {
    @Test("version 4, variant 10, lower case with dashes, and different each time")
    func shape() {
        var seen = Set<String>()
        for _ in 0..<1000 {
            let uuid = RandomUUID.lowercased()
            let parsed = UUID(uuidString: uuid)
            #expect(parsed != nil)
            #expect(uuid == parsed?.uuidString.lowercased())
            let characters = Array(uuid)
            #expect(characters[14] == "4")
            #expect("89ab".contains(characters[19]))
            seen.insert(uuid)
        }
        #expect(seen.count == 1000)
    }
}
