/// An operator's reset of a clearing: the counterpart of SAP's "reset cleared items" with
/// reversal of the clearing document (transaction FBRA), as `journal-gateway clearing reset`.
public struct ClearingResetRequest: Sendable, Hashable {
    /// The clearing document.
    public var clearing: DocumentKey
    /// The reversal reason recorded on the reversal document (SAP's `01`: reversal in current period).
    public var reason: String
    /// The reversal document's posting date; `nil` = the clearing document's posting date.
    public var postingDate: LedgerDate?
    /// Who resets it (recorded as sender, poster and creator).
    public var user: String
    /// When, as a UTC ISO 8601 timestamp.
    public var at: String
    /// The UUID recorded for the reset's message row.
    public var uuid: String

    public init(clearing: DocumentKey, reason: String = "01", postingDate: LedgerDate? = nil, user: String, at: String, uuid: String) {
        self.clearing = clearing
        self.reason = reason
        self.postingDate = postingDate
        self.user = user
        self.at = at
        self.uuid = uuid
    }
}

/// What a reset did.
public struct ClearingResetResult: Sendable, Hashable {
    public var clearing: DocumentKey
    /// The document that reverses the clearing document.
    public var reversal: DocumentKey
    /// The items of other documents that are open again.
    public var reopened: [OpenItemKey]
    /// The message row that records the reset (interface ``MessageProcessor/clearingResetInterface``).
    public var message: MessageRowID

    /// `060(JGW)`: what the operator is told.
    public var logMessage: LedgerMessage {
        LedgerMessage(
            .clearingReset, clearing.documentNumber, clearing.companyCode, String(clearing.fiscalYear), String(reopened.count),
            reversal.documentNumber)
    }
}

extension MessageProcessor {
    /// The interface recorded for a reset's message row.
    public static let clearingResetInterface = "ClearingReset"

    /// Resets a clearing in one transaction, or refuses it and writes nothing.
    ///
    /// The clearing document must exist, be a clearing (it clears items itself and is not a
    /// reversal) and not be reset already (`057`, `058`, `061(JGW)`); a rest or residual item it
    /// left open must not have been cleared since (`059(JGW)`: reset that clearing first). Then
    /// the items it cleared in other documents are open again, exactly as before the clearing,
    /// and a reversal document mirrors the clearing document: every open-item line of the
    /// clearing and its mirror are cleared by the reversal, so the clearing leaves nothing open
    /// behind. The reversal takes the next number of the clearing document type's range in the
    /// period of `postingDate`, which must be open. The reset is recorded as a message with one
    /// posted entry, so the monitor shows who did it and when.
    public func resetClearing(_ request: ClearingResetRequest, in transaction: any LedgerTransaction) throws
        -> Result<ClearingResetResult, PostingRejection>
    {
        let key = request.clearing
        let fields = [key.documentNumber, key.companyCode, String(key.fiscalYear)]
        func refuse(_ message: LedgerMessage) -> Result<ClearingResetResult, PostingRejection> { .failure(PostingRejection([message])) }
        guard let clearing = try transaction.journalEntry(key) else {
            return refuse(LedgerMessage(.clearingResetDocumentNotFound, fields[0], fields[1], fields[2]))
        }
        if let by = clearing.reversedBy {
            return refuse(LedgerMessage(.clearingResetAlreadyReversed, fields[0], fields[1], fields[2], by.documentNumber))
        }
        let clearsItself = clearing.lines.contains { $0.openItemState == .cleared && $0.clearingDocument == key }
        guard clearsItself, clearing.reverses == nil else {
            return refuse(LedgerMessage(.clearingResetNotClearing, fields[0], fields[1], fields[2]))
        }
        if let rest = clearing.lines.first(where: { $0.openItemState == .cleared && $0.clearingDocument != key }) {
            return refuse(
                LedgerMessage(
                    .clearingResetRestCleared, String(rest.lineNumber), fields.joined(separator: " "), rest.clearingDocument?.documentNumber ?? "?"))
        }
        let date = request.postingDate ?? clearing.plan.postingDate
        if !masterData.isPeriodOpen(companyCode: key.companyCode, fiscalYear: date.year, period: date.month) {
            let period = String(date.month)
            return refuse(LedgerMessage(.postingPeriodNotOpen, String(repeating: "0", count: max(0, 3 - period.count)) + period, String(date.year)))
        }
        guard let documentType = masterData.documentTypes[clearing.plan.documentType] else {
            return refuse(LedgerMessage(.documentTypeNotDefined, clearing.plan.documentType))
        }
        let reopened = try transaction.itemsCleared(by: key).filter { $0.document != key }
        let reversalKey: DocumentKey
        switch try number(companyCode: key.companyCode, fiscalYear: date.year, numberRange: documentType.numberRange, in: transaction) {
        case .success(let taken): reversalKey = taken
        case .failure(let rejection): return .failure(rejection)
        }

        var header = clearing.plan
        header.fiscalYear = date.year
        header.fiscalPeriod = date.month
        header.documentDate = date
        header.postingDate = date
        header.createdByUser = request.user
        header.documentHeaderText = "Reset of clearing \(fields.joined(separator: " "))"
        let lines = clearing.lines.map { line -> PlannedLine in
            var mirror = line
            mirror.amountInTransactionCurrency = -line.amountInTransactionCurrency
            mirror.amountInCompanyCodeCurrency = -line.amountInCompanyCodeCurrency
            mirror.taxBaseAmount = line.taxBaseAmount.map { -$0 }
            mirror.debitCredit = line.debitCredit == .debit ? .credit : .debit
            if line.openItemState != .notManaged {
                mirror.openItemState = .cleared
                mirror.clearingDocument = reversalKey
                mirror.clearingDate = date
            }
            return mirror
        }
        var plan = PostingPlan(header: header, numberRange: documentType.numberRange, lines: lines, ledgers: clearing.ledgers)
        plan.reversal = PostingPlan.Reversal(original: key, reason: request.reason)

        let message = try transaction.insertMessage(
            NewMessage(
                key: nil, interface: Self.clearingResetInterface, sender: request.user, messageID: nil, messageUUID: request.uuid,
                transportMessageID: nil, receivedAt: request.at, firstReceivedAt: request.at, attempt: 1, entryCount: 1, payloadDigest: nil,
                state: .processed,
                confirmation: ConfirmationHeader(
                    uuid: request.uuid, creationDateTime: request.at, referenceID: nil, referenceUUID: nil, recipientBusinessSystemID: nil),
                isTest: false))
        try transaction.insertJournalEntry(
            NewJournalEntry(
                key: reversalKey, plan: plan, postedBy: request.user, postedAt: request.at, messageRowID: message, entryMessageID: nil,
                entryMessageUUID: nil))
        for item in reopened { try transaction.reopen(item.document, item: item.item) }
        for line in clearing.lines where line.openItemState != .notManaged {
            if line.openItemState == .cleared { try transaction.reopen(key, item: line.lineNumber) }
            try transaction.markCleared(key, item: line.lineNumber, by: reversalKey, on: date)
        }
        try transaction.markReversed(key, by: reversalKey)
        try transaction.recordEntries(
            [
                EntryRecord(
                    index: 0, outcome: .posted(reversalKey), messageID: nil, messageUUID: nil, confirmationUUID: request.uuid,
                    originalReferenceDocumentType: header.originalReferenceDocumentType, logicalSystem: "")
            ], ofMessage: message)
        return .success(ClearingResetResult(clearing: key, reversal: reversalKey, reopened: reopened, message: message))
    }
}
