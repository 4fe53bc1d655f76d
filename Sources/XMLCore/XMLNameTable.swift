internal import CLibXML2

/// A fixed set of local names that elements can be matched against without allocating a
/// `String` per element: decoders build one table per element type and `switch` on the index.
///
/// ```swift
/// static let fields = XMLNameTable(["ID", "UUID", "CreationDateTime"])
/// switch child.nameIndex(in: Self.fields) { case 0: … case 1: … default: break }
/// ```
public struct XMLNameTable: Sendable {
    private let names: [[UInt8]]
    /// Candidates by (length, first byte).
    private let buckets: [Int: [Int]]

    public init(_ names: [String]) {
        self.names = names.map { Array($0.utf8) }
        var buckets: [Int: [Int]] = [:]
        for (index, name) in self.names.enumerated() where !name.isEmpty {
            buckets[Self.key(length: name.count, first: name[0]), default: []].append(index)
        }
        self.buckets = buckets
    }

    public var count: Int { names.count }

    @inline(__always)
    static func key(length: Int, first: UInt8) -> Int { length << 8 | Int(first) }

    func index(of name: UnsafePointer<xmlChar>) -> Int? {
        let length = strlen(UnsafeRawPointer(name).assumingMemoryBound(to: CChar.self))
        guard length > 0, let candidates = buckets[Self.key(length: length, first: name[0])] else { return nil }
        for candidate in candidates where names[candidate].withUnsafeBufferPointer({ memcmp($0.baseAddress!, name, length) == 0 }) {
            return candidate
        }
        return nil
    }
}

extension XMLElement {
    /// Index of this element's local name in `table`, or `nil` when it is not there. Does not allocate.
    public func nameIndex(in table: XMLNameTable) -> Int? {
        guard let name = node.pointee.name else { return nil }
        return table.index(of: name)
    }
}
