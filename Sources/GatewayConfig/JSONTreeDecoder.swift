import Foundation

/// Decodes `Decodable` types from a ``JSONNode`` tree, so that a wrong type or a missing member
/// is reported at its line and column, and remembers which keys the types looked up (see
/// ``unknownKeys(in:)``). Errors are ordinary `DecodingError`s; ``locate(_:in:)`` gives their place.
struct JSONTreeDecoder: Decoder {
    let node: JSONNode
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(node: JSONNode, codingPath: [any CodingKey] = []) {
        self.node = node
        self.codingPath = codingPath
    }

    /// Decodes `type` from the whole tree.
    static func decode<T: Decodable>(_ type: T.Type, from root: JSONNode) throws -> T {
        try JSONTreeDecoder(node: root).decodeValue(type)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = node.value else {
            throw DecodingError.typeMismatch([String: Any].self, .init(codingPath: codingPath, debugDescription: "expected an object, found \(node.kindDescription)"))
        }
        node.decodedAsObject = true
        return KeyedDecodingContainer(KeyedContainer<Key>(node: node, members: members, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = node.value else {
            throw DecodingError.typeMismatch([Any].self, .init(codingPath: codingPath, debugDescription: "expected an array, found \(node.kindDescription)"))
        }
        return UnkeyedContainer(elements: elements, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleValueContainer(node: node, codingPath: codingPath) }

    // MARK: Values

    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        if type == URL.self {
            let text = try string()
            guard let url = URL(string: text) else { throw mismatch(type, "expected a URL, found \(node.kindDescription)") }
            return url as! T
        }
        return try T(from: self)
    }

    func mismatch(_ type: Any.Type, _ message: String) -> DecodingError {
        if case .null = node.value {
            return DecodingError.valueNotFound(type, .init(codingPath: codingPath, debugDescription: message))
        }
        return DecodingError.typeMismatch(type, .init(codingPath: codingPath, debugDescription: message))
    }

    func string() throws -> String {
        guard case .string(let text) = node.value else { throw mismatch(String.self, "expected a string, found \(node.kindDescription)") }
        return text
    }

    func bool() throws -> Bool {
        guard case .bool(let flag) = node.value else { throw mismatch(Bool.self, "expected true or false, found \(node.kindDescription)") }
        return flag
    }

    func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        guard case .number(let text) = node.value else { throw mismatch(type, "expected a whole number, found \(node.kindDescription)") }
        guard let value = T(text) else {
            if text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) {
                throw mismatch(type, "expected a whole number, found \(text)")
            }
            throw mismatch(type, "\(text) is out of range (\(T.min)…\(T.max))")
        }
        return value
    }

    func floatingPoint<T: BinaryFloatingPoint & LosslessStringConvertible>(_ type: T.Type) throws -> T {
        guard case .number(let text) = node.value, let value = T(text), value.isFinite else {
            throw mismatch(type, "expected a number, found \(node.kindDescription)")
        }
        return value
    }

    // MARK: Containers

    private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let node: JSONNode
        let members: [JSONNode.Member]
        let codingPath: [any CodingKey]

        var allKeys: [Key] {
            node.requestedKeys.formUnion(members.map(\.key))
            return members.compactMap { Key(stringValue: $0.key) }
        }

        private func child(_ key: Key) -> JSONNode? {
            node.requestedKeys.insert(key.stringValue)
            return members.first { $0.key == key.stringValue }?.value
        }

        private func decoder(_ key: Key) throws -> JSONTreeDecoder {
            guard let value = child(key) else {
                throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing member \"\(key.stringValue)\""))
            }
            return JSONTreeDecoder(node: value, codingPath: codingPath + [key])
        }

        func contains(_ key: Key) -> Bool { child(key) != nil }

        func decodeNil(forKey key: Key) throws -> Bool {
            guard let value = child(key) else { return true }
            if case .null = value.value { return true }
            return false
        }

        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decoder(key).bool() }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try decoder(key).string() }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decoder(key).floatingPoint(type) }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try decoder(key).floatingPoint(type) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decoder(key).integer(type) }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try decoder(key).integer(type) }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decoder(key).integer(type) }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decoder(key).integer(type) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decoder(key).integer(type) }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try decoder(key).integer(type) }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try decoder(key).integer(type) }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try decoder(key).integer(type) }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decoder(key).integer(type) }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decoder(key).integer(type) }
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try decoder(key).decodeValue(type) }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            try decoder(key).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { try decoder(key).unkeyedContainer() }

        func superDecoder() throws -> any Decoder { JSONTreeDecoder(node: node, codingPath: codingPath) }
        func superDecoder(forKey key: Key) throws -> any Decoder { try decoder(key) }
    }

    private struct IndexKey: CodingKey {
        let intValue: Int?
        var stringValue: String { "\(intValue ?? 0)" }
        init(_ index: Int) { intValue = index }
        init?(stringValue: String) { nil }
        init?(intValue: Int) { self.intValue = intValue }
    }

    private struct UnkeyedContainer: UnkeyedDecodingContainer {
        let elements: [JSONNode]
        let codingPath: [any CodingKey]
        var currentIndex = 0
        var count: Int? { elements.count }
        var isAtEnd: Bool { currentIndex >= elements.count }

        init(elements: [JSONNode], codingPath: [any CodingKey]) {
            self.elements = elements
            self.codingPath = codingPath
        }

        private mutating func next(_ type: Any.Type) throws -> JSONTreeDecoder {
            guard !isAtEnd else {
                throw DecodingError.valueNotFound(type, .init(codingPath: codingPath + [IndexKey(currentIndex)], debugDescription: "the array has no more elements"))
            }
            defer { currentIndex += 1 }
            return JSONTreeDecoder(node: elements[currentIndex], codingPath: codingPath + [IndexKey(currentIndex)])
        }

        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd, case .null = elements[currentIndex].value else { return false }
            currentIndex += 1
            return true
        }

        mutating func decode(_ type: Bool.Type) throws -> Bool { try next(type).bool() }
        mutating func decode(_ type: String.Type) throws -> String { try next(type).string() }
        mutating func decode(_ type: Double.Type) throws -> Double { try next(type).floatingPoint(type) }
        mutating func decode(_ type: Float.Type) throws -> Float { try next(type).floatingPoint(type) }
        mutating func decode(_ type: Int.Type) throws -> Int { try next(type).integer(type) }
        mutating func decode(_ type: Int8.Type) throws -> Int8 { try next(type).integer(type) }
        mutating func decode(_ type: Int16.Type) throws -> Int16 { try next(type).integer(type) }
        mutating func decode(_ type: Int32.Type) throws -> Int32 { try next(type).integer(type) }
        mutating func decode(_ type: Int64.Type) throws -> Int64 { try next(type).integer(type) }
        mutating func decode(_ type: UInt.Type) throws -> UInt { try next(type).integer(type) }
        mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try next(type).integer(type) }
        mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try next(type).integer(type) }
        mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try next(type).integer(type) }
        mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try next(type).integer(type) }
        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next(type).decodeValue(type) }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            try next([String: Any].self).container(keyedBy: type)
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next([Any].self).unkeyedContainer() }
        mutating func superDecoder() throws -> any Decoder { try next(Any.self) }
    }

    private struct SingleValueContainer: SingleValueDecodingContainer {
        let node: JSONNode
        let codingPath: [any CodingKey]
        private var decoder: JSONTreeDecoder { JSONTreeDecoder(node: node, codingPath: codingPath) }

        init(node: JSONNode, codingPath: [any CodingKey]) {
            self.node = node
            self.codingPath = codingPath
        }

        func decodeNil() -> Bool {
            if case .null = node.value { return true }
            return false
        }

        func decode(_ type: Bool.Type) throws -> Bool { try decoder.bool() }
        func decode(_ type: String.Type) throws -> String { try decoder.string() }
        func decode(_ type: Double.Type) throws -> Double { try decoder.floatingPoint(type) }
        func decode(_ type: Float.Type) throws -> Float { try decoder.floatingPoint(type) }
        func decode(_ type: Int.Type) throws -> Int { try decoder.integer(type) }
        func decode(_ type: Int8.Type) throws -> Int8 { try decoder.integer(type) }
        func decode(_ type: Int16.Type) throws -> Int16 { try decoder.integer(type) }
        func decode(_ type: Int32.Type) throws -> Int32 { try decoder.integer(type) }
        func decode(_ type: Int64.Type) throws -> Int64 { try decoder.integer(type) }
        func decode(_ type: UInt.Type) throws -> UInt { try decoder.integer(type) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try decoder.integer(type) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try decoder.integer(type) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try decoder.integer(type) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try decoder.integer(type) }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decodeValue(type) }
    }

    // MARK: After decoding

    /// A `DecodingError` as (JSON path, position, message).
    static func locate(_ error: DecodingError, in root: JSONNode) -> (path: String, position: SourcePosition, message: String) {
        let (context, message): (DecodingError.Context, String) =
            switch error {
            case .keyNotFound(let key, let context): (context, "missing member \"\(key.stringValue)\"")
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context): (context, context.debugDescription)
            @unknown default: (DecodingError.Context(codingPath: [], debugDescription: ""), "\(error)")
            }
        let path = context.codingPath.map { key -> JSONPathComponent in key.intValue.map { .index($0) } ?? .key(key.stringValue) }
        return (JSONPathComponent.format(path), root.deepestNode(along: path).position, message)
    }

    /// Members of decoded objects that no configuration type looked up: misspellings and keys
    /// from other versions. Objects under an unknown key are not examined (one mistake, one report).
    static func unknownKeys(in root: JSONNode) -> [(path: String, position: SourcePosition, message: String)] {
        var found: [(path: String, position: SourcePosition, message: String)] = []
        func visit(_ node: JSONNode, _ path: [JSONPathComponent]) {
            switch node.value {
            case .object(let members):
                guard node.decodedAsObject else { return }
                let present = Set(members.map(\.key))
                let candidates = node.requestedKeys.subtracting(present)
                for member in members {
                    let memberPath = path + [.key(member.key)]
                    guard node.requestedKeys.contains(member.key) else {
                        var message = "unknown member \"\(member.key)\""
                        if let suggestion = closest(to: member.key, among: candidates) { message += " (did you mean \"\(suggestion)\"?)" }
                        found.append((JSONPathComponent.format(memberPath), member.keyPosition, message))
                        continue
                    }
                    visit(member.value, memberPath)
                }
            case .array(let elements):
                for (index, element) in elements.enumerated() { visit(element, path + [.index(index)]) }
            default: break
            }
        }
        visit(root, [])
        return found
    }

    /// The candidate nearest to `key` (case-insensitive equality, else at most two edits), if any.
    static func closest(to key: String, among candidates: Set<String>) -> String? {
        if let match = candidates.sorted().first(where: { $0.lowercased() == key.lowercased() }) { return match }
        let scored = candidates.map { ($0, editDistance(Array(key.lowercased()), Array($0.lowercased()))) }
            .filter { $0.1 <= max(1, min(2, key.count / 4)) }
        return scored.min { ($0.1, $0.0) < ($1.1, $1.0) }?.0
    }

    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, y) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

/// "Did you mean …?" for names the user typed (configuration keys, query parameters).
public enum NameSuggestion {
    /// The candidate nearest to `name` (case-insensitive equality, else at most two edits), if any.
    public static func closest(to name: String, among candidates: Set<String>) -> String? {
        JSONTreeDecoder.closest(to: name, among: candidates)
    }
}
