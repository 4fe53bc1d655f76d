internal import CCurl
import Glibc
import Synchronization

/// libcurl's global state, initialised once, lazily, before the first handle is created.
private let curlGlobalInitResult: UInt32 = ccurl_global_init_all().rawValue

/// The multi handle, shared between the loop thread (everything) and other threads
/// (only `curl_multi_wakeup`, which libcurl allows from any thread, and only while `State.multiClosed` is false).
private struct MultiHandle: @unchecked Sendable {
    let raw: UnsafeMutableRawPointer
}

/// The shared half of the client: a locked hand-over queue and the multi handle.
/// The loop thread's private half is `CurlMultiLoop`.
final class CurlEngine: Sendable {
    struct State {
        var nextID: UInt64 = 1
        /// Transfers handed over and not yet picked up by the loop.
        var incoming: [CurlTransfer] = []
        /// IDs of transfers the loop already owns whose tasks were cancelled.
        var cancelled: [UInt64] = []
        /// Set by `shutdown`: no new work is accepted; in-flight work is aborted at this instant.
        var shutdownDeadline: ContinuousClock.Instant?
        /// Set by the loop thread right before `curl_multi_cleanup`; from then on nobody may wake the multi handle.
        var multiClosed = false
        /// Set by the loop thread as its very last step.
        var loopFinished = false
        var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
    }

    let state = Mutex(State())
    private let multi: MultiHandle
    let maxConcurrentTransfers: Int

    init(maxConcurrentTransfers: Int) throws(CurlError) {
        let globalRC = CURLcode(rawValue: curlGlobalInitResult)
        guard globalRC == CURLE_OK else { throw CurlError.setup(globalRC, "curl_global_init failed") }
        guard let multi = curl_multi_init() else {
            throw CurlError.setup(CURLE_FAILED_INIT, "curl_multi_init failed")
        }
        self.multi = MultiHandle(raw: multi)
        self.maxConcurrentTransfers = maxConcurrentTransfers
        // Keep enough idle connections that every concurrent transfer can find its connection again.
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, max(maxConcurrentTransfers, 4))
    }

    /// Starts the loop thread. On failure the multi handle is cleaned up.
    func start() throws(CurlError) {
        let loop = CurlMultiLoop(engine: self, multi: multi.raw)
        let context = Unmanaged.passRetained(loop).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { context in
            let loop = Unmanaged<CurlMultiLoop>.fromOpaque(context!).takeRetainedValue()
            loop.run()
            return nil
        }, context)
        guard rc == 0 else {
            Unmanaged<CurlMultiLoop>.fromOpaque(context).release()
            curl_multi_cleanup(multi.raw)
            state.withLock { $0.multiClosed = true; $0.loopFinished = true }
            throw CurlError.setup(CURLE_FAILED_INIT, "pthread_create failed with \(rc)")
        }
        pthread_detach(thread)
    }

    func makeID() -> UInt64 {
        state.withLock { s in
            defer { s.nextID &+= 1 }
            return s.nextID
        }
    }

    /// Hands `transfer` (with its continuation set) to the loop, or resumes it at once if the task
    /// is already cancelled or the client is shutting down.
    func submit(_ transfer: CurlTransfer) {
        let refusal: CurlError? = state.withLock { s in
            if s.shutdownDeadline != nil { return .shutdown }
            if Task.isCancelled { return .cancelled }
            s.incoming.append(transfer)
            wakeUp(&s)
            return nil
        }
        if let refusal { transfer.resume(.failure(refusal)) }
    }

    /// Called from the task cancellation handler, on any thread.
    func cancel(id: UInt64) {
        let queued: CurlTransfer? = state.withLock { s in
            if let index = s.incoming.firstIndex(where: { $0.id == id }) {
                return s.incoming.remove(at: index)
            }
            // Either the loop owns it, or it was never handed over (submit sees Task.isCancelled).
            // An unknown ID is ignored by the loop.
            if !s.multiClosed {
                s.cancelled.append(id)
                wakeUp(&s)
            }
            return nil
        }
        queued?.resume(.failure(.cancelled))
    }

    /// Stops accepting work and tells the loop to end in-flight transfers at `deadline` at the latest
    /// (the earliest deadline asked for wins). Does not wait; see `waitUntilFinished`.
    func beginShutdown(deadline: ContinuousClock.Instant) {
        state.withLock { s in
            if let existing = s.shutdownDeadline, existing <= deadline { return }
            s.shutdownDeadline = deadline
            wakeUp(&s)
        }
    }

    /// Waits until the loop thread has aborted or finished everything and released libcurl.
    func waitUntilFinished() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { s in
                if s.loopFinished { return true }
                s.shutdownWaiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Must be called with the lock held, so it cannot race with `curl_multi_cleanup`.
    private func wakeUp(_ s: inout State) {
        if !s.multiClosed { curl_multi_wakeup(multi.raw) }
    }
}

/// The loop thread's own state. Created on the starting thread, then used only by the loop thread.
final class CurlMultiLoop {
    private let engine: CurlEngine
    private let multi: UnsafeMutableRawPointer
    /// Transfers added to the multi handle, by easy handle.
    private var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    /// Accepted transfers waiting for a free slot (FIFO from `waitingHead`).
    private var waiting: [CurlTransfer] = []
    private var waitingHead = 0

    init(engine: CurlEngine, multi: UnsafeMutableRawPointer) {
        self.engine = engine
        self.multi = multi
    }

    func run() {
        while true {
            let (incoming, cancelled, deadline) = engine.state.withLock { s in
                defer {
                    s.incoming.removeAll(keepingCapacity: true)
                    s.cancelled.removeAll(keepingCapacity: true)
                }
                return (s.incoming, s.cancelled, s.shutdownDeadline)
            }
            waiting.append(contentsOf: incoming)
            for id in cancelled { abort(id: id, with: .cancelled) }

            if let deadline {
                let idle = active.isEmpty && waitingHead == waiting.count
                if idle || ContinuousClock.now >= deadline { break }
            }

            startWaitingTransfers()
            var running: Int32 = 0
            curl_multi_perform(multi, &running)
            let completed = collectCompletedTransfers()
            // Something finished: go round again at once to fill the freed slots or to notice
            // that a shutdown has nothing left to wait for.
            if completed > 0 { continue }

            var timeoutMs: Int32 = 1000
            if let deadline {
                let remaining = ContinuousClock.now.duration(to: deadline).curlMilliseconds
                timeoutMs = Int32(clamping: min(Int(timeoutMs), remaining))
            }
            curl_multi_poll(multi, nil, 0, timeoutMs, nil)
        }
        abortEverything()
        close()
    }

    private func startWaitingTransfers() {
        while active.count < engine.maxConcurrentTransfers, waitingHead < waiting.count {
            let transfer = waiting[waitingHead]
            waitingHead += 1
            guard let easy = transfer.handle else { continue }
            let rc = curl_multi_add_handle(multi, easy)
            if rc == CURLM_OK {
                active[easy] = transfer
            } else {
                transfer.resume(.failure(.setup(multi: rc, "curl_multi_add_handle failed")))
            }
        }
        if waitingHead == waiting.count {
            waiting.removeAll(keepingCapacity: true)
            waitingHead = 0
        }
    }

    private func collectCompletedTransfers() -> Int {
        var completed = 0
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            guard ccurl_msg_is_done(message) != 0, let easy = ccurl_msg_easy_handle(message) else { continue }
            let code = ccurl_msg_result(message)  // read before remove_handle invalidates the message
            guard let transfer = active.removeValue(forKey: easy) else { continue }
            curl_multi_remove_handle(multi, easy)
            transfer.finish(code: code)
            completed += 1
        }
        return completed
    }

    private func abort(id: UInt64, with error: CurlError) {
        if let (easy, transfer) = active.first(where: { $0.value.id == id }) {
            active[easy] = nil
            curl_multi_remove_handle(multi, easy)  // aborts the transfer; the connection is closed
            transfer.resume(.failure(error))
        } else if let index = waiting[waitingHead...].firstIndex(where: { $0.id == id }) {
            waiting.remove(at: index).resume(.failure(error))
        }
    }

    private func abortEverything() {
        for (easy, transfer) in active {
            curl_multi_remove_handle(multi, easy)
            transfer.resume(.failure(.shutdown))
        }
        active.removeAll()
        for transfer in waiting[waitingHead...] { transfer.resume(.failure(.shutdown)) }
        waiting.removeAll()
        waitingHead = 0
    }

    private func close() {
        engine.state.withLock { $0.multiClosed = true }
        curl_multi_cleanup(multi)
        let waiters = engine.state.withLock { s in
            s.loopFinished = true
            defer { s.shutdownWaiters.removeAll() }
            return s.shutdownWaiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
