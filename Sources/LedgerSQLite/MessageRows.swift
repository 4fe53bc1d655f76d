import ConfirmationDelivery
import Foundation
import GRDB
import Ledger

/// Reading inbound messages and their entry records back from rows (writer and readers alike).
enum MessageRows {
    static let columns = """
        m.id, m.key_sender, m.key_interface, m.key_id, m.interface, m.sender, m.message_id, m.message_uuid, m.transport_message_id,
        m.received_at, m.first_received_at, m.attempt, m.entry_count, m.payload_digest, m.posted_count, m.state, m.state_changed_at,
        m.claim_by, m.claim_until, m.confirmation_uuid, m.confirmation_created_at, m.reference_id, m.reference_uuid,
        m.recipient_business_system_id, m.relates_to, m.is_test, m.legacy_confirmation
        """

    static func fetchOne(_ db: Database, where condition: String, arguments: StatementArguments) throws -> MessageRecord? {
        let statement = try db.cachedStatement(sql: "SELECT \(columns) FROM inbound_message m WHERE \(condition)")
        return try Row.fetchOne(statement, arguments: arguments).map(message)
    }

    static func fetchAll(_ db: Database, where condition: String, order: String, limit: Int, arguments: StatementArguments) throws -> [MessageRecord] {
        let statement = try db.cachedStatement(sql: "SELECT \(columns) FROM inbound_message m WHERE \(condition) ORDER BY \(order) LIMIT ?")
        return try Row.fetchAll(statement, arguments: arguments + [limit]).map(message)
    }

    /// A message from a row whose first columns are ``columns``.
    static func message(_ row: Row) throws -> MessageRecord {
        let keySender: String? = row[1]
        let keyInterface: String? = row[2]
        let keyID: String? = row[3]
        var key: InboundMessageKey?
        if let keySender, let keyInterface, let keyID { key = InboundMessageKey(sender: keySender, interface: keyInterface, messageID: keyID) }
        let stateText: String = row[15]
        guard let state = MessageState(rawValue: stateText) else { throw LedgerStoreError("stored message state '\(stateText)' is unknown") }
        let claimBy: String? = row[17]
        let claimUntil: String? = row[18]
        return MessageRecord(
            id: row[0], key: key, interface: row[4], sender: row[5], messageID: row[6], messageUUID: row[7], transportMessageID: row[8],
            receivedAt: row[9], firstReceivedAt: row[10], attempt: row[11], entryCount: row[12], payloadDigest: row[13],
            postedCount: row[14], state: state, stateChangedAt: row[16],
            claim: claimBy.map { MessageClaim(by: $0, until: claimUntil ?? "") },
            confirmation: ConfirmationHeader(
                uuid: row[19], creationDateTime: row[20], referenceID: row[21], referenceUUID: row[22], recipientBusinessSystemID: row[23],
                relatesTo: row[24]),
            isTest: row[25], legacyConfirmation: row[26])
    }

    static func entries(_ db: Database, ofMessage id: MessageRowID) throws -> [EntryRecord] {
        let statement = try db.cachedStatement(
            sql: """
                SELECT entry_index, outcome, company_code, fiscal_year, document_number, log, entry_message_id, entry_message_uuid,
                    confirmation_uuid, original_reference_document_type, logical_system, item
                FROM message_entry WHERE message_id = ? ORDER BY entry_index
                """)
        return try Row.fetchAll(statement, arguments: [id]).map { row in
            let outcomeText: String = row[1]
            let outcome: EntryOutcome
            switch outcomeText {
            case "posted":
                outcome = .posted(DocumentKey(companyCode: row[2], fiscalYear: row[3], documentNumber: row[4]))
            case "checked":
                outcome = .checked(PostingPlan.Summary(companyCode: row[2], fiscalYear: row[3]))
            case "rejected":
                outcome = .rejected(PostingRejection(try StoredLog.decode(row[5] ?? "[]")))
            case "changed":
                outcome = .changed(DocumentKey(companyCode: row[2], fiscalYear: row[3], documentNumber: row[4]), item: row[11])
            default:
                throw LedgerStoreError("stored entry outcome '\(outcomeText)' is unknown")
            }
            return EntryRecord(
                index: row[0], outcome: outcome, messageID: row[6], messageUUID: row[7], confirmationUUID: row[8],
                originalReferenceDocumentType: row[9], logicalSystem: row[10])
        }
    }
}

/// The messages of a rejected entry as stored (JSON): catalogue ID, variables, severity.
enum StoredLog {
    private struct Item: Codable {
        var id: String
        var variables: [String]
        var severity: Int
    }

    static func encode(_ messages: [LedgerMessage]) throws -> String {
        let items = messages.map { Item(id: $0.id.rawValue, variables: $0.variables, severity: $0.severity.rawValue) }
        return String(decoding: try JSONEncoder().encode(items), as: UTF8.self)
    }

    static func decode(_ text: String) throws -> [LedgerMessage] {
        let items = try JSONDecoder().decode([Item].self, from: Data(text.utf8))
        return try items.map { item in
            guard let id = LedgerMessageID(rawValue: item.id) else { throw LedgerStoreError("stored message '\(item.id)' is not in the catalogue") }
            return LedgerMessage(id, variables: item.variables, severity: LogSeverity(rawValue: item.severity))
        }
    }
}

/// Reading and writing confirmation deliveries and their attempts.
enum DeliveryRows {
    static let columns = """
        id, message_id, communication_system, url, outbound_interface, soap_version, state, claimed_by, created_at, updated_at
        """

    static func fetchAll(_ db: Database, where condition: String, order: String, limit: Int, arguments: StatementArguments) throws -> [DeliveryRecord] {
        let statement = try db.cachedStatement(sql: "SELECT \(columns) FROM confirmation_delivery WHERE \(condition) ORDER BY \(order) LIMIT ?")
        return try Row.fetchAll(statement, arguments: arguments + [limit]).map { try delivery($0, offset: 0) }
    }

    /// A delivery from a row holding ``columns`` from column `offset` on.
    static func delivery(_ row: Row, offset: Int) throws -> DeliveryRecord {
        let stateText: String = row[offset + 6]
        return DeliveryRecord(
            id: row[offset], messageRowID: row[offset + 1],
            target: DeliveryTarget(
                communicationSystem: row[offset + 2], url: row[offset + 3], outboundInterface: row[offset + 4], soapVersion: row[offset + 5]),
            state: try decode(stateText), claimedBy: row[offset + 7],
            createdAt: Date(timeIntervalSinceReferenceDate: row[offset + 8]), updatedAt: Date(timeIntervalSinceReferenceDate: row[offset + 9]))
    }

    static func attempts(_ db: Database, ofDelivery id: DeliveryRowID) throws -> [DeliveryAttempt] {
        let statement = try db.cachedStatement(
            sql: "SELECT number, started_at, finished_at, http_status, error FROM delivery_attempt WHERE delivery_id = ? ORDER BY number")
        return try Row.fetchAll(statement, arguments: [id]).map { row in
            DeliveryAttempt(
                number: row[0], startedAt: Date(timeIntervalSinceReferenceDate: row[1]), finishedAt: Date(timeIntervalSinceReferenceDate: row[2]),
                httpStatus: row[3], error: row[4])
        }
    }

    /// When a delivery in `state` is next due (`nil`: never, it is finished): the next attempt's
    /// time, or the end of an in-flight lease (after which it is recovered).
    static func dueAt(_ state: DeliveryState) -> Double? {
        switch state.phase {
        case .pending(_, let at), .retryScheduled(_, let at): at.timeIntervalSinceReferenceDate
        case .inFlight(_, let leaseUntil): leaseUntil.timeIntervalSinceReferenceDate
        case .delivered, .failed: nil
        }
    }

    static func encode(_ state: DeliveryState) throws -> String {
        String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
    }

    static func decode(_ text: String) throws -> DeliveryState {
        try JSONDecoder().decode(DeliveryState.self, from: Data(text.utf8))
    }
}
