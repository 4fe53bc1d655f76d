/// What a user may post: all company codes, or a listed few.
public struct PostingAuthorization: Sendable, Hashable {
    public let userName: String
    /// `nil` means every company code.
    public let companyCodes: Set<String>?

    public init(userName: String, companyCodes: Set<String>?) {
        self.userName = userName
        self.companyCodes = companyCodes
    }

    public func mayPost(in companyCode: String) -> Bool { companyCodes?.contains(companyCode) ?? true }
}

/// The posting rules: turns a ``JournalEntryDraft`` into a balanced ``PostingPlan``, or
/// explains in SAP-style messages why it cannot be posted. Pure: no I/O, no clock.
public struct PostingRules: Sendable {
    /// SAP's FI line item number has three digits.
    public static let maximumLineItems = 999

    public let masterData: MasterData

    public init(masterData: MasterData) { self.masterData = masterData }

    /// Checks a draft. Every problem found is reported, in document order, as SAP does.
    public func check(_ draft: JournalEntryDraft, authorization: PostingAuthorization) -> Result<PostingPlan, PostingRejection> {
        var messages: [LedgerMessage] = []
        let ccID = draft.companyCode

        guard let companyCode = masterData.companyCodes[ccID] else {
            return .failure(PostingRejection([LedgerMessage(.companyCodeNotDefined, ccID)]))
        }
        guard authorization.mayPost(in: ccID) else {
            return .failure(PostingRejection([LedgerMessage(.noAuthorizationForCompanyCode, authorization.userName, ccID)]))
        }
        let chart = masterData.charts[companyCode.chartOfAccounts] ?? [:]
        let ccCurrency = companyCode.currency

        // Header.
        let documentType = masterData.documentTypes[draft.documentType]
        if documentType == nil { messages.append(LedgerMessage(.documentTypeNotDefined, draft.documentType)) }
        if let external = draft.externalDocumentNumber {
            messages.append(LedgerMessage(.externalNumberNotAllowed, external, draft.documentType))
        }
        let ledgers = checkLedgers(draft, companyCode: ccID, messages: &messages)
        let reversal = draft.ledgerGroup == nil ? Self.checkReversal(draft, companyCode: ccID, messages: &messages) : nil
        let fiscalYear = draft.postingDate.year
        var fiscalPeriod = draft.postingDate.month
        if let requested = draft.postingFiscalPeriod {
            if requested == fiscalPeriod || (draft.postingDate.month == 12 && (13...16).contains(requested)) {
                fiscalPeriod = requested
            } else {
                messages.append(LedgerMessage(.fiscalPeriodDoesNotMatchPostingDate, String(requested), draft.postingDate.description))
            }
        }
        if !masterData.isPeriodOpen(companyCode: ccID, fiscalYear: fiscalYear, period: fiscalPeriod) {
            messages.append(LedgerMessage(.postingPeriodNotOpen, Self.threeDigits(fiscalPeriod), String(fiscalYear)))
        }

        // Items.
        if draft.items.isEmpty { messages.append(LedgerMessage(.noLineItems)) }
        if draft.items.count > Self.maximumLineItems {
            messages.append(LedgerMessage(.tooManyLineItems, String(draft.items.count)))
            return .failure(PostingRejection(messages))  // do not report hundreds of item messages on top
        }
        if draft.withholdingTaxItemCount > 0 { messages.append(LedgerMessage(.withholdingTaxNotSupported)) }

        let transactionCurrencyCode = draft.items.first?.amount.currency ?? ccCurrency.code
        let transactionCurrency = masterData.currencies[transactionCurrencyCode]
        if transactionCurrency == nil { messages.append(LedgerMessage(.currencyNotDefined, transactionCurrencyCode)) }

        // How foreign amounts become company-code amounts.
        var conversion: MasterData.ExchangeRate?
        if let transactionCurrency, transactionCurrency.code != ccCurrency.code {
            if let rate = draft.exchangeRate, rate.isPositive {
                conversion = .direct(rate)
            } else if let rate = draft.indirectQuotedExchangeRate, rate.isPositive {
                conversion = .indirect(rate)
            } else {
                conversion = masterData.exchangeRate(from: transactionCurrency.code, to: ccCurrency.code)
            }
        }
        var reportedMissingRate = false

        var lines: [PlannedLine] = []
        lines.reserveCapacity(draft.items.count)
        var allCompanyCodeAmountsDerived = true

        for (index, item) in draft.items.enumerated() {
            let lineNumber = index + 1
            let label = String(lineNumber)
            var lineOK = true
            func fail(_ message: LedgerMessage) {
                messages.append(message)
                lineOK = false
            }
            // A posting by ledger carries G/L items only; nothing else about another item matters.
            if let group = draft.ledgerGroup, let kind = Self.nonGLItemKind(item.kind) {
                fail(LedgerMessage(.itemTypeNotAllowedInLedgerPosting, label, kind, group))
                continue
            }

            // Currency and amount.
            let amount = item.amount.value
            if item.amount.currency != transactionCurrencyCode {
                if masterData.currencies[item.amount.currency] == nil {
                    fail(LedgerMessage(.currencyNotDefined, item.amount.currency))
                } else {
                    fail(LedgerMessage(.transactionCurrencyNotUnique, label, item.amount.currency, transactionCurrencyCode))
                }
            } else if let transactionCurrency, amount.significantFractionDigits > transactionCurrency.decimals {
                fail(LedgerMessage(.tooManyDecimalPlaces, label, amount.description, transactionCurrency.code, String(transactionCurrency.decimals)))
            }
            if amount.magnitude > DecimalAmount.sapAmountLimit { fail(LedgerMessage(.amountTooLarge, label, amount.description)) }

            var debitCredit: DebitCredit = amount.isNegative ? .credit : .debit
            if let code = item.debitCreditCode {
                if let parsed = DebitCredit(rawValue: code) {
                    debitCredit = parsed
                    if (parsed == .debit && amount.isNegative) || (parsed == .credit && amount.isPositive) {
                        fail(LedgerMessage(.amountSignInconsistent, label, amount.description, code))
                    }
                } else {
                    fail(LedgerMessage(.debitCreditCodeInvalid, label, code))
                }
            }
            if let itemCC = item.companyCode, itemCC != ccID {
                fail(LedgerMessage(.crossCompanyCodeNotSupported, label, itemCC, ccID))
            }

            // Account.
            var accountType = AccountType.glAccount
            var glAccount = ""
            var partner: String?
            var openItem = OpenItemState.notManaged
            var taxBase: DecimalAmount?
            var isTaxLine = false
            var taxCode = item.taxCode
            switch item.kind {
            case .glAccount(let raw):
                glAccount = MasterData.canonicalNumber(raw)
                if let account = chart[glAccount] {
                    if !companyCode.accounts.contains(glAccount) {
                        fail(LedgerMessage(.glAccountNotInCompanyCode, glAccount, ccID))
                    } else if account.reconciliation != nil {
                        fail(LedgerMessage(.reconciliationAccountNotDirectlyPostable, glAccount, ccID))
                    }
                    if account.openItemManaged { openItem = .open }
                } else {
                    fail(LedgerMessage(.glAccountNotInChartOfAccounts, glAccount, companyCode.chartOfAccounts))
                }
                if let code = item.taxCode, companyCode.taxCodes[code] == nil { fail(LedgerMessage(.taxCodeNotDefined, code)) }
            case .customer(let raw, let alternative), .vendor(let raw, let alternative):
                let isCustomer: Bool
                if case .customer = item.kind { isCustomer = true } else { isCustomer = false }
                accountType = isCustomer ? .customer : .vendor
                let id = MasterData.canonicalNumber(raw)
                partner = id
                openItem = .open
                let registry = isCustomer ? masterData.customers : masterData.vendors
                if let reconciliation = registry[id]?.reconciliationAccounts[ccID] {
                    glAccount = reconciliation
                    if let alternative {
                        let alternativeNumber = MasterData.canonicalNumber(alternative)
                        let kind: MasterData.ReconciliationKind = isCustomer ? .customer : .vendor
                        if chart[alternativeNumber]?.reconciliation == kind, companyCode.accounts.contains(alternativeNumber) {
                            glAccount = alternativeNumber
                        } else {
                            fail(LedgerMessage(.alternativeReconciliationAccountInvalid, alternativeNumber, kind.rawValue, ccID))
                        }
                    }
                } else {
                    fail(LedgerMessage(isCustomer ? .customerNotInCompanyCode : .vendorNotInCompanyCode, id, ccID))
                }
            case .tax(let code, let base):
                isTaxLine = true
                taxCode = code
                if let tax = companyCode.taxCodes[code] {
                    glAccount = tax.account
                    taxBase = base.value
                    if base.currency != transactionCurrencyCode {
                        fail(LedgerMessage(.transactionCurrencyNotUnique, label, base.currency, transactionCurrencyCode))
                    } else if draft.doTaxAmountCheck, let transactionCurrency,
                        let expected = base.value.magnitude.percentage(tax.rate, roundingToFractionDigits: transactionCurrency.decimals),
                        expected != amount.magnitude
                    {
                        fail(
                            LedgerMessage(
                                .taxAmountDeviates, code, amount.magnitude.formatted(fractionDigits: transactionCurrency.decimals),
                                expected.formatted(fractionDigits: transactionCurrency.decimals), transactionCurrencyCode))
                    }
                } else {
                    fail(LedgerMessage(.taxCodeNotDefined, code))
                }
            }
            if let documentType, !documentType.accountTypes.contains(Character(accountType.rawValue)) {
                fail(LedgerMessage(.accountTypeNotAllowedForDocumentType, accountType.rawValue, documentType.code))
            }

            // Amount in company code currency.
            var localAmount = amount
            if let given = item.amountInCompanyCodeCurrency {
                allCompanyCodeAmountsDerived = false
                if given.currency != ccCurrency.code {
                    fail(LedgerMessage(.companyCodeCurrencyMismatch, label, ccCurrency.code, given.currency))
                } else if given.value.significantFractionDigits > ccCurrency.decimals {
                    fail(LedgerMessage(.tooManyDecimalPlaces, label, given.value.description, ccCurrency.code, String(ccCurrency.decimals)))
                } else if (given.value.isNegative && amount.isPositive) || (given.value.isPositive && amount.isNegative) {
                    fail(LedgerMessage(.amountSignInconsistent, label, given.value.description, debitCredit.rawValue))
                } else if transactionCurrencyCode == ccCurrency.code && given.value != amount {
                    fail(LedgerMessage(.balanceInLocalCurrency, (given.value - amount).formatted(fractionDigits: ccCurrency.decimals), ccCurrency.code))
                } else {
                    localAmount = given.value
                }
            } else if let transactionCurrency, transactionCurrency.code != ccCurrency.code {
                if let conversion, let converted = conversion.convert(amount, fractionDigits: ccCurrency.decimals) {
                    localAmount = converted
                } else if conversion != nil {
                    fail(LedgerMessage(.amountTooLarge, label, amount.description))
                } else if !reportedMissingRate {
                    reportedMissingRate = true
                    fail(LedgerMessage(.exchangeRateNotDefined, transactionCurrency.code, ccCurrency.code, "M", draft.postingDate.description))
                } else {
                    lineOK = false
                }
            }
            if localAmount != amount, localAmount.magnitude > DecimalAmount.sapAmountLimit {
                fail(LedgerMessage(.amountTooLarge, label, localAmount.description))
            }

            guard lineOK else { continue }
            let line = PlannedLine(
                lineNumber: lineNumber, accountType: accountType, glAccount: glAccount, businessPartner: partner,
                debitCredit: debitCredit, amountInTransactionCurrency: amount, amountInCompanyCodeCurrency: localAmount,
                taxCode: taxCode, taxBaseAmount: taxBase, isTaxLine: isTaxLine, itemText: item.itemText,
                assignmentReference: item.assignmentReference, referenceDocumentItem: item.referenceDocumentItem,
                costCenter: item.costCenter, profitCenter: item.profitCenter, valueDate: item.valueDate,
                dueCalculationBaseDate: item.dueCalculationBaseDate, netPaymentDays: item.netPaymentDays, openItemState: openItem)
            lines.append(line)
        }

        guard messages.isEmpty, let documentType, let transactionCurrency else {
            return .failure(PostingRejection(messages))
        }

        // Balance in transaction currency, then in company code currency.
        let transactionBalance = lines.reduce(DecimalAmount.zero) { $0 + $1.amountInTransactionCurrency }
        guard transactionBalance.isZero else {
            return .failure(PostingRejection([LedgerMessage(.balanceInTransactionCurrency, transactionBalance.formatted(fractionDigits: transactionCurrency.decimals), transactionCurrency.code)]))
        }
        let localBalance = lines.reduce(DecimalAmount.zero) { $0 + $1.amountInCompanyCodeCurrency }
        if !localBalance.isZero {
            // Amounts the gateway converted may differ by rounding; as SAP, the difference goes
            // to the line with the largest amount. Differences in amounts the client gave are errors.
            let minorUnit = DecimalAmount(micros: Int128(10).power(DecimalAmount.scale - ccCurrency.decimals))
            let tolerance = DecimalAmount(micros: minorUnit.micros * Int128(lines.count))
            guard allCompanyCodeAmountsDerived, localBalance.magnitude <= tolerance,
                let largest = lines.indices.max(by: { lines[$0].amountInCompanyCodeCurrency.magnitude < lines[$1].amountInCompanyCodeCurrency.magnitude })
            else {
                return .failure(PostingRejection([LedgerMessage(.balanceInLocalCurrency, localBalance.formatted(fractionDigits: ccCurrency.decimals), ccCurrency.code)]))
            }
            lines[largest].amountInCompanyCodeCurrency = lines[largest].amountInCompanyCodeCurrency - localBalance
        }

        let header = PostingPlan.Header(
            companyCode: ccID, fiscalYear: fiscalYear, fiscalPeriod: fiscalPeriod, documentType: documentType.code,
            documentDate: draft.documentDate, postingDate: draft.postingDate, transactionCurrency: transactionCurrency.code,
            companyCodeCurrency: ccCurrency.code, originalReferenceDocumentType: draft.originalReferenceDocumentType,
            originalReferenceDocument: draft.originalReferenceDocument,
            originalReferenceDocumentLogicalSystem: draft.originalReferenceDocumentLogicalSystem,
            businessTransactionType: draft.businessTransactionType, documentReferenceID: draft.documentReferenceID,
            documentHeaderText: draft.documentHeaderText, reference1InDocumentHeader: draft.reference1InDocumentHeader,
            reference2InDocumentHeader: draft.reference2InDocumentHeader, createdByUser: draft.createdByUser)
        return .success(
            PostingPlan(
                header: header, numberRange: documentType.numberRange, lines: lines, ledgerGroup: draft.ledgerGroup, ledgers: ledgers,
                reversal: reversal))
    }

    /// The ledgers the entry goes into: every ledger of the company code for an ordinary posting;
    /// for a posting by ledger, the ledger group's ledgers that the company code has. Reports an
    /// unknown ledger group, a group without a ledger in the company code and reversal fields
    /// (a posting by ledger cannot be a reversal), in the order of the header fields.
    private func checkLedgers(_ draft: JournalEntryDraft, companyCode: String, messages: inout [LedgerMessage]) -> [String] {
        guard let groupID = draft.ledgerGroup else { return masterData.ledgers(ofCompanyCode: companyCode) }
        var ledgers: [String] = []
        if let group = masterData.ledgerGroups[groupID] {
            ledgers = group.ledgers.filter { masterData.ledgers[$0]?.isAssigned(to: companyCode) == true }
            if ledgers.isEmpty { messages.append(LedgerMessage(.ledgerGroupNotInCompanyCode, groupID, companyCode)) }
        } else {
            messages.append(LedgerMessage(.ledgerGroupNotDefined, groupID))
        }
        let reversalFields = [("ReversalReason", draft.reversalReason), ("ReversalReferenceDocument", draft.reversalReferenceDocument)]
        for (field, value) in reversalFields where !(value?.trimmingASCIIWhitespace().isEmpty ?? true) {
            messages.append(LedgerMessage(.reversalNotAllowedInLedgerPosting, field, groupID))
        }
        return ledgers
    }

    /// The reversal a create request asks for: `ReversalReferenceDocument` is SAP's object key of
    /// the document to reverse (document number, 10 digits; company code, 4, blank-padded; fiscal
    /// year, 4: `010000000110102026`), in the request's company code, and needs a `ReversalReason`.
    static func checkReversal(_ draft: JournalEntryDraft, companyCode: String, messages: inout [LedgerMessage]) -> PostingPlan.Reversal? {
        let reference = String(draft.reversalReferenceDocument?.trimmingASCIIWhitespace() ?? "")
        let reason = String(draft.reversalReason?.trimmingASCIIWhitespace() ?? "")
        guard !reference.isEmpty else {
            if !reason.isEmpty { messages.append(LedgerMessage(.reversalReasonWithoutReference, reason)) }
            return nil
        }
        guard let original = parseObjectKey(reference) else {
            messages.append(LedgerMessage(.reversalReferenceInvalid, reference))
            return nil
        }
        var valid = true
        if original.companyCode != companyCode {
            messages.append(LedgerMessage(.reversalCompanyCodeDiffers, original.documentNumber, original.companyCode, companyCode))
            valid = false
        }
        if reason.isEmpty {
            messages.append(LedgerMessage(.reversalReasonMissing, original.documentNumber))
            valid = false
        }
        return valid ? PostingPlan.Reversal(original: original, reason: reason) : nil
    }

    /// A document key from SAP's object key (`DocumentKey.objectKey`): 10 digits, a company code
    /// of 1…4 characters blank-padded to 4, and a 4-digit year.
    static func parseObjectKey(_ text: String) -> DocumentKey? {
        let characters = Array(text)
        guard characters.count == 18 else { return nil }
        let number = String(characters[0..<10])
        let companyCode = String(String(characters[10..<14]).trimmingASCIIWhitespace())
        let year = String(characters[14..<18])
        let digits: (String) -> Bool = { $0.unicodeScalars.allSatisfy { (0x30...0x39).contains($0.value) } }
        guard digits(number), digits(year), !companyCode.isEmpty, let fiscalYear = Int(year) else { return nil }
        return DocumentKey(companyCode: companyCode, fiscalYear: fiscalYear, documentNumber: number)
    }

    /// `customer`, `vendor` or `tax` for an item a posting by ledger cannot carry; `nil` for a G/L item.
    private static func nonGLItemKind(_ kind: DraftItem.Kind) -> String? {
        switch kind {
        case .glAccount: nil
        case .customer: "customer"
        case .vendor: "vendor"
        case .tax: "tax"
        }
    }

    static func threeDigits(_ value: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, 3 - text.count)) + text
    }
}

/// Why a draft was not posted: the detail messages (without the `609(RW)` header line,
/// which the confirmation adds).
public struct PostingRejection: Error, Sendable, Hashable {
    public let messages: [LedgerMessage]

    public init(_ messages: [LedgerMessage]) { self.messages = messages }
}
