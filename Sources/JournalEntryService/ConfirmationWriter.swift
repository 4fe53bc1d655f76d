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

    /// What the confirmation says about the request as a whole.
    public struct BulkContext: Sendable {
        public var uuid: String
        public var creationDateTime: String
        public var referenceID: String?
        public var referenceUUID: String?
        public var recipientBusinessSystemID: String?

        public init(uuid: String, creationDateTime: String, referenceID: String?, referenceUUID: String?, recipientBusinessSystemID: String?) {
            self.uuid = uuid
            self.creationDateTime = creationDateTime
            self.referenceID = referenceID
            self.referenceUUID = referenceUUID
            self.recipientBusinessSystemID = recipientBusinessSystemID
        }
    }

    /// What the confirmation says about one entry, besides its outcome.
    public struct EntryContext: Sendable {
        public var uuid: String
        public var creationDateTime: String
        public var referenceID: String?
        public var referenceUUID: String?
        public var originalReferenceDocumentType: String
        public var logicalSystem: String

        public init(
            uuid: String, creationDateTime: String, referenceID: String?, referenceUUID: String?, originalReferenceDocumentType: String,
            logicalSystem: String
        ) {
            self.uuid = uuid
            self.creationDateTime = creationDateTime
            self.referenceID = referenceID
            self.referenceUUID = referenceUUID
            self.originalReferenceDocumentType = originalReferenceDocumentType
            self.logicalSystem = logicalSystem
        }
    }

    public let system: GatewaySystem

    public init(system: GatewaySystem) { self.system = system }

    public func render(bulk: BulkContext, entries: [EntryContext], outcomes: [EntryOutcome]) -> String {
        var out = ""
        out.reserveCapacity(512 + entries.count * 700)
        out += "<n0:JournalEntryBulkCreateConfirmation xmlns:n0=\"\(Self.namespace)\">"
        messageHeader(
            into: &out, uuid: bulk.uuid, referenceID: bulk.referenceID, referenceUUID: bulk.referenceUUID,
            creationDateTime: bulk.creationDateTime, sender: system.systemID, recipient: bulk.recipientBusinessSystemID)
        out += "<ConfirmationInterfaceOrignName/>"
        for (context, outcome) in zip(entries, outcomes) {
            out += "<JournalEntryCreateConfirmation>"
            messageHeader(
                into: &out, uuid: context.uuid, referenceID: context.referenceID, referenceUUID: context.referenceUUID,
                creationDateTime: context.creationDateTime, sender: nil, recipient: nil)
            let messages: [LedgerMessage]
            switch outcome {
            case .posted(let key):
                documentKey(into: &out, number: key.documentNumber, companyCode: key.companyCode, fiscalYear: String(key.fiscalYear))
                messages = [LedgerMessage(.documentPosted, context.originalReferenceDocumentType, key.objectKey, context.logicalSystem)]
            case .checked:
                unpostedKey(into: &out)
                messages = [LedgerMessage(.documentChecked, context.originalReferenceDocumentType, "$", context.logicalSystem)]
            case .rejected(let rejection):
                unpostedKey(into: &out)
                messages = [LedgerMessage(.documentError, context.originalReferenceDocumentType, "$", context.logicalSystem)] + rejection.messages
            }
            log(into: &out, messages)
            out += "</JournalEntryCreateConfirmation>"
        }
        out += "<Log/></n0:JournalEntryBulkCreateConfirmation>"
        return out
    }

    private func messageHeader(
        into out: inout String, uuid: String, referenceID: String?, referenceUUID: String?, creationDateTime: String, sender: String?,
        recipient: String?
    ) {
        out += "<MessageHeader><UUID>\(uuid)</UUID>"
        if let referenceID { element("ReferenceID", referenceID, into: &out) }
        if let referenceUUID { element("ReferenceUUID", referenceUUID, into: &out) }
        out += "<CreationDateTime>\(creationDateTime)</CreationDateTime>"
        if let sender { element("SenderBusinessSystemID", sender, into: &out) }
        if let recipient { element("RecipientBusinessSystemID", recipient, into: &out) }
        out += "</MessageHeader>"
    }

    private func documentKey(into out: inout String, number: String, companyCode: String, fiscalYear: String) {
        out += "<JournalEntryCreateConfirmation><AccountingDocument>\(number)</AccountingDocument>"
        element("CompanyCode", companyCode, into: &out)
        out += "<FiscalYear>\(fiscalYear)</FiscalYear></JournalEntryCreateConfirmation>"
    }

    private func unpostedKey(into out: inout String) {
        let key = Self.unpostedKey
        documentKey(into: &out, number: key.accountingDocument, companyCode: key.companyCode, fiscalYear: key.fiscalYear)
    }

    private func log(into out: inout String, _ messages: [LedgerMessage]) {
        let maximum = messages.map(\.severity).max() ?? .information
        out += "<Log><MaximumLogItemSeverityCode>\(maximum.rawValue)</MaximumLogItemSeverityCode>"
        for message in messages {
            out += "<Item><TypeID>\(message.typeID)</TypeID><SeverityCode>\(message.severity.rawValue)</SeverityCode>"
            element("Note", message.text, into: &out)
            out += "</Item>"
        }
        out += "</Log>"
    }

    private func element(_ name: String, _ value: String, into out: inout String) {
        out += "<\(name)>"
        XMLEscaping.appendEscapedText(value, to: &out)
        out += "</\(name)>"
    }
}
