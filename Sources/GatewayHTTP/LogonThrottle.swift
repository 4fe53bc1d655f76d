import Foundation
import Synchronization

/// Limits of the password check, so that a flood of wrong credentials cannot take the CPU from
/// posting.
public struct LogonLimits: Sendable {
    /// bcrypt checks running at once (default: half the cores, at least 1).
    public var concurrentVerifications: Int
    /// bcrypt checks waiting for a slot; beyond that a request is answered 503 at once (default 16).
    public var waitingVerifications: Int
    /// Checks running or waiting for one client address (default 4), so that one flooding client
    /// cannot fill the queue and keep other clients' first logons out.
    public var verificationsPerClient: Int
    /// How long a wrong `Authorization` value is answered 401 without a new bcrypt check (default 30 s).
    public var failureMemory: Duration
    /// Most remembered wrong `Authorization` values (default 10,000).
    public var rememberedFailures: Int

    public init(
        concurrentVerifications: Int = max(1, ProcessInfo.processInfo.activeProcessorCount / 2), waitingVerifications: Int = 16,
        verificationsPerClient: Int = 4, failureMemory: Duration = .seconds(30), rememberedFailures: Int = 10_000
    ) {
        self.concurrentVerifications = max(1, concurrentVerifications)
        self.waitingVerifications = max(0, waitingVerifications)
        self.verificationsPerClient = max(1, verificationsPerClient)
        self.failureMemory = failureMemory
        self.rememberedFailures = max(1, rememberedFailures)
    }
}

/// A counting semaphore with a bounded FIFO queue and a share per client: `acquire` either gets
/// a slot (at once or after waiting its turn) or, when the queue or the client's share is full,
/// is refused at once.
final class VerificationSlots: Sendable {
    private struct State {
        var running = 0
        var waiting: [CheckedContinuation<Bool, Never>] = []
        /// Slots held and places in the queue, by client.
        var byClient: [String: Int] = [:]
    }

    private let state = Mutex(State())
    private let capacity: Int
    private let queueCapacity: Int
    private let perClient: Int

    init(capacity: Int, queueCapacity: Int, perClient: Int) {
        self.capacity = capacity
        self.queueCapacity = queueCapacity
        self.perClient = perClient
    }

    /// `true`: a slot is held and must be given back with `release(client:)`. `false`: refused.
    func acquire(client: String) async -> Bool {
        await withCheckedContinuation { continuation in
            let answer: Bool? = state.withLock { state in
                if state.byClient[client, default: 0] >= perClient { return false }
                if state.running < capacity {
                    state.running += 1
                    state.byClient[client, default: 0] += 1
                    return true
                }
                if state.waiting.count >= queueCapacity { return false }
                state.waiting.append(continuation)
                state.byClient[client, default: 0] += 1
                return nil
            }
            if let answer { continuation.resume(returning: answer) }
        }
    }

    /// Hands the slot to the longest waiting caller, or frees it.
    func release(client: String) {
        let next: CheckedContinuation<Bool, Never>? = state.withLock { state in
            let held = state.byClient[client, default: 1] - 1
            state.byClient[client] = held > 0 ? held : nil
            if state.waiting.isEmpty {
                state.running -= 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume(returning: true)
    }
}

/// Wrong `Authorization` values seen recently (by SHA-256, never in clear), so that repeating one
/// costs no bcrypt check.
final class RecentFailures: Sendable {
    private let entries = Mutex<[[UInt8]: ContinuousClock.Instant]>([:])
    private let memory: Duration
    private let limit: Int

    init(memory: Duration, limit: Int) {
        self.memory = memory
        self.limit = limit
    }

    func contains(_ key: [UInt8], now: ContinuousClock.Instant = .now) -> Bool {
        entries.withLock { entries in
            guard let until = entries[key] else { return false }
            if until > now { return true }
            entries[key] = nil
            return false
        }
    }

    func insert(_ key: [UInt8], now: ContinuousClock.Instant = .now) {
        entries.withLock { entries in
            if entries.count >= limit {
                entries = entries.filter { $0.value > now }
                // Still full: a flood of distinct values. Forget the oldest half rather than grow.
                if entries.count >= limit {
                    let keep = entries.sorted { $0.value > $1.value }.prefix(limit / 2)
                    entries = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
                }
            }
            entries[key] = now + memory
        }
    }
}
