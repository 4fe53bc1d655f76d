import GRDB

/// Schema migrations of the SQLite ledger. SQL is kept portable (row values, `RETURNING`,
/// no SQLite-only types) so that the PostgreSQL store can share its shape.
enum LedgerSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-ledger") { db in
            try db.execute(
                sql: """
                    CREATE TABLE inbound_message (
                        id INTEGER PRIMARY KEY,
                        interface TEXT NOT NULL,
                        sender TEXT NOT NULL,
                        message_key TEXT,
                        message_id TEXT,
                        message_uuid TEXT,
                        received_at TEXT NOT NULL,
                        entry_count INTEGER NOT NULL,
                        confirmation TEXT NOT NULL,
                        UNIQUE (sender, message_key)
                    );

                    CREATE TABLE number_range_status (
                        company_code TEXT NOT NULL,
                        fiscal_year INTEGER NOT NULL,
                        number_range TEXT NOT NULL,
                        next_number INTEGER NOT NULL,
                        PRIMARY KEY (company_code, fiscal_year, number_range)
                    );

                    CREATE TABLE journal_entry (
                        company_code TEXT NOT NULL,
                        fiscal_year INTEGER NOT NULL,
                        document_number TEXT NOT NULL,
                        fiscal_period INTEGER NOT NULL,
                        document_type TEXT NOT NULL,
                        document_date TEXT NOT NULL,
                        posting_date TEXT NOT NULL,
                        transaction_currency TEXT NOT NULL,
                        company_code_currency TEXT NOT NULL,
                        original_reference_document_type TEXT NOT NULL,
                        original_reference_document TEXT,
                        logical_system TEXT,
                        business_transaction_type TEXT NOT NULL,
                        document_reference_id TEXT,
                        header_text TEXT,
                        reference1 TEXT,
                        reference2 TEXT,
                        created_by_user TEXT NOT NULL,
                        posted_by TEXT NOT NULL,
                        posted_at TEXT NOT NULL,
                        inbound_message_id INTEGER NOT NULL REFERENCES inbound_message (id),
                        entry_message_id TEXT,
                        entry_message_uuid TEXT,
                        PRIMARY KEY (company_code, fiscal_year, document_number)
                    );
                    CREATE INDEX journal_entry_posting_date ON journal_entry (company_code, posting_date);

                    CREATE TABLE journal_entry_item (
                        company_code TEXT NOT NULL,
                        fiscal_year INTEGER NOT NULL,
                        document_number TEXT NOT NULL,
                        line_number INTEGER NOT NULL,
                        account_type TEXT NOT NULL,
                        gl_account TEXT NOT NULL,
                        business_partner TEXT,
                        debit_credit TEXT NOT NULL,
                        amount_tc TEXT NOT NULL,
                        amount_cc TEXT NOT NULL,
                        tax_code TEXT,
                        tax_base_tc TEXT,
                        is_tax_line INTEGER NOT NULL,
                        item_text TEXT,
                        assignment_reference TEXT,
                        reference_document_item TEXT,
                        cost_center TEXT,
                        profit_center TEXT,
                        value_date TEXT,
                        due_calculation_base_date TEXT,
                        net_payment_days INTEGER,
                        open_item_state TEXT NOT NULL,
                        clearing_document TEXT,
                        clearing_fiscal_year INTEGER,
                        clearing_date TEXT,
                        PRIMARY KEY (company_code, fiscal_year, document_number, line_number),
                        FOREIGN KEY (company_code, fiscal_year, document_number)
                            REFERENCES journal_entry (company_code, fiscal_year, document_number)
                    );
                    CREATE INDEX journal_entry_item_account ON journal_entry_item (gl_account, company_code);
                    CREATE INDEX journal_entry_item_partner ON journal_entry_item (business_partner, company_code);

                    -- Posted amounts and accounts never change; later changes are new events.
                    CREATE TRIGGER journal_entry_item_immutable
                    BEFORE UPDATE OF company_code, fiscal_year, document_number, line_number, account_type, gl_account,
                        business_partner, debit_credit, amount_tc, amount_cc, tax_code, tax_base_tc
                    ON journal_entry_item
                    BEGIN
                        SELECT RAISE(ABORT, 'posted amounts and accounts are immutable');
                    END;
                    CREATE TRIGGER journal_entry_immutable
                    BEFORE UPDATE OF company_code, fiscal_year, document_number, fiscal_period, document_type, document_date,
                        posting_date, transaction_currency, company_code_currency, created_by_user, posted_by, posted_at,
                        inbound_message_id
                    ON journal_entry
                    BEGIN
                        SELECT RAISE(ABORT, 'posted journal entries are immutable');
                    END;
                    CREATE TRIGGER journal_entry_no_delete BEFORE DELETE ON journal_entry
                    BEGIN
                        SELECT RAISE(ABORT, 'posted journal entries cannot be deleted');
                    END;
                    CREATE TRIGGER journal_entry_item_no_delete BEFORE DELETE ON journal_entry_item
                    BEGIN
                        SELECT RAISE(ABORT, 'posted items cannot be deleted');
                    END;
                    """)
        }
        // Replay, conflict and reprocessing rules (see ProcessingResult): a digest of the payload,
        // how many entries the message posted, when its key was first received and which attempt
        // this row records. Earlier attempts of a key whose entries were all rejected keep their
        // row with `message_key` NULL. Rows written before this migration get their posted count
        // from the entries; their digest stays NULL (a message with that key is then a replay).
        migrator.registerMigration("v2-payload-digest-and-attempts") { db in
            try db.execute(
                sql: """
                    ALTER TABLE inbound_message ADD COLUMN payload_digest TEXT;
                    ALTER TABLE inbound_message ADD COLUMN posted_count INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE inbound_message ADD COLUMN first_received_at TEXT;
                    ALTER TABLE inbound_message ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
                    UPDATE inbound_message SET first_received_at = received_at;
                    UPDATE inbound_message SET posted_count = posted.count
                    FROM (SELECT inbound_message_id, count(*) AS count FROM journal_entry GROUP BY inbound_message_id) AS posted
                    WHERE posted.inbound_message_id = inbound_message.id;
                    """)
        }
        return migrator
    }
}
