/// An amount with the currency code it was sent with (`currencyCode` attribute).
public struct CurrencyAmount: Sendable, Hashable {
    public var value: DecimalAmount
    public var currency: String

    public init(_ value: DecimalAmount, _ currency: String) {
        self.value = value
        self.currency = currency
    }
}

/// A journal entry as the client sent it, before any check: the protocol-neutral form of
/// one `JournalEntryCreateRequest/JournalEntry`.
public struct JournalEntryDraft: Sendable {
    public var originalReferenceDocumentType: String
    public var originalReferenceDocument: String?
    public var originalReferenceDocumentLogicalSystem: String?
    public var businessTransactionType: String
    public var documentType: String
    /// `AccountingDocument` sent by the client (external numbering).
    public var externalDocumentNumber: String?
    public var documentReferenceID: String?
    public var documentHeaderText: String?
    public var createdByUser: String
    public var companyCode: String
    public var documentDate: LedgerDate
    public var postingDate: LedgerDate
    public var postingFiscalPeriod: Int?
    public var exchangeRate: ExchangeRateValue?
    public var indirectQuotedExchangeRate: ExchangeRateValue?
    public var doTaxAmountCheck: Bool
    public var reference1InDocumentHeader: String?
    public var reference2InDocumentHeader: String?
    /// Items in document order: G/L items, then customer, vendor and tax items.
    public var items: [DraftItem]
    public var withholdingTaxItemCount: Int
    /// `JournalEntry/LedgerGroup` of a by-ledger request (`JournalEntryBulkLedgerCreateRequest`):
    /// the entry is posted into this group's ledgers only. `nil` for an ordinary posting, which
    /// goes into every ledger of the company code.
    public var ledgerGroup: String?
    /// `JournalEntry/ReversalReferenceDocument` as sent; a by-ledger posting refuses it.
    public var reversalReferenceDocument: String?
    /// `JournalEntry/ReversalReason` as sent; a by-ledger posting refuses it.
    public var reversalReason: String?

    public init(
        originalReferenceDocumentType: String, businessTransactionType: String, documentType: String, createdByUser: String,
        companyCode: String, documentDate: LedgerDate, postingDate: LedgerDate, items: [DraftItem]
    ) {
        self.originalReferenceDocumentType = originalReferenceDocumentType
        self.businessTransactionType = businessTransactionType
        self.documentType = documentType
        self.createdByUser = createdByUser
        self.companyCode = companyCode
        self.documentDate = documentDate
        self.postingDate = postingDate
        self.items = items
        self.doTaxAmountCheck = false
        self.withholdingTaxItemCount = 0
    }
}

/// One line of a draft.
public struct DraftItem: Sendable {
    public enum Kind: Sendable, Hashable {
        /// `Item`: a G/L account line.
        case glAccount(String)
        /// `DebtorItem`: a customer line, optionally on an alternative reconciliation account.
        case customer(String, alternativeReconciliationAccount: String?)
        /// `CreditorItem`: a vendor line.
        case vendor(String, alternativeReconciliationAccount: String?)
        /// `ProductTaxItem`: a tax line with its tax base.
        case tax(taxCode: String, base: CurrencyAmount)
    }

    public var kind: Kind
    public var amount: CurrencyAmount
    public var amountInCompanyCodeCurrency: CurrencyAmount?
    public var debitCreditCode: String?
    public var referenceDocumentItem: String?
    public var companyCode: String?
    public var itemText: String?
    public var assignmentReference: String?
    /// `Item/Tax/TaxCode` of a G/L line.
    public var taxCode: String?
    public var costCenter: String?
    public var profitCenter: String?
    public var valueDate: LedgerDate?
    public var dueCalculationBaseDate: LedgerDate?
    public var netPaymentDays: Int?

    public init(kind: Kind, amount: CurrencyAmount) {
        self.kind = kind
        self.amount = amount
    }
}
