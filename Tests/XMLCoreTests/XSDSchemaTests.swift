import Foundation
import Testing
import XMLCore

/// A two-file schema (main.xsd includes types.xsd) in a fresh temporary directory.
struct TempSchema {
    let directory: URL
    var mainPath: String { directory.appendingPathComponent("main.xsd").path }

    init(mainSchema: String = TempSchema.main, typesSchema: String = TempSchema.types) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("xmlcore-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try mainSchema.write(to: directory.appendingPathComponent("main.xsd"), atomically: true, encoding: .utf8)
        try typesSchema.write(to: directory.appendingPathComponent("types.xsd"), atomically: true, encoding: .utf8)
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    static let main = """
        <?xml version="1.0" encoding="UTF-8"?>
        <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:test"
                   targetNamespace="urn:test" elementFormDefault="unqualified">
          <xs:include schemaLocation="types.xsd"/>
          <xs:element name="Order" type="t:OrderType"/>
        </xs:schema>
        """

    static let types = """
        <?xml version="1.0" encoding="UTF-8"?>
        <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:test"
                   targetNamespace="urn:test" elementFormDefault="unqualified">
          <xs:simpleType name="ShortID">
            <xs:restriction base="xs:string"><xs:maxLength value="5"/></xs:restriction>
          </xs:simpleType>
          <xs:complexType name="AmountType">
            <xs:simpleContent>
              <xs:extension base="xs:decimal">
                <xs:attribute name="currencyCode" use="required">
                  <xs:simpleType><xs:restriction base="xs:string"><xs:length value="3"/></xs:restriction></xs:simpleType>
                </xs:attribute>
              </xs:extension>
            </xs:simpleContent>
          </xs:complexType>
          <xs:complexType name="ItemType">
            <xs:sequence>
              <xs:element name="ID" type="t:ShortID"/>
              <xs:element name="Amount" type="t:AmountType"/>
            </xs:sequence>
          </xs:complexType>
          <xs:complexType name="OrderType">
            <xs:sequence><xs:element name="Item" type="t:ItemType" maxOccurs="unbounded"/></xs:sequence>
          </xs:complexType>
        </xs:schema>
        """
}

func envelope(_ items: String) -> String {
    """
    <env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="urn:test">
      <env:Body>
        <t:Order>\(items)</t:Order>
      </env:Body>
    </env:Envelope>
    """
}

let validItem = #"<Item><ID>A1</ID><Amount currencyCode="EUR">1.50</Amount></Item>"#
let badIDItem = #"<Item><ID>TOO-LONG</ID><Amount currencyCode="EUR">2</Amount></Item>"#

/// The Body payload of `xml`, parsed.
func payload(_ xml: String) throws -> XMLElement {
    let doc = try XMLDoc.parse(xml)
    return try #require(doc.rootElement?.firstChildElement?.firstChildElement)
}

@Suite struct XSDSchemaTests {
    @Test func compilesWithIncludeAndAcceptsValidPayload() throws {
        let files = try TempSchema()
        defer { files.remove() }
        let schema = try XSDSchema(path: files.mainPath)
        #expect(schema.validate(try payload(envelope(validItem + validItem))) == [])
    }

    @Test func issuesCarryLineColumnPathAndElement() throws {
        let files = try TempSchema()
        defer { files.remove() }
        let schema = try XSDSchema(path: files.mainPath)
        let xml = envelope(validItem + badIDItem)
        let issues = schema.validate(try payload(xml))
        #expect(issues.count == 1)
        let issue = try #require(issues.first)
        #expect(issue.element == "ID")
        #expect(issue.path == "/env:Envelope/env:Body/t:Order/Item[2]/ID")
        #expect(issue.line == 3)
        #expect(issue.column == columnOf("<ID>TOO-LONG", line: 3, in: xml))
        #expect(issue.message.contains("maxLength"))
        #expect(!issue.message.hasSuffix("\n"))
        #expect(issue.description.hasPrefix("line 3, column \(issue.column), element ID (/env:Envelope/env:Body/t:Order/Item[2]/ID): "))
    }

    @Test func attributeAndStructureIssuesOnSeparateLines() throws {
        let files = try TempSchema()
        defer { files.remove() }
        let schema = try XSDSchema(path: files.mainPath)
        let xml = """
            <t:Order xmlns:t="urn:test">
              <Item>
                <ID>A</ID>
                <Amount currencyCode="EURO">abc</Amount>
              </Item>
              <Item>
                <Unexpected/>
              </Item>
            </t:Order>
            """
        let root = try #require(try XMLDoc.parse(xml).rootElement)
        let issues = schema.validate(root)
        #expect(issues.count >= 3)
        let attributeIssue = try #require(issues.first { $0.message.contains("currencyCode") })
        #expect(attributeIssue.element == "Amount")
        #expect(attributeIssue.line == 4)
        #expect(attributeIssue.column == 5)
        #expect(attributeIssue.path == "/t:Order/Item[1]/Amount")
        let decimalIssue = try #require(issues.first { $0.message.contains("'abc'") })
        #expect(decimalIssue.line == 4)
        let structureIssue = try #require(issues.first { $0.element == "Unexpected" })
        #expect(structureIssue.line == 7)
        #expect(structureIssue.column == 5)
        #expect(structureIssue.path == "/t:Order/Item[2]/Unexpected")
        // maxIssues caps the described issues.
        #expect(schema.validate(root, maxIssues: 1).count == 1)
    }

    @Test func missingSchemaFileIsReported() throws {
        do {
            _ = try XSDSchema(path: "/nonexistent/dir/schema.xsd")
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .fileNotFound)
        }
    }

    @Test func brokenSchemaReportsCompilationIssues() throws {
        let broken = TempSchema.main.replacingOccurrences(of: "t:OrderType", with: "t:NoSuchType")
        let files = try TempSchema(mainSchema: broken)
        defer { files.remove() }
        do {
            _ = try XSDSchema(path: files.mainPath)
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .schemaCompilation)
            let first = try #require(error.issues.first)
            #expect(first.message.contains("NoSuchType"))
            #expect(first.message.contains("main.xsd"))
            #expect(first.line == 5)
        }
    }

    @Test func remoteIncludeIsNeverFetched() throws {
        let remote = TempSchema.main.replacingOccurrences(of: "types.xsd", with: "http://127.0.0.1:9/types.xsd")
        let files = try TempSchema(mainSchema: remote)
        defer { files.remove() }
        do {
            _ = try XSDSchema(path: files.mainPath)
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .schemaCompilation)
        }
    }

    @Test func concurrentValidationsOnOneSharedSchema() async throws {
        let files = try TempSchema()
        defer { files.remove() }
        let schema = try XSDSchema(path: files.mainPath)
        let valid = Array(envelope(validItem + validItem).utf8)
        let invalid = Array(envelope(badIDItem + validItem + badIDItem).utf8)
        let sharedDoc = try XMLDoc.parse(invalid)
        let sharedPayload = try #require(sharedDoc.rootElement?.firstChildElement?.firstChildElement)

        let results = await withTaskGroup(of: (Int, [XMLIssue]).self) { group in
            for i in 0..<2_000 {
                group.addTask {
                    switch i % 3 {
                    case 0:
                        let doc = try! XMLDoc.parse(valid)
                        return (i, schema.validate(doc.rootElement!.firstChildElement!.firstChildElement!))
                    case 1:
                        let doc = try! XMLDoc.parse(invalid)
                        return (i, schema.validate(doc.rootElement!.firstChildElement!.firstChildElement!))
                    default:
                        // Read-only access to one shared document from many tasks.
                        return (i, [XMLIssue(line: sharedPayload.line, column: sharedPayload.column, path: sharedPayload.path, element: nil, message: "")])
                    }
                }
            }
            var all: [(Int, [XMLIssue])] = []
            for await r in group { all.append(r) }
            return all
        }
        #expect(results.count == 2_000)
        for (i, issues) in results {
            switch i % 3 {
            case 0:
                #expect(issues.isEmpty)
            case 1:
                #expect(issues.count == 2)
                #expect(issues.map(\.path) == ["/env:Envelope/env:Body/t:Order/Item[1]/ID", "/env:Envelope/env:Body/t:Order/Item[3]/ID"])
                #expect(issues.allSatisfy { $0.line == 3 && $0.column > 0 && $0.element == "ID" })
            default:
                #expect(issues.first?.path == "/env:Envelope/env:Body/t:Order")
                #expect(issues.first?.line == 3)
            }
        }
    }
}
