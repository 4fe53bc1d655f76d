extension MessageProcessor {
    /// Posts a clearing document for `plan` against the items as the store holds them now, or
    /// rejects it. Each named item must exist, be an item of the named account, be open-item
    /// managed, still be open and be in the clearing currency. The clearing document has, per
    /// item, an offset line with the opposite amounts in both currencies (cleared with the item),
    /// plus a new open line for a residual or for the unpaid rest of a partial payment, and a G/L
    /// line for cash discount. Those differences are amounts in the clearing currency; in company
    /// code currency they are translated at the cleared item's own rate (its company-code amount
    /// over its transaction amount), rounded once. The document must balance in the clearing
    /// currency (`702(F5)`); what is left in company code currency (items posted at different
    /// rates) is the realized exchange rate difference, a G/L line on the company code's gain or
    /// loss account (`062(JGW)` when it has none). The items and the offset lines record the
    /// clearing document and its posting date. Nothing is written when it is rejected.
    func clear(
        _ plan: ClearingPlan, entry: EntrySubmission, ofMessage id: MessageRowID, sender: String, postedAt: String,
        in transaction: any LedgerTransaction
    ) throws -> EntryOutcome {
        guard let companyCode = masterData.companyCodes[plan.header.companyCode] else {
            return .rejected(PostingRejection([LedgerMessage(.companyCodeNotDefined, plan.header.companyCode)]))
        }
        let localDecimals = companyCode.currency.decimals
        var lines: [PlannedLine] = []
        var messages: [LedgerMessage] = []
        for reference in plan.items {
            let key = reference.document
            let document = "\(key.documentNumber) \(key.companyCode) \(key.fiscalYear)"
            guard let stored = try transaction.journalEntry(key) else {
                messages.append(LedgerMessage(.clearingDocumentNotFound, key.documentNumber, key.companyCode, String(key.fiscalYear)))
                continue
            }
            guard let line = stored.lines.first(where: { $0.lineNumber == reference.item }) else {
                messages.append(LedgerMessage(.clearingItemNotFound, String(reference.item), document))
                continue
            }
            guard line.accountType == reference.accountType, (line.businessPartner ?? line.glAccount) == reference.account else {
                messages.append(LedgerMessage(.clearingItemOtherAccount, String(reference.item), document, reference.account))
                continue
            }
            switch line.openItemState {
            case .notManaged:
                messages.append(LedgerMessage(.noOpenItemsManaged, reference.account))
                continue
            case .cleared:
                messages.append(LedgerMessage(.itemAlreadyCleared, String(reference.item), document, line.clearingDocument?.documentNumber ?? "?"))
                continue
            case .open: break
            }
            if stored.plan.transactionCurrency != plan.header.transactionCurrency {
                messages.append(LedgerMessage(.clearingItemCurrency, String(reference.item), document, stored.plan.transactionCurrency))
                continue
            }
            let amount = line.amountInTransactionCurrency
            /// A difference of this item (clearing currency) in company code currency, at the item's own rate.
            func local(_ value: DecimalAmount) -> DecimalAmount {
                guard let translated = value.translated(atRateOf: line.amountInCompanyCodeCurrency, per: amount, roundingToFractionDigits: localDecimals)
                else {
                    messages.append(LedgerMessage(.amountTooLarge, String(reference.item), "\(value)"))
                    return .zero
                }
                return translated
            }
            var offset = line
            offset.lineNumber = lines.count + 1
            offset.amountInTransactionCurrency = -amount
            offset.amountInCompanyCodeCurrency = -line.amountInCompanyCodeCurrency
            offset.debitCredit = line.debitCredit == .debit ? .credit : .debit
            offset.taxCode = nil
            offset.taxBaseAmount = nil
            offset.isTaxLine = false
            offset.itemText = "Clearing of \(document) item \(reference.item)"
            offset.openItemState = .cleared
            lines.append(offset)
            if let discount = reference.cashDiscount, discount != .zero {
                let signed = amount.isNegative ? -discount.magnitude : discount.magnitude
                guard discount.magnitude + (reference.residual?.magnitude ?? .zero) < amount.magnitude,
                    let account = companyCode.cashDiscountAccount(for: line.accountType)
                else {
                    messages.append(LedgerMessage(.cashDiscountTooLarge, "\(discount.magnitude)", String(reference.item), document, "\(amount)"))
                    continue
                }
                // The discount is borne by the cash discount account: a plain G/L line with the
                // item's sign (granted to a customer: an expense; received from a vendor: revenue).
                var discountLine = line
                discountLine.accountType = .glAccount
                discountLine.glAccount = account
                discountLine.businessPartner = nil
                discountLine.valueDate = nil
                discountLine.dueCalculationBaseDate = nil
                discountLine.netPaymentDays = nil
                lines.append(
                    discountLine.clearingLine(
                        number: lines.count + 1, amount: signed, local: local(signed), text: "Cash discount on \(document) item \(reference.item)",
                        state: .notManaged))
            }
            var rest: DecimalAmount?
            if let residual = reference.residual {
                guard residual != .zero, residual.isNegative == amount.isNegative, residual.magnitude < amount.magnitude else {
                    messages.append(LedgerMessage(.residualSign, "\(residual)", String(reference.item), document, "\(amount)"))
                    continue
                }
                rest = residual
            } else if let partial = reference.partialPayment {
                guard partial.magnitude <= amount.magnitude else {
                    messages.append(LedgerMessage(.partialPaymentTooLarge, "\(partial.magnitude)", String(reference.item), document, "\(amount)"))
                    continue
                }
                let paid = amount.isNegative ? -partial.magnitude : partial.magnitude
                rest = amount - paid
            }
            if let rest, rest != .zero {
                var remainder = line.clearingLine(
                    number: lines.count + 1, amount: rest, local: local(rest),
                    text: (reference.residual != nil ? "Residual of " : "Rest of ") + "\(document) item \(reference.item)", state: .open)
                remainder.assignmentReference = reference.paymentDifferenceReason.map { "RC \($0)" } ?? line.assignmentReference
                lines.append(remainder)
            }
        }
        guard messages.isEmpty else { return .rejected(PostingRejection(messages)) }
        let balance = lines.reduce(DecimalAmount.zero) { $0 + $1.amountInTransactionCurrency }
        if balance != .zero {
            return .rejected(PostingRejection([LedgerMessage(.balanceInTransactionCurrency, "\(balance)", plan.header.transactionCurrency)]))
        }
        let exchangeDifference = -lines.reduce(DecimalAmount.zero) { $0 + $1.amountInCompanyCodeCurrency }
        if exchangeDifference != .zero {
            let kind = exchangeDifference.isNegative ? "gain" : "loss"
            guard let account = companyCode.exchangeRateDifferenceAccount(for: exchangeDifference) else {
                return .rejected(
                    PostingRejection([
                        LedgerMessage(
                            .exchangeRateDifferenceNotSupported, companyCode.id, kind, exchangeDifference.formatted(fractionDigits: localDecimals),
                            companyCode.currency.code)
                    ]))
            }
            // Realized exchange rate difference (SAP's KDF): nothing in the clearing currency,
            // the rest of the company code currency on the gain (credit) or loss (debit) account.
            lines.append(
                PlannedLine(
                    lineNumber: lines.count + 1, accountType: .glAccount, glAccount: account, debitCredit: exchangeDifference.isNegative ? .credit : .debit,
                    amountInTransactionCurrency: .zero, amountInCompanyCodeCurrency: exchangeDifference, isTaxLine: false,
                    itemText: "Realized exchange rate \(kind)", openItemState: .notManaged))
        }
        let key: DocumentKey
        switch try number(companyCode: plan.header.companyCode, fiscalYear: plan.header.fiscalYear, numberRange: plan.numberRange, in: transaction) {
        case .success(let taken): key = taken
        case .failure(let rejection): return .rejected(rejection)
        }
        for index in lines.indices where lines[index].openItemState == .cleared {
            lines[index].clearingDocument = key
            lines[index].clearingDate = plan.header.postingDate
        }
        let posting = PostingPlan(header: plan.header, numberRange: plan.numberRange, lines: lines, ledgers: plan.ledgers)
        try transaction.insertJournalEntry(
            NewJournalEntry(
                key: key, plan: posting, postedBy: sender, postedAt: postedAt, messageRowID: id, entryMessageID: entry.messageID,
                entryMessageUUID: entry.messageUUID))
        for reference in plan.items {
            try transaction.markCleared(reference.document, item: reference.item, by: key, on: plan.header.postingDate)
        }
        return .posted(key)
    }

    /// The next gapless number of a range, as a document key; rejected with `150(F5)` when the
    /// company code has no such range and `003(JGW)` when it is used up (postings and clearings alike).
    func number(companyCode: String, fiscalYear: Int, numberRange: String, in transaction: any LedgerTransaction) throws
        -> Result<DocumentKey, PostingRejection>
    {
        guard let range = masterData.companyCodes[companyCode]?.numberRanges[numberRange] else {
            return .failure(PostingRejection([LedgerMessage(.numberRangeNotDefined, companyCode, numberRange, String(fiscalYear))]))
        }
        guard
            let number = try transaction.takeDocumentNumber(
                companyCode: companyCode, fiscalYear: fiscalYear, numberRange: numberRange, first: range.first, last: range.last)
        else {
            return .failure(PostingRejection([LedgerMessage(.numberRangeExhausted, numberRange, companyCode, String(fiscalYear))]))
        }
        return .success(DocumentKey(companyCode: companyCode, fiscalYear: fiscalYear, documentNumber: DocumentKey.formatNumber(number)))
    }
}

extension PlannedLine {
    /// A new line of a clearing document made from this one (its account and assignments): number
    /// `number`, `amount` in the clearing currency and `local` in company code currency, debit or
    /// credit by the amount's sign, no tax, `text`, in open-item state `state` and not cleared.
    fileprivate func clearingLine(number: Int, amount: DecimalAmount, local: DecimalAmount, text: String, state: OpenItemState) -> PlannedLine {
        var line = self
        line.lineNumber = number
        line.amountInTransactionCurrency = amount
        line.amountInCompanyCodeCurrency = local
        line.debitCredit = amount.isNegative ? .credit : .debit
        line.taxCode = nil
        line.taxBaseAmount = nil
        line.isTaxLine = false
        line.itemText = text
        line.openItemState = state
        line.clearingDocument = nil
        line.clearingDate = nil
        return line
    }
}
