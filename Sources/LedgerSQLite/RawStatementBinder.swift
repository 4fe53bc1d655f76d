import GRDB
import GRDBSQLite

/// Binds and runs a prepared INSERT through SQLite's C API directly.
///
/// The group-commit writer inserts a few rows per journal entry at high rates; GRDB's
/// `StatementArguments` boxes every value into an existential first, which showed up in
/// profiles. This binder writes straight into a prepared statement (one of ``WriterStatements``
/// or one from GRDB's cache).
/// Text is bound `SQLITE_TRANSIENT` (SQLite copies it), so no Swift buffer has to outlive the call.
struct RawStatementBinder: ~Copyable {
    private let statement: OpaquePointer
    private let connection: OpaquePointer
    private var index: Int32 = 0

    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    init(_ statement: Statement, db: Database) {
        self.statement = statement.sqliteStatement
        self.connection = db.sqliteConnection!
        sqlite3_reset(self.statement)
        sqlite3_clear_bindings(self.statement)
    }

    mutating func bind(_ text: String?) {
        index += 1
        guard var text else {
            sqlite3_bind_null(statement, index)
            return
        }
        text.withUTF8 { bytes in
            _ = sqlite3_bind_text(statement, index, UnsafeRawPointer(bytes.baseAddress!).assumingMemoryBound(to: CChar.self), Int32(bytes.count), Self.transient)
        }
    }

    mutating func bind(_ value: Int?) {
        index += 1
        if let value { sqlite3_bind_int64(statement, index, Int64(value)) } else { sqlite3_bind_null(statement, index) }
    }

    mutating func bind(_ value: Int64) {
        index += 1
        sqlite3_bind_int64(statement, index, value)
    }

    mutating func bind(_ value: Bool) {
        index += 1
        sqlite3_bind_int64(statement, index, value ? 1 : 0)
    }

    /// Runs the statement and returns column 0 of its first row as an integer (`nil` when there
    /// is no row): for `SELECT` and `… RETURNING`.
    consuming func runReturningInt64() throws -> Int64? {
        defer { sqlite3_reset(statement) }
        let code = sqlite3_step(statement)
        if code == SQLITE_ROW { return sqlite3_column_int64(statement, 0) }
        guard code == SQLITE_DONE else { throw error(code) }
        return nil
    }

    /// Like ``runReturningInt64()`` for a text column.
    consuming func runReturningText() throws -> String? {
        defer { sqlite3_reset(statement) }
        let code = sqlite3_step(statement)
        if code == SQLITE_ROW {
            guard let text = sqlite3_column_text(statement, 0) else { return nil }
            return String(cString: text)
        }
        guard code == SQLITE_DONE else { throw error(code) }
        return nil
    }

    /// Runs the statement and reads its first row with `read` (`nil` when there is no row).
    consuming func runReturningRow<T>(_ read: (RawRow) -> T) throws -> T? {
        defer { sqlite3_reset(statement) }
        let code = sqlite3_step(statement)
        if code == SQLITE_ROW { return read(RawRow(statement: statement)) }
        guard code == SQLITE_DONE else { throw error(code) }
        return nil
    }

    private func error(_ code: Int32) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(connection)))
    }

    /// Runs the statement to completion; throws SQLite's error (and leaves the statement reset).
    consuming func run() throws {
        let code = sqlite3_step(statement)
        defer { sqlite3_reset(statement) }
        guard code == SQLITE_DONE else { throw error(code) }
    }
}

/// The current row of a stepped statement, read by column index.
struct RawRow {
    let statement: OpaquePointer

    func text(_ column: Int32) -> String? {
        guard let text = sqlite3_column_text(statement, column) else { return nil }
        return String(cString: text)
    }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }
}
