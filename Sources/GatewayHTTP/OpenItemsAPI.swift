import Hummingbird
import Ledger

/// `GET /api/open-items`: the open (and cleared) items of one customer, vendor or open-item-managed
/// G/L account of a company code at a key date, with the account's balance, which equals the sum
/// of its open items (an invariant `journal-gateway verify` checks).
///
/// Parameters: `companyCode` and `account` (required), `accountType` (`D`, `K` or `S`; default:
/// the kind of the number, customer before vendor before G/L), `keyDate` (YYYY-MM-DD, postings
/// up to that date; default all), `status` (`open`, the default, `cleared` or `all`).
struct OpenItemsAPI: Sendable {
    let store: any LedgerStore
    let masterData: MasterData
    let authenticate: @Sendable (Request, GatewayRequestContext) async throws -> AuthenticatedUser

    static let parameterNames = ["companyCode", "account", "accountType", "keyDate", "status"]

    func addRoutes(to router: Router<GatewayRequestContext>) {
        router.get("/api/open-items") { request, context -> OpenItemsView in
            let user = try await authenticate(request, context)
            let parameters = try APIQueryParameters(request.uri, allowed: Self.parameterNames)
            func invalid(_ name: String, _ value: String, _ expectation: String) -> APIError {
                APIError(.invalidParameter, "\(name) must be \(expectation), not '\(APIError.echo(value))'", parameter: name, value: value)
            }
            guard let companyCode = parameters["companyCode"], let company = masterData.companyCodes[companyCode] else {
                throw invalid("companyCode", parameters["companyCode"] ?? "", "a defined company code")
            }
            guard user.companyCodes?.contains(companyCode) ?? true else {
                throw APIError(.invalidParameter, "company code '\(companyCode)' is not visible to you", parameter: "companyCode", value: companyCode)
            }
            guard let accountText = parameters["account"], !accountText.isEmpty, accountText.count <= 10 else {
                throw invalid("account", parameters["account"] ?? "", "a customer, vendor or G/L account number (1…10 characters)")
            }
            let account = MasterData.canonicalNumber(accountText)
            let accountType: AccountType
            if let text = parameters["accountType"] {
                guard let type = AccountType(rawValue: text) else { throw invalid("accountType", text, "D (customer), K (vendor) or S (G/L account)") }
                accountType = type
            } else if masterData.customers[account] != nil {
                accountType = .customer
            } else if masterData.vendors[account] != nil {
                accountType = .vendor
            } else {
                accountType = .glAccount
            }
            var keyDate: LedgerDate?
            if let text = parameters["keyDate"] {
                guard let date = LedgerDate(iso: text) else { throw invalid("keyDate", text, "a date YYYY-MM-DD") }
                keyDate = date
            }
            let status = parameters["status"] ?? "open"
            guard ["open", "cleared", "all"].contains(status) else { throw invalid("status", status, "open, cleared or all") }

            var query = JournalEntryQuery(limit: 500)
            query.companyCode = companyCode
            query.account = account
            query.postingDateTo = keyDate
            var items: [OpenItemsView.Item] = []
            var balance = DecimalAmount.zero
            var openTotal = DecimalAmount.zero
            var managed = false
            while true {
                let page = try await store.journalEntries(query)
                for entry in page.entries {
                    for line in entry.lines where line.accountType == accountType && (line.businessPartner ?? line.glAccount) == account {
                        guard line.openItemState != .notManaged else { continue }
                        managed = true
                        balance += line.amountInCompanyCodeCurrency
                        if line.openItemState == .open { openTotal += line.amountInCompanyCodeCurrency }
                        let lineStatus = line.openItemState == .open ? "open" : "cleared"
                        guard status == "all" || status == lineStatus else { continue }
                        items.append(
                            OpenItemsView.Item(
                                fiscalYear: entry.key.fiscalYear, accountingDocument: entry.key.documentNumber, item: line.lineNumber,
                                postingDate: entry.plan.postingDate.description, documentType: entry.plan.documentType,
                                dueCalculationBaseDate: line.dueCalculationBaseDate?.description,
                                amountInCompanyCodeCurrency: AmountView(amount: Self.format(line.amountInCompanyCodeCurrency, company.currency), currency: company.currency.code),
                                amountInTransactionCurrency: AmountView(
                                    amount: Self.format(line.amountInTransactionCurrency, masterData.currencies[entry.plan.transactionCurrency] ?? company.currency),
                                    currency: entry.plan.transactionCurrency),
                                status: lineStatus, documentItemText: line.itemText, assignmentReference: line.assignmentReference,
                                reversedBy: entry.reversedBy?.documentNumber, reverses: entry.reverses?.documentNumber))
                    }
                }
                guard let next = page.next else { break }
                query.after = next
            }
            if !managed && accountType == .glAccount && masterData.charts[company.chartOfAccounts]?[account]?.openItemManaged != true {
                throw APIError(
                    .invalidParameter, "There are no open items managed in account \(account) of company code \(companyCode)", parameter: "account",
                    value: accountText)
            }
            return OpenItemsView(
                companyCode: companyCode, account: account, accountType: accountType.rawValue, keyDate: keyDate?.description, status: status,
                balance: AmountView(amount: Self.format(balance, company.currency), currency: company.currency.code),
                openItemsTotal: AmountView(amount: Self.format(openTotal, company.currency), currency: company.currency.code), items: items)
        }
    }

    static func format(_ value: DecimalAmount, _ currency: MasterData.Currency) -> String {
        value.formatted(fractionDigits: max(currency.decimals, value.significantFractionDigits))
    }
}

struct OpenItemsView: ResponseEncodable {
    struct Item: Encodable {
        let fiscalYear: Int
        let accountingDocument: String
        let item: Int
        let postingDate: String
        let documentType: String
        let dueCalculationBaseDate: String?
        let amountInCompanyCodeCurrency: AmountView
        let amountInTransactionCurrency: AmountView
        /// `open` or `cleared`.
        let status: String
        let documentItemText: String?
        let assignmentReference: String?
        let reversedBy: String?
        let reverses: String?
    }

    let companyCode: String
    let account: String
    let accountType: String
    let keyDate: String?
    let status: String
    /// The account's balance at the key date: all its items, open and cleared.
    let balance: AmountView
    /// The sum of its open items at the key date (equals `balance`).
    let openItemsTotal: AmountView
    let items: [Item]
}
