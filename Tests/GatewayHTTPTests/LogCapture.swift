import Foundation
import GatewayHTTP
import Logging
import Synchronization

/// Collects what a logger writes, for tests of the request log. `logger()` records structured
/// events (level, message, metadata as text); `jsonLogger()` records the lines of the real
/// ``JSONLogHandler``.
final class LogCapture: Sendable {
    struct Event: Sendable, CustomStringConvertible {
        let level: Logger.Level
        let message: String
        let metadata: [String: String]

        subscript(_ key: String) -> String? { metadata[key] }
        var description: String { "\(level) \(message) \(metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))" }
    }

    private let events = Mutex<[Event]>([])
    private let lines = Mutex<[String]>([])

    func logger(level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: "journal-gateway.itest") { _ in CapturingLogHandler(capture: self) }
        logger.logLevel = level
        return logger
    }

    func jsonLogger(level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: "journal-gateway.itest") { label in
            JSONLogHandler(label: label) { line in self.lines.withLock { $0.append(line) } }
        }
        logger.logLevel = level
        return logger
    }

    fileprivate func append(_ event: Event) { events.withLock { $0.append(event) } }

    var all: [Event] { events.withLock { $0 } }
    var jsonLines: [String] { lines.withLock { $0 } }

    /// The request log lines (one per request).
    var requests: [Event] { all.filter { $0.message == "request" } }

    /// The request line with this request ID.
    func request(_ requestID: String) -> [Event] { requests.filter { $0["requestID"] == requestID } }

    /// Everything written, as one text (messages and metadata values), to search for what must never appear.
    var everything: String { all.map(\.description).joined(separator: "\n") + "\n" + jsonLines.joined() }
}

/// A swift-log handler that hands every event to a ``LogCapture``.
struct CapturingLogHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let own = event.metadata { merged.merge(own) { _, new in new } }
        capture.append(.init(level: event.level, message: event.message.description, metadata: merged.mapValues { "\($0)" }))
    }
}

/// The samples of a Prometheus text exposition, by series (`name{label="value",…}` as written).
struct MetricsScrape {
    let samples: [String: Double]
    let text: String

    init(_ text: String) {
        self.text = text
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = value
        }
        self.samples = samples
    }

    /// The value of a series; 0 when it was not written yet (a counter that never moved).
    subscript(_ series: String) -> Double { samples[series] ?? 0 }

    /// Whether the exposition declares `name` with this `# TYPE`.
    func declares(_ name: String, type: String) -> Bool { text.contains("# TYPE \(name) \(type)\n") }
}
