import Foundation
import Testing

/// The message IDs of the single-entry fixtures. The README posts both with curl one after the
/// other, so each carries its own bulk and entry `MessageHeader/ID`: the second curl is a second
/// posting, not a replay of the first.
enum FixtureIDs {
    struct IDs: Sendable, Equatable {
        let message: String
        let entry: String
    }

    static func single(_ fixture: String) -> IDs {
        switch fixture {
        case "create_single_soap12.xml": IDs(message: "MSG-FIXTURE-12", entry: "SUB-FIXTURE-12")
        default: IDs(message: "MSG-FIXTURE-1", entry: "SUB-FIXTURE-1")
        }
    }
}

@Suite("Fixtures of the README's curl examples")
struct FixtureIDTests {
    /// Every `<ID>` of a fixture, in document order (bulk header first, then the entries').
    private func ids(in fixture: String) throws -> [String] {
        let xml = try Repository.fixture(fixture)
        let regex = try NSRegularExpression(pattern: "<ID>([^<]*)</ID>")
        return regex.matches(in: xml, range: NSRange(xml.startIndex..., in: xml)).compactMap { match in
            Range(match.range(at: 1), in: xml).map { String(xml[$0]) }
        }
    }

    @Test("the SOAP 1.1 and SOAP 1.2 single-entry fixtures carry different bulk and entry message IDs")
    func distinctIDs() throws {
        let soap11 = try ids(in: "create_single_soap11.xml")
        let soap12 = try ids(in: "create_single_soap12.xml")
        #expect(soap11 == [FixtureIDs.single("create_single_soap11.xml").message, FixtureIDs.single("create_single_soap11.xml").entry])
        #expect(soap12 == [FixtureIDs.single("create_single_soap12.xml").message, FixtureIDs.single("create_single_soap12.xml").entry])
        #expect(Set(soap11).isDisjoint(with: soap12), "the README's second curl would be a silent replay of the first")
    }
}
