// pipeline-bench: the synchronous posting path in one process, without HTTP — envelope parse,
// XSD validation, decoding, posting rules, payload digest, the durable SQLite write (group
// commit, fsync) and the confirmation — for counting instructions per posted entry with
// valgrind --tool=callgrind (see bench/callgrind.sh). The gateway's own `serve` cannot run under
// valgrind 3.19 here (its async main crashes valgrind), so this drives the same service objects
// from a synchronous main.
//
// Usage: pipeline-bench <repository dir> <message.xml> <messages> [concurrent senders]
import Dispatch
import Foundation
import GatewayConfig
import JournalEntryService
import Ledger
import LedgerSQLite
import Logging
import SOAPCore
import XMLCore

let arguments = CommandLine.arguments
guard arguments.count >= 4, let count = Int(arguments[3]) else {
    print("usage: pipeline-bench <repository dir> <message.xml> <messages> [concurrent senders]")
    exit(2)
}
let senders = arguments.count > 4 ? Int(arguments[4]) ?? 4 : 4
let root = arguments[1]
XMLLibrary.initialize()
SQLiteLedgerStore.tuneProcess()  // as `serve` does
let (configuration, masterData) = try GatewayConfiguration.load(path: root + "/config/demo.json", checks: [])
let schema = try XSDSchema(path: root + "/Schemas/JournalEntryCreate.xsd")
// The request bytes around the message ID, split once (Foundation's string replacement on a
// 60 KB message would cost more than the work measured).
let template = Array(try String(contentsOfFile: arguments[2], encoding: .utf8).utf8)
let marker = Array("__MSGID__".utf8)
guard let markerAt = (0...(template.count - marker.count)).first(where: { template[$0..<$0 + marker.count].elementsEqual(marker) }) else {
    print("pipeline-bench: no __MSGID__ in \(arguments[2])")
    exit(2)
}
let (head, tail) = (Array(template[..<markerAt]), Array(template[(markerAt + marker.count)...]))
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-bench-\(getpid())")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }
var logger = Logger(label: "pipeline-bench")
logger.logLevel = .warning
let store = try SQLiteLedgerStore(path: directory.appendingPathComponent("ledger.sqlite").path, masterData: masterData, logger: logger)
let service = JournalEntryCreateService(
    schema: schema, masterData: masterData, store: store,
    system: GatewaySystem(systemID: configuration.system.systemID, logicalSystem: configuration.system.logicalSystem),
    limits: ServiceLimits(), logger: logger)
let authorization = PostingAuthorization(userName: "INTEGRATION", companyCodes: nil)
let stamp = DispatchTime.now().uptimeNanoseconds

/// One request as the HTTP layer hands it over and answers it; returns the entries posted.
@Sendable func post(_ index: Int) async throws -> Int {
    let bytes = head + Array("P-\(stamp)-\(index)".utf8) + tail
    let envelope = try SOAPEnvelope.parse(bytes)
    let result = try await service.process(envelope, authorization: authorization)
    let answer = SOAPEnvelopeWriter.envelope(version: envelope.version, payload: result.payload)
    // Every entry posted; the first answer is also read (a text search costs more than the work measured).
    guard result.rejectedCount == 0, result.postedCount == result.outcomes.count, result.postedCount > 0,
        index > 0 || (answer.contains("605(RW)") && !answer.contains("609(RW)"))
    else { throw LedgerStoreError("not posted: \(answer.prefix(400))") }
    return result.postedCount
}

let finished = DispatchSemaphore(value: 0)
let started = DispatchTime.now().uptimeNanoseconds
nonisolated(unsafe) var posted = 0
nonisolated(unsafe) var failure: (any Error)?
Task.detached {
    do {
        posted = try await withThrowingTaskGroup(of: Int.self) { group in
            for sender in 0..<senders {
                group.addTask {
                    var entries = 0
                    var index = sender
                    while index < count {
                        entries += try await post(index)
                        index += senders
                    }
                    return entries
                }
            }
            var total = 0
            for try await entries in group { total += entries }
            return total
        }
    } catch {
        failure = error
    }
    finished.signal()
}
finished.wait()
if let failure {
    print("pipeline-bench: \(failure)")
    exit(1)
}
let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
try store.close()
print(String(format: "RESULT pipeline-bench messages=%d entries=%d seconds=%.3f entries_per_s=%.0f", count, posted, seconds, Double(posted) / seconds))
