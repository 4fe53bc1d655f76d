import ConfirmationDelivery
import CurlClient
import Foundation
import Ledger
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Delivers confirmations from the store's outbox to their receivers: at least once, retried with
/// the ``RetryPolicy``'s backoff until delivered or failed. A `Service`: ``run()`` works until the
/// service group shuts down gracefully.
///
/// One round:
/// 1. In one store transaction: take due deliveries (`dueDeliveries`), recover those whose lease
///    ended (their dispatcher stopped; the lost attempt is recorded), and claim them for one attempt
///    with a lease of the attempt timeout plus ``Configuration/leaseMargin``.
/// 2. Outside any transaction: render each claimed delivery (`render`, called for every attempt)
///    and POST it with CurlClient, up to ``Configuration/maximumConcurrentSends`` at once over
///    kept-alive connections.
/// 3. In one store transaction for all attempts that finished meanwhile: `attemptFinished`, the new
///    state and the attempt's row. A 2xx delivers; any other status, a timeout, a refused
///    connection, a transport or rendering error is recorded and retried per policy.
///
/// Everything that decides correctness lives in the store: a claim is a row's state and lease, so a
/// dispatcher that dies leaves deliveries that the next one (here or in another process) takes
/// again after the lease. ``wake()`` only shortens the wait for work; without it the dispatcher
/// finds new deliveries at its next poll.
///
/// Graceful shutdown: no new claims; attempts in flight may finish within
/// ``Configuration/shutdownGracePeriod``, are then aborted and recorded as failed attempts (retried
/// after a restart); their results are stored before ``run()`` returns. No delivery stays claimed
/// beyond its lease, whatever happens.
///
/// ```swift
/// let dispatcher = ConfirmationDispatcher(
///     store: store, policy: configuration.delivery.retry, logger: logger, metricsFactory: metrics.factory,
///     credentials: { target in outboundCredentials[target.communicationSystem ?? ""] },
///     render: { delivery in try await renderer.confirmation(for: delivery) })
/// // services: [dispatcher, postingProcessor] (shut down in reverse order); after enqueuing:
/// dispatcher.wake()
/// ```
public final class ConfirmationDispatcher: Service, Sendable {
    /// Renders the confirmation of a delivery; called once per attempt and must give the same
    /// body every time for the same delivery.
    public typealias Renderer = @Sendable (DeliveryRecord) async throws -> OutboundConfirmation
    /// The credentials for a receiver; `nil` = none (no logon, the system's trusted CAs).
    public typealias CredentialsProvider = @Sendable (DeliveryTarget) -> OutboundCredentials?

    private let store: any LedgerStore
    private let policy: RetryPolicy
    private let configuration: Configuration
    private let render: Renderer
    private let credentials: CredentialsProvider
    private let logger: Logger
    private let metrics: DeliveryMetrics
    private let now: @Sendable () -> Date
    private let randomUnit: @Sendable () -> Double

    private let claimSignal = DeliveryWakeSignal()
    private let settleSignal = DeliveryWakeSignal()
    private let state = Mutex(RunState())

    private struct RunState {
        var started = false
        var stopping = false
        /// Claimed by this run and not yet stored: being sent, or finished and waiting in `finished`.
        var outstanding = 0
        var finished: [FinishedAttempt] = []
        /// Every send of this run has ended and put its result into `finished`.
        var sendsEnded = false
    }

    /// - Parameters:
    ///   - store: where the outbox lives; claims and results are written there.
    ///   - policy: retry schedule and per-attempt timeout.
    ///   - configuration: polling, concurrency, lease margin, shutdown grace.
    ///   - logger: failed attempts at warning, failed deliveries at error, deliveries at debug.
    ///   - metricsFactory: where ``DeliveryMetrics`` go; `nil` = the process-wide `MetricsSystem`.
    ///   - now: the clock of every stored time (claims, leases, attempts, next attempts).
    ///   - randomUnit: draws the jitter of retry delays, in `0..<1`.
    ///   - credentials: the logon and trust of each receiver.
    ///   - render: the confirmation of a delivery, called for every attempt.
    public init(
        store: any LedgerStore,
        policy: RetryPolicy,
        configuration: Configuration = Configuration(),
        logger: Logger,
        metricsFactory: (any MetricsFactory)? = nil,
        now: @escaping @Sendable () -> Date = { Date() },
        randomUnit: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        credentials: @escaping CredentialsProvider = { _ in nil },
        render: @escaping Renderer
    ) {
        self.store = store
        self.policy = policy
        self.configuration = configuration
        self.logger = logger
        self.metrics = DeliveryMetrics(factory: metricsFactory ?? MetricsSystem.factory)
        self.now = now
        self.randomUnit = randomUnit
        self.credentials = credentials
        self.render = render
    }

    /// The lease of a claim: the attempt timeout plus the margin.
    public var lease: TimeInterval { policy.attemptTimeout + configuration.leaseMargin }

    /// Asks the store for due deliveries now instead of at the next poll; call it after committing
    /// a transaction that enqueued one. Cheap, callable from anywhere, before or during ``run()``.
    public func wake() {
        claimSignal.signal()
    }

    /// Delivers until graceful shutdown (or cancellation), then lets attempts in flight finish
    /// within the grace period and stores their results.
    /// - Throws: ``ConfirmationDispatcherError/alreadyRunning`` when called a second time;
    ///   `CurlError` when the HTTP client cannot start.
    public func run() async throws {
        try state.withLock { s throws(ConfirmationDispatcherError) in
            guard !s.started else { throw .alreadyRunning }
            s.started = true
        }
        let client = try CurlClient(maxConcurrentTransfers: configuration.maximumConcurrentSends)
        logger.info(
            "confirmation dispatcher started",
            metadata: [
                "instance": "\(configuration.instance)", "concurrency": "\(configuration.maximumConcurrentSends)",
                "max_attempts": "\(policy.maximumAttempts)", "attempt_timeout_s": "\(policy.attemptTimeout)",
            ])
        await withGracefulShutdownHandler {
            await self.dispatch(client: client)
        } onGracefulShutdown: {
            self.stopClaiming()
        }
        await client.shutdown()
        logger.info("confirmation dispatcher stopped", metadata: ["instance": "\(configuration.instance)"])
    }

    // MARK: - The loops

    private func stopClaiming() {
        state.withLock { $0.stopping = true }
        claimSignal.signal()
    }

    private func dispatch(client: CurlClient) async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.settleLoop() }
            let abortTimer = await withDiscardingTaskGroup(returning: Task<Void, Never>.self) { sends in
                await self.claimLoop(client: client, sends: &sends)
                // Claiming has stopped: what is in flight gets the grace period, then is aborted.
                let grace = configuration.shutdownGracePeriod ?? .seconds(policy.attemptTimeout)
                return Task { [logger] in
                    guard (try? await Task.sleep(for: grace)) != nil else { return }
                    let left = self.state.withLock { $0.outstanding }
                    if left > 0 { logger.notice("shutdown grace period over: aborting confirmation attempts in flight", metadata: ["count": "\(left)"]) }
                    await client.shutdown()
                }
            }
            abortTimer.cancel()
            state.withLock { $0.sendsEnded = true }
            settleSignal.signal()
        }
    }

    /// Claims due deliveries whenever there is room, and starts one send per claim.
    private func claimLoop(client: CurlClient, sends: inout DiscardingTaskGroup) async {
        let maximum = configuration.maximumConcurrentSends
        // Refill in batches rather than one slot at a time: fewer, larger claiming transactions.
        let refill = max(1, maximum / 4)
        var claimAtOnce = true
        while true {
            if !claimAtOnce { await claimSignal.wait(timeout: configuration.pollInterval) }
            claimAtOnce = false
            let (stopping, outstanding) = state.withLock { ($0.stopping, $0.outstanding) }
            if stopping || Task.isCancelled { return }
            let capacity = maximum - outstanding
            guard capacity >= refill || (outstanding == 0 && capacity > 0) else { continue }  // settling wakes us

            let now = self.now()
            let batch: ClaimBatch
            do {
                batch = try await store.write(rows: capacity) { [policy, lease, instance = configuration.instance] tx in
                    try DeliveryClaims.claim(in: tx, now: now, limit: capacity, lease: lease, policy: policy, instance: instance)
                }
            } catch {
                logger.error("could not claim due confirmations; trying again at the next poll", metadata: ["error": "\(error)"])
                continue
            }
            report(recovered: batch.recovered)
            guard !batch.claimed.isEmpty else { continue }
            let held = state.withLock { s in
                s.outstanding += batch.claimed.count
                return s.outstanding
            }
            metrics.inFlight.record(held)
            for claimed in batch.claimed {
                sends.addTask {
                    let finished = await self.attempt(claimed, client: client)
                    self.state.withLock { $0.finished.append(finished) }
                    self.settleSignal.signal()
                }
            }
            // A full batch means more may be due: claim again as soon as there is room.
            claimAtOnce = batch.claimed.count + batch.failed.count >= capacity
        }
    }

    /// Stores finished attempts, all that finished since the last transaction in one.
    private func settleLoop() async {
        while true {
            let (batch, done) = state.withLock { s in
                let batch = s.finished
                s.finished = []
                return (batch, s.sendsEnded && batch.isEmpty)
            }
            if done { return }
            if batch.isEmpty {
                // Not cancellable: on cancellation the sends end promptly and `sendsEnded` follows.
                await settleSignal.wait(timeout: nil, cancellable: false)
                continue
            }
            await settle(batch)
        }
    }

    // MARK: - One attempt

    private func attempt(_ claimed: ClaimedDelivery, client: CurlClient) async -> FinishedAttempt {
        let record = claimed.record
        let startedAt = now()
        let start = ContinuousClock.now
        var kind = FinishedAttempt.Kind.sent
        var excerpt: String?
        let outcome: AttemptOutcome
        do {
            let confirmation = try await render(record)
            let request = confirmation.request(
                to: record.target, credentials: credentials(record.target), attemptTimeout: policy.attemptTimeout,
                connectTimeout: configuration.connectTimeout, proxy: configuration.proxy)
            do {
                let response = try await client.execute(request)
                outcome = .httpStatus(response.status)
                if !response.isSuccess { excerpt = Self.excerpt(response.body) }
            } catch {
                outcome = AttemptOutcome(error)
            }
        } catch {
            kind = .renderFailed
            outcome = .transportError("the confirmation could not be rendered: \(error)")
        }
        return FinishedAttempt(
            claimed: claimed, outcome: outcome, kind: kind, startedAt: startedAt, finishedAt: now(), randomUnit: randomUnit(),
            duration: start.duration(to: .now), responseExcerpt: excerpt)
    }

    // MARK: - Storing results

    private func settle(_ batch: [FinishedAttempt]) async {
        var settled: [SettledAttempt] = []
        do {
            settled = try await write(batch)
        } catch {
            // One bad row must not hold back the others, and a busy store may take it a moment later:
            // store them one by one. What still fails stays in flight and is taken again after its lease.
            logger.warning("could not store \(batch.count) delivery results at once; storing them one by one", metadata: ["error": "\(error)"])
            for attempt in batch {
                do {
                    settled += try await write([attempt])
                } catch {
                    let record = attempt.claimed.record
                    logger.error(
                        "could not store the result of a confirmation attempt; the delivery is taken again after its lease",
                        metadata: ["message": "\(record.messageRowID)", "delivery": "\(record.id)", "error": "\(error)"])
                }
            }
        }
        report(settled: settled)
        let held = state.withLock { s in
            s.outstanding -= batch.count
            return s.outstanding
        }
        metrics.inFlight.record(held)
        claimSignal.signal()
    }

    private func write(_ attempts: [FinishedAttempt]) async throws -> [SettledAttempt] {
        try await store.write(rows: attempts.count * 2) { [policy] tx in
            try DeliveryClaims.settle(in: tx, attempts, policy: policy)
        }
    }

    // MARK: - Logs and metrics

    private func report(settled: [SettledAttempt]) {
        for item in settled {
            let attempt = item.attempt
            let claimed = attempt.claimed.record
            metrics.countAttempt(DeliveryMetrics.OutcomeLabel(attempt))
            metrics.attemptDuration.recordNanoseconds(attempt.duration.nanoseconds)
            guard let record = item.record else {
                logger.notice(
                    "result of a confirmation attempt not stored: the delivery changed while it was in flight (its lease ended and it was taken again)",
                    metadata: ["message": "\(claimed.messageRowID)", "delivery": "\(claimed.id)", "url": "\(claimed.target.redactedURL)"])
                continue
            }
            if case .delivered(let at, _) = record.state.phase {
                metrics.delivered.increment()
                metrics.deliveryLatency.recordNanoseconds(Int64(max(0, at.timeIntervalSince(record.createdAt)) * 1e9))
                if logger.logLevel <= .debug {
                    var metadata = Self.metadata(record, attempt: record.state.attemptsMade, policy: policy)
                    metadata["status"] = "\(attempt.outcome.status ?? 0)"
                    metadata["duration_ms"] = "\(attempt.duration.milliseconds)"
                    logger.debug("confirmation delivered", metadata: metadata)
                }
                continue
            }
            var metadata = Self.metadata(record, attempt: record.state.attemptsMade, policy: policy)
            if let status = attempt.outcome.status { metadata["status"] = "\(status)" }
            switch record.state.phase {
            case .retryScheduled(_, let next):
                metadata["error"] = "\(record.state.lastError ?? "")"
                metadata["next_attempt"] = "\(next.ISO8601Format())"
                if let excerpt = attempt.responseExcerpt, !excerpt.isEmpty { metadata["response"] = "\(excerpt)" }
                logger.warning("confirmation not delivered; it will be sent again", metadata: metadata)
            case .failed:
                metadata["error"] = "\(record.state.lastError ?? "")"
                if let excerpt = attempt.responseExcerpt, !excerpt.isEmpty { metadata["response"] = "\(excerpt)" }
                metrics.failed.increment()
                logger.error("confirmation delivery failed: no attempt left (redeliver it once the receiver is fixed)", metadata: metadata)
            case .pending, .inFlight, .delivered:
                break
            }
        }
    }

    private func report(recovered: [DeliveryRecord]) {
        for record in recovered {
            metrics.countAttempt(.leaseExpired)
            var metadata = Self.metadata(record, attempt: record.state.attemptsMade, policy: policy)
            metadata["error"] = "\(record.state.lastError ?? "")"
            if record.state.status == .failed {
                metrics.failed.increment()
                logger.error("confirmation delivery failed: its last attempt was lost with its dispatcher", metadata: metadata)
            } else {
                logger.warning("confirmation attempt lost with its dispatcher (lease ended); sending it again", metadata: metadata)
            }
        }
    }

    private static func metadata(_ record: DeliveryRecord, attempt: Int, policy: RetryPolicy) -> Logger.Metadata {
        [
            "message": "\(record.messageRowID)", "delivery": "\(record.id)", "url": "\(record.target.redactedURL)",
            "attempt": "\(attempt)/\(policy.maximumAttempts)",
        ]
    }

    /// At most 200 printable characters of a response body, for the log of a failed attempt.
    static func excerpt(_ body: [UInt8]) -> String {
        var text = ""
        var lastWasSpace = true
        for byte in body.prefix(400) where text.count < 200 {
            let printable = byte >= 0x20 && byte < 0x7F
            if printable {
                text.append(Character(UnicodeScalar(byte)))
                lastWasSpace = byte == 0x20
            } else if !lastWasSpace {
                text.append(" ")
                lastWasSpace = true
            }
        }
        return text.trimmingCharacters(in: .whitespaces)
    }
}

/// ``ConfirmationDispatcher/run()`` was misused.
public enum ConfirmationDispatcherError: Error, Sendable, Hashable {
    /// `run()` was called on a dispatcher that already ran.
    case alreadyRunning
}

extension Duration {
    fileprivate var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    fileprivate var milliseconds: Int64 { nanoseconds / 1_000_000 }
}
