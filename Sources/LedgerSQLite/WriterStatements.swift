import GRDB

/// The statements the writer runs for every message, prepared once on the writer connection and
/// held for the connection's life.
///
/// The serial part of posting should do nothing but bind and step: GRDB's statement cache finds a
/// statement by hashing its SQL text, which for these long INSERTs cost more than binding them.
/// Less frequent statements (changes, clearings, the outbox) still go through the cache.
/// Only the writer queue touches an instance.
final class WriterStatements {
    let begin: Statement
    let commit: Statement
    let rollback: Statement
    let savepoint: Statement
    let releaseSavepoint: Statement
    let rollbackToSavepoint: Statement
    let messageIDByKey: Statement
    let insertMessage: Statement
    let takeDocumentNumber: Statement
    let insertJournalEntry: Statement
    let insertJournalEntryItem: Statement
    let deleteEntryRecords: Statement
    let insertEntryRecord: Statement
    let setPostedCount: Statement

    init(_ db: Database) throws {
        begin = try db.makeStatement(sql: "BEGIN IMMEDIATE")
        commit = try db.makeStatement(sql: "COMMIT")
        rollback = try db.makeStatement(sql: "ROLLBACK")
        savepoint = try db.makeStatement(sql: "SAVEPOINT body")
        releaseSavepoint = try db.makeStatement(sql: "RELEASE SAVEPOINT body")
        rollbackToSavepoint = try db.makeStatement(sql: "ROLLBACK TO SAVEPOINT body")
        messageIDByKey = try db.makeStatement(sql: "SELECT id FROM inbound_message WHERE key_sender = ? AND key_interface = ? AND key_id = ?")
        insertMessage = try db.makeStatement(
            sql: """
                INSERT INTO inbound_message (key_sender, key_interface, key_id, interface, sender, message_id, message_uuid,
                    transport_message_id, received_at, first_received_at, attempt, entry_count, payload_digest, posted_count, state,
                    state_changed_at, confirmation_uuid, confirmation_created_at, reference_id, reference_uuid,
                    recipient_business_system_id, relates_to, is_test)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        takeDocumentNumber = try db.makeStatement(
            sql: """
                UPDATE number_range_status SET next_number = next_number + 1
                WHERE company_code = ? AND fiscal_year = ? AND number_range = ? AND next_number <= ?
                RETURNING next_number - 1
                """)
        insertJournalEntry = try db.makeStatement(
            sql: """
                INSERT INTO journal_entry (company_code, fiscal_year, document_number, fiscal_period, document_type, document_date,
                    posting_date, transaction_currency, company_code_currency, original_reference_document_type,
                    original_reference_document, logical_system, business_transaction_type, document_reference_id, header_text,
                    reference1, reference2, created_by_user, posted_by, posted_at, inbound_message_id, entry_message_id,
                    entry_message_uuid, ledger_group, ledgers, reverses, reversal_reason)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        insertJournalEntryItem = try db.makeStatement(
            sql: """
                INSERT INTO journal_entry_item (company_code, fiscal_year, document_number, line_number, account_type, gl_account,
                    business_partner, debit_credit, amount_tc, amount_cc, tax_code, tax_base_tc, is_tax_line, item_text,
                    assignment_reference, reference_document_item, cost_center, profit_center, value_date, due_calculation_base_date,
                    net_payment_days, open_item_state, clearing_document, clearing_fiscal_year, clearing_date)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        deleteEntryRecords = try db.makeStatement(sql: "DELETE FROM message_entry WHERE message_id = ?")
        insertEntryRecord = try db.makeStatement(
            sql: """
                INSERT INTO message_entry (message_id, entry_index, outcome, company_code, fiscal_year, document_number, log,
                    entry_message_id, entry_message_uuid, confirmation_uuid, original_reference_document_type, logical_system, item)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        setPostedCount = try db.makeStatement(sql: "UPDATE inbound_message SET posted_count = ? WHERE id = ?")
    }
}
