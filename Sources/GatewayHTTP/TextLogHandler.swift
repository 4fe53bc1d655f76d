#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import Synchronization

/// The `--log-format text` handler: swift-log's `StreamLogHandler` line, byte for byte
/// (`<local time> <level> <label>: key=value … [<source>] <message>`, metadata sorted by key,
/// `error.message`/`error.type` for an attached error), written in one `write(2)`.
///
/// It exists for the request log, one line per request: `StreamLogHandler` formats the local time
/// with `localtime` and `strftime` for every line (which also stats the time zone file) and
/// merges metadata dictionaries; this handler formats the time once per second and writes the
/// sorted metadata straight into the line.
public struct TextLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level = .info
    private let label: String
    private let output: JSONLogHandler.Output

    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil, output: @escaping JSONLogHandler.Output = JSONLogHandler.standardOutput) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let provided = metadataProvider?.get() ?? [:]
        // The usual line (the request log) has only its own metadata: used as it is, not merged.
        var merged = metadata.isEmpty && provided.isEmpty ? event.metadata ?? [:] : metadata
        if !provided.isEmpty { merged.merge(provided) { _, new in new } }
        if !metadata.isEmpty || !provided.isEmpty, let own = event.metadata, !own.isEmpty { merged.merge(own) { _, new in new } }
        if let error = event.error {
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        var line = Self.timestamp()
        line += " "
        line += event.level.rawValue
        if !label.isEmpty { line += " " }
        line += label
        line += ":"
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            line += " "
            line += key
            line += "="
            line += value.description
        }
        line += " ["
        line += event.source
        line += "] "
        line += event.message.description
        line += "\n"
        output(line)
    }

    private static let clock = Mutex<(second: time_t, text: String)>((-1, ""))

    /// The local time as `StreamLogHandler` writes it (`%Y-%m-%dT%H:%M:%S%z`), formatted once per second.
    static func timestamp() -> String {
        let now = time(nil)
        return clock.withLock { cached in
            if cached.second == now { return cached.text }
            var seconds = now
            var local = tm()
            guard localtime_r(&seconds, &local) != nil else { return "<unknown>" }
            var buffer = [CChar](repeating: 0, count: 64)
            strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &local)
            let text = String(cString: buffer)
            cached = (now, text)
            return text
        }
    }
}
