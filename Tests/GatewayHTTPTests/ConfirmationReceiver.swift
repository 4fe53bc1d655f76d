import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A receiver of confirmations for the asynchronous integration tests: a small Hummingbird server
/// on 127.0.0.1 that records every request (method, path, query, headers, body) and answers with
/// a scripted sequence of statuses, then with ``defaultStatus``.
///
/// ```swift
/// let receiver = try await ConfirmationReceiver.start(statuses: [500, 500])   // then 200
/// … let received = try await receiver.waitForRequests(3)
/// await receiver.stop()
/// ```
///
/// "Down, then up": ``stop()`` closes the listening socket (connections are then refused); a new
/// receiver started with the same `port` brings the endpoint back.
final class ConfirmationReceiver: Sendable {
    /// One request as the receiver got it.
    struct Request: Sendable, CustomStringConvertible {
        let method: String
        let path: String
        /// The query string without `?` (empty when there is none).
        let query: String
        let headers: [(name: String, value: String)]
        let body: [UInt8]
        /// The status the receiver answered.
        let answeredStatus: Int
        let receivedAt: Date

        /// The first value of a header, case-insensitively.
        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        var text: String { String(decoding: body, as: UTF8.self) }

        var description: String {
            "\(method) \(path)\(query.isEmpty ? "" : "?" + query) → \(answeredStatus), \(body.count) bytes, "
                + "Content-Type: \(header("Content-Type") ?? "-"), SOAPAction: \(header("SOAPAction") ?? "-")"
        }
    }

    private struct State {
        var requests: [Request] = []
        var script: [Int]
        var defaultStatus: Int
    }

    /// The state shared by the receiver and its request handler.
    private final class Shared: Sendable {
        let mutex: Mutex<State>
        init(_ state: State) { mutex = Mutex(state) }
    }

    let port: Int
    /// `http://127.0.0.1:<port>`.
    var baseURL: String { "http://127.0.0.1:\(port)" }

    private let shared: Shared
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(port: Int, shared: Shared, group: ServiceGroup, task: Task<Void, any Error>) {
        self.port = port
        self.shared = shared
        self.group = group
        self.task = task
    }

    /// Starts a receiver and returns once it listens.
    /// - Parameters:
    ///   - port: 0 = a free port chosen by the kernel; a given port brings a stopped receiver back.
    ///   - statuses: the statuses of the first requests, in order (e.g. `[500, 500]`).
    ///   - defaultStatus: the status of every request after the script.
    static func start(port: Int = 0, statuses: [Int] = [], defaultStatus: Int = 200) async throws -> ConfirmationReceiver {
        var logger = Logger(label: "itest.confirmation-receiver")
        logger.logLevel = .critical
        let shared = Shared(State(script: statuses, defaultStatus: defaultStatus))
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            let body = try await request.body.collect(upTo: 64 << 20)
            let headers = request.headers.map { (name: $0.name.rawName, value: $0.value) }
            let status = shared.mutex.withLock { s -> Int in
                let status = s.script.isEmpty ? s.defaultStatus : s.script.removeFirst()
                s.requests.append(
                    Request(
                        method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "", headers: headers,
                        body: Array(body.readableBytesView), answeredStatus: status, receivedAt: Date()))
                return status
            }
            return Response(status: HTTPResponse.Status(code: status), headers: [.contentLength: "0"])
        }
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            responder: responder,
            configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "itest-confirmation-receiver"),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task {
            defer { portContinuation.finish() }
            try await group.run()
        }
        var bound: Int?
        for await port in ports {
            bound = port
            break
        }
        guard let bound, bound > 0 else {
            task.cancel()
            let outcome = await task.result
            throw HarnessError("the confirmation receiver did not start on port \(port): \(outcome)")
        }
        return ConfirmationReceiver(port: bound, shared: shared, group: group, task: task)
    }

    /// Stops listening and waits until the server is gone (new connections are refused).
    func stop() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
    }

    /// Every request so far, in arrival order.
    var requests: [Request] { shared.mutex.withLock { $0.requests } }

    /// Changes how later requests are answered (the script is replaced).
    func answer(_ statuses: [Int] = [], thenDefault defaultStatus: Int) {
        shared.mutex.withLock { s in
            s.script = statuses
            s.defaultStatus = defaultStatus
        }
    }

    /// Waits until at least `count` requests have arrived and returns them all.
    func waitForRequests(_ count: Int, timeout: Duration = .seconds(10)) async throws -> [Request] {
        try await poll("\(count) request(s) at the confirmation receiver on port \(port)", timeout: timeout) {
            let requests = self.requests
            return requests.count >= count ? requests : nil
        }
    }
}

/// The URL of a loopback port nobody listens on (bound and closed right away): connecting is refused.
func unusedLoopbackPort() async throws -> Int {
    let receiver = try await ConfirmationReceiver.start()
    let port = receiver.port
    await receiver.stop()
    return port
}

/// Polls `probe` every `interval` until it returns a value, or fails after `timeout` with what
/// was awaited: the tests wait for conditions, never for fixed times.
func poll<T: Sendable>(
    _ what: String, timeout: Duration = .seconds(10), interval: Duration = .milliseconds(50), _ probe: () async throws -> T?
) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    while true {
        if let value = try await probe() { return value }
        guard ContinuousClock.now < deadline else { throw HarnessError("timed out after \(timeout) waiting for \(what)") }
        try await Task.sleep(for: interval)
    }
}
