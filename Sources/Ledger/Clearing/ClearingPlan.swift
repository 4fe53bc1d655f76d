/// One item of a posted document: its document key and item (line) number.
public struct OpenItemKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var document: DocumentKey
    public var item: Int

    public init(document: DocumentKey, item: Int) {
        self.document = document
        self.item = item
    }

    public var description: String { "\(document) item \(item)" }

    public static func < (lhs: OpenItemKey, rhs: OpenItemKey) -> Bool { (lhs.document, lhs.item) < (rhs.document, rhs.item) }
}

/// One open item a clearing names (`GLItems` or `APARItems` of a `JournalEntryClearingRequest`),
/// with what is to be done with a difference.
public struct OpenItemReference: Sendable, Hashable {
    public var document: DocumentKey
    public var item: Int
    /// `S` for `GLItems`; `D` or `K` for `APARItems`.
    public var accountType: AccountType
    /// The G/L account, customer or vendor (canonical number).
    public var account: String
    /// `PartialPaymentAmtInDspCrcy`: only this much is paid (sign ignored); the rest stays open
    /// as a new item of the clearing document.
    public var partialPayment: DecimalAmount?
    /// `CashDiscountAmountInDspCrcy`.
    public var cashDiscount: DecimalAmount?
    /// `OtherDeductionAmountInDspCrcy`: a residual item (same sign as the open item) that stays
    /// open as a new item of the clearing document.
    public var residual: DecimalAmount?
    public var paymentDifferenceReason: String?

    public init(
        document: DocumentKey, item: Int, accountType: AccountType, account: String, partialPayment: DecimalAmount? = nil,
        cashDiscount: DecimalAmount? = nil, residual: DecimalAmount? = nil, paymentDifferenceReason: String? = nil
    ) {
        self.document = document
        self.item = item
        self.accountType = accountType
        self.account = account
        self.partialPayment = partialPayment
        self.cashDiscount = cashDiscount
        self.residual = residual
        self.paymentDifferenceReason = paymentDifferenceReason
    }
}

/// A checked clearing request: the clearing document's header and the open items it clears. Its
/// lines are made in the posting transaction, from the items as the store holds them then.
public struct ClearingPlan: Sendable, Hashable {
    public var header: PostingPlan.Header
    public var numberRange: String
    public var ledgers: [String]
    public var items: [OpenItemReference]

    public init(header: PostingPlan.Header, numberRange: String, ledgers: [String], items: [OpenItemReference]) {
        self.header = header
        self.numberRange = numberRange
        self.ledgers = ledgers
        self.items = items
    }
}

/// A decoded `JournalEntryClearingRequest/JournalEntry`, before the checks.
public struct ClearingDraft: Sendable {
    public var companyCode: String
    public var documentType: String
    public var documentDate: LedgerDate
    public var postingDate: LedgerDate
    /// `CurrencyCode`: the clearing (payment) currency, the company code's or a foreign one; the
    /// items cleared must be in it, and the differences (`…InDspCrcy`) are amounts in it. The
    /// request's `ExchangeRate` and `CurrencyTranslationDate` are not used: every line of a clearing
    /// document derives from a posted item and is translated at that item's own rate.
    public var currency: String
    public var headerText: String?
    public var referenceDocument: String?
    public var createdByUser: String?
    public var items: [OpenItemReference]
    /// Items whose `CompanyCode` differs from the header's (cross-company clearing).
    public var foreignCompanyCodeItems: [Int] = []

    public init(
        companyCode: String, documentType: String, documentDate: LedgerDate, postingDate: LedgerDate, currency: String, headerText: String?,
        referenceDocument: String?, createdByUser: String?, items: [OpenItemReference]
    ) {
        self.companyCode = companyCode
        self.documentType = documentType
        self.documentDate = documentDate
        self.postingDate = postingDate
        self.currency = currency
        self.headerText = headerText
        self.referenceDocument = referenceDocument
        self.createdByUser = createdByUser
        self.items = items
    }
}

extension PostingRules {
    /// The checks of a clearing that need no store: company code and authorisation, document type
    /// and the account types it allows, open posting period, a currency the master data knows (the
    /// company code's or a foreign one; `816(F5)` otherwise) and differences with no more decimals
    /// than it has, cash discount (customer and vendor items only, into the company code's cash
    /// discount account), and the combinations SAP does not allow (cash discount or residual with
    /// a partial payment).
    public func check(_ draft: ClearingDraft, authorization: PostingAuthorization) -> Result<ClearingPlan, PostingRejection> {
        guard let companyCode = masterData.companyCodes[draft.companyCode] else {
            return .failure(PostingRejection([LedgerMessage(.companyCodeNotDefined, draft.companyCode)]))
        }
        guard authorization.mayPost(in: draft.companyCode) else {
            return .failure(PostingRejection([LedgerMessage(.noAuthorizationForCompanyCode, authorization.userName, draft.companyCode)]))
        }
        var messages: [LedgerMessage] = []
        let documentType = masterData.documentTypes[draft.documentType]
        if documentType == nil { messages.append(LedgerMessage(.documentTypeNotDefined, draft.documentType)) }
        let fiscalYear = draft.postingDate.year
        let period = draft.postingDate.month
        if !masterData.isPeriodOpen(companyCode: draft.companyCode, fiscalYear: fiscalYear, period: period) {
            messages.append(LedgerMessage(.postingPeriodNotOpen, String(repeating: "0", count: max(0, 3 - String(period).count)) + String(period), String(fiscalYear)))
        }
        let currency = masterData.currencies[draft.currency]
        if currency == nil { messages.append(LedgerMessage(.currencyNotDefined, draft.currency)) }
        if draft.items.isEmpty { messages.append(LedgerMessage(.clearingWithoutItems)) }
        for index in draft.foreignCompanyCodeItems {
            let itemCompanyCode = draft.items.indices.contains(index) ? draft.items[index].document.companyCode : "?"
            messages.append(LedgerMessage(.crossCompanyCodeNotSupported, String(index + 1), itemCompanyCode, draft.companyCode))
        }
        var seen: Set<String> = []
        for (index, reference) in draft.items.enumerated() {
            let item = String(reference.item)
            let document = "\(reference.document.documentNumber) \(reference.document.companyCode) \(reference.document.fiscalYear)"
            if !seen.insert("\(reference.document)/\(reference.item)").inserted {
                messages.append(LedgerMessage(.clearingItemNamedTwice, item, document))
            }
            if let type = documentType, !type.accountTypes.contains(Character(reference.accountType.rawValue)) {
                messages.append(LedgerMessage(.accountTypeNotAllowedForDocumentType, reference.accountType.rawValue, draft.documentType))
            }
            if let currency {
                for amount in [reference.partialPayment, reference.cashDiscount, reference.residual].compactMap(\.self)
                where amount.significantFractionDigits > currency.decimals {
                    messages.append(LedgerMessage(.tooManyDecimalPlaces, String(index + 1), "\(amount)", currency.code, String(currency.decimals)))
                }
            }
            if reference.partialPayment != nil && reference.cashDiscount != nil {
                messages.append(LedgerMessage(.cashDiscountWithPartialPayment, item, document))
            }
            if reference.partialPayment != nil && reference.residual != nil {
                messages.append(LedgerMessage(.residualWithPartialPayment, item, document))
            }
            if reference.cashDiscount != nil {
                if reference.accountType == .glAccount {
                    messages.append(LedgerMessage(.cashDiscountOnGLItem, item, document))
                } else if companyCode.cashDiscountAccount(for: reference.accountType) == nil {
                    messages.append(LedgerMessage(.cashDiscountNotSupported, draft.companyCode, reference.accountType == .customer ? "granted" : "received"))
                }
            }
        }
        guard messages.isEmpty, let documentType else { return .failure(PostingRejection(messages)) }
        let header = PostingPlan.Header(
            companyCode: draft.companyCode, fiscalYear: fiscalYear, fiscalPeriod: period, documentType: draft.documentType,
            documentDate: draft.documentDate, postingDate: draft.postingDate, transactionCurrency: draft.currency,
            companyCodeCurrency: companyCode.currency.code, originalReferenceDocumentType: "BKPFF", originalReferenceDocument: nil,
            originalReferenceDocumentLogicalSystem: nil, businessTransactionType: "UMBU", documentReferenceID: draft.referenceDocument,
            documentHeaderText: draft.headerText, reference1InDocumentHeader: nil, reference2InDocumentHeader: nil,
            createdByUser: draft.createdByUser ?? authorization.userName)
        return .success(
            ClearingPlan(
                header: header, numberRange: documentType.numberRange, ledgers: masterData.ledgers(ofCompanyCode: draft.companyCode), items: draft.items))
    }
}
