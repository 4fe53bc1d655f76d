import Hummingbird
import Ledger

/// The read-only JSON API over posted entries (`/api/journal-entries`), with the same Basic
/// authentication as the SOAP services. A user limited to company codes sees only those.
struct LedgerAPI: Sendable {
    let store: any LedgerStore
    let masterData: MasterData
    let users: UserDirectory

    func addRoutes(to router: Router<GatewayRequestContext>) {
        router.get("/api/journal-entries/{companyCode}/{fiscalYear}/{accountingDocument}") { request, context -> JournalEntryView in
            let user = try await authenticate(request)
            guard let companyCode = context.parameters.get("companyCode"),
                let fiscalYear = context.parameters.get("fiscalYear", as: Int.self),
                let number = context.parameters.get("accountingDocument"), number.count <= 10, number.allSatisfy(\.isNumber)
            else { throw HTTPError(.badRequest, message: "expected /api/journal-entries/<company code>/<fiscal year>/<document number>") }
            let key = DocumentKey(companyCode: companyCode, fiscalYear: fiscalYear, documentNumber: DocumentKey.formatNumber(Int64(number) ?? 0))
            guard user.companyCodes?.contains(companyCode) ?? true, let entry = try await store.journalEntry(key) else {
                throw HTTPError(.notFound, message: "journal entry \(key) not found")
            }
            return JournalEntryView(entry, masterData: masterData)
        }
        router.get("/api/journal-entries") { request, context -> JournalEntryListView in
            let user = try await authenticate(request)
            var query = JournalEntryQuery()
            let parameters = request.uri.queryParameters
            if let value = parameters["companyCode"] { query.companyCode = String(value) }
            if let value = parameters["fiscalYear"] {
                guard let year = Int(value) else { throw HTTPError(.badRequest, message: "fiscalYear must be a number") }
                query.fiscalYear = year
            }
            if let value = parameters["postingDateFrom"] {
                guard let date = LedgerDate(iso: value) else { throw HTTPError(.badRequest, message: "postingDateFrom must be YYYY-MM-DD") }
                query.postingDateFrom = date
            }
            if let value = parameters["postingDateTo"] {
                guard let date = LedgerDate(iso: value) else { throw HTTPError(.badRequest, message: "postingDateTo must be YYYY-MM-DD") }
                query.postingDateTo = date
            }
            if let value = parameters["account"] { query.account = MasterData.canonicalNumber(value) }
            if let value = parameters["limit"] {
                guard let limit = Int(value), (1...500).contains(limit) else { throw HTTPError(.badRequest, message: "limit must be 1…500") }
                query.limit = limit
            }
            if let value = parameters["pageToken"] {
                guard let key = PageToken.decode(String(value)) else { throw HTTPError(.badRequest, message: "pageToken is not valid") }
                query.after = key
            }
            query.visibleCompanyCodes = user.companyCodes
            let page = try await store.journalEntries(query)
            return JournalEntryListView(
                entries: page.entries.map { JournalEntryView($0, masterData: masterData) }, nextPageToken: page.next.map(PageToken.encode))
        }
    }

    private func authenticate(_ request: Request) async throws -> AuthenticatedUser {
        guard let user = await users.authenticate(authorizationHeader: request.headers[.authorization]) else {
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Basic realm=\"journal-gateway\""], message: "valid HTTP Basic credentials are required")
        }
        return user
    }
}

/// Cursor of the list endpoint: `<company code>~<fiscal year>~<document number>`.
enum PageToken {
    static func encode(_ key: DocumentKey) -> String { "\(key.companyCode)~\(key.fiscalYear)~\(key.documentNumber)" }

    static func decode(_ token: String) -> DocumentKey? {
        let parts = token.split(separator: "~", omittingEmptySubsequences: false)
        guard parts.count == 3, let year = Int(parts[1]) else { return nil }
        return DocumentKey(companyCode: String(parts[0]), fiscalYear: year, documentNumber: String(parts[2]))
    }
}

/// An amount as JSON: exact decimal text with the currency's decimals, never a JSON number.
struct AmountView: Codable, Sendable {
    let amount: String
    let currency: String
}

struct JournalEntryListView: ResponseEncodable, Sendable {
    let entries: [JournalEntryView]
    let nextPageToken: String?
}

struct JournalEntryView: ResponseEncodable, Sendable {
    struct Source: Codable, Sendable {
        let interface: String
        let messageID: String?
        let messageUUID: String?
        let entryMessageID: String?
        let entryMessageUUID: String?
        let receivedAt: String
    }

    struct Item: Codable, Sendable {
        let lineNumber: Int
        let accountType: String
        let glAccount: String
        let customer: String?
        let vendor: String?
        let debitCreditCode: String
        let amountInTransactionCurrency: AmountView
        let amountInCompanyCodeCurrency: AmountView
        let taxCode: String?
        let taxBaseAmountInTransactionCurrency: AmountView?
        let documentItemText: String?
        let assignmentReference: String?
        let referenceDocumentItem: String?
        let costCenter: String?
        let profitCenter: String?
        let valueDate: String?
        let openItemState: String
    }

    let companyCode: String
    let fiscalYear: Int
    let accountingDocument: String
    let accountingDocumentType: String
    let fiscalPeriod: Int
    let documentDate: String
    let postingDate: String
    let transactionCurrency: String
    let companyCodeCurrency: String
    let originalReferenceDocumentType: String
    let originalReferenceDocument: String?
    let originalReferenceDocumentLogicalSystem: String?
    let businessTransactionType: String
    let documentReferenceID: String?
    let documentHeaderText: String?
    let createdByUser: String
    let postedBy: String
    let postedAt: String
    let source: Source
    let items: [Item]

    init(_ entry: StoredJournalEntry, masterData: MasterData) {
        func amount(_ value: DecimalAmount, _ currency: String) -> AmountView {
            let decimals = masterData.currencies[currency]?.decimals ?? 2
            return AmountView(amount: value.formatted(fractionDigits: max(decimals, value.significantFractionDigits)), currency: currency)
        }
        let header = entry.plan
        companyCode = entry.key.companyCode
        fiscalYear = entry.key.fiscalYear
        accountingDocument = entry.key.documentNumber
        accountingDocumentType = header.documentType
        fiscalPeriod = header.fiscalPeriod
        documentDate = header.documentDate.description
        postingDate = header.postingDate.description
        transactionCurrency = header.transactionCurrency
        companyCodeCurrency = header.companyCodeCurrency
        originalReferenceDocumentType = header.originalReferenceDocumentType
        originalReferenceDocument = header.originalReferenceDocument
        originalReferenceDocumentLogicalSystem = header.originalReferenceDocumentLogicalSystem
        businessTransactionType = header.businessTransactionType
        documentReferenceID = header.documentReferenceID
        documentHeaderText = header.documentHeaderText
        createdByUser = header.createdByUser
        postedBy = entry.postedBy
        postedAt = entry.postedAt
        source = Source(
            interface: entry.source.interface, messageID: entry.source.messageID, messageUUID: entry.source.messageUUID,
            entryMessageID: entry.source.entryMessageID, entryMessageUUID: entry.source.entryMessageUUID, receivedAt: entry.source.receivedAt)
        items = entry.lines.map { line in
            Item(
                lineNumber: line.lineNumber, accountType: line.accountType.rawValue, glAccount: line.glAccount,
                customer: line.accountType == .customer ? line.businessPartner : nil,
                vendor: line.accountType == .vendor ? line.businessPartner : nil, debitCreditCode: line.debitCredit.rawValue,
                amountInTransactionCurrency: amount(line.amountInTransactionCurrency, header.transactionCurrency),
                amountInCompanyCodeCurrency: amount(line.amountInCompanyCodeCurrency, header.companyCodeCurrency),
                taxCode: line.taxCode, taxBaseAmountInTransactionCurrency: line.taxBaseAmount.map { amount($0, header.transactionCurrency) },
                documentItemText: line.itemText, assignmentReference: line.assignmentReference,
                referenceDocumentItem: line.referenceDocumentItem, costCenter: line.costCenter, profitCenter: line.profitCenter,
                valueDate: line.valueDate?.description,
                openItemState: line.openItemState == .open ? "open" : line.openItemState == .cleared ? "cleared" : "notManaged")
        }
    }
}
