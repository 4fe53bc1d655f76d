/// Runs CPU-heavy, blocking work (parsing, XSD validation, decoding, posting rules) away from
/// Swift's cooperative thread pool, so that a large bulk being taken does not stall other requests.
/// The HTTP layer supplies one backed by a fixed thread pool; tests may run work inline.
public protocol BlockingWorkRunner: Sendable {
    func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T
}

/// Runs work on the calling task's thread (tests, tools).
public struct InlineWorkRunner: BlockingWorkRunner {
    public init() {}
    public func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T { work() }
}

extension BlockingWorkRunner {
    /// Runs throwing work, rethrowing its typed error.
    public func run<T: Sendable, E: Error & Sendable>(throwing work: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let result: Result<T, E> = await run { () -> Result<T, E> in
            Result { () throws(E) -> T in try work() }
        }
        return try result.get()
    }
}
