import ConfirmationDelivery
import Foundation
import GRDB
import Ledger

/// The SQLite store's ``LedgerTransaction``: the primitives as SQL on the writer connection,
/// inside the transaction (and savepoint) the group-commit writer opened for one body.
///
/// The statements of every message (lookup by key, message, number, entry, items, outcomes) are
/// the writer's ``WriterStatements``, prepared once and held for the connection's life; the rarer
/// ones (changes, clearings, the outbox) come from GRDB's statement cache. Rows are bound through
/// ``RawStatementBinder``, which binds without boxing every value.
final class SQLiteTransaction: LedgerTransaction {
    private let db: Database
    private let statements: WriterStatements

    init(db: Database, statements: WriterStatements) {
        self.db = db
        self.statements = statements
    }

    // MARK: Inbound messages

    func message(forKey key: InboundMessageKey) throws -> MessageRecord? {
        // Almost always a new key: one step on the key's unique index; the record is read only when found.
        var probe = RawStatementBinder(statements.messageIDByKey, db: db)
        probe.bind(key.sender)
        probe.bind(key.interface)
        probe.bind(key.messageID)
        guard let id = try probe.runReturningInt64() else { return nil }
        return try message(id: id)
    }

    func message(id: MessageRowID) throws -> MessageRecord? {
        try MessageRows.fetchOne(db, where: "m.id = ?", arguments: [id])
    }

    func insertMessage(_ message: NewMessage) throws -> MessageRowID {
        var insert = RawStatementBinder(statements.insertMessage, db: db)
        insert.bind(message.key?.sender)
        insert.bind(message.key?.interface)
        insert.bind(message.key?.messageID)
        insert.bind(message.interface)
        insert.bind(message.sender)
        insert.bind(message.messageID)
        insert.bind(message.messageUUID)
        insert.bind(message.transportMessageID)
        insert.bind(message.receivedAt)
        insert.bind(message.firstReceivedAt)
        insert.bind(message.attempt)
        insert.bind(message.entryCount)
        insert.bind(message.payloadDigest)
        insert.bind(message.state.rawValue)
        insert.bind(message.receivedAt)
        insert.bind(message.confirmation.uuid)
        insert.bind(message.confirmation.creationDateTime)
        insert.bind(message.confirmation.referenceID)
        insert.bind(message.confirmation.referenceUUID)
        insert.bind(message.confirmation.recipientBusinessSystemID)
        insert.bind(message.confirmation.relatesTo)
        insert.bind(message.isTest)
        do {
            try insert.run()
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            // The key's UNIQUE index: the caller should have admitted the message first.
            throw LedgerStoreError(
                "message key \(message.key.map { "\($0.sender)/\($0.interface)/\($0.messageID)" } ?? "-") is already recorded (\(error.message ?? ""))")
        }
        return db.lastInsertedRowID
    }

    func releaseKey(ofMessage id: MessageRowID) throws {
        try db.cachedStatement(sql: "UPDATE inbound_message SET key_sender = NULL, key_interface = NULL, key_id = NULL WHERE id = ?")
            .execute(arguments: [id])
    }

    func setState(ofMessage id: MessageRowID, to state: MessageState, at: String, claim: MessageClaim?) throws {
        try db.cachedStatement(
            sql: "UPDATE inbound_message SET state = ?, state_changed_at = ?, claim_by = ?, claim_until = ? WHERE id = ?"
        ).execute(arguments: [state.rawValue, at, claim?.by, claim?.until, id])
        guard db.changesCount == 1 else { throw LedgerStoreError("no message \(id)") }
    }

    func claimableMessages(now: String, limit: Int) throws -> [MessageRecord] {
        try MessageRows.fetchAll(
            db,
            where: "m.state <> 'processed' AND (m.state = 'accepted' OR m.claim_until IS NULL OR m.claim_until < ?)",
            order: "m.id", limit: limit, arguments: [now])
    }

    func insertPayload(_ payload: StoredPayload, forMessage id: MessageRowID) throws {
        try db.cachedStatement(sql: "INSERT INTO inbound_payload (message_id, content_type, body) VALUES (?, ?, ?)")
            .execute(arguments: [id, payload.contentType, Data(payload.body)])
    }

    func deletePayload(ofMessage id: MessageRowID) throws {
        try db.cachedStatement(sql: "DELETE FROM inbound_payload WHERE message_id = ?").execute(arguments: [id])
    }

    // MARK: Posting

    func takeDocumentNumber(companyCode: String, fiscalYear: Int, numberRange: String, first: Int64, last: Int64) throws -> Int64? {
        var take = RawStatementBinder(statements.takeDocumentNumber, db: db)
        take.bind(companyCode)
        take.bind(fiscalYear)
        take.bind(numberRange)
        take.bind(last)
        if let taken = try take.runReturningInt64() { return taken }
        let exists = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT next_number FROM number_range_status WHERE company_code = ? AND fiscal_year = ? AND number_range = ?"),
            arguments: [companyCode, fiscalYear, numberRange]) != nil
        if exists || first > last { return nil }
        try db.cachedStatement(sql: "INSERT INTO number_range_status (company_code, fiscal_year, number_range, next_number) VALUES (?, ?, ?, ?)")
            .execute(arguments: [companyCode, fiscalYear, numberRange, first + 1])
        return first
    }

    func journalEntry(_ key: DocumentKey) throws -> StoredJournalEntry? {
        guard
            let row = try Row.fetchOne(
                db, sql: EntryRows.selectEntry + " WHERE e.company_code = ? AND e.fiscal_year = ? AND e.document_number = ?",
                arguments: [key.companyCode, key.fiscalYear, key.documentNumber])
        else { return nil }
        return try EntryRows.entry(from: row, db: db)
    }

    func markReversed(_ original: DocumentKey, by reversal: DocumentKey) throws {
        try db.cachedStatement(
            sql: "UPDATE journal_entry SET reversed_by = ? WHERE company_code = ? AND fiscal_year = ? AND document_number = ? AND reversed_by IS NULL"
        ).execute(arguments: [reversal.description, original.companyCode, original.fiscalYear, original.documentNumber])
        guard db.changesCount == 1 else { throw LedgerStoreError("document \(original) does not exist or is already reversed") }
    }

    func setField(_ field: ChangeableField, of document: DocumentKey, item: Int?, to value: String?) throws {
        let keyArguments: StatementArguments = [document.companyCode, document.fiscalYear, document.documentNumber]
        let column: String? =
            switch (field.name, item) {
            case ("DocumentHeaderText", nil): "header_text"
            case ("DocumentReferenceID", nil): "document_reference_id"
            case ("DocumentItemText", _?): "item_text"
            case ("AssignmentReference", _?): "assignment_reference"
            case ("DueCalculationBaseDate", _?): "due_calculation_base_date"
            default: nil
            }
        if let column, let item {
            try db.execute(
                sql: "UPDATE journal_entry_item SET \(column) = ? WHERE company_code = ? AND fiscal_year = ? AND document_number = ? AND line_number = ?",
                arguments: [value] + keyArguments + [item])
        } else if let column {
            try db.execute(
                sql: "UPDATE journal_entry SET \(column) = ? WHERE company_code = ? AND fiscal_year = ? AND document_number = ?",
                arguments: [value] + keyArguments)
        } else if let value {
            try db.cachedStatement(
                sql: """
                    INSERT INTO journal_entry_field (company_code, fiscal_year, document_number, line_number, field, value)
                    VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (company_code, fiscal_year, document_number, line_number, field) DO UPDATE SET value = excluded.value
                    """
            ).execute(arguments: keyArguments + [item ?? 0, field.name, value])
            return
        } else {
            try db.cachedStatement(
                sql: "DELETE FROM journal_entry_field WHERE company_code = ? AND fiscal_year = ? AND document_number = ? AND line_number = ? AND field = ?"
            ).execute(arguments: keyArguments + [item ?? 0, field.name])
            return
        }
        guard db.changesCount == 1 else { throw LedgerStoreError("document \(document) (item \(item.map(String.init) ?? "-")) does not exist") }
    }

    func markCleared(_ document: DocumentKey, item: Int, by clearing: DocumentKey, on date: LedgerDate) throws {
        try db.cachedStatement(
            sql: """
                UPDATE journal_entry_item SET open_item_state = 'C', clearing_document = ?, clearing_fiscal_year = ?, clearing_date = ?
                WHERE company_code = ? AND fiscal_year = ? AND document_number = ? AND line_number = ? AND open_item_state = 'O'
                """
        ).execute(arguments: [clearing.documentNumber, clearing.fiscalYear, date.description, document.companyCode, document.fiscalYear, document.documentNumber, item])
        guard db.changesCount == 1 else { throw LedgerStoreError("item \(item) of \(document) is not an open item") }
    }

    func simulate<T>(_ body: () throws -> T) throws -> T {
        try db.execute(sql: "SAVEPOINT simulation")
        do {
            let result = try body()
            try db.execute(sql: "ROLLBACK TO simulation; RELEASE simulation")
            return result
        } catch {
            try? db.execute(sql: "ROLLBACK TO simulation; RELEASE simulation")
            throw error
        }
    }

    func reopen(_ document: DocumentKey, item: Int) throws {
        try db.cachedStatement(
            sql: """
                UPDATE journal_entry_item SET open_item_state = 'O', clearing_document = NULL, clearing_fiscal_year = NULL, clearing_date = NULL
                WHERE company_code = ? AND fiscal_year = ? AND document_number = ? AND line_number = ? AND open_item_state = 'C'
                """
        ).execute(arguments: [document.companyCode, document.fiscalYear, document.documentNumber, item])
        guard db.changesCount == 1 else { throw LedgerStoreError("item \(item) of \(document) is not a cleared item") }
    }

    func itemsCleared(by clearing: DocumentKey) throws -> [OpenItemKey] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT fiscal_year, document_number, line_number FROM journal_entry_item
                    WHERE company_code = ? AND clearing_fiscal_year = ? AND clearing_document = ? AND open_item_state = 'C'
                    ORDER BY fiscal_year, document_number, line_number
                    """),
            arguments: [clearing.companyCode, clearing.fiscalYear, clearing.documentNumber]
        ).map { row in
            OpenItemKey(
                document: DocumentKey(companyCode: clearing.companyCode, fiscalYear: row[0], documentNumber: row[1]), item: row[2])
        }
    }

    func recordChange(_ change: ChangeRecord) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO journal_entry_change (company_code, fiscal_year, document_number, line_number, field, old_value, new_value,
                    changed_by, changed_at, message_id, inbound_message_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            change.document.companyCode, change.document.fiscalYear, change.document.documentNumber, change.item, change.field, change.oldValue,
            change.newValue, change.changedBy, change.changedAt, change.messageID, change.messageRowID,
        ])
    }

    func insertJournalEntry(_ entry: NewJournalEntry) throws {
        let plan = entry.plan
        let key = entry.key
        var row = RawStatementBinder(statements.insertJournalEntry, db: db)
        row.bind(key.companyCode)
        row.bind(key.fiscalYear)
        row.bind(key.documentNumber)
        row.bind(plan.fiscalPeriod)
        row.bind(plan.documentType)
        row.bind(plan.documentDate.description)
        row.bind(plan.postingDate.description)
        row.bind(plan.transactionCurrency)
        row.bind(plan.companyCodeCurrency)
        row.bind(plan.originalReferenceDocumentType)
        row.bind(plan.originalReferenceDocument)
        row.bind(plan.originalReferenceDocumentLogicalSystem)
        row.bind(plan.businessTransactionType)
        row.bind(plan.documentReferenceID)
        row.bind(plan.documentHeaderText)
        row.bind(plan.reference1InDocumentHeader)
        row.bind(plan.reference2InDocumentHeader)
        row.bind(plan.createdByUser)
        row.bind(entry.postedBy)
        row.bind(entry.postedAt)
        row.bind(entry.messageRowID)
        row.bind(entry.entryMessageID)
        row.bind(entry.entryMessageUUID)
        row.bind(plan.ledgerGroup)
        row.bind(plan.ledgers.isEmpty ? nil : plan.ledgers.joined(separator: ","))
        row.bind(plan.reversal?.original.description)
        row.bind(plan.reversal?.reason)
        try row.run()
        let insertItem = statements.insertJournalEntryItem
        for line in plan.lines {
            var item = RawStatementBinder(insertItem, db: db)
            item.bind(key.companyCode)
            item.bind(key.fiscalYear)
            item.bind(key.documentNumber)
            item.bind(line.lineNumber)
            item.bind(line.accountType.rawValue)
            item.bind(line.glAccount)
            item.bind(line.businessPartner)
            item.bind(line.debitCredit.rawValue)
            item.bind(line.amountInTransactionCurrency.description)
            item.bind(line.amountInCompanyCodeCurrency.description)
            item.bind(line.taxCode)
            item.bind(line.taxBaseAmount?.description)
            item.bind(line.isTaxLine)
            item.bind(line.itemText)
            item.bind(line.assignmentReference)
            item.bind(line.referenceDocumentItem)
            item.bind(line.costCenter)
            item.bind(line.profitCenter)
            item.bind(line.valueDate?.description)
            item.bind(line.dueCalculationBaseDate?.description)
            item.bind(line.netPaymentDays)
            item.bind(line.openItemState.rawValue)
            // The clearing document is in the item's own company code (v1 columns).
            item.bind(line.clearingDocument?.documentNumber)
            item.bind(line.clearingDocument?.fiscalYear)
            item.bind(line.clearingDate?.description)
            try item.run()
        }
    }

    func recordEntries(_ entries: [EntryRecord], ofMessage id: MessageRowID) throws {
        let insert = statements.insertEntryRecord
        // Recording again replaces (as the in-memory store does).
        var delete = RawStatementBinder(statements.deleteEntryRecords, db: db)
        delete.bind(id)
        try delete.run()
        var posted = 0
        for entry in entries {
            var row = RawStatementBinder(insert, db: db)
            row.bind(id)
            row.bind(entry.index)
            switch entry.outcome {
            case .posted(let key):
                posted += 1
                row.bind("posted")
                row.bind(key.companyCode)
                row.bind(key.fiscalYear)
                row.bind(key.documentNumber)
                row.bind(nil as String?)
            case .checked(let summary):
                row.bind("checked")
                row.bind(summary.companyCode)
                row.bind(summary.fiscalYear)
                row.bind(nil as String?)
                row.bind(nil as String?)
            case .rejected(let rejection):
                row.bind("rejected")
                row.bind(nil as String?)
                row.bind(nil as Int?)
                row.bind(nil as String?)
                row.bind(try StoredLog.encode(rejection.messages))
            case .changed(let key, _):
                posted += 1
                row.bind("changed")
                row.bind(key.companyCode)
                row.bind(key.fiscalYear)
                row.bind(key.documentNumber)
                row.bind(nil as String?)
            }
            row.bind(entry.messageID)
            row.bind(entry.messageUUID)
            row.bind(entry.confirmationUUID)
            row.bind(entry.originalReferenceDocumentType)
            row.bind(entry.logicalSystem)
            if case .changed(_, let item) = entry.outcome { row.bind(item) } else { row.bind(nil as Int?) }
            try row.run()
        }
        var update = RawStatementBinder(statements.setPostedCount, db: db)
        update.bind(posted)
        update.bind(id)
        try update.run()
        guard db.changesCount == 1 else { throw LedgerStoreError("no message \(id)") }
    }

    func entries(ofMessage id: MessageRowID) throws -> [EntryRecord] {
        try MessageRows.entries(db, ofMessage: id)
    }

    // MARK: Confirmation outbox

    func enqueueDelivery(_ delivery: NewDelivery) throws -> DeliveryRowID {
        if try self.delivery(ofMessage: delivery.messageRowID) != nil {
            throw LedgerStoreError("message \(delivery.messageRowID) already has a delivery")
        }
        let state = try DeliveryRows.encode(delivery.state)
        try db.cachedStatement(
            sql: """
                INSERT INTO confirmation_delivery (message_id, communication_system, url, outbound_interface, soap_version, state, status,
                    due_at, claimed_by, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)
                """
        ).execute(arguments: [
            delivery.messageRowID, delivery.target.communicationSystem, delivery.target.url, delivery.target.outboundInterface,
            delivery.target.soapVersion, state, delivery.state.status.rawValue, DeliveryRows.dueAt(delivery.state),
            delivery.createdAt.timeIntervalSinceReferenceDate, delivery.createdAt.timeIntervalSinceReferenceDate,
        ])
        return db.lastInsertedRowID
    }

    func dueDeliveries(now: Date, limit: Int) throws -> [DeliveryRecord] {
        try DeliveryRows.fetchAll(
            db, where: "due_at IS NOT NULL AND due_at <= ?", order: "due_at, id", limit: limit,
            arguments: [now.timeIntervalSinceReferenceDate])
    }

    func delivery(id: DeliveryRowID) throws -> DeliveryRecord? {
        try DeliveryRows.fetchAll(db, where: "id = ?", order: "id", limit: 1, arguments: [id]).first
    }

    func delivery(ofMessage id: MessageRowID) throws -> DeliveryRecord? {
        try DeliveryRows.fetchAll(db, where: "message_id = ?", order: "id", limit: 1, arguments: [id]).first
    }

    func updateDelivery(_ id: DeliveryRowID, state: DeliveryState, claimedBy: String?) throws {
        try db.cachedStatement(sql: "UPDATE confirmation_delivery SET state = ?, status = ?, due_at = ?, claimed_by = ? WHERE id = ?")
            .execute(arguments: [try DeliveryRows.encode(state), state.status.rawValue, DeliveryRows.dueAt(state), claimedBy, id])
        guard db.changesCount == 1 else { throw LedgerStoreError("no delivery \(id)") }
    }

    func recordAttempt(_ attempt: DeliveryAttempt, ofDelivery id: DeliveryRowID) throws {
        try db.cachedStatement(
            sql: "INSERT INTO delivery_attempt (delivery_id, number, started_at, finished_at, http_status, error) VALUES (?, ?, ?, ?, ?, ?)"
        ).execute(arguments: [
            id, attempt.number, attempt.startedAt.timeIntervalSinceReferenceDate, attempt.finishedAt.timeIntervalSinceReferenceDate,
            attempt.httpStatus, attempt.error,
        ])
        try db.cachedStatement(sql: "UPDATE confirmation_delivery SET updated_at = ? WHERE id = ?")
            .execute(arguments: [attempt.finishedAt.timeIntervalSinceReferenceDate, id])
        guard db.changesCount == 1 else { throw LedgerStoreError("no delivery \(id)") }
    }

    func failedDeliveries(limit: Int) throws -> [DeliveryRecord] {
        try DeliveryRows.fetchAll(db, where: "status = 'failed'", order: "id", limit: limit, arguments: [])
    }
}
