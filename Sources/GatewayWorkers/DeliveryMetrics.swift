import ConfirmationDelivery
import Metrics

/// The dispatcher's metrics (all names prefixed `journal_gateway_`):
/// - `delivery_attempts_total{outcome}`: attempts by outcome: `delivered`, `http_4xx`, `http_5xx`,
///   `http_other` (1xx/3xx), `timeout`, `connection_refused`, `transport_error`, `render_error`,
///   `lease_expired` (an attempt lost with its dispatcher, recorded on recovery)
/// - `deliveries_delivered_total`, `deliveries_failed_total`: deliveries that reached the state
/// - `delivery_attempt_duration_seconds`: histogram of one attempt (render, connect, send, answer)
/// - `delivery_latency_seconds`: histogram from enqueueing to delivered (the receiver's 2xx)
/// - `deliveries_in_flight`: deliveries this dispatcher holds (claimed, result not yet stored)
struct DeliveryMetrics: Sendable {
    enum OutcomeLabel: String, CaseIterable, Sendable {
        case delivered, http4xx = "http_4xx", http5xx = "http_5xx", httpOther = "http_other", timeout,
            connectionRefused = "connection_refused", transportError = "transport_error", renderError = "render_error",
            leaseExpired = "lease_expired"

        init(_ attempt: FinishedAttempt) {
            if case .renderFailed = attempt.kind {
                self = .renderError
                return
            }
            switch attempt.outcome {
            case .httpStatus(let status):
                switch status {
                case 200..<300: self = .delivered
                case 400..<500: self = .http4xx
                case 500..<600: self = .http5xx
                default: self = .httpOther
                }
            case .timedOut: self = .timeout
            case .connectionRefused: self = .connectionRefused
            case .transportError: self = .transportError
            }
        }
    }

    private let attempts: [OutcomeLabel: Counter]
    let delivered: Counter
    let failed: Counter
    let attemptDuration: Metrics.Timer
    let deliveryLatency: Metrics.Timer
    let inFlight: Gauge

    init(factory: any MetricsFactory) {
        var attempts: [OutcomeLabel: Counter] = [:]
        for label in OutcomeLabel.allCases {
            attempts[label] = Counter(
                label: "journal_gateway_delivery_attempts_total", dimensions: [("outcome", label.rawValue)], factory: factory)
        }
        self.attempts = attempts
        delivered = Counter(label: "journal_gateway_deliveries_delivered_total", dimensions: [], factory: factory)
        failed = Counter(label: "journal_gateway_deliveries_failed_total", dimensions: [], factory: factory)
        attemptDuration = Metrics.Timer(label: "journal_gateway_delivery_attempt_duration_seconds", dimensions: [], factory: factory)
        deliveryLatency = Metrics.Timer(label: "journal_gateway_delivery_latency_seconds", dimensions: [], factory: factory)
        inFlight = Gauge(label: "journal_gateway_deliveries_in_flight", dimensions: [], factory: factory)
    }

    func countAttempt(_ label: OutcomeLabel, by amount: Int = 1) {
        attempts[label]?.increment(by: amount)
    }
}
