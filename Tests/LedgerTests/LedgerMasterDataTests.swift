import Ledger
import Testing

/// Ledgers and ledger groups in the master data: what the demo and a definition without them
/// have, and every mistake in them reported once, where it is written.
@Suite("MasterData: ledgers and ledger groups")
struct LedgerMasterDataTests {
    private func problems(_ edit: (inout MasterDataDefinition) throws -> Void) throws -> [MasterData.Problem] {
        var definition = try Demo.definition()
        try edit(&definition)
        do {
            _ = try MasterData(definition: definition)
            return []
        } catch {
            return error.problems
        }
    }

    private func ledger(_ json: String) throws -> MasterDataDefinition.Ledger {
        try Demo.decode(MasterDataDefinition.Ledger.self, json)
    }

    // MARK: What a definition has

    @Test("the demo has the leading ledger 0L, 2L (IFRS) in every company code and 3L (US GAAP) in 1710 only")
    func demoLedgers() throws {
        let data = try Demo.masterData()
        #expect(data.leadingLedger == "0L")
        #expect(Set(data.ledgers.keys) == ["0L", "2L", "3L"])
        #expect(data.ledgers["0L"]?.isLeading == true)
        #expect(data.ledgers["0L"]?.companyCodes == nil)
        #expect(data.ledgers["2L"]?.isLeading == false)
        #expect(data.ledgers["2L"]?.name == "Parallel ledger IFRS")
        #expect(data.ledgers["3L"]?.companyCodes == ["1710"])
        #expect(data.ledgers(ofCompanyCode: "1010") == ["0L", "2L"])
        #expect(data.ledgers(ofCompanyCode: "1710") == ["0L", "2L", "3L"])
        #expect(data.ledgers(ofCompanyCode: "9999") == [])
    }

    @Test("every ledger has a ledger group of its own id with just itself; the demo adds group 2L3L")
    func demoLedgerGroups() throws {
        let data = try Demo.masterData()
        #expect(Set(data.ledgerGroups.keys) == ["0L", "2L", "3L", "2L3L"])
        #expect(data.ledgerGroups["0L"]?.ledgers == ["0L"])
        #expect(data.ledgerGroups["2L"]?.ledgers == ["2L"])
        #expect(data.ledgerGroups["3L"]?.ledgers == ["3L"])
        #expect(data.ledgerGroups["2L3L"]?.ledgers == ["2L", "3L"])
        #expect(data.ledgerGroups["2L3L"]?.name == "Non-leading ledgers (IFRS and US GAAP)")
    }

    @Test("a definition without ledgers has the leading ledger 0L alone, in every company code, and its group 0L")
    func defaults() throws {
        var definition = try Demo.definition()
        definition.ledgers = nil
        definition.ledgerGroups = nil
        let data = try MasterData(definition: definition)
        #expect(data.leadingLedger == "0L")
        #expect(Set(data.ledgers.keys) == ["0L"])
        #expect(data.ledgers["0L"]?.isLeading == true)
        #expect(data.ledgerGroups.mapValues(\.ledgers) == ["0L": ["0L"]])
        #expect(data.ledgers(ofCompanyCode: "1010") == ["0L"])
        #expect(data.ledgers(ofCompanyCode: "1710") == ["0L"])
    }

    @Test("the leading ledger comes first in a company code and in a group, wherever it is written")
    func leadingFirst() throws {
        var definition = try Demo.definition()
        definition.ledgers = [try ledger(#"{"id": "2L"}"#), try ledger(#"{"id": "ZL", "leading": true}"#)]
        definition.ledgerGroups = [try Demo.decode(MasterDataDefinition.LedgerGroup.self, #"{"id": "ALL", "ledgers": ["2L", "ZL"]}"#)]
        let data = try MasterData(definition: definition)
        #expect(data.leadingLedger == "ZL")
        #expect(data.ledgers(ofCompanyCode: "1010") == ["ZL", "2L"])
        #expect(data.ledgerGroups["ALL"]?.ledgers == ["ZL", "2L"])
        #expect(data.ledgers["ZL"]?.name == "ZL", "without a name, the id is the name")
    }

    // MARK: Broken definitions

    struct Breakage: Sendable, CustomTestStringConvertible {
        let name: String
        let apply: @Sendable (inout MasterDataDefinition) throws -> Void
        /// Every problem of the definition, as `location: message`.
        let problems: [String]
        /// The JSON path of the first problem.
        let path: String
        var testDescription: String { name }
    }

    static let breakages: [Breakage] = [
        // Ledgers
        Breakage(
            name: "ledger id longer than SAP's two characters",
            apply: { definition in
                definition.ledgers?[2].id = "3LX"
                definition.ledgerGroups?[0].ledgers = ["2L"]
            },
            problems: ["ledgers[2] (3LX): ledger id '3LX' has more than 2 characters (SAP's Ledger allows 2)"], path: "ledgers[2].id"),
        Breakage(
            name: "empty ledger id",
            apply: { definition in
                definition.ledgers?[2].id = ""
                definition.ledgerGroups?[0].ledgers = ["2L"]
            },
            problems: ["ledgers[2] (): ledger id must not be empty"], path: "ledgers[2].id"),
        Breakage(
            name: "ledger defined twice", apply: { definition in
                let copy = try #require(definition.ledgers?[1])
                definition.ledgers?.append(copy)
            },
            problems: ["ledgers[3] (2L): ledger 2L is defined twice (also ledgers[1])"], path: "ledgers[3].id"),
        Breakage(
            name: "no leading ledger", apply: { $0.ledgers?[0].leading = nil },
            problems: ["ledgers: no ledger is the leading ledger; mark exactly one with \"leading\": true"], path: "ledgers"),
        Breakage(
            name: "two leading ledgers", apply: { $0.ledgers?[1].leading = true },
            problems: ["ledgers[1] (2L): ledger 2L is leading too (also ledgers[0] 0L); exactly one ledger is the leading ledger"],
            path: "ledgers[1].leading"),
        Breakage(
            name: "company codes for the leading ledger", apply: { $0.ledgers?[0].companyCodes = ["1010"] },
            problems: ["ledgers[0] (0L): the leading ledger is in every company code; companyCodes is only for non-leading ledgers"],
            path: "ledgers[0].companyCodes"),
        Breakage(
            name: "a ledger in an unknown company code", apply: { $0.ledgers?[2].companyCodes = ["1710", "9999"] },
            problems: ["ledgers[2] (3L): unknown company code '9999'"], path: "ledgers[2].companyCodes[1]"),
        Breakage(
            name: "a ledger in no company code", apply: { $0.ledgers?[2].companyCodes = [] },
            problems: ["ledgers[2] (3L): companyCodes must name at least one company code (omit it for all)"], path: "ledgers[2].companyCodes"),
        Breakage(
            name: "a company code listed twice for a ledger", apply: { $0.ledgers?[2].companyCodes = ["1710", "1710"] },
            problems: ["ledgers[2] (3L): company code 1710 is listed twice"], path: "ledgers[2].companyCodes[1]"),
        Breakage(
            name: "no ledgers at all",
            apply: { definition in
                definition.ledgers = []
                definition.ledgerGroups = nil
            },
            problems: ["ledgers: at least one ledger is needed (omit ledgers for the leading ledger 0L alone)"], path: "ledgers"),
        // Ledger groups
        Breakage(
            name: "ledger group id longer than SAP's four characters", apply: { $0.ledgerGroups?[0].id = "IFRS1" },
            problems: ["ledgerGroups[0] (IFRS1): ledger group id 'IFRS1' has more than 4 characters (SAP's LedgerGroup allows 4)"],
            path: "ledgerGroups[0].id"),
        Breakage(
            name: "ledger group with the id of a ledger", apply: { $0.ledgerGroups?[0].id = "2L" },
            problems: [
                "ledgerGroups[0] (2L): ledger group 2L is the own group of ledger 2L (every ledger has a group of its id with just that ledger); give this group another id"
            ],
            path: "ledgerGroups[0].id"),
        Breakage(
            name: "ledger group defined twice", apply: { definition in
                let copy = try #require(definition.ledgerGroups?.first)
                definition.ledgerGroups?.append(copy)
            },
            problems: ["ledgerGroups[1] (2L3L): ledger group 2L3L is defined twice (also ledgerGroups[0])"], path: "ledgerGroups[1].id"),
        Breakage(
            name: "ledger group with an unknown ledger", apply: { $0.ledgerGroups?[0].ledgers = ["2L", "4L"] },
            problems: ["ledgerGroups[0] (2L3L): unknown ledger '4L'"], path: "ledgerGroups[0].ledgers[1]"),
        Breakage(
            name: "ledger group without ledgers", apply: { $0.ledgerGroups?[0].ledgers = [] },
            problems: ["ledgerGroups[0] (2L3L): a ledger group needs at least one ledger"], path: "ledgerGroups[0].ledgers"),
        Breakage(
            name: "a ledger listed twice in a group", apply: { $0.ledgerGroups?[0].ledgers = ["2L", "3L", "2L"] },
            problems: ["ledgerGroups[0] (2L3L): ledger 2L is listed twice"], path: "ledgerGroups[0].ledgers[2]"),
        // One mistake, one report
        Breakage(
            name: "a broken ledger is reported where it is declared, not again in the groups that list it",
            apply: { $0.ledgers?[2].id = "3LX"; $0.ledgerGroups?[0].ledgers = ["2L", "3LX"] },
            problems: ["ledgers[2] (3LX): ledger id '3LX' has more than 2 characters (SAP's Ledger allows 2)"], path: "ledgers[2].id"),
    ]

    @Test("a broken ledger definition is refused with each problem once, at its JSON path", arguments: breakages)
    func reportsProblem(_ breakage: Breakage) throws {
        let found = try problems(breakage.apply)
        #expect(found.map(\.description) == breakage.problems)
        #expect(found.first?.path == breakage.path)
    }

    @Test("ledger problems come with every other problem of the definition, after them")
    func withOtherProblems() throws {
        let found = try problems { definition in
            definition.currencies[0].decimals = 9
            definition.ledgers?[0].leading = false
            definition.ledgerGroups?[0].ledgers = ["2L", "4L"]
        }
        #expect(
            found.map(\.description) == [
                "currencies[0]: decimals of EUR must be 0…3, not 9",
                "ledgers: no ledger is the leading ledger; mark exactly one with \"leading\": true",
                "ledgerGroups[0] (2L3L): unknown ledger '4L'",
            ])
    }
}
