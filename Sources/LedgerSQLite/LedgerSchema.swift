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
        // Issue 6: the store's unit is a transaction; messages have states (asynchronous intake),
        // outcomes are stored as data, requests wait in a payload table, confirmations go through an
        // outbox. `inbound_message` is rebuilt: its key becomes (sender, interface, message ID) and the
        // confirmation header is kept as columns; the confirmation text of older rows is kept as
        // `legacy_confirmation` (they have no entry records, so a replay answers that text).
        migrator.registerMigration("v3-transactions-outcomes-outbox") { db in
            try db.execute(
                sql: """
                    CREATE TABLE inbound_message_v3 (
                        id INTEGER PRIMARY KEY,
                        key_sender TEXT,
                        key_interface TEXT,
                        key_id TEXT,
                        interface TEXT NOT NULL,
                        sender TEXT NOT NULL,
                        message_id TEXT,
                        message_uuid TEXT,
                        transport_message_id TEXT,
                        received_at TEXT NOT NULL,
                        first_received_at TEXT NOT NULL,
                        attempt INTEGER NOT NULL,
                        entry_count INTEGER NOT NULL,
                        payload_digest TEXT,
                        posted_count INTEGER NOT NULL DEFAULT 0,
                        state TEXT NOT NULL,
                        state_changed_at TEXT NOT NULL,
                        claim_by TEXT,
                        claim_until TEXT,
                        confirmation_uuid TEXT NOT NULL,
                        confirmation_created_at TEXT NOT NULL,
                        reference_id TEXT,
                        reference_uuid TEXT,
                        recipient_business_system_id TEXT,
                        relates_to TEXT,
                        is_test INTEGER NOT NULL DEFAULT 0,
                        legacy_confirmation TEXT,
                        UNIQUE (key_sender, key_interface, key_id)
                    );
                    INSERT INTO inbound_message_v3 (id, key_sender, key_interface, key_id, interface, sender, message_id, message_uuid,
                        received_at, first_received_at, attempt, entry_count, payload_digest, posted_count, state, state_changed_at,
                        confirmation_uuid, confirmation_created_at, reference_id, reference_uuid, legacy_confirmation)
                    SELECT id, CASE WHEN message_key IS NULL THEN NULL ELSE sender END, CASE WHEN message_key IS NULL THEN NULL ELSE interface END,
                        message_key, interface, sender, message_id, message_uuid, received_at, COALESCE(first_received_at, received_at), attempt,
                        entry_count, payload_digest, posted_count, 'processed', received_at, '', received_at, message_id, message_uuid, confirmation
                    FROM inbound_message;
                    DROP TABLE inbound_message;
                    ALTER TABLE inbound_message_v3 RENAME TO inbound_message;
                    CREATE INDEX inbound_message_waiting ON inbound_message (id) WHERE state <> 'processed';
                    CREATE INDEX inbound_message_message_id ON inbound_message (message_id);
                    CREATE INDEX inbound_message_message_uuid ON inbound_message (message_uuid);
                    CREATE INDEX inbound_message_transport_id ON inbound_message (transport_message_id);

                    CREATE TABLE message_entry (
                        message_id INTEGER NOT NULL REFERENCES inbound_message (id),
                        entry_index INTEGER NOT NULL,
                        outcome TEXT NOT NULL,
                        company_code TEXT,
                        fiscal_year INTEGER,
                        document_number TEXT,
                        log TEXT,
                        entry_message_id TEXT,
                        entry_message_uuid TEXT,
                        confirmation_uuid TEXT NOT NULL,
                        original_reference_document_type TEXT NOT NULL,
                        logical_system TEXT NOT NULL,
                        PRIMARY KEY (message_id, entry_index)
                    );

                    CREATE TABLE inbound_payload (
                        message_id INTEGER PRIMARY KEY REFERENCES inbound_message (id),
                        content_type TEXT NOT NULL,
                        body BLOB NOT NULL
                    );

                    CREATE TABLE confirmation_delivery (
                        id INTEGER PRIMARY KEY,
                        message_id INTEGER NOT NULL UNIQUE REFERENCES inbound_message (id),
                        communication_system TEXT,
                        url TEXT NOT NULL,
                        outbound_interface TEXT NOT NULL,
                        soap_version TEXT NOT NULL,
                        state TEXT NOT NULL,
                        status TEXT NOT NULL,
                        due_at REAL,
                        claimed_by TEXT,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL
                    );
                    CREATE INDEX confirmation_delivery_due ON confirmation_delivery (due_at) WHERE due_at IS NOT NULL;
                    CREATE INDEX confirmation_delivery_status ON confirmation_delivery (status, id);

                    CREATE TABLE delivery_attempt (
                        delivery_id INTEGER NOT NULL REFERENCES confirmation_delivery (id),
                        number INTEGER NOT NULL,
                        started_at REAL NOT NULL,
                        finished_at REAL NOT NULL,
                        http_status INTEGER,
                        error TEXT,
                        PRIMARY KEY (delivery_id, number)
                    );

                    ALTER TABLE journal_entry ADD COLUMN ledger_group TEXT;
                    ALTER TABLE journal_entry ADD COLUMN ledgers TEXT;
                    """)
        }
        migrator.registerMigration("v4-reversals") { db in
            // Keys written `cc/year/number` (DocumentKey.description).
            try db.execute(
                sql: """
                    ALTER TABLE journal_entry ADD COLUMN reverses TEXT;
                    ALTER TABLE journal_entry ADD COLUMN reversal_reason TEXT;
                    ALTER TABLE journal_entry ADD COLUMN reversed_by TEXT;
                    """)
        }
        migrator.registerMigration("v5-changes") { db in
            try db.execute(
                sql: """
                    CREATE TABLE journal_entry_field (
                        company_code TEXT NOT NULL,
                        fiscal_year INTEGER NOT NULL,
                        document_number TEXT NOT NULL,
                        line_number INTEGER NOT NULL,
                        field TEXT NOT NULL,
                        value TEXT NOT NULL,
                        PRIMARY KEY (company_code, fiscal_year, document_number, line_number, field)
                    ) WITHOUT ROWID;
                    CREATE TABLE journal_entry_change (
                        id INTEGER PRIMARY KEY,
                        company_code TEXT NOT NULL,
                        fiscal_year INTEGER NOT NULL,
                        document_number TEXT NOT NULL,
                        line_number INTEGER,
                        field TEXT NOT NULL,
                        old_value TEXT,
                        new_value TEXT,
                        changed_by TEXT NOT NULL,
                        changed_at TEXT NOT NULL,
                        message_id TEXT,
                        inbound_message_id INTEGER NOT NULL REFERENCES inbound_message (id)
                    );
                    CREATE INDEX journal_entry_change_document ON journal_entry_change (company_code, fiscal_year, document_number, id);
                    ALTER TABLE message_entry ADD COLUMN item INTEGER;
                    """)
        }
        migrator.registerMigration("v6-clearing-index") { db in
            // Resetting a clearing finds the items it cleared.
            try db.execute(
                sql: """
                    CREATE INDEX journal_entry_item_clearing ON journal_entry_item (company_code, clearing_fiscal_year, clearing_document)
                        WHERE clearing_document IS NOT NULL;
                    """)
        }
        migrator.registerMigration("v7-partial-indexes") { db in
            // Indexes only over the rows that have the value: a G/L line has no business partner,
            // a synchronous message usually no UUID and never a transport message ID, and an
            // index entry per NULL cost the writer a B-tree insert for nothing. Lookups by value
            // (`business_partner = ?`, `message_uuid = ?`, …) imply NOT NULL and still use them.
            try db.execute(
                sql: """
                    DROP INDEX journal_entry_item_partner;
                    CREATE INDEX journal_entry_item_partner ON journal_entry_item (business_partner, company_code)
                        WHERE business_partner IS NOT NULL;
                    DROP INDEX inbound_message_message_uuid;
                    CREATE INDEX inbound_message_message_uuid ON inbound_message (message_uuid) WHERE message_uuid IS NOT NULL;
                    DROP INDEX inbound_message_transport_id;
                    CREATE INDEX inbound_message_transport_id ON inbound_message (transport_message_id)
                        WHERE transport_message_id IS NOT NULL;
                    """)
        }
        return migrator
    }
}
