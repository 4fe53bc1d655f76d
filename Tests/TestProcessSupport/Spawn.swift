import Foundation

/// Child processes for the tests, started with `posix_spawn` directly.
///
/// Not Foundation's `Process`: on Linux (Swift 6.3.1) its `run()` reads `/proc/self/fd` with a
/// 256-byte copy of each directory entry and now and then crashes the test process when an entry
/// ends a page (swift-corelibs-foundation PR #5472). A child started here gets standard input from
/// /dev/null, no other file descriptor of the test process, the default signal handlers and an
/// empty signal mask (a test thread's blocked signals would otherwise be inherited).
public enum Spawn {
    /// Where a child's standard output and error go.
    public enum Output: Sendable {
        /// The test process's own.
        case inherit
        /// Standard output and error together on a pipe whose read end is returned.
        case pipe
        /// Standard output on a pipe whose read end is returned; standard error discarded.
        case pipeDiscardingErrors
    }

    public struct SpawnError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Starts `executable` (an absolute path) and returns its pid and, for a piped output, the
    /// read end of the pipe (the caller closes it).
    public static func start(
        _ executable: String, arguments: [String], environment: [String: String]? = nil, output: Output
    ) throws -> (pid: pid_t, output: Int32?) {
        var fds: [Int32] = [-1, -1]
        if case .inherit = output {} else {
            guard pipe(&fds) == 0 else { throw SpawnError(description: "pipe failed: errno \(errno)") }
            // Close-on-exec, so that no other child spawned meanwhile keeps the write end open.
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        switch output {
        case .inherit: break
        case .pipe:
            posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
            posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
        case .pipeDiscardingErrors:
            posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        closeFrom3(&actions)
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
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        if fds[1] >= 0 { close(fds[1]) }
        guard spawned == 0 else {
            if fds[0] >= 0 { close(fds[0]) }
            throw SpawnError(description: "posix_spawn \(executable) failed: \(String(cString: strerror(spawned)))")
        }
        return (pid, fds[0] >= 0 ? fds[0] : nil)
    }

    /// Blocks until `pid` ends and returns how: its exit status, or the signal that ended it.
    public static func waitForExit(_ pid: pid_t) -> (status: Int32, signalled: Bool) {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signal = status & 0x7F
        return signal == 0 ? ((status >> 8) & 0xFF, false) : (signal, true)
    }

    /// Closes every descriptor from 3 up in the child (glibc's `posix_spawn_file_actions_addclosefrom_np`,
    /// looked up at run time: Swift's Glibc module does not export it).
    private static func closeFrom3(_ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return }
        _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
    }
}
