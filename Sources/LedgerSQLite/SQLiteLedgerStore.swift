import CSQLiteTuning
import ConfirmationDelivery
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
            // Savepoint (statement) journals in memory: each body of a group commit runs in a
            // SAVEPOINT, and with the default a sub-journal past 64 KiB spills into a temporary
            // file that is written, and deleted again, on every batch. The WAL stays on disk and
            // is what makes a commit durable; a sub-journal only matters until the commit.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            // 16 MiB of page cache per connection (SQLite's default is 2 MiB): the writer's
            // B-tree descents into the entry, item and message indexes stay in memory as the
            // ledger grows, instead of a read system call per evicted page.
            try db.execute(sql: "PRAGMA cache_size = -16384")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        try LedgerSchema.migrator.migrate(pool)
        self.pool = pool
        self.logger = logger
        self.writer = GroupCommitWriter(
            pool: pool, logger: logger, metrics: WriterMetrics(factory: metricsFactory ?? MetricsSystem.factory))
    }

    /// Applies SQLite's process-wide settings for a server process: no per-connection mutex (GRDB
    /// serializes each connection on its own queue, so SQLite's own locking on every call is pure
    /// cost on the writer) and no allocation statistics (a global mutex around every allocation).
    ///
    /// `sqlite3_config` is not thread-safe and only works before SQLite is first used, so this is
    /// the executable's decision, made first thing at start-up (`serve`); a process that does not
    /// call it (the tests) runs with SQLite's defaults. Returns `false` when SQLite was already
    /// in use and the defaults stay (which is safe).
    @discardableResult
    public static func tuneProcess() -> Bool { processTuning == 0 }

    private static let processTuning: Int32 = csqlite_tune_process()

    public func write<T: Sendable>(rows: Int, _ body: @escaping @Sendable (any LedgerTransaction) throws -> T) async throws -> T {
        try await writer.submit(rows: rows, body)
    }

    public func messageDetail(_ id: MessageRowID) async throws -> MessageDetail? {
        try await pool.read { db in
            guard let message = try MessageRows.fetchOne(db, where: "m.id = ?", arguments: [id]) else { return nil }
            let delivery = try DeliveryRows.fetchAll(db, where: "message_id = ?", order: "id", limit: 1, arguments: [id]).first
            return MessageDetail(
                message: message, entries: try MessageRows.entries(db, ofMessage: id), delivery: delivery,
                attempts: try delivery.map { try DeliveryRows.attempts(db, ofDelivery: $0.id) } ?? [])
        }
    }

    public func messages(_ query: MessageQuery) async throws -> MessagePage {
        try await pool.read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let interface = query.interface {
                conditions.append("m.interface = ?")
                arguments += [interface]
            }
            if let sender = query.sender {
                conditions.append("m.sender = ?")
                arguments += [sender]
            }
            if let state = query.state {
                conditions.append("m.state = ?")
                arguments += [state.rawValue]
            }
            if let status = query.deliveryStatus {
                conditions.append("d.status = ?")
                arguments += [status.rawValue]
            }
            if let messageID = query.messageID {
                conditions.append("(m.message_id = ? OR m.message_uuid = ? OR m.transport_message_id = ?)")
                arguments += [messageID, messageID, messageID]
            }
            if let from = query.receivedFrom {
                conditions.append("m.received_at >= ?")
                arguments += [from]
            }
            if let to = query.receivedTo {
                conditions.append("m.received_at <= ?")
                arguments += [to]
            }
            if let before = query.before {
                conditions.append("m.id < ?")
                arguments += [before]
            }
            var sql = "SELECT \(MessageRows.columns), \(DeliveryRows.columns.split(separator: ",").map { "d." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", "))"
            sql += " FROM inbound_message m LEFT JOIN confirmation_delivery d ON d.message_id = m.id"
            if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
            sql += " ORDER BY m.id DESC LIMIT ?"
            arguments += [query.limit + 1]
            let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
            let summaries = try rows.prefix(query.limit).map { row in
                let delivery: DeliveryRecord? = (row[27] as Int64?) == nil ? nil : try DeliveryRows.delivery(row, offset: 27)
                return MessageSummary(message: try MessageRows.message(row), delivery: delivery)
            }
            return MessagePage(messages: summaries, next: rows.count > query.limit ? summaries.last?.message.id : nil)
        }
    }

    public func messagePayload(_ id: MessageRowID) async throws -> StoredPayload? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT content_type, body FROM inbound_payload WHERE message_id = ?", arguments: [id]).map { row in
                let body: Data = row[1]
                return StoredPayload(body: [UInt8](body), contentType: row[0])
            }
        }
    }

    /// SQLite's `PRAGMA integrity_check` of the database: `["ok"]`, or the problems found.
    /// Reads only; runs beside the writer (for example on a backup copy, or from an operator tool).
    public func integrityCheck() async throws -> [String] {
        try await pool.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
    }

    /// How many write transactions the writer has committed since the store was opened (each
    /// one fsync with `synchronous=FULL`); for tests and metrics.
    public var committedTransactionCount: Int { writer.committedTransactionCount }

    public func changeHistory(of key: DocumentKey) async throws -> [ChangeRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT line_number, field, old_value, new_value, changed_by, changed_at, message_id, inbound_message_id
                    FROM journal_entry_change WHERE company_code = ? AND fiscal_year = ? AND document_number = ? ORDER BY id
                    """, arguments: [key.companyCode, key.fiscalYear, key.documentNumber]
            ).map { row in
                ChangeRecord(
                    document: key, item: row[0], field: row[1], oldValue: row[2], newValue: row[3], changedBy: row[4], changedAt: row[5],
                    messageID: row[6], messageRowID: row[7])
            }
        }
    }

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
                netPaymentDays: item["net_payment_days"], openItemState: OpenItemState(rawValue: item["open_item_state"]) ?? .notManaged,
                clearingDocument: (item["clearing_document"] as String?).map {
                    DocumentKey(companyCode: key.companyCode, fiscalYear: item["clearing_fiscal_year"] ?? key.fiscalYear, documentNumber: $0)
                },
                clearingDate: try (item["clearing_date"] as String?).map(date))
        }
        let ledgers: String? = row["ledgers"]
        var additional: [Int: [String: String]] = [:]
        for field in try Row.fetchAll(
            db.cachedStatement(
                sql: "SELECT line_number, field, value FROM journal_entry_field WHERE company_code = ? AND fiscal_year = ? AND document_number = ?"),
            arguments: [key.companyCode, key.fiscalYear, key.documentNumber])
        {
            additional[field[0], default: [:]][field[1]] = field[2]
        }
        var entry = StoredJournalEntry(
            key: key, plan: header, lines: lines, postedBy: row["posted_by"], postedAt: row["posted_at"],
            source: .init(
                interface: row["interface"], messageID: row["message_id"], messageUUID: row["message_uuid"],
                entryMessageID: row["entry_message_id"], entryMessageUUID: row["entry_message_uuid"], receivedAt: row["received_at"]),
            ledgerGroup: row["ledger_group"], ledgers: ledgers.map { $0.split(separator: ",").map(String.init) } ?? [],
            reverses: (row["reverses"] as String?).flatMap(DocumentKey.init(description:)), reversalReason: row["reversal_reason"],
            reversedBy: (row["reversed_by"] as String?).flatMap(DocumentKey.init(description:)))
        entry.additionalFields = additional
        return entry
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
