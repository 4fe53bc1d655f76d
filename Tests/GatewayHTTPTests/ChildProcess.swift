import Foundation
import Synchronization
import TestProcessSupport

/// A child process whose stdout and stderr are collected into one log, with async waits that
/// never block a thread of the cooperative pool (no `waitUntilExit`).
final class ChildProcess: @unchecked Sendable {
    struct Exit: Sendable, CustomStringConvertible {
        let status: Int32
        let reason: Process.TerminationReason
        var description: String { reason == .exit ? "exit status \(status)" : "killed by signal \(status)" }
    }

    fileprivate struct Waiter {
        let predicate: @Sendable (State) -> Bool
        let continuation: CheckedContinuation<Void, Never>
    }

    fileprivate struct State {
        var log = ""
        var outputClosed = false
        var exit: Exit?
        var waiters: [Waiter] = []
    }

    private let childPID: pid_t
    private let state = Mutex(State())
    private let watchdog = Mutex<Task<Void, Never>?>(nil)

    /// Starts `executable` (an absolute path) with `arguments`; the process is killed after
    /// `timeLimit` if still running. Standard output and error are collected together; the child is
    /// started by ``Spawn`` (not Foundation's `Process`, which crashes now and then on Linux).
    init(executable: String, arguments: [String], environment: [String: String]? = nil, timeLimit: Duration = .seconds(120)) throws {
        let (pid, output) = try Spawn.start(executable, arguments: arguments, environment: environment, output: .pipe)
        childPID = pid
        // The exit status, from a thread blocked in waitpid (never a cooperative-pool thread).
        let waiter = Thread { [self, pid] in
            let (status, signalled) = Spawn.waitForExit(pid)
            update { $0.exit = Exit(status: status, reason: signalled ? .uncaughtSignal : .exit) }
        }
        waiter.name = "itest-child-wait"
        waiter.start()
        let reader = FileHandle(fileDescriptor: output!, closeOnDealloc: true)
        // Output is read with blocking reads on a dedicated thread (never on the cooperative pool,
        // and without FileHandle.readabilityHandler, whose dispatch source is fragile on Linux).
        let thread = Thread { [self] in
            // A read can end inside a multi-byte UTF-8 character: keep its first bytes for the next read.
            var pending: [UInt8] = []
            while true {
                let data = reader.availableData
                if data.isEmpty { break }
                pending += data
                var complete = pending.count
                if let lead = pending.indices.suffix(3).last(where: { pending[$0] & 0xC0 != 0x80 }), pending[lead] >= 0xC0 {
                    let length = pending[lead] >= 0xF0 ? 4 : pending[lead] >= 0xE0 ? 3 : 2
                    if pending.count - lead < length { complete = lead }
                }
                let text = String(decoding: pending[..<complete], as: UTF8.self)
                pending.removeFirst(complete)
                update { $0.log += text }
            }
            let rest = String(decoding: pending, as: UTF8.self)
            update {
                $0.log += rest
                $0.outputClosed = true
            }
        }
        thread.name = "itest-child-output"
        thread.start()
        watchdog.withLock {
            $0 = Task { [weak self, pid] in
                try? await Task.sleep(for: timeLimit)
                // Only a process that is still ours and still running (its pid cannot have been reused).
                if !Task.isCancelled, let self, self.state.withLock({ $0.exit == nil }) { kill(pid, SIGKILL) }
            }
        }
    }

    var pid: Int32 { childPID }
    var log: String { state.withLock { $0.log } }

    func signal(_ signal: Int32) { kill(childPID, signal) }

    /// Waits until the log matches `pattern` (returns the first capture group, or the whole
    /// match) or the process ends without it (returns nil).
    func waitForLog(_ pattern: String) async throws -> String? {
        let regex = try NSRegularExpression(pattern: pattern)
        @Sendable func match(_ log: String) -> String? {
            guard let result = regex.firstMatch(in: log, range: NSRange(log.startIndex..., in: log)) else { return nil }
            let range = result.numberOfRanges > 1 ? result.range(at: 1) : result.range
            return Range(range, in: log).map { String(log[$0]) }
        }
        await wait { match($0.log) != nil || ($0.exit != nil && $0.outputClosed) }
        return match(log)
    }

    /// Waits for the process to end and its output to be fully read.
    func waitForExit() async -> (exit: Exit, log: String) {
        await wait { $0.exit != nil && $0.outputClosed }
        watchdog.withLock { $0?.cancel() }
        return state.withLock { ($0.exit!, $0.log) }
    }

    private func wait(until predicate: @escaping @Sendable (State) -> Bool) async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state in
                if predicate(state) { return true }
                state.waiters.append(Waiter(predicate: predicate, continuation: continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    private func update(_ change: (inout State) -> Void) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            change(&state)
            let snapshot = state
            var ready: [CheckedContinuation<Void, Never>] = []
            state.waiters.removeAll { waiter in
                guard waiter.predicate(snapshot) else { return false }
                ready.append(waiter.continuation)
                return true
            }
            return ready
        }
        for continuation in ready { continuation.resume() }
    }
}

/// The `journal-gateway` executable of this build (`…/debug/journal-gateway`, next to the test bundle).
enum GatewayExecutable {
    static func path() throws -> String {
        var candidates: [URL] = []
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(URL(fileURLWithPath: executable).deletingLastPathComponent())
        }
        candidates.append(Bundle.main.bundleURL)
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
        for directory in candidates {
            let path = directory.appendingPathComponent("journal-gateway").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw HarnessError(
            "journal-gateway executable not found next to the test bundle (\(candidates.map(\.path))); build it with `swift build --build-tests`")
    }
}
