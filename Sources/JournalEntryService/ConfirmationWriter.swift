import Ledger
import XMLCore

/// The gateway's identity towards clients, used in confirmations as SAP uses its own.
public struct GatewaySystem: Sendable, Hashable {
    /// `SenderBusinessSystemID` of confirmations (SAP sends its system ID, e.g. `XGJ`).
    public var systemID: String
    /// Logical system named in `605(RW)` when the request has no `OriginalReferenceDocumentLogicalSystem`.
    public var logicalSystem: String

    public init(systemID: String, logicalSystem: String) {
        self.systemID = systemID
        self.logicalSystem = logicalSystem
    }
}

/// Renders `JournalEntryBulkCreateConfirmation` payloads in SAP's shape and XSD order.
///
/// Every entry that was not posted (rejected, or only checked because of `TestDataIndicator`)
/// carries exactly what SAP sends for it: a single blank in `AccountingDocument` and
/// `CompanyCode` and `0000` in `FiscalYear` (``unpostedKey``). SAP's own XSD rejects the
/// blanks; the gateway's schema accepts them (`AccountingDocumentOrBlank`, `CompanyCodeIDOrBlank`).
public struct ConfirmationWriter: Sendable {
    public static let namespace = "http://sap.com/xi/SAPSCORE/SFIN"

    /// The key SAP confirms for an entry it did not post: `(" ", " ", "0000")`.
    public static let unpostedKey = (accountingDocument: " ", companyCode: " ", fiscalYear: "0000")

    public let system: GatewaySystem

    public init(system: GatewaySystem) { self.system = system }

    /// Renders the confirmation of a message from what the store holds about it.
    /// - Parameters:
    ///   - header: the message's confirmation header (UUID, references, recipient), fixed when the
    ///     message was recorded, so that every rendering of it is the same.
    ///   - entries: the entries' outcomes, in entry order.
    ///   - originInterface: `ConfirmationInterfaceOrignName`: empty for the synchronous answer (as
    ///     SAP sends it), the inbound interface's name in an asynchronous confirmation.
    public func render(header: ConfirmationHeader, entries: [EntryRecord], originInterface: String? = nil) -> String {
        var out = ""
        out.reserveCapacity(512 + entries.count * 700)
        out += "<n0:JournalEntryBulkCreateConfirmation xmlns:n0=\"\(Self.namespace)\">"
        bulkMessageHeader(into: &out, header)
        if let originInterface, !originInterface.isEmpty {
            element("ConfirmationInterfaceOrignName", originInterface, into: &out)
        } else {
            out += "<ConfirmationInterfaceOrignName/>"
        }
        for entry in entries {
            out += "<JournalEntryCreateConfirmation>"
            messageHeader(
                into: &out, uuid: entry.confirmationUUID, referenceID: entry.messageID, referenceUUID: entry.messageUUID,
                creationDateTime: header.creationDateTime, sender: nil, recipient: nil)
            let messages: [LedgerMessage]
            switch entry.outcome {
            case .posted(let key):
                documentKey(into: &out, number: key.documentNumber, companyCode: key.companyCode, fiscalYear: String(key.fiscalYear))
                messages = [LedgerMessage(.documentPosted, entry.originalReferenceDocumentType, key.objectKey, entry.logicalSystem)]
            case .changed(let key, _):
                documentKey(into: &out, number: key.documentNumber, companyCode: key.companyCode, fiscalYear: String(key.fiscalYear))
                messages = [LedgerMessage(.documentChanged, key.documentNumber, key.companyCode, String(key.fiscalYear), "fields changed")]
            case .checked:
                unpostedKey(into: &out)
                messages = [LedgerMessage(.documentChecked, entry.originalReferenceDocumentType, "$", entry.logicalSystem)]
            case .rejected(let rejection):
                unpostedKey(into: &out)
                messages = [LedgerMessage(.documentError, entry.originalReferenceDocumentType, "$", entry.logicalSystem)] + rejection.messages
            }
            log(into: &out, messages)
            out += "</JournalEntryCreateConfirmation>"
        }
        out += "<Log/></n0:JournalEntryBulkCreateConfirmation>"
        return out
    }

    /// Renders `JournalEntryBulkChangeConfirmationMessage` (inferred from the create confirmation;
    /// see `Schemas/JournalEntryBulkChange.xsd`): one `JournalEntryChangeConfirmation` per change
    /// request element, with the key it changed, or SAP's blank key when the change was refused.
    public func renderChange(header: ConfirmationHeader, entries: [EntryRecord]) -> String {
        var out = ""
        out.reserveCapacity(512 + entries.count * 600)
        out += "<n0:JournalEntryBulkChangeConfirmationMessage xmlns:n0=\"\(Self.namespace)\">"
        bulkMessageHeader(into: &out, header)
        for entry in entries {
            out += "<JournalEntryChangeConfirmation>"
            entryMessageHeader(into: &out, entry, header)
            let messages: [LedgerMessage]
            var changed: (key: DocumentKey, item: Int?)?
            if case .changed(let key, let item) = entry.outcome { changed = (key, item) }
            if let (key, item) = changed {
                unwrappedKey(into: &out, key)
                if let item { out += "<AccountingDocumentItemID>\(item)</AccountingDocumentItemID>" }
                let what = item.map { "item \($0)" } ?? "header"
                messages = [LedgerMessage(.documentChanged, key.documentNumber, key.companyCode, String(key.fiscalYear), what)]
            } else {
                unwrappedKey(into: &out, nil)
                if case .rejected(let rejection) = entry.outcome {
                    messages = rejection.messages
                } else {
                    messages = [LedgerMessage(.documentChecked, "JournalEntryChange", "$", entry.logicalSystem)]
                }
            }
            log(into: &out, messages)
            out += "</JournalEntryChangeConfirmation>"
        }
        out += "<Log/></n0:JournalEntryBulkChangeConfirmationMessage>"
        return out
    }

    /// The `MessageHeader` of one entry's confirmation: its own UUID, the entry's request references.
    private func entryMessageHeader(into out: inout String, _ entry: EntryRecord, _ header: ConfirmationHeader) {
        messageHeader(
            into: &out, uuid: entry.confirmationUUID, referenceID: entry.messageID, referenceUUID: entry.messageUUID,
            creationDateTime: header.creationDateTime, sender: nil, recipient: nil)
    }

    /// `AccountingDocument`, `CompanyCode`, `FiscalYear` of a change or clearing confirmation (not
    /// wrapped, unlike the create confirmation's); SAP's blank key for `nil`.
    private func unwrappedKey(into out: inout String, _ key: DocumentKey?) {
        guard let key else {
            let blank = Self.unpostedKey
            out += "<AccountingDocument>\(blank.accountingDocument)</AccountingDocument><CompanyCode>\(blank.companyCode)</CompanyCode>"
            out += "<FiscalYear>\(blank.fiscalYear)</FiscalYear>"
            return
        }
        out += "<AccountingDocument>\(key.documentNumber)</AccountingDocument>"
        element("CompanyCode", key.companyCode, into: &out)
        out += "<FiscalYear>\(key.fiscalYear)</FiscalYear>"
    }

    /// The bulk `MessageHeader` of a confirmation: its own UUID, the request's references, this system as sender.
    private func bulkMessageHeader(into out: inout String, _ header: ConfirmationHeader) {
        messageHeader(
            into: &out, uuid: header.uuid, referenceID: header.referenceID, referenceUUID: header.referenceUUID,
            creationDateTime: header.creationDateTime, sender: system.systemID, recipient: header.recipientBusinessSystemID)
    }

    /// Renders `JournalEntryBulkClearingConfirmationMessage` (inferred; see
    /// `Schemas/JournalEntryBulkClearing.xsd`): one `JournalEntryClearingConfirmation` per clearing
    /// request, with the clearing document's key, or SAP's blank key and the reasons.
    public func renderClearing(header: ConfirmationHeader, entries: [EntryRecord]) -> String {
        var out = ""
        out.reserveCapacity(512 + entries.count * 500)
        out += "<n0:JournalEntryBulkClearingConfirmationMessage xmlns:n0=\"\(Self.namespace)\">"
        bulkMessageHeader(into: &out, header)
        for entry in entries {
            out += "<JournalEntryClearingConfirmation>"
            entryMessageHeader(into: &out, entry, header)
            let messages: [LedgerMessage]
            if case .posted(let key) = entry.outcome {
                unwrappedKey(into: &out, key)
                messages = [LedgerMessage(.documentCleared, key.documentNumber, key.companyCode, String(key.fiscalYear))]
            } else {
                unwrappedKey(into: &out, nil)
                if case .rejected(let rejection) = entry.outcome {
                    messages = [LedgerMessage(.documentError, entry.originalReferenceDocumentType, "$", entry.logicalSystem)] + rejection.messages
                } else {
                    messages = [LedgerMessage(.documentChecked, entry.originalReferenceDocumentType, "$", entry.logicalSystem)]
                }
            }
            log(into: &out, messages)
            out += "</JournalEntryClearingConfirmation>"
        }
        out += "<Log/></n0:JournalEntryBulkClearingConfirmationMessage>"
        return out
    }

    private func messageHeader(
        into out: inout String, uuid: String, referenceID: String?, referenceUUID: String?, creationDateTime: String, sender: String?,
        recipient: String?
    ) {
        out += "<MessageHeader><UUID>"
        out += uuid
        out += "</UUID>"
        if let referenceID { element("ReferenceID", referenceID, into: &out) }
        if let referenceUUID { element("ReferenceUUID", referenceUUID, into: &out) }
        out += "<CreationDateTime>"
        out += creationDateTime
        out += "</CreationDateTime>"
        if let sender { element("SenderBusinessSystemID", sender, into: &out) }
        if let recipient { element("RecipientBusinessSystemID", recipient, into: &out) }
        out += "</MessageHeader>"
    }

    private func documentKey(into out: inout String, number: String, companyCode: String, fiscalYear: String) {
        out += "<JournalEntryCreateConfirmation><AccountingDocument>"
        out += number
        out += "</AccountingDocument>"
        element("CompanyCode", companyCode, into: &out)
        out += "<FiscalYear>"
        out += fiscalYear
        out += "</FiscalYear></JournalEntryCreateConfirmation>"
    }

    private func unpostedKey(into out: inout String) {
        let key = Self.unpostedKey
        documentKey(into: &out, number: key.accountingDocument, companyCode: key.companyCode, fiscalYear: key.fiscalYear)
    }

    private func log(into out: inout String, _ messages: [LedgerMessage]) {
        let maximum = messages.map(\.severity).max() ?? .information
        out += "<Log><MaximumLogItemSeverityCode>"
        out += String(maximum.rawValue)
        out += "</MaximumLogItemSeverityCode>"
        for message in messages {
            out += "<Item><TypeID>"
            out += message.id.number
            out += "("
            out += message.id.messageClass
            out += ")</TypeID><SeverityCode>"
            out += String(message.severity.rawValue)
            out += "</SeverityCode>"
            element("Note", message.text, into: &out)
            out += "</Item>"
        }
        out += "</Log>"
    }

    private func element(_ name: String, _ value: String, into out: inout String) {
        out += "<"
        out += name
        out += ">"
        XMLEscaping.appendEscapedText(value, to: &out)
        out += "</"
        out += name
        out += ">"
    }
}
