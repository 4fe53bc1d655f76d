import Glibc
import Synchronization

/// What the test receiver got.
struct ReceivedRequest: Sendable {
    var method: String
    var target: String
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// How the test receiver answers one request.
enum ReceiverAction: Sendable {
    case reply(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = [])
    /// Never answer; keep the connection open until the client closes it or the server stops.
    case hang

    static let ok = ReceiverAction.reply(status: 200, body: Array("OK".utf8))
}

/// A tiny HTTP/1.1 receiver of confirmations on 127.0.0.1 with Glibc sockets (the same as
/// CurlClientTests' server): one thread accepting, one thread per connection, keep-alive,
/// Content-Length bodies. Records every request it parsed and counts TCP connections.
final class LoopbackReceiver: Sendable {
    private struct State {
        var requests: [ReceivedRequest] = []
        var connectionsAccepted = 0
        var connectionsClosed = 0
        var openConnections: Set<Int32> = []
        var handlersRunning = 0
        var peakHandlersRunning = 0
        var stopped = false
    }

    let port: Int
    private let listenFD: Int32
    private let state = Mutex(State())
    private let handler: @Sendable (ReceivedRequest) -> ReceiverAction

    /// - Parameter port: 0 = any free port; a given port lets a test bring a receiver "back up".
    init(port: Int = 0, handler: @escaping @Sendable (ReceivedRequest) -> ReceiverAction = { _ in .ok }) throws {
        self.handler = handler
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LoopbackReceiverError.syscall("socket", errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        do {
            try Self.bindLoopback(fd, port: port)
            guard listen(fd, 512) == 0 else { throw LoopbackReceiverError.syscall("listen", errno) }
            self.port = try Self.localPort(fd)
        } catch {
            close(fd)
            throw error
        }
        self.listenFD = fd
        startThread { [self] in acceptLoop() }
    }

    /// A loopback port that was just bound and closed, so connecting to it is refused.
    static func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LoopbackReceiverError.syscall("socket", errno) }
        defer { close(fd) }
        try bindLoopback(fd)
        return try localPort(fd)
    }

    var requests: [ReceivedRequest] { state.withLock { $0.requests } }
    var requestCount: Int { state.withLock { $0.requests.count } }
    var connectionsAccepted: Int { state.withLock { $0.connectionsAccepted } }
    var connectionsClosed: Int { state.withLock { $0.connectionsClosed } }
    var peakHandlersRunning: Int { state.withLock { $0.peakHandlersRunning } }

    /// Stops accepting and unblocks every connection thread. Threads close their own descriptors.
    func stop() {
        state.withLock { s in
            guard !s.stopped else { return }
            s.stopped = true
            shutdown(listenFD, Int32(SHUT_RDWR))
            for fd in s.openConnections { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    // MARK: - Threads

    private func acceptLoop() {
        while true {
            let fd = accept(listenFD, nil, nil)
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                break
            }
            let accepted = state.withLock { s in
                if s.stopped { return false }
                s.openConnections.insert(fd)
                s.connectionsAccepted += 1
                return true
            }
            guard accepted else {
                close(fd)
                break
            }
            startThread { [self] in serve(fd) }
        }
        close(listenFD)
    }

    private func serve(_ fd: Int32) {
        defer {
            state.withLock { s in
                s.openConnections.remove(fd)
                s.connectionsClosed += 1
            }
            close(fd)
        }
        var buffer: [UInt8] = []
        var scanFrom = 0
        while true {
            // Head.
            var headEnd: Int? = nil
            while headEnd == nil {
                headEnd = Self.find(crlfcrlf, in: buffer, from: scanFrom)
                if headEnd == nil {
                    scanFrom = max(0, buffer.count - 3)
                    guard receive(fd, into: &buffer) else { return }
                }
            }
            let head = String(decoding: buffer[..<headEnd!], as: UTF8.self)
            buffer.removeFirst(headEnd! + 4)
            scanFrom = 0
            var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
            let requestLine = lines.removeFirst().split(separator: " ").map(String.init)
            guard requestLine.count == 3 else { return }
            let headers: [(name: String, value: String)] = lines.compactMap { line in
                guard let colon = line.firstIndex(of: ":") else { return nil }
                let value = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
                return (name: String(line[..<colon]), value: String(value))
            }
            let length = headers.first { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) } ?? 0
            // Body.
            while buffer.count < length {
                guard receive(fd, into: &buffer) else { return }
            }
            let body = Array(buffer[..<length])
            buffer.removeFirst(length)

            let request = ReceivedRequest(method: requestLine[0], target: requestLine[1], headers: headers, body: body)
            state.withLock { s in
                s.requests.append(request)
                s.handlersRunning += 1
                s.peakHandlersRunning = max(s.peakHandlersRunning, s.handlersRunning)
            }
            let action = handler(request)
            state.withLock { $0.handlersRunning -= 1 }

            switch action {
            case .hang:
                continue  // read on: returns when the client gives up or the server stops
            case .reply(let status, let extraHeaders, let replyBody):
                var response = "HTTP/1.1 \(status) \(Self.reason(status))\r\nContent-Length: \(replyBody.count)\r\n"
                for header in extraHeaders { response += "\(header.name): \(header.value)\r\n" }
                response += "\r\n"
                guard sendAll(fd, Array(response.utf8) + replyBody) else { return }
            }
        }
    }

    private func receive(_ fd: Int32, into buffer: inout [UInt8]) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return false }
        buffer.append(contentsOf: chunk[..<n])
        return true
    }

    private func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }

    // MARK: - Helpers

    private let crlfcrlf: [UInt8] = Array("\r\n\r\n".utf8)

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        for i in start...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
        }
        return nil
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 302: "Found"
        case 400: "Bad Request"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }

    private static func bindLoopback(_ fd: Int32, port: Int = 0) throws {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else { throw LoopbackReceiverError.syscall("bind", errno) }
    }

    private static func localPort(_ fd: Int32) throws -> Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let rc = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard rc == 0 else { throw LoopbackReceiverError.syscall("getsockname", errno) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

enum LoopbackReceiverError: Error {
    case syscall(String, Int32)
}

private final class ThreadBody {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}

/// Runs `body` on a new detached pthread.
func startThread(_ body: @escaping @Sendable () -> Void) {
    let context = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    var thread = pthread_t()
    let rc = pthread_create(&thread, nil, { context in
        Unmanaged<ThreadBody>.fromOpaque(context!).takeRetainedValue().run()
        return nil
    }, context)
    precondition(rc == 0, "pthread_create failed: \(rc)")
    pthread_detach(thread)
}
