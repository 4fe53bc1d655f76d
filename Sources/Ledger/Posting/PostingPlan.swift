/// Account type of a line, as SAP's KOART.
public enum AccountType: String, Sendable, Hashable, Codable {
    case glAccount = "S"
    case customer = "D"
    case vendor = "K"
}

/// Debit (`S`, Soll) or credit (`H`, Haben).
public enum DebitCredit: String, Sendable, Hashable, Codable {
    case debit = "S"
    case credit = "H"
}

/// Open-item state of a line. Only open-item-managed lines (customer, vendor and G/L
/// accounts with open-item management) start as `.open`; clearing will move them to `.cleared`.
public enum OpenItemState: String, Sendable, Hashable, Codable {
    case notManaged = "N"
    case open = "O"
    case cleared = "C"
}

/// A checked journal entry, ready to be numbered and stored. Amounts in both currencies are
/// final and balance to zero. Header fields read through the plan (`plan.companyCode`).
@dynamicMemberLookup
public struct PostingPlan: Sendable {
    public var header: Header
    /// Number range the document number comes from (from the document type).
    public var numberRange: String
    public var lines: [PlannedLine]
    /// The ledger group the entry was posted for (`JournalEntryBulkLedgerCreateRequest`'s
    /// `LedgerGroup`); `nil` for an ordinary posting, which goes into every ledger.
    public var ledgerGroup: String?
    /// The ledgers the entry's G/L items are posted into (the leading ledger first).
    public var ledgers: [String]

    /// The document this entry reverses (`ReversalReferenceDocument`), with its `ReversalReason`;
    /// `nil` for an ordinary posting. Whether the document can be reversed is decided in the
    /// posting transaction (``MessageProcessor``), against what the store holds.
    public var reversal: Reversal?

    public init(
        header: Header, numberRange: String, lines: [PlannedLine], ledgerGroup: String? = nil, ledgers: [String] = [], reversal: Reversal? = nil
    ) {
        self.header = header
        self.numberRange = numberRange
        self.lines = lines
        self.ledgerGroup = ledgerGroup
        self.ledgers = ledgers
        self.reversal = reversal
    }

    /// What a reversal entry reverses, and why.
    public struct Reversal: Sendable, Hashable {
        public var original: DocumentKey
        /// SAP's reversal reason (`STGRD`, e.g. `01`).
        public var reason: String

        public init(original: DocumentKey, reason: String) {
            self.original = original
            self.reason = reason
        }
    }

    public subscript<Value>(dynamicMember keyPath: KeyPath<Header, Value>) -> Value { header[keyPath: keyPath] }

    /// The header fields of a plan (everything but the lines).
    public struct Header: Sendable, Hashable {
        public var companyCode: String
        public var fiscalYear: Int
        public var fiscalPeriod: Int
        public var documentType: String
        public var documentDate: LedgerDate
        public var postingDate: LedgerDate
        public var transactionCurrency: String
        public var companyCodeCurrency: String
        public var originalReferenceDocumentType: String
        public var originalReferenceDocument: String?
        public var originalReferenceDocumentLogicalSystem: String?
        public var businessTransactionType: String
        public var documentReferenceID: String?
        public var documentHeaderText: String?
        public var reference1InDocumentHeader: String?
        public var reference2InDocumentHeader: String?
        public var createdByUser: String

        public init(
            companyCode: String, fiscalYear: Int, fiscalPeriod: Int, documentType: String, documentDate: LedgerDate,
            postingDate: LedgerDate, transactionCurrency: String, companyCodeCurrency: String, originalReferenceDocumentType: String,
            originalReferenceDocument: String?, originalReferenceDocumentLogicalSystem: String?, businessTransactionType: String,
            documentReferenceID: String?, documentHeaderText: String?, reference1InDocumentHeader: String?,
            reference2InDocumentHeader: String?, createdByUser: String
        ) {
            self.companyCode = companyCode
            self.fiscalYear = fiscalYear
            self.fiscalPeriod = fiscalPeriod
            self.documentType = documentType
            self.documentDate = documentDate
            self.postingDate = postingDate
            self.transactionCurrency = transactionCurrency
            self.companyCodeCurrency = companyCodeCurrency
            self.originalReferenceDocumentType = originalReferenceDocumentType
            self.originalReferenceDocument = originalReferenceDocument
            self.originalReferenceDocumentLogicalSystem = originalReferenceDocumentLogicalSystem
            self.businessTransactionType = businessTransactionType
            self.documentReferenceID = documentReferenceID
            self.documentHeaderText = documentHeaderText
            self.reference1InDocumentHeader = reference1InDocumentHeader
            self.reference2InDocumentHeader = reference2InDocumentHeader
            self.createdByUser = createdByUser
        }
    }
}

/// One checked line.
public struct PlannedLine: Sendable, Hashable {
    /// 1 … 999, in document order.
    public var lineNumber: Int
    public var accountType: AccountType
    /// The G/L account posted to: the line's account, or the reconciliation account of a
    /// customer or vendor line, or the tax account of a tax line.
    public var glAccount: String
    /// Customer or vendor number of a `D`/`K` line.
    public var businessPartner: String?
    public var debitCredit: DebitCredit
    /// Signed (debit positive, credit negative), in the transaction currency.
    public var amountInTransactionCurrency: DecimalAmount
    /// Signed, in the company code currency.
    public var amountInCompanyCodeCurrency: DecimalAmount
    public var taxCode: String?
    /// Tax base of a tax line, in transaction currency.
    public var taxBaseAmount: DecimalAmount?
    public var isTaxLine: Bool
    public var itemText: String?
    public var assignmentReference: String?
    public var referenceDocumentItem: String?
    public var costCenter: String?
    public var profitCenter: String?
    public var valueDate: LedgerDate?
    public var dueCalculationBaseDate: LedgerDate?
    public var netPaymentDays: Int?
    public var openItemState: OpenItemState
    /// The clearing document that cleared this item, and when (posting date of the clearing).
    public var clearingDocument: DocumentKey?
    public var clearingDate: LedgerDate?

    public init(
        lineNumber: Int,
        accountType: AccountType,
        glAccount: String,
        businessPartner: String? = nil,
        debitCredit: DebitCredit,
        amountInTransactionCurrency: DecimalAmount,
        amountInCompanyCodeCurrency: DecimalAmount,
        taxCode: String? = nil,
        taxBaseAmount: DecimalAmount? = nil,
        isTaxLine: Bool,
        itemText: String? = nil,
        assignmentReference: String? = nil,
        referenceDocumentItem: String? = nil,
        costCenter: String? = nil,
        profitCenter: String? = nil,
        valueDate: LedgerDate? = nil,
        dueCalculationBaseDate: LedgerDate? = nil,
        netPaymentDays: Int? = nil,
        openItemState: OpenItemState,
        clearingDocument: DocumentKey? = nil,
        clearingDate: LedgerDate? = nil
    ) {
        self.clearingDocument = clearingDocument
        self.clearingDate = clearingDate
        self.lineNumber = lineNumber
        self.accountType = accountType
        self.glAccount = glAccount
        self.businessPartner = businessPartner
        self.debitCredit = debitCredit
        self.amountInTransactionCurrency = amountInTransactionCurrency
        self.amountInCompanyCodeCurrency = amountInCompanyCodeCurrency
        self.taxCode = taxCode
        self.taxBaseAmount = taxBaseAmount
        self.isTaxLine = isTaxLine
        self.itemText = itemText
        self.assignmentReference = assignmentReference
        self.referenceDocumentItem = referenceDocumentItem
        self.costCenter = costCenter
        self.profitCenter = profitCenter
        self.valueDate = valueDate
        self.dueCalculationBaseDate = dueCalculationBaseDate
        self.netPaymentDays = netPaymentDays
        self.openItemState = openItemState
    }
}
