import Foundation

/// One problem of a configuration file, with where it is: `config.json:57:19: ledger.companyCodes[0] (1010): unknown currency 'EUX'`.
public struct ConfigurationProblem: Sendable, Hashable, CustomStringConvertible {
    public let file: String
    /// Line and column of the value (or member name) at fault; `nil` when the file has no such place.
    public let position: SourcePosition?
    /// The entry, as the operator reads it (`ledger.companyCodes[0] (1010)`); empty for syntax errors.
    public let location: String
    public let message: String

    public var description: String {
        let place = position.map { "\(file):\($0.line):\($0.column)" } ?? file
        return location.isEmpty ? "\(place): \(message)" : "\(place): \(location): \(message)"
    }
}

/// A configuration file read as JSON: the tree with positions, for decoding with located errors
/// and for pointing every later problem at its line.
struct ConfigurationDocument {
    let path: String
    let root: JSONNode
    private let duplicateKeys: [(SourcePosition, String)]

    /// Reads and parses `path`; a missing or unreadable file or a syntax error is a ``GatewayConfiguration/LoadError``.
    static func read(path: String) throws(GatewayConfiguration.LoadError) -> ConfigurationDocument {
        let bytes: [UInt8]
        do {
            bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw GatewayConfiguration.LoadError(description: "configuration file \(path) cannot be read: \(Self.reason(readingFailedAt: path))")
        }
        do {
            let (root, duplicateKeys) = try JSONSourceParser.parse(bytes)
            return ConfigurationDocument(path: path, root: root, duplicateKeys: duplicateKeys)
        } catch {
            let problem = ConfigurationProblem(file: path, position: error.position, location: "", message: "invalid JSON: " + error.message)
            throw GatewayConfiguration.LoadError(problems: [problem], path: path)
        }
    }

    /// Why a file cannot be read, in the operator's words.
    static func reason(readingFailedAt path: String) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) { return "directory \(directory) does not exist" }
            return "no such file"
        }
        if isDirectory.boolValue { return "it is a directory" }
        if !FileManager.default.isReadableFile(atPath: path) { return "permission denied" }
        return "read error"
    }

    /// Decodes the whole file; a wrong type or missing member is reported at its line and column.
    func decode<T: Decodable>(_ type: T.Type) throws(GatewayConfiguration.LoadError) -> T {
        do {
            return try JSONTreeDecoder.decode(type, from: root)
        } catch let error as DecodingError {
            let (path, position, message) = JSONTreeDecoder.locate(error, in: root)
            let problem = ConfigurationProblem(file: self.path, position: position, location: path, message: message)
            // Decoding stopped here, so members after this one were never looked up: only
            // repeated members can be told apart from unknown ones now.
            throw GatewayConfiguration.LoadError(problems: [problem] + duplicateKeyProblems, path: self.path)
        } catch {
            throw GatewayConfiguration.LoadError(problems: [ConfigurationProblem(file: path, position: nil, location: "", message: "\(error)")], path: path)
        }
    }

    /// Members no configuration type reads (misspellings) and members given twice; meaningful after ``decode(_:)``.
    var keyProblems: [ConfigurationProblem] {
        let unknown = JSONTreeDecoder.unknownKeys(in: root).map { ConfigurationProblem(file: path, position: $0.position, location: $0.path, message: $0.message) }
        return duplicateKeyProblems + unknown
    }

    private var duplicateKeyProblems: [ConfigurationProblem] {
        duplicateKeys.map { ConfigurationProblem(file: path, position: $0.0, location: "", message: $0.1) }
    }

    /// A problem written as `<location>: <message>`, where the location starts with a JSON path
    /// (`users[1] (BOB)`, `limits.maximumXMLDepth`); `path` overrides the path to point at.
    func problem(_ text: String, path: String? = nil) -> ConfigurationProblem {
        let separator = text.range(of: ": ")
        let location = separator.map { String(text[..<$0.lowerBound]) } ?? ""
        let message = separator.map { String(text[$0.upperBound...]) } ?? text
        let target = path ?? String((separator == nil ? text : location).prefix { $0 != " " && $0 != ":" })
        let position = JSONPathComponent.parse(target).map { root.deepestNode(along: $0).position }
        return ConfigurationProblem(file: self.path, position: position, location: location, message: message)
    }
}

extension GatewayConfiguration.LoadError {
    /// All problems of a file, one a line, in file order.
    public init(problems: [ConfigurationProblem], path: String) {
        let ordered = problems.enumerated().sorted { lhs, rhs in
            let left = lhs.element.position.map { ($0.line, $0.column) } ?? (0, 0)
            let right = rhs.element.position.map { ($0.line, $0.column) } ?? (0, 0)
            return (left.0, left.1, lhs.offset) < (right.0, right.1, rhs.offset)
        }.map(\.element)
        let count = ordered.count == 1 ? "1 problem" : "\(ordered.count) problems"
        self.init(description: "configuration file \(path) has \(count):\n" + ordered.map { "  \($0)" }.joined(separator: "\n"), problems: ordered)
    }
}
