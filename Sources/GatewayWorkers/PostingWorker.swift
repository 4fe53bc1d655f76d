import ConfirmationDelivery
import Foundation
import JournalEntryService
import Ledger
import Logging
import ServiceLifecycle

/// Posts accepted asynchronous messages: a service that claims messages from the store, reads
/// their stored requests back, checks them and posts them, and writes their confirmations to
/// the outbox, exactly once.
///
/// Per message:
/// 1. **Claim** (one transaction): an `accepted` message (or a `processing` one whose claim
///    expired: its worker stopped) becomes `processing`, held by this worker until the lease ends.
/// 2. **Prepare** (no store; on the blocking-work runner): parse the stored request, decode it,
///    check every entry against the posting rules. A request this process's intake stored is
///    taken already decoded and checked from the ``AcceptedRequestHandOff`` instead.
/// 3. **Post** (one transaction): if the claim still holds, post the entries (gapless numbers),
///    record their outcomes, mark the message `processed`, drop its stored request and enqueue
///    its confirmation delivery. Everything or nothing: no crash can post without confirming or
///    confirm without posting; a crash before the commit leaves the message to be claimed again.
///
/// On graceful shutdown it stops claiming and lets the messages being posted commit.
public final class PostingWorker: Service, Sendable {
    /// Where a confirmation goes, decided when the message is posted (`nil` = no endpoint: the
    /// outcome is kept for the monitor only), with a reason to log when there is none.
    public typealias Router = @Sendable (_ message: MessageRecord, _ prepared: PreparedPosting) -> (target: DeliveryTarget?, note: String?)

    public struct Settings: Sendable {
        /// Messages posted at the same time.
        public var concurrency: Int
        /// How long a claim holds before another worker may take the message.
        public var claimLease: Duration
        /// How often the store is polled when nothing signals new work.
        public var pollInterval: Duration
        /// Most messages one claim takes (they are then prepared and posted side by side, and the
        /// store's group commit writes their posting transactions together).
        public var claimBatchSize: Int
        /// Most entries one claim takes: a claim holds messages up to this many entries in all, or
        /// one message of any size, so that memory stays bounded whatever the mix.
        public var claimBatchEntries: Int

        public init(
            concurrency: Int = 2, claimLease: Duration = .seconds(15), pollInterval: Duration = .seconds(1), claimBatchSize: Int = 64,
            claimBatchEntries: Int = 2_000
        ) {
            self.concurrency = concurrency
            self.claimLease = claimLease
            self.pollInterval = pollInterval
            self.claimBatchSize = claimBatchSize
            self.claimBatchEntries = claimBatchEntries
        }
    }

    let store: any LedgerStore
    let processor: MessageProcessor
    let preparation: AcceptedMessagePreparation
    let authorization: @Sendable (String) -> PostingAuthorization?
    let router: Router
    let runner: any BlockingWorkRunner
    let settings: Settings
    let workerID: String
    let onEnqueued: @Sendable () -> Void
    let clock: @Sendable () -> Date
    let logger: Logger
    let signal = WakeSignal()

    public init(
        store: any LedgerStore, masterData: MasterData, preparation: AcceptedMessagePreparation,
        authorization: @escaping @Sendable (String) -> PostingAuthorization?, router: @escaping Router, runner: any BlockingWorkRunner,
        settings: Settings = Settings(), workerID: String = "posting-" + UUID().uuidString.lowercased().prefix(8),
        onEnqueued: @escaping @Sendable () -> Void = {}, clock: @escaping @Sendable () -> Date = { Date() }, logger: Logger
    ) {
        self.store = store
        self.processor = MessageProcessor(masterData: masterData)
        self.preparation = preparation
        self.authorization = authorization
        self.router = router
        self.runner = runner
        self.settings = settings
        self.workerID = workerID
        self.onEnqueued = onEnqueued
        self.clock = clock
        self.logger = logger
    }

    /// New work was stored: look for it now instead of at the next poll.
    public func wake() { signal.signal() }

    public func run() async throws {
        let concurrency = max(1, settings.concurrency)
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for slot in 0..<concurrency {
                    group.addTask { await self.loop(slot: slot) }
                }
            }
        } onGracefulShutdown: {
            self.signal.signal()
        }
    }

    private func loop(slot: Int) async {
        let id = "\(workerID)/\(slot)"
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let claimed: [MessageRecord]
            do {
                claimed = try await claim(as: id)
            } catch {
                logger.error("could not claim accepted messages; retrying", metadata: ["error": "\(error)"])
                await signal.wait(upTo: settings.pollInterval)
                continue
            }
            guard !claimed.isEmpty else {
                await signal.wait(upTo: settings.pollInterval)
                continue
            }
            // More work may be waiting: let another slot look while this one posts.
            signal.signal()
            // Side by side: the runner bounds the preparing, the store's group commit joins the posting.
            await withDiscardingTaskGroup { group in
                for message in claimed {
                    group.addTask { await self.post(message, as: id) }
                }
            }
        }
    }

    /// Claims the oldest claimable messages for `claimer`: up to ``Settings/claimBatchSize``
    /// messages and ``Settings/claimBatchEntries`` entries in all, or the oldest one alone when it
    /// is larger; none when nothing is claimable.
    func claim(as claimer: String) async throws -> [MessageRecord] {
        let now = clock()
        let nowText = Self.timestamp(now)
        let until = Self.timestamp(now.addingTimeInterval(Self.seconds(settings.claimLease)))
        let (size, entries) = (max(1, settings.claimBatchSize), max(1, settings.claimBatchEntries))
        return try await store.write { transaction in
            var taken: [MessageRecord] = []
            var entryCount = 0
            for var message in try transaction.claimableMessages(now: nowText, limit: size) {
                let count = max(1, message.entryCount)
                if !taken.isEmpty && entryCount + count > entries { break }
                entryCount += count
                let claim = MessageClaim(by: claimer, until: until)
                try transaction.setState(ofMessage: message.id, to: .processing, at: nowText, claim: claim)
                message.state = .processing
                message.claim = claim
                message.stateChangedAt = nowText
                taken.append(message)
            }
            return taken
        }
    }

    /// Prepares and posts one claimed message. Store errors leave the claim to expire, so that
    /// the message is taken again.
    func post(_ message: MessageRecord, as claimer: String) async {
        let metadata: Logger.Metadata = ["message": "\(message.id)", "interface": "\(message.interface)", "sender": "\(message.sender)"]
        do {
            let preparation = self.preparation
            let authorization = self.authorization(message.sender)
            if let decoded = await preparation.handOff.take(message.id) {
                // Decoded and checked by this process's intake while it stored the request: not parsed
                // again. Taking its checked entries is a comparison, so it needs no runner.
                if let prepared = preparation.prepare(message, decoded: decoded, authorization: authorization) {
                    try await finish(message, prepared: prepared, as: claimer)
                    return
                }
            }
            guard let payload = try await store.messagePayload(message.id) else {
                logger.error("accepted message has no stored request; recording it as processed without entries", metadata: metadata)
                try await finish(message, prepared: PreparedPosting(entries: [], problem: "no stored request"), as: claimer)
                return
            }
            let prepared = await runner.run { preparation.prepare(message, payload: payload, authorization: authorization) }
            if let problem = prepared.problem {
                logger.error("accepted message could not be read back: \(problem); recording it as processed without entries", metadata: metadata)
            }
            try await finish(message, prepared: prepared, as: claimer)
        } catch {
            logger.error("posting an accepted message failed; it will be taken again when its claim expires", metadata: metadata.merging(["error": "\(error)"]) { $1 })
        }
    }

    private func finish(_ message: MessageRecord, prepared: PreparedPosting, as claimer: String) async throws {
        let now = clock()
        let nowText = Self.timestamp(now)
        let (target, note) = router(message, prepared)
        let processor = self.processor
        let outcome = try await store.write(rows: prepared.estimatedRows) { transaction -> FinishOutcome in
            guard let current = try transaction.message(id: message.id), current.state == .processing, current.claim?.by == claimer else {
                return .lostClaim
            }
            let records = try processor.post(prepared.entries, ofMessage: message.id, sender: message.sender, postedAt: nowText, in: transaction)
            try transaction.setState(ofMessage: message.id, to: .processed, at: nowText, claim: nil)
            try transaction.deletePayload(ofMessage: message.id)
            if let target {
                _ = try transaction.enqueueDelivery(
                    NewDelivery(messageRowID: message.id, target: target, state: DeliveryState(enqueuedAt: now), createdAt: now))
            }
            return .posted(posted: records.count { $0.outcome.isPosted }, rejected: records.count { if case .rejected = $0.outcome { true } else { false } })
        }
        switch outcome {
        case .lostClaim:
            logger.warning("claim on an accepted message was lost before posting (lease expired); another worker posts it", metadata: ["message": "\(message.id)"])
        case .posted(let posted, let rejected):
            var metadata: Logger.Metadata = [
                "message": "\(message.id)", "interface": "\(message.interface)", "sender": "\(message.sender)", "posted": "\(posted)",
                "rejected": "\(rejected)",
            ]
            if let target { metadata["confirmationTo"] = "\(target.url)" } else { metadata["confirmation"] = "\(note ?? "no endpoint")" }
            logger.info("asynchronous message processed", metadata: metadata)
            if target != nil { onEnqueued() }
        }
    }

    enum FinishOutcome: Sendable {
        case lostClaim
        case posted(posted: Int, rejected: Int)
    }

    static func seconds(_ duration: Duration) -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }

    /// UTC ISO 8601 with microseconds, as every message time in the store.
    static func timestamp(_ date: Date) -> String {
        let microseconds = Int((date.timeIntervalSince1970 * 1_000_000).rounded())
        return UTCTimestamp.format(seconds: microseconds / 1_000_000, microseconds: microseconds % 1_000_000)
    }
}
