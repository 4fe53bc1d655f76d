import GatewayConfig
import Hummingbird
import Logging
import Metrics
import NIOCore
import Prometheus
import Synchronization

/// The gateway's metrics, recorded through swift-metrics into a Prometheus registry and served
/// at `GET /metrics` in Prometheus' text format.
///
/// Every metric is created from the explicit ``factory`` (never from the process-wide
/// `MetricsSystem`), so that several applications in one process (the tests) each count on
/// their own. `journal-gateway serve` additionally bootstraps `MetricsSystem` with the same
/// factory once (``bootstrapMetricsSystem()``), so that metrics of libraries land in the same
/// registry, and hands ``factory`` to the ledger store for its writer metrics.
///
/// Metrics (all names prefixed `journal_gateway_`):
/// - `requests_total{interface, outcome}`: requests by interface and ``RequestOutcome``
/// - `entries_total{interface, outcome}`: entries `posted`, `rejected`, `checked`
/// - `validation_faults_total{interface}`: SOAP requests refused with a client fault
/// - `logon_failures_total{interface, reason}`: refused logons (`reason` as in ``LogonFailure/Reason``:
///   `noCredentials`, `wrongPassword`, `unknownUser`, `unboundCertificate`, `overloaded`, …)
/// - `request_duration_seconds{interface}`: histogram of the time to answer
/// - `ledger_batch_messages` and `ledger_commit_duration_seconds`: the SQLite writer's
///   messages per transaction and commit latency (recorded by the store through ``factory``)
public final class GatewayMetrics: Sendable {
    /// Where the metrics live; `/metrics` renders it.
    public let registry: PrometheusCollectorRegistry
    /// swift-metrics factory over ``registry``, with the gateway's histogram buckets.
    public let factory: PrometheusMetricsFactory

    /// Histogram buckets of every duration (seconds): from 100 µs (a commit) to 30 s (a 20 MB bulk).
    public static let durationBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .microseconds(2500), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30),
    ]
    /// Histogram buckets of value recorders (the writer's messages per transaction; its maximum is 256).
    public static let valueBuckets: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256]

    private struct SeriesKey: Hashable {
        let name: String
        let labels: [String]
    }

    private let counters = Mutex<[SeriesKey: Metrics.Counter]>([:])
    private let timers = Mutex<[SeriesKey: Metrics.Timer]>([:])

    /// - Parameter registry: a fresh registry by default (one per application).
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.durationBuckets
        factory.defaultValueHistogramBuckets = Self.valueBuckets
        self.factory = factory
    }

    private static let bootstrapped = Mutex(false)

    /// Bootstraps the process-wide `MetricsSystem` with ``factory``. swift-metrics allows this
    /// once per process; later calls (from any instance) do nothing and return `false`.
    @discardableResult
    public func bootstrapMetricsSystem() -> Bool {
        Self.bootstrapped.withLock { done in
            guard !done else { return false }
            MetricsSystem.bootstrap(factory)
            done = true
            return true
        }
    }

    /// The Prometheus text exposition of everything recorded so far.
    public func exposition() -> [UInt8] { registry.emitToBuffer() }

    // MARK: Recording

    /// Records one answered request.
    func requestCompleted(interface: String, outcome: RequestOutcome, duration: Duration, entries: (posted: Int, rejected: Int, checked: Int)?) {
        let outcomeLabel = outcome.description
        counter("journal_gateway_requests_total", [("interface", interface), ("outcome", outcomeLabel)]).increment()
        timer("journal_gateway_request_duration_seconds", [("interface", interface)]).recordNanoseconds(duration.inNanoseconds)
        if let entries {
            for (kind, count) in [("posted", entries.posted), ("rejected", entries.rejected), ("checked", entries.checked)] where count > 0 {
                counter("journal_gateway_entries_total", [("interface", interface), ("outcome", kind)]).increment(by: count)
            }
        }
        if outcome == .fault { counter("journal_gateway_validation_faults_total", [("interface", interface)]).increment() }
    }

    /// Records a refused logon (`reason`: ``LogonFailure/Reason`` raw value).
    func logonFailed(interface: String, reason: String) {
        counter("journal_gateway_logon_failures_total", [("interface", interface), ("reason", reason)]).increment()
    }

    private func counter(_ name: String, _ labels: [(String, String)]) -> Metrics.Counter {
        Self.cached(in: counters, name, labels) { Metrics.Counter(label: name, dimensions: labels, factory: factory) }
    }

    private func timer(_ name: String, _ labels: [(String, String)]) -> Metrics.Timer {
        Self.cached(in: timers, name, labels) { Metrics.Timer(label: name, dimensions: labels, factory: factory) }
    }

    /// The series `name` with these label values from `cache`, created once.
    private static func cached<Metric: Sendable>(
        in cache: borrowing Mutex<[SeriesKey: Metric]>, _ name: String, _ labels: [(String, String)], make: () -> Metric
    ) -> Metric {
        let key = SeriesKey(name: name, labels: labels.map(\.1))
        return cache.withLock { series in
            if let metric = series[key] { return metric }
            let metric = make()
            series[key] = metric
            return metric
        }
    }
}

extension Duration {
    /// The duration in whole nanoseconds (saturating).
    var inNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : scaled + attoseconds / 1_000_000_000
    }

    /// The duration in milliseconds, for logs.
    var inMilliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}

/// `GET /metrics`, optionally behind its own HTTP Basic credentials (`metrics.username` /
/// `metrics.passwordHash` in the configuration); open when none are configured.
struct MetricsRoute: Sendable {
    let metrics: GatewayMetrics
    /// `nil` = no credentials required.
    let users: UserDirectory?

    /// - Parameter access: the `metrics` configuration key; credentials are required when it has both fields.
    init(metrics: GatewayMetrics, access: GatewayConfiguration.MetricsAccess?, logger: Logger) {
        self.metrics = metrics
        if let name = access?.username, let hash = access?.passwordHash {
            // A directory of its own: communication users cannot read metrics, the metrics user cannot post.
            users = UserDirectory(users: [GatewayConfiguration.User(name: name, passwordHash: hash, companyCodes: [])], logger: logger)
        } else {
            users = nil
        }
    }

    func addRoutes(to router: Router<GatewayRequestContext>) {
        router.get("/metrics") { request, context -> Response in
            if let users {
                // HTTP Basic only: a client certificate never logs on to /metrics.
                let outcome = await users.authenticate(
                    headers: request.headers, clientCertificate: nil, remoteAddress: context.remoteAddress.map(TLSHandshakeWatcher.describe))
                context.requestLog.loggedOn(outcome)
                if case .refused(let failure) = outcome {
                    var headers = failure.responseHeaders
                    if failure.httpStatus == 401 { headers[.wwwAuthenticate] = "Basic realm=\"journal-gateway metrics\"" }
                    headers[.contentType] = "text/plain; charset=utf-8"
                    let text = failure.httpStatus == 401 ? "Unauthorized: the metrics credentials are required" : failure.responseText
                    return Response(
                        status: HTTPResponse.Status(code: failure.httpStatus), headers: headers, body: .init(byteBuffer: ByteBuffer(string: text + "\n")))
                }
            }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
    }
}

