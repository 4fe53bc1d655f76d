import Synchronization

/// A coalescing wake-up for one waiting task: ``signal()`` from anywhere, ``wait(timeout:cancellable:)``
/// in the loop. Signals that arrive while nobody waits are kept as one, so a signal sent while the
/// loop is busy makes its next wait return at once. Wake-ups may be spurious; the loop re-checks.
final class DeliveryWakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// Wakes the waiting task, or the next one to wait.
    func signal() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if let waiter = s.waiter {
                s.waiter = nil
                return waiter
            }
            s.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns after a signal (one sent since the last wait counts), after `timeout` (`nil` = none)
    /// or, when `cancellable`, once the task is cancelled. One task waits at a time.
    func wait(timeout: Duration?, cancellable: Bool = true) async {
        if state.withLock({ s in
            defer { s.pending = false }
            return s.pending
        }) {
            return
        }
        let timer: Task<Void, Never>? = timeout.map { timeout in
            Task { [weak self] in
                guard (try? await Task.sleep(for: timeout)) != nil else { return }
                self?.signal()
            }
        }
        defer { timer?.cancel() }
        let park = {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = self.state.withLock { s in
                    if s.pending || (cancellable && Task.isCancelled) {
                        s.pending = false
                        return true
                    }
                    s.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
        if cancellable {
            await withTaskCancellationHandler { await park() } onCancel: { self.signal() }
        } else {
            await park()
        }
    }
}
