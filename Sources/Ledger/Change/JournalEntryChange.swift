/// A field of a posted document that *Journal Entry – Change* (`JournalEntryBulkChangeRequest_In`)
/// may change, named as SAP names its value element (`DocumentHeaderText`, `PaymentBlockingReasonCode` …).
///
/// Amounts, accounts and dates that define the posting are not among them: the service cannot
/// change what a document posted, only how it is described and settled.
public struct ChangeableField: Sendable, Hashable, CustomStringConvertible {
    /// Where a field lives.
    public enum Scope: String, Sendable, Hashable {
        /// The document header (`JournalEntryHeader`).
        case header
        /// A G/L account item (`JournalEntryGLItem`).
        case glItem
        /// A customer or vendor item (`JournalEntryDebtorCreditorItem`).
        case debtorCreditorItem
    }

    /// SAP's element name of the value.
    public let name: String
    public let scopes: Set<Scope>

    public var description: String { name }

    /// The field named `name` in `scope`, if the service may change it there.
    public static func named(_ name: String, in scope: Scope) -> ChangeableField? {
        guard let field = all[name], field.scopes.contains(scope) else { return nil }
        return field
    }

    /// Every changeable field, by name.
    public static let all: [String: ChangeableField] = {
        var fields: [String: Set<Scope>] = [:]
        let header = ["DocumentHeaderText", "DocumentReferenceID"] + (1...5).flatMap { ["JrnlEntryCntrySpecificRef\($0)", "JrnlEntryCntrySpecificDate\($0)"] }
            + ["JrnlEntryCntrySpecificBp1", "JrnlEntryCntrySpecificBp2"]
        for name in header { fields[name, default: []].insert(.header) }
        let glItem = [
            "DocumentItemText", "AssignmentReference", "StateCentralBankPaymentReason", "SupplyingCountry", "Reference1IDByBusinessPartner",
            "Reference2IDByBusinessPartner", "Reference3IDByBusinessPartner", "PaymentDifferenceReason",
        ]
        for name in glItem { fields[name, default: []].insert(.glItem) }
        let debtorCreditorItem = [
            "DocumentItemText", "AssignmentReference", "SpecialGLAccountAssignment", "Reference1IDByBusinessPartner",
            "Reference2IDByBusinessPartner", "Reference3IDByBusinessPartner", "BPBankAccountInternalID", "HouseBank", "HouseBankAccount",
            "InvoiceReference", "InvoiceReferenceFiscalYear", "InvoiceItemReference", "AmountInPaymentCurrency", "LastDunningDate",
            "DunningBlockingReasonCode", "DunningLevel", "DunningKey", "PaymentTerms", "DueCalculationBaseDate", "CashDiscount1Days",
            "CashDiscount2Days", "NetPaymentDays", "CashDiscount1Percent", "CashDiscount2Percent", "PaymentMethod",
            "PaymentBlockingReasonCode", "FixedCashDiscount", "PaymentDifferenceReason",
        ]
        for name in debtorCreditorItem { fields[name, default: []].insert(.debtorCreditorItem) }
        return Dictionary(uniqueKeysWithValues: fields.map { ($0.key, ChangeableField(name: $0.key, scopes: $0.value)) })
    }()

    /// The fields kept in the document's own columns (shown as such by the read API); the others
    /// are kept as the document's or item's additional fields.
    public var isColumn: Bool {
        ["DocumentHeaderText", "DocumentReferenceID", "DocumentItemText", "AssignmentReference", "DueCalculationBaseDate"].contains(name)
    }
}

/// One requested field change: `FieldValueChangeIsRequested` true. An empty value clears the field.
public struct FieldChange: Sendable, Hashable {
    public var field: ChangeableField
    /// `nil` = clear the field.
    public var value: String?

    public init(field: ChangeableField, value: String?) {
        self.field = field
        self.value = value.flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// What one `JournalEntryHeader`, `JournalEntryGLItem` or `JournalEntryDebtorCreditorItem` of a
/// change request asks for: the document (and item), and the fields to change.
public struct JournalEntryChange: Sendable, Hashable {
    public var document: DocumentKey
    /// `nil` for a header change; else the item (`AccountingDocumentItemID`, 1 … 999).
    public var item: Int?
    public var scope: ChangeableField.Scope
    /// Only the fields with `FieldValueChangeIsRequested` true, in request order.
    public var changes: [FieldChange]

    public init(document: DocumentKey, item: Int?, scope: ChangeableField.Scope, changes: [FieldChange]) {
        self.document = document
        self.item = item
        self.scope = scope
        self.changes = changes
    }
}

/// A change as kept in a document's change history.
public struct ChangeRecord: Sendable, Hashable {
    public var document: DocumentKey
    /// `nil` for a header field.
    public var item: Int?
    public var field: String
    public var oldValue: String?
    public var newValue: String?
    /// The user whose request made the change.
    public var changedBy: String
    /// UTC, ISO 8601 with microseconds.
    public var changedAt: String
    /// The request's bulk `MessageHeader/ID` (or the transport message ID), and its row.
    public var messageID: String?
    public var messageRowID: MessageRowID

    public init(
        document: DocumentKey, item: Int?, field: String, oldValue: String?, newValue: String?, changedBy: String, changedAt: String,
        messageID: String?, messageRowID: MessageRowID
    ) {
        self.document = document
        self.item = item
        self.field = field
        self.oldValue = oldValue
        self.newValue = newValue
        self.changedBy = changedBy
        self.changedAt = changedAt
        self.messageID = messageID
        self.messageRowID = messageRowID
    }
}
