import JournalEntryService
import NIOPosix

/// Runs blocking work on a fixed NIO thread pool (one thread per core by default), away from
/// Swift's cooperative pool and from the event loops.
public struct ThreadPoolWorkRunner: BlockingWorkRunner {
    let pool: NIOThreadPool

    public init(pool: NIOThreadPool = .singleton) { self.pool = pool }

    public func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        // The singleton pool is always active; a pool that was shut down runs the work here.
        do { return try await pool.runIfActive(work) } catch { return work() }
    }
}
