import Foundation
import Synchronization

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

    /// Starts `executable` with `arguments`; the process is killed after `timeLimit` if still running.
    ///
    /// Spawned with `posix_spawn` directly, not Foundation's `Process`: on Linux its `run()` reads
    /// `/proc/self/fd` with a 256-byte copy of each directory entry, which crashes the test process
    /// now and then when an entry ends a page (swift-corelibs-foundation PR #5472, Swift 6.3.1).
    /// The child gets standard input from /dev/null, standard output and error on one pipe, no
    /// other file descriptor of the test process, the default signal handlers and an empty mask.
    init(executable: String, arguments: [String], environment: [String: String]? = nil, timeLimit: Duration = .seconds(120)) throws {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw ChildProcessError("pipe failed: errno \(errno)") }
        // Close-on-exec, so that no other child spawned meanwhile keeps the write end open.
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
        ChildProcess.closeFrom3(&actions)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        sigdelset(&allSignals, SIGKILL)
        sigdelset(&allSignals, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let environment = environment ?? ProcessInfo.processInfo.environment
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        close(fds[1])
        guard spawned == 0 else {
            close(fds[0])
            throw ChildProcessError("posix_spawn \(executable) failed: \(String(cString: strerror(spawned)))")
        }
        childPID = pid
        // The exit status, from a thread blocked in waitpid (never a cooperative-pool thread).
        let waiter = Thread { [self, pid] in
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            let signal = status & 0x7F
            let exit = signal == 0 ? Exit(status: (status >> 8) & 0xFF, reason: .exit) : Exit(status: signal, reason: .uncaughtSignal)
            update { $0.exit = exit }
        }
        waiter.name = "itest-child-wait"
        waiter.start()
        let reader = FileHandle(fileDescriptor: fds[0], closeOnDealloc: true)
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

    /// Closes every descriptor from 3 up in the child (glibc's `posix_spawn_file_actions_addclosefrom_np`,
    /// looked up at run time: Swift's Glibc module does not export it).
    private static func closeFrom3(_ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return }
        _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
    }

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

struct ChildProcessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
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
