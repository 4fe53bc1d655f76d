extension MessageProcessor {
    /// Applies one change request to the document as the store holds it now: the document and item
    /// must exist and the item must be of the kind the request addresses (`JournalEntryGLItem`: a
    /// G/L line; `JournalEntryDebtorCreditorItem`: a customer or vendor line). Each field whose
    /// value differs is set and kept in the change history with its old value.
    static func apply(
        _ change: JournalEntryChange, ofMessage id: MessageRowID, messageID: String?, sender: String, at time: String,
        in transaction: any LedgerTransaction
    ) throws -> EntryOutcome {
        let key = change.document
        let document = "\(key.documentNumber) \(key.companyCode) \(key.fiscalYear)"
        guard let entry = try transaction.journalEntry(key) else {
            return .rejected(PostingRejection([LedgerMessage(.changeDocumentNotFound, key.documentNumber, key.companyCode, String(key.fiscalYear))]))
        }
        var line: PlannedLine?
        if let item = change.item {
            guard let found = entry.lines.first(where: { $0.lineNumber == item }) else {
                return .rejected(PostingRejection([LedgerMessage(.changeItemNotFound, String(item), document)]))
            }
            let isGL = found.accountType == .glAccount
            if isGL != (change.scope == .glItem) {
                let kind = found.accountType == .glAccount ? "G/L account" : found.accountType == .customer ? "customer" : "vendor"
                let service = isGL ? "JournalEntryGLItem" : "JournalEntryDebtorCreditorItem"
                return .rejected(PostingRejection([LedgerMessage(.changeItemKindMismatch, String(item), document, kind, service)]))
            }
            line = found
        }
        let extra = entry.additionalFields[change.item ?? 0] ?? [:]
        for requested in change.changes {
            let old = currentValue(of: requested.field, entry: entry, line: line, additional: extra)
            guard old != requested.value else { continue }
            try transaction.setField(requested.field, of: key, item: change.item, to: requested.value)
            try transaction.recordChange(
                ChangeRecord(
                    document: key, item: change.item, field: requested.field.name, oldValue: old, newValue: requested.value, changedBy: sender,
                    changedAt: time, messageID: messageID, messageRowID: id))
        }
        return .changed(key, item: change.item)
    }

    /// The value a field has now (`nil` = empty).
    static func currentValue(of field: ChangeableField, entry: StoredJournalEntry, line: PlannedLine?, additional: [String: String]) -> String? {
        let value: String?
        switch (field.name, line) {
        case ("DocumentHeaderText", nil): value = entry.plan.documentHeaderText
        case ("DocumentReferenceID", nil): value = entry.plan.documentReferenceID
        case ("DocumentItemText", let line?): value = line.itemText
        case ("AssignmentReference", let line?): value = line.assignmentReference
        case ("DueCalculationBaseDate", let line?): value = line.dueCalculationBaseDate?.description
        default: value = additional[field.name]
        }
        return value.flatMap { $0.isEmpty ? nil : $0 }
    }
}
