import GatewayConfig
import Foundation
import GatewayHTTP
import HummingbirdBcrypt
import Testing

/// A configuration text in a temporary file, loaded the way `serve` and `check-config` load it.
private struct ConfigurationFile {
    let text: String
    let path: String

    init(_ text: String, in directory: String) throws {
        self.text = text
        path = directory + "/config-\(UUID().uuidString).json"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// The problems `GatewayConfiguration.load` reports; empty when it accepts the file.
    func problems() throws -> [ConfigurationProblem] {
        do {
            _ = try GatewayConfiguration.load(path: path)
            return []
        } catch let error as GatewayConfiguration.LoadError {
            #expect(error.description.hasPrefix("configuration file \(path) has \(error.problems.count) problem"), "\(error.description)")
            for problem in error.problems { #expect(error.description.contains("\n  \(problem.description)")) }
            return error.problems
        }
    }

    /// Line and column of the `occurrence`th (1-based) appearance of `marker` in the text.
    func position(of marker: String, occurrence: Int = 1) throws -> SourcePosition {
        var searchStart = text.startIndex
        var found: Range<String.Index>?
        for _ in 0..<occurrence {
            found = text.range(of: marker, range: searchStart..<text.endIndex)
            guard let range = found else { break }
            searchStart = range.upperBound
        }
        let range = try #require(found, "'\(marker)' occurs fewer than \(occurrence) times")
        let before = text[..<range.lowerBound]
        let line = before.reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
        let lineStart = before.lastIndex(of: "\n").map { text.index(after: $0) } ?? text.startIndex
        return SourcePosition(line: line, column: text[lineStart..<range.lowerBound].unicodeScalars.count + 1)
    }
}

@Suite("Configuration checks: every problem once, with its line and column")
struct ConfigurationCheckTests {
    static let demoText = String(decoding: FileManager.default.contents(atPath: Repo.demoConfig) ?? Data(), as: UTF8.self)
    static let integrationHash = "$2b$10$TBwaqhMU4nyIKjoijDef6uEFa0EQmynngLzOwHZ6d0wI.atENAuAe"

    /// The demo configuration with `target` replaced by `replacement` (which must occur).
    private func demo(replacing target: String, with replacement: String, occurrence: Int = 1) throws -> String {
        var text = Self.demoText
        var searchStart = text.startIndex
        var found: Range<String.Index>?
        for _ in 0..<occurrence {
            found = text.range(of: target, range: searchStart..<text.endIndex)
            guard let range = found else { break }
            searchStart = range.upperBound
        }
        let range = try #require(found, "'\(target)' not found \(occurrence) times in config/demo.json")
        text.replaceSubrange(range, with: replacement)
        return text
    }

    @Test("the demo configuration is accepted")
    func demoAccepted() throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try ConfigurationFile(Self.demoText, in: directory).problems() == [])
        // A UTF-8 byte order mark (as some Windows editors write) is not a syntax error.
        #expect(try ConfigurationFile("\u{FEFF}" + Self.demoText, in: directory).problems() == [])
    }

    // MARK: JSON syntax

    struct SyntaxCase: Sendable, CustomTestStringConvertible {
        let name: String
        let text: String
        let line: Int
        let column: Int
        let message: String
        var testDescription: String { name }
    }

    static let syntaxCases: [SyntaxCase] = [
        SyntaxCase(
            name: "missing comma between members", text: "{\"system\": {\"systemID\": \"JGW\" \"logicalSystem\": \"X\"}}", line: 1, column: 31,
            message: "expected ',' or '}' after the value of \"systemID\", found '\"'"),
        SyntaxCase(
            name: "comma after the last member", text: "{\n  \"users\": [],\n}", line: 3, column: 1,
            message: "expected a member name in double quotes after ',', found '}' (JSON allows no comma after the last member)"),
        SyntaxCase(
            name: "comma after the last element", text: "{\n  \"users\": [1, 2,]\n}", line: 2, column: 18,
            message: "expected a value after ',', found ']' (JSON allows no comma after the last element)"),
        SyntaxCase(
            name: "missing comma between elements", text: "{\"users\": [1\n 2]}", line: 2, column: 2,
            message: "expected ',' or ']' after element 0 of the array that starts at 1:11, found '2'"),
        SyntaxCase(name: "a comment", text: "{\n  // users\n  \"users\": []\n}", line: 2, column: 3, message: "comments are not allowed in JSON"),
        SyntaxCase(
            name: "single quotes", text: "{'users': []}", line: 1, column: 2,
            message: "expected a member name in double quotes, found a single quote (JSON strings use double quotes)"),
        SyntaxCase(
            name: "unquoted member name", text: "{users: []}", line: 1, column: 2, message: "expected a member name in double quotes, found 'users'"),
        SyntaxCase(
            name: "missing colon", text: "{\"users\" []}", line: 1, column: 10, message: "expected ':' after the member name \"users\", found '['"),
        SyntaxCase(
            name: "a number with a leading zero", text: "{\"port\": 080}", line: 1, column: 10,
            message: "a number must not start with 0 (write \"080\" as a string if the leading zero matters)"),
        SyntaxCase(
            name: "a misspelt literal", text: "{\"openItemManaged\": tru}", line: 1, column: 21,
            message: "expected a value (object, array, string, number, true, false or null), found 'tru'"),
        SyntaxCase(name: "an empty file", text: "", line: 1, column: 1, message: "the file is empty; expected a JSON object"),
        SyntaxCase(name: "only whitespace", text: "\n\n  ", line: 3, column: 3, message: "the file is empty; expected a JSON object"),
        SyntaxCase(
            name: "a string that is not closed", text: "{\"name\": \"INTEGRATION", line: 1, column: 22,
            message: "unexpected end of file: the string that starts at 1:10 is not closed with '\"'"),
        SyntaxCase(
            name: "a line break inside a string", text: "{\"name\": \"INTEG\nRATION\"}", line: 1, column: 16,
            message: "the string that starts at 1:10 is not closed on its line (write a line break as \\n)"),
        SyntaxCase(
            name: "an invalid escape", text: "{\"name\": \"a\\qb\"}", line: 1, column: 12,
            message: "invalid escape '\\q' in a string (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)"),
        SyntaxCase(
            name: "an object that is not closed", text: "{\"ledger\": {\"currencies\": [\n", line: 2, column: 1,
            message: "unexpected end of file: the array that starts at 1:27 is not closed with ']'"),
        SyntaxCase(
            name: "text after the document", text: "{\"users\": []}\n}", line: 2, column: 1,
            message: "unexpected '}' after the end of the JSON value that starts at 1:1"),
        SyntaxCase(
            name: "columns count characters, not bytes", text: "{\"näme\": \"Jürgen\" \"x\": 1}", line: 1, column: 19,
            message: "expected ',' or '}' after the value of \"näme\", found '\"'"),
    ]

    @Test("a JSON syntax error is reported at its line and column, saying what was expected", arguments: syntaxCases)
    func syntaxError(_ syntax: SyntaxCase) throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = try ConfigurationFile(syntax.text, in: directory)
        let problems = try file.problems()
        #expect(problems.count == 1, "\(problems)")
        let problem = try #require(problems.first)
        #expect(problem.position == SourcePosition(line: syntax.line, column: syntax.column), "\(problem)")
        #expect(problem.message == "invalid JSON: " + syntax.message)
        #expect(problem.description == "\(file.path):\(syntax.line):\(syntax.column): invalid JSON: \(syntax.message)")
    }

    @Test("a syntax error in the demo configuration is located in the demo file")
    func syntaxErrorInDemo() throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The comma after "from": "USD" is gone; the parser stops at the "to" that follows.
        let file = try ConfigurationFile(try demo(replacing: "\"from\": \"USD\",", with: "\"from\": \"USD\""), in: directory)
        let problems = try file.problems()
        #expect(problems.map(\.position) == [try file.position(of: "\"to\": \"EUR\"")])
        #expect(problems.first?.message == "invalid JSON: expected ',' or '}' after the value of \"from\", found '\"'")
    }

    // MARK: Types, members, keys

    @Test("a value of the wrong type is reported at the value, with its JSON path")
    func wrongType() throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = try ConfigurationFile(try demo(replacing: "\"decimals\": 2", with: "\"decimals\": \"2\""), in: directory)
        let problems = try file.problems()
        #expect(problems.count == 1, "\(problems)")
        #expect(problems.first?.location == "ledger.currencies[0].decimals")
        #expect(problems.first?.message == "expected a whole number, found the string \"2\"")
        #expect(problems.first?.position == SourcePosition(line: try file.position(of: "\"2\"").line, column: try file.position(of: "\"2\"").column))
    }

    @Test(
        "numbers that do not fit their field are refused",
        arguments: [("\"maximumXMLDepth\": 64", "\"maximumXMLDepth\": 64.5", "expected a whole number, found 64.5"),
            ("\"maximumXMLDepth\": 64", "\"maximumXMLDepth\": 1e2", "expected a whole number, found 1e2"),
            ("\"maximumXMLDepth\": 64", "\"maximumXMLDepth\": 99999999999999999999", "99999999999999999999 is out of range (\(Int.min)…\(Int.max))"),
            ("\"systemID\": \"JGW\"", "\"systemID\": null", "expected a string, found null"),
            ("\"users\": [", "\"users\": {\"x\": 1}, \"old\": [", "expected an array, found an object")])
    func wrongNumbers(target: String, replacement: String, message: String) throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let problems = try ConfigurationFile(try demo(replacing: target, with: replacement), in: directory).problems()
        #expect(problems.map(\.message).contains(message), "\(problems)")
    }

    @Test(
        "limits the XML parser could not honour are refused",
        arguments: [("\"maximumXMLDepth\": 64", "\"maximumXMLDepth\": 257", "limits.maximumXMLDepth must be at most 256 (libxml2's own nesting limit)"),
            ("\"maximumRequestBytes\": 33554432", "\"maximumRequestBytes\": 2147483648",
                "limits.maximumRequestBytes must be at most 2147483647 (the largest document libxml2 parses)"),
            ("\"maximumRequestBytes\": 33554432", "\"maximumRequestBytes\": 1023", "limits.maximumRequestBytes must be at least 1024")])
    func limitsBeyondTheParser(target: String, replacement: String, message: String) throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = try ConfigurationFile(try demo(replacing: target, with: replacement), in: directory)
        let problems = try file.problems()
        #expect(problems.map(\.message) == [message])
        #expect(problems.first?.position == (try file.position(of: String(replacement.split(separator: " ").last!))))
    }

    @Test("a missing member is reported at the object that lacks it")
    func missingMember() throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let text = try demo(replacing: "\"passwordHash\": \"\(Self.integrationHash)\",", with: "")
        let file = try ConfigurationFile(text, in: directory)
        let problems = try file.problems()
        #expect(problems.map(\.description) == ["\(file.path):\(try file.position(of: "{", occurrence: 4)): users[0]: missing member \"passwordHash\""])
    }

    @Test("a misspelt member is reported with the name it was probably meant to be, not ignored")
    func misspeltMember() throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = try ConfigurationFile(try demo(replacing: "\"openItemManaged\": true", with: "\"openItemManged\": true"), in: directory)
        let problems = try file.problems()
        #expect(problems.count == 1, "\(problems)")
        #expect(problems.first?.position == (try file.position(of: "\"openItemManged\"")))
        #expect(problems.first?.location == "ledger.chartsOfAccounts[0].accounts[5].openItemManged")
        #expect(problems.first?.message == "unknown member \"openItemManged\" (did you mean \"openItemManaged\"?)")
    }

    @Test("an unknown member is reported once, whatever it contains")
    func unknownMemberOnce() throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let text = try demo(replacing: "\"system\": {", with: "\"extras\": {\"a\": {\"b\": [1, {\"c\": 2}]}},\n  \"system\": {")
        let problems = try ConfigurationFile(text, in: directory).problems()
        #expect(problems.map(\.message) == ["unknown member \"extras\""])
    }

    @Test("a member given twice in one object is reported (JSON decoders silently keep one of them)")
    func duplicateMember() throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = try ConfigurationFile(try demo(replacing: "\"rate\": \"0.92\"", with: "\"rate\": \"0.92\", \"rate\": \"0.93\""), in: directory)
        let problems = try file.problems()
        #expect(problems.count == 1, "\(problems)")
        let first = try file.position(of: "\"rate\": \"0.92\"")
        #expect(problems.first?.position == (try file.position(of: "\"rate\": \"0.93\"")))
        #expect(problems.first?.message.hasPrefix("\"rate\" appears twice in the object that starts at ") == true)
        #expect(problems.first?.message.hasSuffix("(first at \(first))") == true, "\(problems)")
    }

    // MARK: Users

    static let malformedHashes: [(String, String)] = [
        ("welcome1", "passwordHash is not a bcrypt hash (it must start with $2b$, $2a$ or $2y$)"),
        ("$2x$10$TBwaqhMU4nyIKjoijDef6uEFa0EQmynngLzOwHZ6d0wI.atENAuAe", "passwordHash is not a bcrypt hash (it must start with $2b$, $2a$ or $2y$)"),
        ("$2b$1$TBwaqhMU4nyIKjoijDef6uEFa0EQmynngLzOwHZ6d0wI.atENAuAe", "passwordHash has no two-digit cost after $2b$ (e.g. $2b$10$…)"),
        ("$2b$03$TBwaqhMU4nyIKjoijDef6uEFa0EQmynngLzOwHZ6d0wI.atENAuAe", "passwordHash has cost 03; bcrypt allows 04…31"),
        ("$2b$32$TBwaqhMU4nyIKjoijDef6uEFa0EQmynngLzOwHZ6d0wI.atENAuAe", "passwordHash has cost 32; bcrypt allows 04…31"),
        ("$2b$10$TBwaqhMU4nyIKjoijDef6uEFa0EQmynngLzOwHZ6d0wI.atENAu", "passwordHash must have 53 characters after the cost (22 salt + 31 hash), not 51"),
        ("$2b$10$TBwaqhMU4nyIKjoijDef6uEFa0EQmynngLzOwHZ6d0wI.atENAuAe ", "passwordHash must have 53 characters after the cost (22 salt + 31 hash), not 54"),
        ("$2b$10$TBwaqhMU4nyIKjoijDef6uEFa0EQmynngLzOwHZ6d0wI+atENAuAe", "passwordHash contains '+', which is not in bcrypt's base64 alphabet (./A-Za-z0-9)"),
        ("$2b$10$TBwaqhMU4nyIKjoijDef6vEFa0EQmynngLzOwHZ6d0wI.atENAuAe",
            "passwordHash has an impossible salt (its 22nd character 'v' must be one of . O e u); was it copied completely?"),
        ("$2b$10$TBwaqhMU4nyIKjoijDef6uEFa0EQmynngLzOwHZ6d0wI.atENAuAf", "passwordHash has an impossible last character 'f'; was it copied completely?"),
    ]

    @Test("a malformed password hash is refused at load time, not at the first logon", arguments: malformedHashes)
    func malformedHash(hash: String, message: String) throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = try ConfigurationFile(try demo(replacing: Self.integrationHash, with: hash), in: directory)
        let problems = try file.problems()
        #expect(problems.map(\.message) == [message + "; run `journal-gateway hash-password`"])
        #expect(problems.first?.location == "users[0].passwordHash (INTEGRATION)")
        #expect(problems.first?.position == (try file.position(of: "\"" + hash + "\"")))
        // Such a hash could never log anyone on: the verifier refuses even the right password.
        #expect(!Bcrypt.verify("welcome1", hash: hash))
    }

    @Test("a $2y$ hash (PHP's name for $2b$) is accepted and logs on, which the verifier alone would refuse")
    func phpHash() throws {
        let phpHash = "$2y$" + Self.integrationHash.dropFirst(4)
        #expect(!Bcrypt.verify("welcome1", hash: phpHash), "the verifier knows $2y$ now; normalizing is no longer needed")
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = try ConfigurationFile(try demo(replacing: Self.integrationHash, with: phpHash), in: directory)
        #expect(try file.problems() == [])
        let (configuration, _) = try GatewayConfiguration.load(path: file.path)
        let hash = try #require(configuration.users.first?.passwordHash)
        #expect(Bcrypt.verify("welcome1", hash: hash))
        #expect(!Bcrypt.verify("welcome2", hash: hash))
    }

    @Test("user names that logon could not tell apart are refused (logon ignores case)")
    func duplicateUsers() throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = try ConfigurationFile(try demo(replacing: "\"name\": \"US_POSTER\"", with: "\"name\": \"integration\""), in: directory)
        let problems = try file.problems()
        #expect(problems.map(\.description) == [
            "\(file.path):\(try file.position(of: "\"integration\"")): users[1].name (integration): user INTEGRATION is already defined in users[0] (user names ignore case)"
        ])
    }

    @Test(
        "a user name must be usable in HTTP Basic", arguments: ["", "ALICE:ADMIN", "TAB\\tUSER"])
    func badUserName(name: String) throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let problems = try ConfigurationFile(try demo(replacing: "\"name\": \"US_POSTER\"", with: "\"name\": \"\(name)\""), in: directory).problems()
        #expect(problems.map(\.message) == ["a user name must be non-empty and contain no ':' or control characters"])
    }

    @Test("a user's company codes must exist and make sense")
    func userCompanyCodes() throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let unknown = try ConfigurationFile(try demo(replacing: "\"1710\"\n      ]", with: "\"1720\"\n      ]"), in: directory)
        #expect(try unknown.problems().map(\.description) == [
            "\(unknown.path):\(try unknown.position(of: "\"1720\"")): users[1].companyCodes[0] (US_POSTER): unknown company code '1720'"
        ])
        let empty = try ConfigurationFile(try demo(replacing: "\"1710\"\n      ]", with: "]"), in: directory)
        #expect(try empty.problems().map(\.message) == [
            "the list is empty, so the user could neither post nor read; omit it or write [\"*\"] for all"
        ])
        let mixed = try ConfigurationFile(try demo(replacing: "\"*\"", with: "\"*\", \"1010\""), in: directory)
        #expect(try mixed.problems().map(\.message) == ["\"*\" (all company codes) cannot be combined with others"])
    }

    @Test("a company code with an unknown currency is one problem, not also one for every user, customer and document type using it")
    func noCascade() throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = try ConfigurationFile(try demo(replacing: "\"currency\": \"USD\"", with: "\"currency\": \"USX\""), in: directory)
        let problems = try file.problems()
        #expect(problems.map(\.description) == [
            "\(file.path):\(try file.position(of: "\"USX\"")): ledger.companyCodes[1] (1710): unknown currency 'USX'"
        ])
    }

    @Test("every problem is listed at once, in file order, each at its own line")
    func everyProblemAtOnce() throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var text = try demo(replacing: "\"currency\": \"EUR\"", with: "\"currency\": \"EUX\"")
        text = text.replacingOccurrences(of: "\"openItemManaged\": true", with: "\"openItemManged\": true")
        text = text.replacingOccurrences(of: "\"rate\": \"19\"", with: "\"rate\": \"190\"")
        text = text.replacingOccurrences(of: "\"from\": \"1500000000\"", with: "\"from\": \"1450000000\"")
        text = text.replacingOccurrences(of: "$2b$10$BrYw", with: "$2b$33$BrYw")
        text = text.replacingOccurrences(of: "\"maximumXMLDepth\": 64", with: "\"maximumXMLDepth\": 8")
        let file = try ConfigurationFile(text, in: directory)
        let problems = try file.problems()
        let messages = problems.map { $0.location.isEmpty ? $0.message : "\($0.location): \($0.message)" }
        #expect(messages == [
            "limits.maximumXMLDepth must be at least 16",
            "users[1].passwordHash (US_POSTER): passwordHash has cost 33; bcrypt allows 04…31; run `journal-gateway hash-password`",
            "ledger.chartsOfAccounts[0].accounts[5].openItemManged: unknown member \"openItemManged\" (did you mean \"openItemManaged\"?)",
            "ledger.companyCodes[0] (1010): unknown currency 'EUX'",
            "ledger.companyCodes[0] (1010): tax code A1: rate 190 % is outside 0…100 %",
            "ledger.companyCodes[0] (1010): tax code V1: rate 190 % is outside 0…100 %",
            "ledger.companyCodes[0] (1010): number ranges 14 (1400000000…1499999999) and 15 (1450000000…1599999999) overlap: documents of both would get the same numbers",
            "ledger.companyCodes[1] (1710): number ranges 14 (1400000000…1499999999) and 15 (1450000000…1599999999) overlap: documents of both would get the same numbers",
        ])
        let lines = problems.compactMap(\.position?.line)
        #expect(lines.count == problems.count, "every problem has a line")
        #expect(lines == lines.sorted())
        #expect(problems[4].position == (try file.position(of: "\"190\"")))
        #expect(problems[5].position == (try file.position(of: "\"190\"", occurrence: 2)))
    }
}
