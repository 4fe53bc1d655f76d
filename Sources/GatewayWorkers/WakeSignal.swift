import Foundation
import Synchronization

/// Wakes a polling loop early: `wait(upTo:)` returns after the timeout, on `signal()`, or when the
/// waiting task is cancelled. A signal with nobody waiting is kept for the next `wait`.
/// Correctness never depends on it (work is found by polling the store); it only cuts latency.
public final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var resumedEarly: Set<UInt64> = []
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Wakes every waiter (or the next one to wait).
    public func signal() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            if state.waiters.isEmpty { state.pending = true }
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits until signalled, at most `duration`.
    public func wait(upTo duration: Duration) async {
        let id: UInt64? = state.withLock { state in
            if state.pending {
                state.pending = false
                return nil
            }
            state.nextID += 1
            return state.nextID
        }
        guard let id else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await Task.sleep(for: duration)
                self.resume(id)
            }
            group.addTask {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { continuation in self.register(id, continuation) }
                } onCancel: {
                    self.resume(id)
                }
            }
            await group.next()
            group.cancelAll()
        }
        // Every child has finished: nothing can resume `id` any more.
        _ = state.withLock { $0.resumedEarly.remove(id) }
    }

    private func register(_ id: UInt64, _ continuation: CheckedContinuation<Void, Never>) {
        let resumeNow = state.withLock { state -> Bool in
            if state.resumedEarly.remove(id) != nil { return true }
            state.waiters[id] = continuation
            return false
        }
        if resumeNow { continuation.resume() }
    }

    private func resume(_ id: UInt64) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
            state.resumedEarly.insert(id)
            return nil
        }
        waiter?.resume()
    }
}
