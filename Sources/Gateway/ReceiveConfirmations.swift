import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// `journal-gateway receive-confirmations`: a small receiver of confirmations for the demo and the
/// benchmark. It accepts a POST at any path, answers every one with the same status, and prints one
/// line per confirmation (or the whole body, or a running count).
struct ReceiveConfirmations: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receive-confirmations",
        abstract: "Receive confirmations from a gateway and print them (a test receiver for the demo and the benchmark).",
        discussion: """
            Accepts POST at any path (the demo configuration sends to http://127.0.0.1:9099/confirmations) and answers \
            each with --status and an empty body. By default one line per confirmation: time, path, SOAPAction, size, \
            and the confirmation's MessageHeader UUID and ReferenceID. Stops on SIGINT or SIGTERM.
            """)

    @Option(help: "Address to listen on.") var host: String = "127.0.0.1"
    @Option(help: "Port to listen on (0 = any free port, printed at start).") var port: Int = 9099
    @Option(help: "HTTP status of every answer (e.g. 500 or 503 to watch the gateway retry).") var status: Int = 200
    @Flag(name: .customLong("print"), help: "Print each confirmation's whole body after its line.") var printBodies = false
    @Flag(help: "Print nothing per confirmation.") var quiet = false
    @Flag(help: "Print only the running count, once a second while confirmations arrive, and the total at the end.")
    var countOnly = false

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535; got \(port)") }
        guard (200...599).contains(status) else { throw ValidationError("--status must be an HTTP status 200…599; got \(status)") }
        guard [printBodies, quiet, countOnly].filter({ $0 }).count <= 1 else {
            throw ValidationError("--print, --quiet and --count-only exclude each other")
        }
    }

    enum Output: Sendable {
        case lines, bodies, quiet, count
    }

    var output: Output { printBodies ? .bodies : quiet ? .quiet : countOnly ? .count : .lines }

    func run() async throws {
        var logger = Logger(label: "receive-confirmations")
        logger.logLevel = .warning
        let received = ReceivedCount()
        let output = self.output
        let answer = HTTPResponse.Status(code: status)
        let responder = CallbackResponder<BasicRequestContext> { request, context in
            guard request.method == .post else {
                return Response(status: .methodNotAllowed, headers: [.allow: "POST"])
            }
            let body = try await request.body.collect(upTo: 256 * 1024 * 1024)
            received.value.add(1, ordering: .relaxed)
            switch output {
            case .lines, .bodies:
                let bytes = body.readableBytesView
                var line = ReceivedConfirmation.line(
                    at: Date(), path: request.uri.path, soapAction: request.headers[.soapAction], contentType: request.headers[.contentType],
                    body: bytes)
                if output == .bodies { line += "\n" + String(decoding: bytes, as: UTF8.self) + "\n" }
                emit(line)
            case .quiet, .count:
                break
            }
            return Response(status: answer, headers: [.contentLength: "0"])
        }
        let app = Application(
            responder: responder,
            configuration: .init(address: .hostname(host, port: port), serverName: "journal-gateway-receiver"),
            onServerRunning: { [host, status] channel in
                let port = channel.localAddress?.port ?? 0
                emit("receiving confirmations on http://\(host):\(port)/ (any path), answering \(status)")
            },
            logger: logger)
        try await Serve.listening(host: host, port: port) {
            try await withThrowingDiscardingTaskGroup { group in
                if output == .count {
                    group.addTask { await Self.printCounts(received) }
                }
                try await app.runService()
                group.cancelAll()
            }
        }
        if output == .count || output == .quiet {
            emit("received \(received.value.load(ordering: .relaxed)) confirmations")
        }
    }

    /// Once a second, when the count changed: the total and the rate over that second.
    private static func printCounts(_ received: ReceivedCount) async {
        var last = 0
        while (try? await Task.sleep(for: .seconds(1))) != nil {
            let now = received.value.load(ordering: .relaxed)
            if now != last {
                emit("\(ReceivedConfirmation.timestamp.format(Date())) received \(now) (+\(now - last)/s)")
                last = now
            }
        }
    }
}

/// Writes `line` and a newline to standard output at once (unbuffered, one write per line, so
/// lines of concurrent requests never interleave and show up immediately in a pipe).
private func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Confirmations received so far, shared by the handlers and the count printer.
final class ReceivedCount: Sendable {
    let value = Atomic<Int>(0)
}

/// What the receiver prints about one confirmation.
enum ReceivedConfirmation {
    /// `2025-03-01T10:00:01.123Z`.
    static let timestamp = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// `2025-03-01T10:00:01.123Z /confirmations SOAPAction="…" 1834 bytes UUID=… ReferenceID=…`.
    static func line(at time: Date, path: String, soapAction: String?, contentType: String?, body: some Collection<UInt8>) -> String {
        var line = "\(timestamp.format(time)) \(path)"
        if let soapAction {
            line += " SOAPAction=\(soapAction)"
        } else if let contentType, let action = contentType.range(of: "action=") {
            line += " action=\(contentType[action.upperBound...].prefix { $0 != ";" })"
        }
        line += " \(body.count) bytes"
        let head = Array(body.prefix(8 * 1024))
        line += " UUID=\(firstText(of: "UUID", in: head) ?? "-") ReferenceID=\(firstText(of: "ReferenceID", in: head) ?? "-")"
        return line
    }

    /// The text of the first element `<name>` (unprefixed, as in SAP's MessageHeader), up to 100 printable characters.
    static func firstText(of name: String, in bytes: [UInt8]) -> String? {
        let open = Array("<\(name)>".utf8)
        guard bytes.count >= open.count else { return nil }
        var index = 0
        while index <= bytes.count - open.count {
            if bytes[index] == open[0], bytes[index..<(index + open.count)].elementsEqual(open) {
                let start = index + open.count
                let end = bytes[start...].firstIndex(of: UInt8(ascii: "<")) ?? bytes.count
                let text = bytes[start..<min(end, start + 100)].filter { $0 >= 0x20 && $0 < 0x7F }
                return String(decoding: text, as: UTF8.self)
            }
            index += 1
        }
        return nil
    }
}

extension HTTPField.Name {
    fileprivate static let soapAction = HTTPField.Name("SOAPAction")!
}
