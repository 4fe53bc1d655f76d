import Foundation
import GatewayHTTP
import Logging
import Synchronization
import Testing

/// `--log-format text` writes swift-log's `StreamLogHandler` line, so that what operators grep
/// for did not change when the handler did.
@Suite("Text log lines")
struct TextLogHandlerTests {
    final class Lines: Sendable {
        let all = Mutex<[String]>([])
    }

    func logger(_ lines: Lines, metadata: Logger.Metadata = [:]) -> Logger {
        var handler = TextLogHandler(label: "journal-gateway") { line in lines.all.withLock { $0.append(line) } }
        handler.metadata = metadata
        return Logger(label: "journal-gateway") { _ in handler }
    }

    @Test("time, level, label, metadata sorted by key, source in brackets, message, newline")
    func shape() throws {
        let lines = Lines()
        logger(lines).info("request", metadata: ["status": "200", "method": "POST", "durationMs": .stringConvertible(1.5)], source: "GatewayHTTP")
        let line = try #require(lines.all.withLock { $0.first })
        let pattern = #/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{4} info journal-gateway: durationMs=1.5 method=POST status=200 \[GatewayHTTP\] request\n$/#
        #expect(line.wholeMatch(of: pattern) != nil, "\(line)")
    }

    @Test("handler metadata and the event's own (which wins) are both written")
    func merged() throws {
        let lines = Lines()
        logger(lines, metadata: ["instance": "a", "status": "old"]).error("failed", metadata: ["status": "500"], source: "X")
        let line = try #require(lines.all.withLock { $0.first })
        #expect(line.hasSuffix(" error journal-gateway: instance=a status=500 [X] failed\n"), "\(line)")
    }

    @Test("a line without metadata has none")
    func bare() throws {
        let lines = Lines()
        logger(lines).notice("started", source: "Gateway")
        let line = try #require(lines.all.withLock { $0.first })
        #expect(line.hasSuffix(" notice journal-gateway: [Gateway] started\n"), "\(line)")
    }
}
