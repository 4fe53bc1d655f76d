/// Severity of a log item, as SAP's `LogItemSeverityCode`.
public enum LogSeverity: Int, Sendable, Hashable, Comparable, Codable {
    case information = 1
    case warning = 2
    case error = 3
    case abort = 4

    public static func < (lhs: LogSeverity, rhs: LogSeverity) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One SAP-style message: a message class and number, a severity and a text with its
/// placeholders already substituted. It renders as a confirmation `Log/Item` with
/// `TypeID` `<number>(<class>)`.
public struct LedgerMessage: Sendable, Hashable, CustomStringConvertible {
    /// The catalogue entry this message was made from.
    public let id: LedgerMessageID
    /// The values substituted for `&1` … `&4`, in order (SAP's MSGV1 … MSGV4).
    public let variables: [String]
    /// The severity (normally the catalogue's; a caller may lower an error to a warning).
    public let severity: LogSeverity

    public init(_ id: LedgerMessageID, _ variables: String..., severity: LogSeverity? = nil) {
        self.id = id
        self.variables = variables.map { String($0.prefix(50)) }
        self.severity = severity ?? id.severity
    }

    /// A message with its variables as an array (e.g. read back from a store).
    public init(_ id: LedgerMessageID, variables: [String], severity: LogSeverity? = nil) {
        self.id = id
        self.variables = variables.map { String($0.prefix(50)) }
        self.severity = severity ?? id.severity
    }

    public var messageClass: String { id.messageClass }
    public var number: String { id.number }
    /// `702(F5)`.
    public var typeID: String { "\(id.number)(\(id.messageClass))" }

    /// The text with `&1` … `&4` (and bare `&`, in order) substituted, at most 200 characters.
    public var text: String {
        var result: [UInt8] = []
        result.reserveCapacity(id.template.utf8.count + 40)
        var nextPositional = 0
        var bytes = id.template.utf8[...]
        while let byte = bytes.first {
            bytes = bytes.dropFirst()
            guard byte == UInt8(ascii: "&") else {
                result.append(byte)
                continue
            }
            if let digit = bytes.first, digit >= UInt8(ascii: "1"), digit <= UInt8(ascii: "4") {
                bytes = bytes.dropFirst()
                let index = Int(digit - UInt8(ascii: "1"))
                if index < variables.count { result.append(contentsOf: variables[index].utf8) }
            } else {
                if nextPositional < variables.count { result.append(contentsOf: variables[nextPositional].utf8) }
                nextPositional += 1
            }
        }
        while result.last == UInt8(ascii: " ") { result.removeLast() }
        let text = String(decoding: result, as: UTF8.self)
        // 200 bytes are at most 200 characters: only longer texts need counting.
        return result.count > 200 && text.count > 200 ? String(text.prefix(200)) : text
    }

    public var description: String { "\(typeID) \(text)" }
}
