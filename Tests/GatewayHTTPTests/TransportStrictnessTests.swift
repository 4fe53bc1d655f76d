import CurlClient
import Foundation
import GatewayHTTP
import SOAPCore
import Testing
import XMLCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fresh single-entry message (new message ID, so replays never hide a posting).
private func freshMessage(headerText: String = "Transport test") -> String {
    BulkRequest(EntrySpec(headerText: headerText, lines: [.gl("65000000", "100.00"), .gl("11001000", "-100.00")])).envelope()
}

/// The SOAP fault in a raw reply, checked for status and version.
private func expectRawFault(
    _ reply: RawHTTP.Reply?, status: Int, version: SOAPVersion = .soap11, sourceLocation: SourceLocation = #_sourceLocation
) throws -> FaultReport {
    let reply = try #require(reply, "no reply", sourceLocation: sourceLocation)
    #expect(reply.status == status, "expected HTTP \(status): \(reply)", sourceLocation: sourceLocation)
    let expectedType = version == .soap11 ? "text/xml" : "application/soap+xml"
    #expect(reply.header("Content-Type")?.lowercased().hasPrefix(expectedType) == true, "\(reply)", sourceLocation: sourceLocation)
    #expect(reply.trailing.isEmpty, "a second answer followed: \(String(decoding: reply.trailing, as: UTF8.self))", sourceLocation: sourceLocation)
    let fault = try FaultReport(reply.body)
    #expect(fault.envelope.version == version, sourceLocation: sourceLocation)
    return fault
}

private let soap11Headers: [(String, String)] = [("Content-Type", "text/xml; charset=utf-8"), ("SOAPAction", "\"\(Repo.soapAction)\"")]

@Suite("Transport strictness: content and transfer codings, media types, broken bodies, character encodings")
struct TransportStrictnessTests {
    @Test("a Content-Encoding other than identity is HTTP 415 naming what is supported, and posts nothing")
    func contentEncoding() async throws {
        try await withGateway { gateway in
            for coding in ["gzip", "deflate", "br", "gzip, identity", "x-unknown"] {
                let response = try await gateway.send(
                    "POST", ServicePaths.createSync, body: Array(freshMessage().utf8),
                    headers: [("Content-Type", "text/xml; charset=utf-8"), ("Content-Encoding", coding)])
                let fault = try expectFault(response, status: 415)
                #expect(fault.code == "soap-env:Client")
                #expect(fault.reason.contains("Content-Encoding '\(coding)'"), "\(fault.reason)")
                #expect(fault.reason.contains("identity"), "\(fault.reason)")
                #expect(response.header("Accept-Encoding") == "identity")
            }
            let soap12 = try await gateway.send(
                "POST", ServicePaths.createSync, body: Array(freshMessage().asSOAP12.utf8),
                headers: [("Content-Type", "application/soap+xml; charset=utf-8"), ("Content-Encoding", "gzip")])
            #expect(try expectFault(soap12, status: 415, version: .soap12).code == "env:Sender")
            try await gateway.expectLedgerEmpty()
            // identity is no encoding at all.
            let identity = try await gateway.send(
                "POST", ServicePaths.createSync, body: Array(freshMessage().utf8),
                headers: [("Content-Type", "text/xml; charset=utf-8"), ("Content-Encoding", "Identity")])
            _ = try expectConfirmation(identity)
        }
    }

    @Test("a Transfer-Encoding other than chunked is refused: 501 when chunked is last, 400 when the body length is unknown")
    func transferEncoding() async throws {
        try await withGateway { gateway in
            let body = Array(freshMessage().utf8)
            let path = ServicePaths.createSync
            let notImplemented: [[(String, String)]] = [
                [("Transfer-Encoding", "gzip, chunked")],
                [("Transfer-Encoding", "deflate"), ("Transfer-Encoding", "chunked")],
            ]
            for te in notImplemented {
                let reply = try await RawHTTP.exchange(
                    port: gateway.port, RawHTTP.head(path: path, headers: soap11Headers + te) + RawHTTP.chunked(Array(freshMessage().utf8)))
                let fault = try expectRawFault(reply, status: 501)
                #expect(fault.reason.contains("Transfer-Encoding"), "\(fault.reason)")
                #expect(fault.reason.contains("only chunked"), "\(fault.reason)")
            }
            for te in ["gzip", "identity"] {
                let reply = try await RawHTTP.exchange(
                    port: gateway.port, RawHTTP.head(path: path, headers: soap11Headers + [("Transfer-Encoding", te)]) + body)
                let fault = try expectRawFault(reply, status: 400)
                #expect(fault.reason.contains("Transfer-Encoding '\(te)'"), "\(fault.reason)")
                #expect(!fault.reason.contains("exceeds"), "\(fault.reason)")
            }
            try await gateway.expectLedgerEmpty()
            // Plain chunked (any case) is fine.
            let chunked = try await RawHTTP.exchange(
                port: gateway.port,
                RawHTTP.head(path: path, headers: soap11Headers + [("Transfer-Encoding", "Chunked"), ("Connection", "close")])
                    + RawHTTP.chunked(Array(freshMessage().utf8)))
            #expect(chunked?.status == 200, "\(String(describing: chunked))")
            #expect(chunked?.text.contains("605(RW)") == true)
        }
    }

    @Test("an invalid chunk size is HTTP 400 with a message saying so, not 413")
    func invalidChunkSize() async throws {
        try await withGateway { gateway in
            let body = Array(freshMessage().utf8)
            let head = RawHTTP.head(path: ServicePaths.createSync, headers: soap11Headers + [("Transfer-Encoding", "chunked")])
            // A first chunk that is fine, then a size line that is not hexadecimal.
            let goodFirstChunk = Array("200\r\n".utf8) + body.prefix(0x200) + [13, 10]
            for broken in [Array("zz\r\n".utf8) + body, goodFirstChunk + Array("xyz\r\nabc".utf8), Array("-5\r\n".utf8) + body] {
                let reply = try await RawHTTP.exchange(port: gateway.port, head + broken)
                let fault = try expectRawFault(reply, status: 400)
                #expect(fault.code == "soap-env:Client")
                #expect(fault.reason.contains("invalid chunk size"), "\(fault.reason)")
                #expect(!fault.reason.contains("exceeds the limit"), "\(fault.reason)")
            }
            try await gateway.expectLedgerEmpty()
        }
    }

    @Test("a body cut short before its Content-Length or its last chunk is HTTP 400, not 413")
    func bodyCutShort() async throws {
        try await withGateway { gateway in
            let body = Array(freshMessage().utf8)
            let short = RawHTTP.head(path: ServicePaths.createSync, headers: soap11Headers + [("Content-Length", "\(body.count + 100)")]) + body
            let fault = try expectRawFault(try await RawHTTP.exchange(port: gateway.port, short), status: 400)
            #expect(fault.reason.contains("ended before"), "\(fault.reason)")
            #expect(fault.reason.contains("Content-Length"), "\(fault.reason)")
            #expect(!fault.reason.contains("exceeds the limit"), "\(fault.reason)")

            let chunkedHead = RawHTTP.head(path: ServicePaths.createSync, headers: soap11Headers + [("Transfer-Encoding", "chunked")])
            let cut = chunkedHead + Array(RawHTTP.chunked(body).prefix(700))
            let chunkFault = try expectRawFault(try await RawHTTP.exchange(port: gateway.port, cut), status: 400)
            #expect(chunkFault.reason.contains("ended before"), "\(chunkFault.reason)")
            try await gateway.expectLedgerEmpty()
        }
    }

    @Test("a connection torn down mid-body is closed, posts nothing, and the gateway keeps serving")
    func connectionResetMidBody() async throws {
        try await withGateway { gateway in
            let body = Array(freshMessage().utf8)
            let head = RawHTTP.head(path: ServicePaths.createSync, headers: soap11Headers + [("Content-Length", "\(body.count)")])
            for _ in 0..<5 {
                _ = try await RawHTTP.exchange(port: gateway.port, head + body.prefix(body.count / 2), abort: true)
            }
            try await Task.sleep(for: .milliseconds(200))
            try await gateway.expectLedgerEmpty()
            _ = try expectConfirmation(try await gateway.postSOAP(freshMessage()))
        }
    }

    @Test("media types are compared exactly by type and subtype, case-insensitively, with parameters parsed")
    func mediaTypes() async throws {
        try await withGateway { gateway in
            let refused = [
                "text/xmlfoo", "text/xml+foo", "text/xmlfoo; charset=utf-8", "application/soap+xmlx", "application/soap", "text/html",
                "text/xml; charset", "text/xml; charset=\"utf-8", "text / xml", "xml",
            ]
            for contentType in refused {
                let response = try await gateway.postSOAP(freshMessage(), contentType: contentType)
                let fault = try expectFault(response, status: 415)
                #expect(fault.reason.contains("Content-Type"), "\(contentType): \(fault.reason)")
            }
            let body = Array(freshMessage().utf8)
            let missing = try await RawHTTP.exchange(
                port: gateway.port, RawHTTP.head(path: ServicePaths.createSync, headers: [("Content-Length", "\(body.count)")]) + body)
            #expect(try expectRawFault(missing, status: 415).reason.contains("Content-Type is missing"))
            try await gateway.expectLedgerEmpty()

            for contentType in ["TEXT/XML", "Text/Xml;Charset=\"UTF-8\"", "text/xml ; charset=utf-8 ; foo=bar", "application/xml; charset=UTF-8"] {
                _ = try expectConfirmation(try await gateway.postSOAP(freshMessage(), contentType: contentType))
            }
            _ = try expectConfirmation(
                try await gateway.postSOAP(freshMessage().asSOAP12, version: .soap12, contentType: "Application/SOAP+XML;action=\"x\""),
                version: .soap12)
            // application/xml takes the version from the Envelope.
            _ = try expectConfirmation(
                try await gateway.postSOAP(freshMessage().asSOAP12, contentType: "application/xml"), version: .soap12)
        }
    }

    @Test("an Envelope of the other SOAP version than the media type says is a SOAP 1.1 VersionMismatch fault")
    func versionAndMediaTypeDisagree() async throws {
        try await withGateway { gateway in
            let soap12AsTextXML = try await gateway.postSOAP(freshMessage().asSOAP12, contentType: "text/xml; charset=utf-8")
            let f12 = try expectFault(soap12AsTextXML, status: 500)
            #expect(f12.code == "soap-env:VersionMismatch")
            #expect(f12.reason.contains("application/soap+xml"), "\(f12.reason)")
            #expect(soap12AsTextXML.text.contains("SupportedEnvelope"))

            let soap11AsSOAP12 = try await gateway.postSOAP(freshMessage(), version: .soap12)
            let f11 = try expectFault(soap11AsSOAP12, status: 500)
            #expect(f11.code == "soap-env:VersionMismatch")
            #expect(f11.reason.contains("text/xml"), "\(f11.reason)")
            try await gateway.expectLedgerEmpty()
        }
    }

    @Test("UTF-16 posts with its text intact; UTF-32 is refused naming the encoding, not as an empty body")
    func bodyEncodings() async throws {
        try await withGateway { gateway in
            let text = "Miete März – Büro"
            for bigEndian in [false, true] {
                let xml = freshMessage(headerText: text).replacingOccurrences(of: "encoding=\"UTF-8\"", with: "encoding=\"UTF-16\"")
                var bytes: [UInt8] = bigEndian ? [0xFE, 0xFF] : [0xFF, 0xFE]
                for unit in xml.utf16 { bytes += bigEndian ? [UInt8(unit >> 8), UInt8(unit & 0xFF)] : [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
                let response = try await gateway.send(
                    "POST", ServicePaths.createSync, body: bytes, headers: [("Content-Type", "text/xml; charset=utf-16")])
                let entry = try #require(try expectConfirmation(response).entries.first)
                let stored = try #require(try await gateway.journalEntry(entry.companyCode, entry.fiscalYear, entry.accountingDocument))
                #expect(stored.documentHeaderText == text)
            }
            let entriesBefore = try await gateway.listAll().count

            for (bom, declared) in [(true, "UTF-32"), (false, "UTF-32"), (true, nil)] as [(Bool, String?)] {
                var xml = freshMessage()
                if let declared { xml = xml.replacingOccurrences(of: "encoding=\"UTF-8\"", with: "encoding=\"\(declared)\"") }
                var bytes: [UInt8] = bom ? [0xFF, 0xFE, 0, 0] : []
                for scalar in xml.unicodeScalars {
                    let v = scalar.value
                    bytes += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)]
                }
                let fault = try expectFault(try await gateway.send("POST", ServicePaths.createSync, body: bytes, headers: soap11Headers), status: 500)
                #expect(fault.code == "soap-env:Client")
                #expect(fault.reason.contains("UTF-32"), "\(fault.reason)")
                #expect(!fault.reason.contains("empty"), "\(fault.reason)")
            }
            #expect(try await gateway.listAll().count == entriesBefore)
        }
    }

    @Test("Expect: 100-continue is answered with 100 Continue before the body is sent; a declared body over the limit gets no 100")
    func expectContinue() async throws {
        try await withGateway { gateway in
            let body = Array(freshMessage(headerText: "Expect continue").utf8)
            let head = RawHTTP.head(
                path: ServicePaths.createSync, headers: soap11Headers + [("Content-Length", "\(body.count)"), ("Expect", "100-continue")])
            // The head alone: the interim answer must come while the body is still held back (a
            // client like curl would otherwise wait a second and then send it regardless).
            let exchange = try await RawHTTP.exchangeHoldingBody(port: gateway.port, head: head, body: body, interimWait: 10)
            #expect(exchange.interim.hasPrefix("HTTP/1.1 100 Continue"), "no 100 Continue before the body: \(exchange.interim)")
            let reply = try #require(exchange.reply)
            #expect(reply.status == 200, "\(reply)")
            let confirmation = try Confirmation(try ResponseEnvelope(reply.body).payload)
            let posted = try #require(confirmation.entries.first)
            #expect(!posted.accountingDocument.trimmingCharacters(in: .whitespaces).isEmpty, "not posted: \(reply)")
            #expect(try await gateway.journalEntry(posted.companyCode, posted.fiscalYear, posted.accountingDocument)?.documentHeaderText == "Expect continue")

            // Over the limit by its Content-Length: no 100, so a waiting client never sends it.
            let tooLarge = RawHTTP.head(
                path: ServicePaths.createSync, headers: soap11Headers + [("Content-Length", "\(64 * 1024 * 1024)"), ("Expect", "100-continue")])
            let refused = try await RawHTTP.exchangeHoldingBody(port: gateway.port, head: tooLarge, body: nil, interimWait: 2)
            #expect(!refused.interim.contains("100 Continue"), "\(refused.interim)")

            // Pipelined behind a request without the expectation: its 100 comes after the answer
            // to the request ahead of it, never before (the client would take it for that one's).
            let aheadBody = Array(freshMessage(headerText: "Ahead in the pipeline").utf8)
            let ahead = RawHTTP.head(path: ServicePaths.createSync, headers: soap11Headers + [("Content-Length", "\(aheadBody.count)")]) + aheadBody
            let behindBody = Array(freshMessage(headerText: "Behind in the pipeline").utf8)
            let behind = RawHTTP.head(
                path: ServicePaths.createSync, headers: soap11Headers + [("Content-Length", "\(behindBody.count)"), ("Expect", "100-continue")])
            let pipelined = try await RawHTTP.exchangeHoldingBody(
                port: gateway.port, head: ahead + behind, body: behindBody, interimWait: 20, interimEnd: Array("100 Continue\r\n\r\n".utf8))
            let firstAnswer = try #require(pipelined.interim.range(of: "HTTP/1.1 200"), "no answer to the first request: \(pipelined.interim)")
            let continueLine = try #require(pipelined.interim.range(of: "HTTP/1.1 100 Continue"), "no 100 for the second: \(pipelined.interim)")
            #expect(firstAnswer.lowerBound < continueLine.lowerBound, "100 Continue before the answer ahead of it")
            #expect(pipelined.reply?.status == 200, "\(String(describing: pipelined.reply))")

            // Without the expectation nothing changes: the final answer is the first.
            let plainBody = Array(freshMessage(headerText: "No expectation").utf8)
            let plain = RawHTTP.head(path: ServicePaths.createSync, headers: soap11Headers + [("Content-Length", "\(plainBody.count)")])
            let plainReply = try #require(try await RawHTTP.exchange(port: gateway.port, plain + plainBody))
            #expect(plainReply.status == 200, "\(plainReply)")
        }
    }

    @Test("a charset parameter is honoured when the document is silent, refused when it contradicts the document or is unknown")
    func charsetParameter() async throws {
        try await withGateway { gateway in
            let contradiction = try await gateway.postSOAP(freshMessage(), contentType: "text/xml; charset=iso-8859-1")
            let fault = try expectFault(contradiction, status: 500)
            #expect(fault.reason.contains("iso-8859-1") && fault.reason.contains("UTF-8"), "\(fault.reason)")

            let unknown = try await gateway.postSOAP(freshMessage(), contentType: "text/xml; charset=x-foo")
            #expect(try expectFault(unknown, status: 415).reason.contains("'x-foo'"))

            let unknownDeclared = try await gateway.postSOAP(
                freshMessage().replacingOccurrences(of: "encoding=\"UTF-8\"", with: "encoding=\"x-foo\""))
            #expect(try expectFault(unknownDeclared, status: 500).reason.contains("'x-foo'"))
            try await gateway.expectLedgerEmpty()

            // A Latin-1 document without an XML declaration, labelled by the charset parameter.
            let xml = freshMessage(headerText: "Büro").replacingOccurrences(of: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", with: "")
            let latin1 = try #require(xml.data(using: .isoLatin1))
            let response = try await gateway.send(
                "POST", ServicePaths.createSync, body: Array(latin1), headers: [("Content-Type", "text/xml; charset=ISO-8859-1")])
            let entry = try #require(try expectConfirmation(response).entries.first)
            #expect(try await gateway.journalEntry(entry.companyCode, entry.fiscalYear, entry.accountingDocument)?.documentHeaderText == "Büro")
        }
    }
}

// MARK: - A raw HTTP/1.1 client

/// A raw HTTP/1.1 exchange over a plain TCP socket, for requests libcurl will not send: broken
/// chunking, bodies shorter than their `Content-Length`, odd `Transfer-Encoding`s.
///
/// The blocking socket calls run on a thread of their own, so the cooperative pool (which also
/// runs the in-process gateway) is never blocked.
enum RawHTTP {
    /// The first response on the connection, plus whatever bytes followed it.
    struct Reply: CustomStringConvertible {
        let status: Int
        let headers: [(name: String, value: String)]
        let body: [UInt8]
        /// Bytes after the first complete response (a second response would show up here).
        let trailing: [UInt8]

        var text: String { String(decoding: body, as: UTF8.self) }

        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        var description: String { "HTTP \(status) \(headers.map { "\($0.name): \($0.value)" }) \(text)" }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The head of a request to `path` with Basic credentials of the demo integration user.
    static func head(
        _ method: String = "POST", path: String, headers: [(String, String)], credentials: Credentials = .integration
    ) -> [UInt8] {
        var lines = ["\(method) \(path) HTTP/1.1", "Host: 127.0.0.1"]
        let token = Data("\(credentials.user):\(credentials.password)".utf8).base64EncodedString()
        lines.append("Authorization: Basic \(token)")
        for (name, value) in headers { lines.append("\(name): \(value)") }
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
    }

    /// `body` as a chunked body of `chunkSize`-byte chunks with the terminating zero chunk.
    static func chunked(_ body: [UInt8], chunkSize: Int = 512) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while index < body.count {
            let end = min(index + chunkSize, body.count)
            out += Array(String(end - index, radix: 16).utf8) + [13, 10] + body[index..<end] + [13, 10]
            index = end
        }
        return out + Array("0\r\n\r\n".utf8)
    }

    /// Connects to 127.0.0.1:`port`, sends `bytes`, half-closes (FIN after the data, so the server
    /// sees where the bytes end) and reads until the server closes or `timeout` passes. With
    /// `abort`, the connection is reset right after sending instead, and nothing is read (nil).
    /// `timeout` bounds each read: generous, because the whole target's suites share this process's
    /// thread pools with their in-process gateways, and a busy moment must not read as "no answer".
    static func exchange(port: Int, _ bytes: [UInt8], abort: Bool = false, timeout: Int = 60) async throws -> Reply? {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Reply?, any Error>) in
            Thread {
                do {
                    let start = ContinuousClock.now
                    let reply = try blockingExchange(port: port, bytes, abort: abort, timeout: timeout)
                    let elapsed = start.duration(to: .now)
                    if elapsed > .seconds(5) { print("RawHTTP.exchange to port \(port) took \(elapsed)") }
                    continuation.resume(returning: reply)
                } catch {
                    continuation.resume(throwing: error)
                }
            }.start()
        }
    }

    /// What a client holding its body back sees: the bytes that came within `interimWait` seconds
    /// of sending the head alone (an interim `100 Continue`, or nothing), then, when `body` is
    /// given, the final reply to the body sent after them.
    struct HeldExchange {
        let interim: String
        let reply: Reply?
    }

    /// `interimEnd`: the bytes that end the interim part (by default the end of the first head).
    static func exchangeHoldingBody(
        port: Int, head: [UInt8], body: [UInt8]?, interimWait: Int, interimEnd: [UInt8] = [13, 10, 13, 10]
    ) async throws -> HeldExchange {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HeldExchange, any Error>) in
            Thread {
                do {
                    let fd = try connected(port: port)
                    defer { close(fd) }
                    try sendAll(fd, head)
                    setReceiveTimeout(fd, seconds: interimWait)
                    var interim: [UInt8] = []
                    var buffer = [UInt8](repeating: 0, count: 65_536)
                    while firstIndex(of: interimEnd, in: interim) == nil {
                        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                        guard n > 0 else { break }
                        interim += buffer[0..<n]
                    }
                    guard let body else {
                        continuation.resume(returning: HeldExchange(interim: String(decoding: interim, as: UTF8.self), reply: nil))
                        return
                    }
                    try sendAll(fd, body)
                    #if canImport(Glibc)
                    shutdown(fd, Int32(SHUT_WR))
                    #else
                    shutdown(fd, SHUT_WR)
                    #endif
                    setReceiveTimeout(fd, seconds: 60)
                    let rest = readToEnd(fd)
                    let end = firstIndex(of: interimEnd, in: interim).map { $0 + interimEnd.count } ?? 0
                    let headText = String(decoding: interim[..<end], as: UTF8.self)
                    let reply = try parse(Array(interim[end...]) + rest)
                    continuation.resume(returning: HeldExchange(interim: headText, reply: reply))
                } catch {
                    continuation.resume(throwing: error)
                }
            }.start()
        }
    }

    /// A TCP socket connected to 127.0.0.1:`port` (the caller closes it).
    static func connected(port: Int) throws -> Int32 {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw Failure(description: "socket() failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw Failure(description: "connect() to port \(port) failed: errno \(errno)")
        }
        return fd
    }

    static func setReceiveTimeout(_ fd: Int32, seconds: Int) {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Everything the peer sends until it closes (or the receive timeout passes).
    static func readToEnd(_ fd: Int32) -> [UInt8] {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { break }
            received += buffer[0..<n]
        }
        return received
    }

    static func sendAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { raw in send(fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "send() failed after \(sent) bytes: errno \(errno)") }
            sent += n
        }
    }

    private static func blockingExchange(port: Int, _ bytes: [UInt8], abort: Bool, timeout: Int) throws -> Reply? {
        let fd = try connected(port: port)
        defer { close(fd) }
        setReceiveTimeout(fd, seconds: timeout)
        try sendAll(fd, bytes)
        if abort {
            // SO_LINGER 0: close() sends RST, so the server sees the connection torn down mid-body.
            var lingering = linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &lingering, socklen_t(MemoryLayout<linger>.size))
            return nil
        }
        #if canImport(Glibc)
        shutdown(fd, Int32(SHUT_WR))
        #else
        shutdown(fd, SHUT_WR)
        #endif

        return try parse(readToEnd(fd))
    }

    private static func parse(_ bytes: [UInt8]) throws -> Reply {
        guard let headEnd = firstIndex(of: [13, 10, 13, 10], in: bytes) else {
            throw Failure(description: "no HTTP response head in \(bytes.count) bytes: \(String(decoding: bytes, as: UTF8.self))")
        }
        let headLines = String(decoding: bytes[..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = headLines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw Failure(description: "bad status line \(headLines[0])") }
        let headers: [(name: String, value: String)] = headLines.dropFirst().compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let rest = Array(bytes[(headEnd + 4)...])
        var body: [UInt8] = []
        var trailing: [UInt8] = []
        if let length = headers.first(where: { $0.name.lowercased() == "content-length" }).flatMap({ Int($0.value) }) {
            body = Array(rest.prefix(length))
            trailing = Array(rest.dropFirst(length))
        } else if headers.contains(where: { $0.name.lowercased() == "transfer-encoding" && $0.value.lowercased().contains("chunked") }) {
            var index = 0
            while let lineEnd = firstIndex(of: [13, 10], in: rest, from: index) {
                let sizeText = String(decoding: rest[index..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
                guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else { break }
                index = lineEnd + 2
                if size == 0 {
                    index = min(rest.count, index + 2)
                    break
                }
                body += rest[index..<min(rest.count, index + size)]
                index = min(rest.count, index + size + 2)
            }
            trailing = Array(rest[min(index, rest.count)...])
        } else {
            body = rest
        }
        return Reply(status: status, headers: headers, body: body, trailing: trailing)
    }

    private static func firstIndex(of pattern: [UInt8], in bytes: [UInt8], from start: Int = 0) -> Int? {
        guard bytes.count >= pattern.count, start <= bytes.count - pattern.count else { return nil }
        for i in start...(bytes.count - pattern.count) where bytes[i] == pattern[0] {
            if bytes[i..<(i + pattern.count)].elementsEqual(pattern) { return i }
        }
        return nil
    }
}
