import Foundation
import Ledger
import SOAPCore
import Testing
import XMLCore

/// Paths, fixtures, the compiled schema and the demo master data.
enum Repository {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func fixture(_ name: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent("Tests/Fixtures/\(name)"), encoding: .utf8)
    }

    static var schemaPath: String { root.appendingPathComponent("Schemas/JournalEntryCreate.xsd").path }

    static func schema() throws -> XSDSchema { try XSDSchema(path: schemaPath) }

    private struct ConfigurationFile: Decodable {
        var ledger: MasterDataDefinition
    }

    static func masterData() throws -> MasterData {
        let data = try Data(contentsOf: root.appendingPathComponent("config/demo.json"))
        return try MasterData(definition: JSONDecoder().decode(ConfigurationFile.self, from: data).ledger)
    }
}

extension String {
    /// This string with the first occurrence of `target` replaced; records an issue when `target` is missing.
    func replacingFirst(_ target: String, with replacement: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        guard let range = range(of: target) else {
            Issue.record("'\(target)' not found in the fixture", sourceLocation: sourceLocation)
            return self
        }
        return replacingCharacters(in: range, with: replacement)
    }

    /// 1-based line and column of the first occurrence of `target`.
    func position(of target: String) -> (line: Int, column: Int)? {
        guard let range = range(of: target) else { return nil }
        let before = self[..<range.lowerBound]
        let line = before.reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
        let lineStart = before.lastIndex(of: "\n").map { index(after: $0) } ?? startIndex
        return (line, distance(from: lineStart, to: range.lowerBound) + 1)
    }
}

extension XMLElement {
    /// Every descendant element named `name`, in document order.
    func descendants(named name: String) -> [XMLElement] {
        var result: [XMLElement] = []
        for child in childElements {
            if child.localName == name { result.append(child) }
            result += child.descendants(named: name)
        }
        return result
    }

    func childText(_ name: String) -> String? { firstChild(named: name)?.text }
}

/// A parsed `JournalEntryBulkCreateConfirmation`, for assertions.
struct ParsedConfirmation {
    let document: XMLDoc
    let root: XMLElement

    init(_ xml: String) throws {
        document = try XMLDoc.parse(xml)
        root = try #require(document.rootElement)
    }

    var entries: [XMLElement] { root.childElements(named: "JournalEntryCreateConfirmation") }

    struct Entry {
        let referenceID: String?
        let accountingDocument: String?
        let companyCode: String?
        let fiscalYear: String?
        let maximumSeverity: String?
        let typeIDs: [String]
        let severities: [String]
        let notes: [String]
    }

    func entry(_ index: Int) throws -> Entry {
        let element = try #require(entries.dropFirst(index).first)
        let key = element.firstChild(named: "JournalEntryCreateConfirmation")
        let log = try #require(element.firstChild(named: "Log"))
        let items = log.childElements(named: "Item")
        return Entry(
            referenceID: element.firstChild(named: "MessageHeader")?.childText("ReferenceID"),
            accountingDocument: key?.childText("AccountingDocument"), companyCode: key?.childText("CompanyCode"),
            fiscalYear: key?.childText("FiscalYear"), maximumSeverity: log.childText("MaximumLogItemSeverityCode"),
            typeIDs: items.compactMap { $0.childText("TypeID") }, severities: items.compactMap { $0.childText("SeverityCode") },
            notes: items.compactMap { $0.childText("Note") })
    }
}
