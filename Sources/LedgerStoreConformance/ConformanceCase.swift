import Ledger

/// One check of the ``LedgerStore`` contract, run against a fresh store of any implementation.
///
/// The suite is a plain library (it does not import a test framework): every backend's test
/// target runs ``StoreConformance/cases`` as a parameterised test, so that the in-memory, SQLite
/// and (later) PostgreSQL stores are held to exactly the same checks.
public struct ConformanceCase: Sendable, CustomStringConvertible {
    public let name: String
    public let run: @Sendable (_ makeStore: @Sendable () async throws -> any LedgerStore) async throws -> Void

    public init(_ name: String, run: @escaping @Sendable (_ makeStore: @Sendable () async throws -> any LedgerStore) async throws -> Void) {
        self.name = name
        self.run = run
    }

    public var description: String { name }
}

/// A breach of the contract found by a ``ConformanceCase``.
public struct ConformanceFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
