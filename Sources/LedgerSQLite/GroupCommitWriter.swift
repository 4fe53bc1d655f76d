import Dispatch
import Foundation
import GRDB
import Ledger
import Logging
import Synchronization

/// Collects transaction bodies and runs them in shared transactions on one dedicated queue
/// (group commit: one fsync for every body of a batch).
///
/// Each body runs inside its own `SAVEPOINT`: a body that throws is rolled back alone and its
/// caller gets its error, while the other bodies of the batch commit. When the commit itself (or
/// a savepoint) fails, the whole transaction is rolled back and every body of the batch runs
/// again alone, so that only a body at fault fails. Nobody is answered before the transaction
/// holding their writes has committed. A batch is bounded by the rows its bodies announce
/// (``LedgerStore/write(rows:_:)``) and by a number of bodies, so one large message is written in
/// a transaction of its own and small ones do not wait behind an unbounded batch.
final class GroupCommitWriter: Sendable {
    /// One submitted body, type-erased: `run` executes it and keeps its result, `finish` answers
    /// the caller (with the kept result, or an error).
    private struct Job: Sendable {
        let rows: Int
        let run: @Sendable (SQLiteTransaction) throws -> Void
        let finish: @Sendable ((any Error)?) -> Void
    }

    private struct State {
        var jobs: [Job] = []
        var draining = false
        var closed = false
    }

    /// Upper bounds of one shared transaction.
    static let maximumBodies = 256
    static let maximumRows = 20_000

    private let pool: DatabasePool
    private let logger: Logger
    private let queue = DispatchQueue(label: "journal-gateway.ledger-writer")
    private let state = Mutex(State())
    private let commits = Atomic<Int>(0)
    private let metrics: WriterMetrics?
    /// Prepared on the first write, released by `close()`; touched only on `queue`.
    private nonisolated(unsafe) var statements: WriterStatements?

    var committedTransactionCount: Int { commits.load(ordering: .relaxed) }

    init(pool: DatabasePool, logger: Logger, metrics: WriterMetrics? = nil) {
        self.metrics = metrics
        self.pool = pool
        self.logger = logger
    }

    func submit<T: Sendable>(rows: Int, _ body: @escaping @Sendable (any LedgerTransaction) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let result = ResultBox<T>()
            let job = Job(
                rows: max(1, rows),
                run: { transaction in result.set(try body(transaction)) },
                finish: { error in
                    if let error {
                        continuation.resume(throwing: error)
                    } else if let value = result.take() {
                        continuation.resume(returning: value)
                    } else {
                        continuation.resume(throwing: LedgerStoreError("the ledger writer lost a transaction's result"))
                    }
                })
            let accepted = state.withLock { state -> Bool in
                if state.closed { return false }
                state.jobs.append(job)
                if !state.draining {
                    state.draining = true
                    // Enqueued under the lock, so that `close()` (which waits for the queue) cannot miss it.
                    queue.async { self.drain() }
                }
                return true
            }
            if !accepted { continuation.resume(throwing: LedgerStoreError("the ledger is closed; nothing was written")) }
        }
    }

    /// Refuses further submissions and waits until every accepted one is written and answered.
    /// - Returns: `false` when the writer was already closed.
    func close() -> Bool {
        let wasOpen = state.withLock { state in
            defer { state.closed = true }
            return !state.closed
        }
        // Every job accepted before the flag was set is in the queue's current or enqueued drain;
        // the held statements are finalized before the connection closes.
        // (Finalized on the connection's own queue: with SQLite's per-connection mutex off,
        // nothing may touch the connection from two threads at once.)
        queue.sync { try? pool.writeWithoutTransaction { _ in statements = nil } }
        return wasOpen
    }

    private func drain() {
        while true {
            let batch: [Job] = state.withLock { state in
                guard !state.jobs.isEmpty else {
                    state.draining = false
                    return []
                }
                var count = 0
                var rows = 0
                for job in state.jobs {
                    if count > 0 && (count == Self.maximumBodies || rows + job.rows > Self.maximumRows) { break }
                    count += 1
                    rows += job.rows
                }
                let batch = Array(state.jobs.prefix(count))
                state.jobs.removeFirst(count)
                return batch
            }
            if batch.isEmpty { return }
            write(batch)
        }
    }

    private func write(_ batch: [Job]) {
        let started = DispatchTime.now().uptimeNanoseconds
        var bodyErrors: [(any Error)?] = []
        bodyErrors.reserveCapacity(batch.count)
        do {
            try pool.writeWithoutTransaction { db in
                let statements = try self.statements ?? WriterStatements(db)
                self.statements = statements
                try RawStatementBinder(statements.begin, db: db).run()
                do {
                    let transaction = SQLiteTransaction(db: db, statements: statements)
                    for job in batch {
                        try RawStatementBinder(statements.savepoint, db: db).run()
                        do {
                            try job.run(transaction)
                            try RawStatementBinder(statements.releaseSavepoint, db: db).run()
                            bodyErrors.append(nil)
                        } catch {
                            // Throws (and so fails the whole batch) when SQLite already rolled the
                            // transaction back, e.g. after SQLITE_FULL or an I/O error.
                            try RawStatementBinder(statements.rollbackToSavepoint, db: db).run()
                            try RawStatementBinder(statements.releaseSavepoint, db: db).run()
                            bodyErrors.append(error)
                        }
                    }
                    try RawStatementBinder(statements.commit, db: db).run()
                } catch {
                    // SQLite may have rolled back already (e.g. after SQLITE_FULL); otherwise undo it all.
                    if db.isInsideTransaction { try? RawStatementBinder(statements.rollback, db: db).run() }
                    throw error
                }
            }
            commits.add(1, ordering: .relaxed)
            metrics?.committed(messages: batch.count, nanoseconds: DispatchTime.now().uptimeNanoseconds - started)
        } catch {
            guard batch.count > 1 else {
                logger.error("a write transaction failed; nothing of it was stored", metadata: ["error": "\(error)"])
                batch[0].finish(Self.storeError(bodyErrors.first.flatMap { $0 } ?? error))
                return
            }
            logger.warning("a transaction of \(batch.count) writes rolled back; writing them one by one", metadata: ["error": "\(error)"])
            for job in batch { write([job]) }
            return
        }
        for (job, error) in zip(batch, bodyErrors) { job.finish(error.map(Self.storeError)) }
    }

    /// A body's own errors reach its caller as they are; SQLite's are said in the store's terms.
    private static func storeError(_ error: any Error) -> any Error {
        if let error = error as? DatabaseError { return LedgerStoreError("the ledger could not store the change: \(error)") }
        return error
    }
}

/// Holds a body's result from the writer queue until its caller is answered.
private final class ResultBox<T: Sendable>: Sendable {
    private let value = Mutex<T?>(nil)

    func set(_ newValue: T) { value.withLock { $0 = newValue } }
    func take() -> T? { value.withLock { $0.take() } }
}
