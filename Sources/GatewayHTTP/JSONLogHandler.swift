#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Ledger
import Logging
import Synchronization

/// How `journal-gateway serve` writes its log (`--log-format`).
public enum LogFormat: String, Sendable, CaseIterable {
    /// swift-log's `StreamLogHandler` lines: `<time> <level> <label>: key=value … [<module>] <message>`.
    case text
    /// One JSON object per line (``JSONLogHandler``).
    case json
}

/// A swift-log handler that writes one JSON object per line.
///
/// Keys: `time` (UTC, ISO 8601 with microseconds), `level`, `message`, `label`, then the metadata
/// flattened into the same object in sorted key order (nested dictionaries as `outer.inner`).
/// Integer, floating-point and Boolean metadata values become JSON numbers and booleans, arrays
/// become JSON arrays, everything else a JSON string. A metadata key that collides with one of
/// the fixed keys is written as `metadata.<key>`. An attached error is written as `error`.
public struct JSONLogHandler: LogHandler {
    /// Where finished lines go (each call receives one complete line, newline included).
    public typealias Output = @Sendable (String) -> Void

    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level = .info
    private let label: String
    private let output: Output

    static let fixedKeys: Set<String> = ["time", "level", "message", "label"]

    /// - Parameters:
    ///   - output: receives every line; by default they are written to standard output.
    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil, output: @escaping Output = JSONLogHandler.standardOutput) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let own = event.metadata { merged.merge(own) { _, new in new } }
        if let error = event.error, merged["error"] == nil { merged["error"] = .string("\(error)") }
        output(Self.line(time: UTCTimestamp.now(), level: event.level, message: event.message.description, label: label, metadata: merged))
    }

    /// Renders one line (exposed for tests and for other writers).
    public static func line(time: String, level: Logger.Level, message: String, label: String, metadata: Logger.Metadata) -> String {
        var text = "{\"time\":"
        appendString(time, to: &text)
        text += ",\"level\":"
        appendString(level.rawValue, to: &text)
        text += ",\"message\":"
        appendString(message, to: &text)
        text += ",\"label\":"
        appendString(label, to: &text)
        var flat: [(String, Logger.Metadata.Value)] = []
        flatten(metadata, prefix: "", into: &flat)
        for (key, value) in flat.sorted(by: { $0.0 < $1.0 }) {
            text += ","
            appendString(fixedKeys.contains(key) ? "metadata." + key : key, to: &text)
            text += ":"
            appendValue(value, to: &text)
        }
        text += "}\n"
        return text
    }

    private static func flatten(_ metadata: Logger.Metadata, prefix: String, into flat: inout [(String, Logger.Metadata.Value)]) {
        for (key, value) in metadata {
            if case .dictionary(let nested) = value {
                flatten(nested, prefix: prefix + key + ".", into: &flat)
            } else {
                flat.append((prefix + key, value))
            }
        }
    }

    private static func appendValue(_ value: Logger.Metadata.Value, to text: inout String) {
        switch value {
        case .string(let string): appendString(string, to: &text)
        case .stringConvertible(let convertible):
            switch convertible {
            case let number as any BinaryInteger: text += "\(number)"
            case let number as Double where number.isFinite: text += "\(number)"
            case let number as Float where number.isFinite: text += "\(number)"
            case let flag as Bool: text += flag ? "true" : "false"
            default: appendString(convertible.description, to: &text)
            }
        case .array(let values):
            text += "["
            for (index, element) in values.enumerated() {
                if index > 0 { text += "," }
                appendValue(element, to: &text)
            }
            text += "]"
        case .dictionary(let nested):
            // Only reached inside arrays: written as a JSON object.
            text += "{"
            for (index, (key, element)) in nested.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { text += "," }
                appendString(key, to: &text)
                text += ":"
                appendValue(element, to: &text)
            }
            text += "}"
        }
    }

    /// Appends `string` as a JSON string literal (RFC 8259 escaping; control characters as `\u00XX`).
    static func appendString(_ string: String, to text: inout String) {
        text += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029:
                let hex = String(scalar.value, radix: 16, uppercase: false)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }

    private static let outputLock = Mutex(())

    /// Writes a line to standard output in one `write(2)`, so concurrent lines never interleave.
    public static let standardOutput: Output = { line in
        outputLock.withLock { _ in
            var utf8 = line
            utf8.withUTF8 { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = write(STDOUT_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                    if written <= 0 {
                        if written < 0 && errno == EINTR { continue }
                        return
                    }
                    offset += written
                }
            }
        }
    }
}
