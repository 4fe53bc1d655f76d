import Dispatch
import Foundation
import GRDB
import Ledger
import Logging
import Metrics
import Synchronization

/// The default ``LedgerStore``: one SQLite database file in WAL mode with `synchronous=FULL`,
/// so a confirmation is never sent before its postings are on disk.
///
/// Writes go through a group-commit writer: messages that arrive while a commit is running
/// are collected and written together in the next transaction (one fsync for all of them);
/// when that transaction fails, the batch is written again one message per transaction, so a
/// failing message is rolled back alone. Throughput grows with concurrency while every caller
/// still waits for its own durable commit. Reads use WAL readers and never wait for writes.
public final class SQLiteLedgerStore: LedgerStore {
    private let pool: DatabasePool
    private let writer: GroupCommitWriter
    private let logger: Logger

    /// Opens (and creates or migrates) the database at `path`.
    /// - Parameter metricsFactory: where the writer's batch sizes and commit latencies are
    ///   recorded (`journal_gateway_ledger_batch_messages`, `journal_gateway_ledger_commit_duration_seconds`);
    ///   `nil` = the process-wide `MetricsSystem`.
    public init(
        path: String, masterData: MasterData, logger: Logger = Logger(label: "journal-gateway.sqlite"), metricsFactory: (any MetricsFactory)? = nil
    ) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.maximumReaderCount = 4
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        try LedgerSchema.migrator.migrate(pool)
        self.pool = pool
        self.logger = logger
        self.writer = GroupCommitWriter(
            pool: pool, masterData: masterData, logger: logger, metrics: WriterMetrics(factory: metricsFactory ?? MetricsSystem.factory))
    }

    public func process(_ message: InboundMessage, confirmation: @escaping ConfirmationRenderer) async throws -> ProcessingResult {
        // A check run writes nothing: no replay lookup, no transaction, no fsync.
        if message.isTestMessage {
            let outcomes = message.checkOnlyOutcomes
            return .processed(outcomes: outcomes, confirmation: confirmation(outcomes))
        }
        return try await writer.submit(message, confirmation: confirmation)
    }

    /// SQLite's `PRAGMA integrity_check` of the database: `["ok"]`, or the problems found.
    /// Reads only; runs beside the writer (for example on a backup copy, or from an operator tool).
    public func integrityCheck() async throws -> [String] {
        try await pool.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
    }

    /// How many write transactions the writer has committed since the store was opened (each
    /// one fsync with `synchronous=FULL`); for tests and metrics.
    public var committedTransactionCount: Int { writer.committedTransactionCount }

    public func journalEntry(_ key: DocumentKey) async throws -> StoredJournalEntry? {
        try await pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: EntryRows.selectEntry + " WHERE e.company_code = ? AND e.fiscal_year = ? AND e.document_number = ?",
                    arguments: [key.companyCode, key.fiscalYear, key.documentNumber])
            else { return nil }
            return try EntryRows.entry(from: row, db: db)
        }
    }

    public func journalEntries(_ query: JournalEntryQuery) async throws -> JournalEntryPage {
        try await pool.read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let companyCode = query.companyCode {
                conditions.append("e.company_code = ?")
                arguments += [companyCode]
            }
            if let visible = query.visibleCompanyCodes {
                if visible.isEmpty { return JournalEntryPage(entries: [], next: nil) }
                conditions.append("e.company_code IN (" + Array(repeating: "?", count: visible.count).joined(separator: ", ") + ")")
                arguments += StatementArguments(visible.sorted())
            }
            if let year = query.fiscalYear {
                conditions.append("e.fiscal_year = ?")
                arguments += [year]
            }
            if let from = query.postingDateFrom {
                conditions.append("e.posting_date >= ?")
                arguments += [from.description]
            }
            if let to = query.postingDateTo {
                conditions.append("e.posting_date <= ?")
                arguments += [to.description]
            }
            if let after = query.after {
                conditions.append("(e.company_code, e.fiscal_year, e.document_number) > (?, ?, ?)")
                arguments += [after.companyCode, after.fiscalYear, after.documentNumber]
            }
            if let account = query.account {
                conditions.append(
                    """
                    EXISTS (SELECT 1 FROM journal_entry_item i WHERE i.company_code = e.company_code AND i.fiscal_year = e.fiscal_year
                    AND i.document_number = e.document_number AND (i.gl_account = ? OR i.business_partner = ?))
                    """)
                arguments += [account, account]
            }
            var sql = EntryRows.selectEntry
            if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
            sql += " ORDER BY e.company_code, e.fiscal_year, e.document_number LIMIT ?"
            arguments += [query.limit + 1]
            let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
            let entries = try rows.prefix(query.limit).map { try EntryRows.entry(from: $0, db: db) }
            return JournalEntryPage(entries: entries, next: rows.count > query.limit ? entries.last?.key : nil)
        }
    }

    /// Takes the write lock and runs a write statement that matches no row, then rolls back:
    /// fails when the database file (or its connection) is read-only or the lock cannot be had.
    public func checkWritable() async throws {
        do {
            try await pool.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    try db.execute(sql: "UPDATE number_range_status SET next_number = next_number WHERE 0")
                    return .rollback
                }
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_READONLY {
            throw LedgerStoreError("the ledger database is read-only (\(error.message ?? "SQLITE_READONLY"))")
        } catch let error as DatabaseError {
            throw LedgerStoreError("the ledger database cannot be written (\(error.message ?? "\(error.resultCode)"))")
        } catch {
            throw LedgerStoreError("the ledger database cannot be written (\(error))")
        }
    }

    /// For tests: switches SQLite's `query_only` on the writer connection, which makes every
    /// write fail with `SQLITE_READONLY`, as a read-only database file does.
    package func setWriterQueryOnly(_ queryOnly: Bool) async throws {
        try await pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA query_only = \(queryOnly ? "ON" : "OFF")") }
    }

    /// Refuses new writes, lets in-flight writes finish, checkpoints the WAL into the database
    /// file (`wal_checkpoint(TRUNCATE)`: the `-wal` file is left empty, so the database file alone
    /// is complete and can be copied) and closes the database. Calling it again does nothing.
    public func close() throws {
        guard writer.close() else { return }
        try pool.barrierWriteWithoutTransaction { db in
            _ = try db.checkpoint(.truncate)
        }
        try pool.close()
    }
}

/// Collects submissions and writes them in shared transactions on one dedicated queue.
final class GroupCommitWriter: Sendable {
    private struct Job {
        let message: InboundMessage
        let render: ConfirmationRenderer
        let continuation: CheckedContinuation<ProcessingResult, any Error>
    }

    private struct State {
        var jobs: [Job] = []
        var draining = false
        var closed = false
    }

    /// Upper bound of messages per transaction, to keep a single commit's latency bounded.
    static let maximumBatch = 256

    private let pool: DatabasePool
    private let masterData: MasterData
    private let logger: Logger
    private let queue = DispatchQueue(label: "journal-gateway.ledger-writer")
    private let state = Mutex(State())
    private let commits = Atomic<Int>(0)

    var committedTransactionCount: Int { commits.load(ordering: .relaxed) }

    private let metrics: WriterMetrics?

    init(pool: DatabasePool, masterData: MasterData, logger: Logger, metrics: WriterMetrics? = nil) {
        self.metrics = metrics
        self.pool = pool
        self.masterData = masterData
        self.logger = logger
    }

    func submit(_ message: InboundMessage, confirmation: @escaping ConfirmationRenderer) async throws -> ProcessingResult {
        try await withCheckedThrowingContinuation { continuation in
            let job = Job(message: message, render: confirmation, continuation: continuation)
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
            if !accepted { continuation.resume(throwing: LedgerStoreError("the ledger is closed; nothing of the message was stored")) }
        }
    }

    /// Refuses further submissions and waits until every accepted one is written and answered.
    /// - Returns: `false` when the writer was already closed.
    func close() -> Bool {
        let wasOpen = state.withLock { state in
            defer { state.closed = true }
            return !state.closed
        }
        // Every job accepted before the flag was set is in the queue's current or enqueued drain.
        queue.sync {}
        return wasOpen
    }

    private func drain() {
        while true {
            let batch: [Job] = state.withLock { state in
                guard !state.jobs.isEmpty else {
                    state.draining = false
                    return []
                }
                let count = min(state.jobs.count, Self.maximumBatch)
                let batch = Array(state.jobs.prefix(count))
                state.jobs.removeFirst(count)
                return batch
            }
            if batch.isEmpty { return }
            write(batch)
        }
    }

    /// Writes a batch in one transaction. If anything in it fails, the whole transaction rolls
    /// back and the messages are written again one per transaction, so that only the message
    /// at fault fails; nobody is answered before their transaction has committed.
    private func write(_ batch: [Job]) {
        let postedAt = UTCTimestamp.now()
        let started = DispatchTime.now().uptimeNanoseconds
        var results: [ProcessingResult] = []
        results.reserveCapacity(batch.count)
        do {
            try pool.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    for job in batch {
                        results.append(try self.process(job.message, render: job.render, postedAt: postedAt, db: db))
                    }
                    return .commit
                }
            }
            commits.add(1, ordering: .relaxed)
            metrics?.committed(messages: batch.count, nanoseconds: DispatchTime.now().uptimeNanoseconds - started)
        } catch {
            guard batch.count > 1 else {
                logger.error(
                    "message could not be stored; nothing of it was written",
                    metadata: ["error": "\(error)", "sender": "\(batch[0].message.sender)"])
                batch[0].continuation.resume(throwing: LedgerStoreError("the ledger could not store the message: \(error)"))
                return
            }
            logger.warning("batch of \(batch.count) messages rolled back; writing them one by one", metadata: ["error": "\(error)"])
            for job in batch { write([job]) }
            return
        }
        for (job, result) in zip(batch, results) { job.continuation.resume(returning: result) }
    }

    private func process(_ message: InboundMessage, render: ConfirmationRenderer, postedAt: String, db: Database) throws -> ProcessingResult {
        var firstReceivedAt = message.receivedAt
        var attempt = 1
        if let key = message.key {
            var lookup = RawStatementBinder(
                try db.cachedStatement(
                    sql: """
                        SELECT id, confirmation, payload_digest, posted_count, COALESCE(first_received_at, received_at), attempt
                        FROM inbound_message WHERE sender = ? AND message_key = ?
                        """), db: db)
            lookup.bind(key.sender)
            lookup.bind(key.messageID)
            let recorded = try lookup.runReturningRow { row in
                RecordedMessage(
                    id: row.int64(0), confirmation: row.text(1) ?? "", payloadDigest: row.text(2), postedCount: row.int64(3),
                    firstReceivedAt: row.text(4) ?? "", attempt: row.int64(5))
            }
            if let recorded {
                if recorded.postedCount > 0 {
                    if let stored = recorded.payloadDigest, let digest = message.payloadDigest, stored != digest {
                        return .conflict(firstReceivedAt: recorded.firstReceivedAt)
                    }
                    return .replayed(confirmation: recorded.confirmation)
                }
                // Nothing of it was posted: the key does not block. The earlier attempt keeps its
                // row (without the key); this one is recorded as the next attempt.
                var release = RawStatementBinder(try db.cachedStatement(sql: "UPDATE inbound_message SET message_key = NULL WHERE id = ?"), db: db)
                release.bind(recorded.id)
                try release.run()
                firstReceivedAt = recorded.firstReceivedAt
                attempt = Int(recorded.attempt) + 1
            }
        }
        // The message row first (its id links the entries); the confirmation is filled in last.
        var insertMessage = RawStatementBinder(
            try db.cachedStatement(
                sql: """
                    INSERT INTO inbound_message (interface, sender, message_key, message_id, message_uuid, received_at, entry_count,
                        confirmation, payload_digest, first_received_at, attempt)
                    VALUES (?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?)
                    """), db: db)
        insertMessage.bind(message.interface)
        insertMessage.bind(message.sender)
        insertMessage.bind(message.key?.messageID)
        insertMessage.bind(message.messageID)
        insertMessage.bind(message.messageUUID)
        insertMessage.bind(message.receivedAt)
        insertMessage.bind(message.entries.count)
        insertMessage.bind(message.payloadDigest)
        insertMessage.bind(firstReceivedAt)
        insertMessage.bind(attempt)
        try insertMessage.run()
        let messageRowID = db.lastInsertedRowID

        var outcomes: [EntryOutcome] = []
        outcomes.reserveCapacity(message.entries.count)
        var postedCount = 0
        for entry in message.entries {
            switch entry.action {
            case .reject(let rejection): outcomes.append(.rejected(rejection))
            case .check(let plan): outcomes.append(.checked(plan.summary))
            case .post(let plan):
                let outcome = try post(plan, entry: entry, message: message, messageRowID: messageRowID, postedAt: postedAt, db: db)
                if case .posted = outcome { postedCount += 1 }
                outcomes.append(outcome)
            }
        }
        let confirmation = render(outcomes)
        var storeConfirmation = RawStatementBinder(
            try db.cachedStatement(sql: "UPDATE inbound_message SET confirmation = ?, posted_count = ? WHERE id = ?"), db: db)
        storeConfirmation.bind(confirmation)
        storeConfirmation.bind(postedCount)
        storeConfirmation.bind(messageRowID)
        try storeConfirmation.run()
        return .processed(outcomes: outcomes, confirmation: confirmation)
    }

    /// What the ledger holds about an earlier message with the same key.
    private struct RecordedMessage {
        var id: Int64
        var confirmation: String
        var payloadDigest: String?
        var postedCount: Int64
        var firstReceivedAt: String
        var attempt: Int64
    }

    private func post(
        _ plan: PostingPlan, entry: EntrySubmission, message: InboundMessage, messageRowID: Int64, postedAt: String, db: Database
    ) throws -> EntryOutcome {
        guard let range = masterData.companyCodes[plan.companyCode]?.numberRanges[plan.numberRange] else {
            return .rejected(PostingRejection([LedgerMessage(.numberRangeNotDefined, plan.companyCode, plan.numberRange, String(plan.fiscalYear))]))
        }
        // Gapless numbering: the counter moves inside this transaction, so a rollback gives the number back.
        let number: Int64
        var take = RawStatementBinder(
            try db.cachedStatement(
                sql: """
                    UPDATE number_range_status SET next_number = next_number + 1
                    WHERE company_code = ? AND fiscal_year = ? AND number_range = ? AND next_number <= ?
                    RETURNING next_number - 1
                    """), db: db)
        take.bind(plan.companyCode)
        take.bind(plan.fiscalYear)
        take.bind(plan.numberRange)
        take.bind(range.last)
        if let taken = try take.runReturningInt64() {
            number = taken
        } else if try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT next_number FROM number_range_status WHERE company_code = ? AND fiscal_year = ? AND number_range = ?"),
            arguments: [plan.companyCode, plan.fiscalYear, plan.numberRange]) != nil
        {
            return .rejected(PostingRejection([LedgerMessage(.numberRangeExhausted, plan.numberRange, plan.companyCode, String(plan.fiscalYear))]))
        } else {
            number = range.first
            try db.cachedStatement(sql: "INSERT INTO number_range_status (company_code, fiscal_year, number_range, next_number) VALUES (?, ?, ?, ?)")
                .execute(arguments: [plan.companyCode, plan.fiscalYear, plan.numberRange, number + 1])
        }
        let documentNumber = DocumentKey.formatNumber(number)

        let insertEntry = try db.cachedStatement(
            sql: """
                INSERT INTO journal_entry (company_code, fiscal_year, document_number, fiscal_period, document_type, document_date,
                    posting_date, transaction_currency, company_code_currency, original_reference_document_type,
                    original_reference_document, logical_system, business_transaction_type, document_reference_id, header_text,
                    reference1, reference2, created_by_user, posted_by, posted_at, inbound_message_id, entry_message_id, entry_message_uuid)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        var entryRow = RawStatementBinder(insertEntry, db: db)
        entryRow.bind(plan.companyCode)
        entryRow.bind(plan.fiscalYear)
        entryRow.bind(documentNumber)
        entryRow.bind(plan.fiscalPeriod)
        entryRow.bind(plan.documentType)
        entryRow.bind(plan.documentDate.description)
        entryRow.bind(plan.postingDate.description)
        entryRow.bind(plan.transactionCurrency)
        entryRow.bind(plan.companyCodeCurrency)
        entryRow.bind(plan.originalReferenceDocumentType)
        entryRow.bind(plan.originalReferenceDocument)
        entryRow.bind(plan.originalReferenceDocumentLogicalSystem)
        entryRow.bind(plan.businessTransactionType)
        entryRow.bind(plan.documentReferenceID)
        entryRow.bind(plan.documentHeaderText)
        entryRow.bind(plan.reference1InDocumentHeader)
        entryRow.bind(plan.reference2InDocumentHeader)
        entryRow.bind(plan.createdByUser)
        entryRow.bind(message.sender)
        entryRow.bind(postedAt)
        entryRow.bind(messageRowID)
        entryRow.bind(entry.messageID)
        entryRow.bind(entry.messageUUID)
        try entryRow.run()
        let insertItem = try db.cachedStatement(
            sql: """
                INSERT INTO journal_entry_item (company_code, fiscal_year, document_number, line_number, account_type, gl_account,
                    business_partner, debit_credit, amount_tc, amount_cc, tax_code, tax_base_tc, is_tax_line, item_text,
                    assignment_reference, reference_document_item, cost_center, profit_center, value_date, due_calculation_base_date,
                    net_payment_days, open_item_state)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for line in plan.lines {
            var row = RawStatementBinder(insertItem, db: db)
            row.bind(plan.companyCode)
            row.bind(plan.fiscalYear)
            row.bind(documentNumber)
            row.bind(line.lineNumber)
            row.bind(line.accountType.rawValue)
            row.bind(line.glAccount)
            row.bind(line.businessPartner)
            row.bind(line.debitCredit.rawValue)
            row.bind(line.amountInTransactionCurrency.description)
            row.bind(line.amountInCompanyCodeCurrency.description)
            row.bind(line.taxCode)
            row.bind(line.taxBaseAmount?.description)
            row.bind(line.isTaxLine)
            row.bind(line.itemText)
            row.bind(line.assignmentReference)
            row.bind(line.referenceDocumentItem)
            row.bind(line.costCenter)
            row.bind(line.profitCenter)
            row.bind(line.valueDate?.description)
            row.bind(line.dueCalculationBaseDate?.description)
            row.bind(line.netPaymentDays)
            row.bind(line.openItemState.rawValue)
            try row.run()
        }
        return .posted(DocumentKey(companyCode: plan.companyCode, fiscalYear: plan.fiscalYear, documentNumber: documentNumber))
    }
}

/// The writer's metrics: messages per committed transaction and the time from `BEGIN` to the
/// end of `COMMIT` (including its fsync).
struct WriterMetrics: Sendable {
    let batchSize: Recorder
    let commitDuration: Metrics.Timer

    init(factory: any MetricsFactory) {
        batchSize = Recorder(label: "journal_gateway_ledger_batch_messages", dimensions: [], aggregate: true, factory: factory)
        commitDuration = Metrics.Timer(label: "journal_gateway_ledger_commit_duration_seconds", dimensions: [], factory: factory)
    }

    func committed(messages: Int, nanoseconds: UInt64) {
        batchSize.record(messages)
        commitDuration.recordNanoseconds(nanoseconds)
    }
}

/// Reading entries back from rows.
enum EntryRows {
    static let selectEntry = """
        SELECT e.*, m.interface, m.message_id, m.message_uuid, m.received_at
        FROM journal_entry e JOIN inbound_message m ON m.id = e.inbound_message_id
        """

    static func entry(from row: Row, db: Database) throws -> StoredJournalEntry {
        let key = DocumentKey(companyCode: row["company_code"], fiscalYear: row["fiscal_year"], documentNumber: row["document_number"])
        let header = PostingPlan.Header(
            companyCode: key.companyCode, fiscalYear: key.fiscalYear, fiscalPeriod: row["fiscal_period"], documentType: row["document_type"],
            documentDate: try date(row["document_date"]), postingDate: try date(row["posting_date"]),
            transactionCurrency: row["transaction_currency"], companyCodeCurrency: row["company_code_currency"],
            originalReferenceDocumentType: row["original_reference_document_type"], originalReferenceDocument: row["original_reference_document"],
            originalReferenceDocumentLogicalSystem: row["logical_system"], businessTransactionType: row["business_transaction_type"],
            documentReferenceID: row["document_reference_id"], documentHeaderText: row["header_text"], reference1InDocumentHeader: row["reference1"],
            reference2InDocumentHeader: row["reference2"], createdByUser: row["created_by_user"])
        let itemRows = try Row.fetchAll(
            db.cachedStatement(
                sql: "SELECT * FROM journal_entry_item WHERE company_code = ? AND fiscal_year = ? AND document_number = ? ORDER BY line_number"),
            arguments: [key.companyCode, key.fiscalYear, key.documentNumber])
        let lines = try itemRows.map { item -> PlannedLine in
            PlannedLine(
                lineNumber: item["line_number"], accountType: AccountType(rawValue: item["account_type"]) ?? .glAccount,
                glAccount: item["gl_account"], businessPartner: item["business_partner"],
                debitCredit: DebitCredit(rawValue: item["debit_credit"]) ?? .debit,
                amountInTransactionCurrency: try amount(item["amount_tc"]), amountInCompanyCodeCurrency: try amount(item["amount_cc"]),
                taxCode: item["tax_code"], taxBaseAmount: try (item["tax_base_tc"] as String?).map(amount), isTaxLine: item["is_tax_line"],
                itemText: item["item_text"], assignmentReference: item["assignment_reference"],
                referenceDocumentItem: item["reference_document_item"], costCenter: item["cost_center"], profitCenter: item["profit_center"],
                valueDate: try (item["value_date"] as String?).map(date), dueCalculationBaseDate: try (item["due_calculation_base_date"] as String?).map(date),
                netPaymentDays: item["net_payment_days"], openItemState: OpenItemState(rawValue: item["open_item_state"]) ?? .notManaged)
        }
        return StoredJournalEntry(
            key: key, plan: header, lines: lines, postedBy: row["posted_by"], postedAt: row["posted_at"],
            source: .init(
                interface: row["interface"], messageID: row["message_id"], messageUUID: row["message_uuid"],
                entryMessageID: row["entry_message_id"], entryMessageUUID: row["entry_message_uuid"], receivedAt: row["received_at"]))
    }

    static func date(_ text: String) throws -> LedgerDate {
        guard let date = LedgerDate(iso: text) else { throw LedgerStoreError("stored date '\(text)' is not YYYY-MM-DD") }
        return date
    }

    static func amount(_ text: String) throws -> DecimalAmount {
        guard let amount = DecimalAmount(parsing: text) else { throw LedgerStoreError("stored amount '\(text)' is not a decimal") }
        return amount
    }
}
