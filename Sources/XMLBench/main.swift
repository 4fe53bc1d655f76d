// xml-bench: the in-process rate of what the gateway does to each request before it touches
// the ledger — libxml2 parse of the SOAP envelope, XSD validation of the body payload, the
// placeholder scan and decoding into journal-entry drafts — so that it can be compared with
// the end-to-end HTTP figures of bench/run.sh.
//
// Usage: xml-bench <resources dir> <message.xml> [seconds] [threads]
import Dispatch
import Foundation
import JournalEntryService
import Synchronization
import SOAPCore
import XMLCore

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    print("usage: xml-bench <resources dir> <message.xml> [seconds] [threads]")
    exit(2)
}
let seconds = arguments.count > 3 ? Double(arguments[3]) ?? 3 : 3
let threads = arguments.count > 4 ? Int(arguments[4]) ?? 1 : 1
XMLLibrary.initialize()
let schema = try XSDSchema(path: arguments[1] + "/Schemas/JournalEntryCreate.xsd")
let text = try String(contentsOfFile: arguments[2], encoding: .utf8).replacingOccurrences(of: "__MSGID__", with: "BENCH-1")
let bytes = Array(text.utf8)

/// One full pass over a message; returns the number of entries decoded.
@Sendable func processOnce(_ bytes: [UInt8], _ schema: XSDSchema) -> Int {
    bytes.withUnsafeBytes { buffer in
        guard let envelope = try? SOAPEnvelope.parse(buffer, limits: XMLParseLimits()) else { fatalError("message does not parse") }
        guard schema.validate(envelope.payload).isEmpty, envelope.payload.placeholderIssues().isEmpty else { fatalError("message is not valid") }
        guard case .success(let request) = BulkCreateRequestDecoder.decode(envelope.payload) else { fatalError("message does not decode") }
        return request.entries.count
    }
}

let entriesPerMessage = processOnce(bytes, schema)
let total = Mutex(0)
let start = DispatchTime.now().uptimeNanoseconds
let deadline = start + UInt64(seconds * 1e9)
DispatchQueue.concurrentPerform(iterations: threads) { [bytes, schema] _ in
    var done = 0
    while DispatchTime.now().uptimeNanoseconds < deadline {
        _ = processOnce(bytes, schema)
        done += 1
    }
    total.withLock { $0 += done }
}
let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
let messages = total.withLock { $0 }
let rate = Double(messages) / elapsed
print(
    String(
        format: "RESULT xml-bench file=%@ bytes=%d threads=%d messages_per_s=%.0f entries_per_s=%.0f us_per_message=%.1f",
        (arguments[2] as NSString).lastPathComponent, bytes.count, threads, rate, rate * Double(entriesPerMessage),
        1e6 / rate * Double(threads)))
