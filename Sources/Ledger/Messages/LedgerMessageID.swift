/// The gateway's message catalogue.
///
/// Where SAP has a message for the situation, the entry uses SAP's message class, number
/// and short text, so that clients filtering on `TypeID` (e.g. `702(F5)`) keep working.
/// Situations SAP does not report this way (or where no public source confirmed SAP's
/// number) use the gateway's own message class `JGW`. The README lists the catalogue.
public enum LedgerMessageID: String, Sendable, CaseIterable, Hashable {
    // Outcome of a document (class RW, as SAP's accounting interface).
    case documentPosted
    case documentError
    case documentChecked

    // Balance.
    case balanceInTransactionCurrency
    case balanceInLocalCurrency

    // Organisation and master data.
    case companyCodeNotDefined
    case glAccountNotInChartOfAccounts
    case glAccountNotInCompanyCode
    case customerNotInCompanyCode
    case vendorNotInCompanyCode
    case reconciliationAccountNotDirectlyPostable
    case alternativeReconciliationAccountInvalid
    case documentTypeNotDefined
    case accountTypeNotAllowedForDocumentType
    case currencyNotDefined
    case taxCodeNotDefined
    case noAuthorizationForCompanyCode

    // Periods and numbers.
    case postingPeriodNotOpen
    case fiscalPeriodDoesNotMatchPostingDate
    case numberRangeNotDefined
    case numberRangeExhausted
    case externalNumberNotAllowed

    // Amounts and items.
    case amountSignInconsistent
    case debitCreditCodeInvalid
    case tooManyLineItems
    case noLineItems
    case tooManyDecimalPlaces
    case transactionCurrencyNotUnique
    case companyCodeCurrencyMismatch
    case exchangeRateNotDefined
    case amountTooLarge
    case taxAmountDeviates
    case crossCompanyCodeNotSupported
    case withholdingTaxNotSupported

    // Postings by ledger (`JournalEntryBulkLedgerCreateRequest`).
    case ledgerGroupNotDefined
    case ledgerGroupNotInCompanyCode
    case itemTypeNotAllowedInLedgerPosting
    case reversalNotAllowedInLedgerPosting

    // Reversals (`ReversalReferenceDocument` + `ReversalReason` on a create request).
    case reversalReferenceInvalid
    case reversalReasonMissing
    case reversalReasonWithoutReference
    case reversalCompanyCodeDiffers
    case reversalDocumentNotFound
    case documentAlreadyReversed
    case documentIsReversalDocument
    case reversalItemsDoNotMirror
    case reversalItemCountDiffers
    case reversalCurrencyDiffers

    // Changes (`JournalEntryBulkChangeRequest_In`).
    case documentChanged
    case changeDocumentNotFound
    case changeItemNotFound
    case changeItemKindMismatch
    case noAuthorizationToChange

    // Clearing (`JournalEntryBulkClearingRequest_In`).
    case documentCleared
    case clearingDocumentNotFound
    case clearingItemNotFound
    case clearingItemOtherAccount
    case noOpenItemsManaged
    case itemAlreadyCleared
    case cashDiscountWithPartialPayment
    case residualWithPartialPayment
    case cashDiscountNotSupported
    case clearingItemCurrency
    case clearingItemNamedTwice
    case residualSign
    case partialPaymentTooLarge
    case clearingWithoutItems
    case reversalOfClearedItems
    case cashDiscountOnGLItem
    case cashDiscountTooLarge
    case clearingResetNotClearing
    case clearingResetAlreadyReversed
    case clearingResetRestCleared
    case clearingReset
    case clearingResetDocumentNotFound
    case exchangeRateDifferenceNotSupported

    /// SAP message class (`F5`, `RW`, …) or `JGW` for the gateway's own messages.
    public var messageClass: String { catalogueEntry.messageClass }
    /// Three-digit message number.
    public var number: String { catalogueEntry.number }
    /// Short text with `&1` … `&4` placeholders.
    public var template: String { catalogueEntry.template }
    public var severity: LogSeverity { catalogueEntry.severity }

    private var catalogueEntry: (messageClass: String, number: String, template: String, severity: LogSeverity) {
        switch self {
        case .documentPosted: ("RW", "605", "Document posted successfully: &1 &2 &3", .information)
        case .documentError: ("RW", "609", "Error in document: &1 &2 &3", .error)
        case .documentChecked: ("RW", "614", "Document check without errors: &1 &2 &3", .information)

        case .balanceInTransactionCurrency: ("F5", "702", "Balance in transaction currency &1 &2", .error)
        case .balanceInLocalCurrency: ("F5", "703", "Balance in local currency &1 &2", .error)

        case .companyCodeNotDefined: ("FH", "001", "Company code &1 not defined", .error)
        case .glAccountNotInChartOfAccounts: ("F5", "507", "G/L account &1 is not defined in chart of accounts &2", .error)
        case .glAccountNotInCompanyCode: ("JGW", "016", "G/L account &1 is not defined in company code &2", .error)
        case .customerNotInCompanyCode: ("F5", "102", "Customer &1 is not defined in company code &2", .error)
        case .vendorNotInCompanyCode: ("F5", "104", "Vendor &1 is not defined in company code &2", .error)
        case .reconciliationAccountNotDirectlyPostable:
            ("F5", "354", "Account &1 in company code &2 cannot be directly posted to", .error)
        case .alternativeReconciliationAccountInvalid:
            ("JGW", "011", "Account &1 is not a reconciliation account for &2 accounts in company code &3", .error)
        case .documentTypeNotDefined: ("JGW", "017", "Document type &1 is not defined", .error)
        case .accountTypeNotAllowedForDocumentType: ("JGW", "018", "Account type &1 is not allowed for document type &2", .error)
        case .currencyNotDefined: ("F5", "816", "Currency code &1 not defined", .error)
        case .taxCodeNotDefined: ("FF", "101", "Tax code &1 is not defined; check your entry", .error)
        case .noAuthorizationForCompanyCode: ("JGW", "019", "User &1 is not authorized to post in company code &2", .error)

        case .postingPeriodNotOpen: ("F5", "201", "Posting period &1 &2 is not open", .error)
        case .fiscalPeriodDoesNotMatchPostingDate:
            ("JGW", "002", "Posting period &1 does not match posting date &2", .error)
        case .numberRangeNotDefined: ("F5", "150", "In company code &1, the number range &2 is missing for the year &3", .error)
        case .numberRangeExhausted: ("JGW", "003", "Number range &1 of company code &2 is exhausted for fiscal year &3", .error)
        case .externalNumberNotAllowed:
            ("JGW", "004", "Document number &1 not allowed: document type &2 uses internal numbering", .error)

        case .amountSignInconsistent:
            ("JGW", "005", "Item &1: amount &2 does not match debit/credit code &3 (S needs a positive, H a negative amount)", .error)
        case .debitCreditCodeInvalid: ("JGW", "006", "Item &1: debit/credit code &2 is not S or H", .error)
        case .tooManyLineItems: ("F5", "727", "Maximum number of items in FI reached", .error)
        case .noLineItems: ("JGW", "007", "The journal entry has no line items", .error)
        case .tooManyDecimalPlaces: ("JGW", "008", "Item &1: amount &2 has more decimal places than currency &3 allows (&4)", .error)
        case .transactionCurrencyNotUnique:
            ("JGW", "009", "Item &1: currency &2 differs from the document currency &3", .error)
        case .companyCodeCurrencyMismatch:
            ("JGW", "010", "Item &1: amount in company code currency must be in &2, not &3", .error)
        case .exchangeRateNotDefined: ("SG", "105", "Enter rate &1 / &2 rate type &3 for &4 in the system settings", .error)
        case .amountTooLarge: ("JGW", "012", "Item &1: amount &2 exceeds the allowed range", .error)
        case .taxAmountDeviates: ("FF", "707", "Tax entered incorrect (code &1, amount &2), correct &3 &4", .error)
        case .crossCompanyCodeNotSupported:
            ("JGW", "014", "Item &1: company code &2 differs from document company code &3; cross-company postings are not supported", .error)
        case .withholdingTaxNotSupported: ("JGW", "015", "Withholding tax items are not supported by this gateway", .error)

        case .ledgerGroupNotDefined: ("JGW", "020", "Ledger group &1 is not defined", .error)
        case .ledgerGroupNotInCompanyCode: ("JGW", "021", "No ledger of ledger group &1 is assigned to company code &2", .error)
        case .itemTypeNotAllowedInLedgerPosting:
            ("JGW", "022", "Item &1: &2 items cannot be posted by ledger group &3; only G/L account items can", .error)
        case .reversalNotAllowedInLedgerPosting:
            ("JGW", "023", "&1 is not supported when posting by ledger group &2: such an entry cannot be a reversal", .error)

        case .reversalReferenceInvalid:
            ("JGW", "024", "ReversalReferenceDocument &1 is not a document key: document number (10), company code (4), fiscal year (4)", .error)
        case .reversalReasonMissing: ("JGW", "025", "Enter a reversal reason (ReversalReason) for the reversal of document &1", .error)
        case .reversalReasonWithoutReference: ("JGW", "026", "ReversalReason &1 needs the document to reverse in ReversalReferenceDocument", .error)
        case .reversalCompanyCodeDiffers: ("JGW", "027", "Document &1 to be reversed is in company code &2, not in &3", .error)
        case .reversalDocumentNotFound: ("JGW", "028", "Document &1 &2 &3 does not exist; it cannot be reversed", .error)
        case .documentAlreadyReversed: ("JGW", "029", "Document &1 &2 &3 has already been reversed by document &4", .error)
        case .documentIsReversalDocument: ("F5", "905", "Document is a reversal document", .error)
        case .reversalItemsDoNotMirror: ("JGW", "030", "Item &1 (&2, &3) has no opposite item in document &4", .error)
        case .reversalItemCountDiffers: ("JGW", "031", "The reversal has &1 items, document &2 has &3: a reversal mirrors every item", .error)
        case .reversalCurrencyDiffers: ("JGW", "032", "The reversal is in currency &1, document &2 in &3", .error)

        case .documentChanged: ("JGW", "033", "Document &1 &2 &3 changed: &4", .information)
        case .changeDocumentNotFound: ("JGW", "035", "Document &1 &2 &3 does not exist; it cannot be changed", .error)
        case .changeItemNotFound: ("JGW", "036", "Item &1 does not exist in document &2", .error)
        case .changeItemKindMismatch: ("JGW", "037", "Item &1 of document &2 is a &3 item; change it with &4", .error)
        case .noAuthorizationToChange: ("JGW", "038", "User &1 is not authorized to change documents of company code &2", .error)

        case .documentCleared: ("JGW", "039", "Clearing document &1 &2 &3 posted; the items it names are cleared", .information)
        case .clearingDocumentNotFound: ("JGW", "040", "Document &1 &2 &3 does not exist; its items cannot be cleared", .error)
        case .clearingItemNotFound: ("JGW", "041", "Item &1 does not exist in document &2", .error)
        case .clearingItemOtherAccount: ("JGW", "042", "Item &1 of document &2 is not an item of account &3", .error)
        case .noOpenItemsManaged: ("JGW", "043", "There are no open items managed in Account &1", .error)
        case .itemAlreadyCleared: ("JGW", "044", "Item &1 of document &2 is already cleared by document &3", .error)
        case .cashDiscountWithPartialPayment: ("JGW", "045", "Item &1 of document &2: cash discount cannot be combined with a partial payment", .error)
        case .residualWithPartialPayment: ("JGW", "046", "Item &1 of document &2: a residual item cannot be combined with a partial payment", .error)
        case .cashDiscountNotSupported: ("JGW", "047", "Company code &1 has no account for cash discount &2: see cashDiscountAccounts", .error)
        case .clearingItemCurrency: ("JGW", "048", "Item &1 of document &2 is in currency &3; it can only be cleared in &3", .error)
        case .clearingItemNamedTwice: ("JGW", "049", "Item &1 of document &2 is named twice in the clearing", .error)
        case .residualSign: ("JGW", "050", "Residual &1 must have the sign of item &2 of document &3 (&4) and be smaller", .error)
        case .partialPaymentTooLarge: ("JGW", "051", "Partial payment &1 exceeds item &2 of document &3 (&4)", .error)
        case .clearingWithoutItems: ("JGW", "053", "The clearing names no open items (GLItems or APARItems)", .error)
        case .reversalOfClearedItems: ("JGW", "054", "Document &1 &2 &3 has cleared items (clearing document &4): reset the clearing first", .error)
        case .cashDiscountOnGLItem: ("JGW", "055", "Item &1 of document &2 is a G/L item; cash discount applies to customer and vendor items", .error)
        case .cashDiscountTooLarge: ("JGW", "056", "Cash discount &1 and residual of item &2 of document &3 exceed the item (&4)", .error)
        case .clearingResetNotClearing: ("JGW", "057", "Document &1 &2 &3 is not a clearing document; nothing to reset", .error)
        case .clearingResetAlreadyReversed: ("JGW", "058", "Clearing &1 &2 &3 is already reset (reversed by document &4)", .error)
        case .clearingResetRestCleared: ("JGW", "059", "Item &1 of clearing &2 is cleared by document &3 since: reset that clearing first", .error)
        case .clearingReset: ("JGW", "060", "Clearing &1 &2 &3 reset: &4 items open again, reversed by document &5", .information)
        case .clearingResetDocumentNotFound: ("JGW", "061", "Clearing document &1 &2 &3 does not exist", .error)
        case .exchangeRateDifferenceNotSupported:
            ("JGW", "062", "Company code &1 has no account for a realized exchange rate &2 (&3 &4): see exchangeRateDifferenceAccounts", .error)
        }
    }
}
