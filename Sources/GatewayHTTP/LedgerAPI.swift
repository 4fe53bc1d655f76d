import Hummingbird
import Ledger

/// The read-only JSON API over posted entries (`/api/journal-entries`), with the same Basic
/// authentication as the SOAP services. A user limited to company codes sees only those.
struct LedgerAPI: Sendable {
    let store: any LedgerStore
    let masterData: MasterData
    let users: UserDirectory

    /// Paths of the API's resources (what `APIErrorMiddleware` answers 405 rather than 404 for).
    static func isResource(_ path: String) -> Bool {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        guard segments.count >= 2, segments[0] == "api" else { return false }
        if segments[1] == "open-items" { return segments.count == 2 }
        guard segments[1] == "journal-entries" else { return false }
        return segments.count == 2 || segments.count == 5
    }

    func addRoutes(to router: Router<GatewayRequestContext>) {
        // Before the routes, so that it wraps them; it also wraps the router's "not found" for /api/.
        router.add(middleware: APIErrorMiddleware<GatewayRequestContext>(isResource: Self.isResource))
        router.get("/api/journal-entries/{companyCode}/{fiscalYear}/{accountingDocument}") { request, context -> JournalEntryView in
            let user = try await authenticate(request, context)
            _ = try APIQueryParameters(request.uri, allowed: [])
            let companyCode = context.parameters.get("companyCode") ?? ""
            let yearText = context.parameters.get("fiscalYear") ?? ""
            let number = context.parameters.get("accountingDocument") ?? ""
            guard !companyCode.isEmpty, companyCode.count <= 4 else {
                throw APIError(.invalidParameter, "companyCode must be a company code (1…4 characters), not '\(APIError.echo(companyCode))'", parameter: "companyCode", value: companyCode)
            }
            guard yearText.count <= 4, let fiscalYear = Int(yearText), (1...9999).contains(fiscalYear) else {
                throw APIError(.invalidParameter, "fiscalYear must be a year 1…9999, not '\(APIError.echo(yearText))'", parameter: "fiscalYear", value: yearText)
            }
            guard (1...10).contains(number.count), number.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let value = Int64(number) else {
                throw APIError(
                    .invalidParameter, "accountingDocument must be a document number of 1…10 digits, not '\(APIError.echo(number))'",
                    parameter: "accountingDocument", value: number)
            }
            let key = DocumentKey(companyCode: companyCode, fiscalYear: fiscalYear, documentNumber: DocumentKey.formatNumber(value))
            guard user.companyCodes?.contains(companyCode) ?? true, let entry = try await store.journalEntry(key) else {
                throw APIError(.notFound, "journal entry \(key) not found")
            }
            var view = JournalEntryView(entry, masterData: masterData)
            view.changes = try await store.changeHistory(of: key).map(JournalEntryView.Change.init)
            return view
        }
        router.get("/api/journal-entries") { request, context -> JournalEntryListView in
            let user = try await authenticate(request, context)
            var query = try JournalEntryQuery.parse(request.uri, masterData: masterData)
            query.visibleCompanyCodes = user.companyCodes
            let page = try await store.journalEntries(query)
            return JournalEntryListView(
                entries: page.entries.map { JournalEntryView($0, masterData: masterData) }, nextPageToken: page.next.map(PageToken.encode))
        }
        OpenItemsAPI(store: store, masterData: masterData, authenticate: { try await self.authenticate($0, $1) }).addRoutes(to: router)
    }

    /// The logged-on user (HTTP Basic or client certificate); else 401, or 503 when too many
    /// password checks are queued.
    func authenticate(_ request: Request, _ context: GatewayRequestContext) async throws -> AuthenticatedUser {
        switch await users.logon(request, context: context) {
        case .authenticated(let user, _):
            context.requestLog.authenticated(as: user.name)
            return user
        case .refused(let failure):
            throw HTTPError(HTTPResponse.Status(code: failure.httpStatus), headers: failure.responseHeaders, message: failure.responseText)
        }
    }
}

/// Cursor of the list endpoint: `<company code>~<fiscal year>~<document number>`.
enum PageToken {
    static func encode(_ key: DocumentKey) -> String { "\(key.companyCode)~\(key.fiscalYear)~\(key.documentNumber)" }

    /// The key of a token; the company code is everything before the last two `~`, so a company
    /// code that contains `~` still pages. `nil` for anything `encode` cannot have produced.
    static func decode(_ token: String) -> DocumentKey? {
        let parts = token.split(separator: "~", omittingEmptySubsequences: false)
        guard parts.count >= 3 else { return nil }
        let companyCode = parts.dropLast(2).joined(separator: "~")
        let yearText = parts[parts.count - 2]
        let number = parts[parts.count - 1]
        guard !companyCode.isEmpty, companyCode.count <= 4, (1...4).contains(yearText.count), let year = Int(yearText), year > 0,
            number.count == 10, number.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 })
        else { return nil }
        return DocumentKey(companyCode: companyCode, fiscalYear: year, documentNumber: String(number))
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
        let dueCalculationBaseDate: String?
        let openItemState: String
        /// The document that cleared this item, and when (absent while it is open or not managed).
        let clearingDocument: DocumentLink?
        let clearingDate: String?
        /// Item fields set by *Journal Entry – Change* (e.g. `PaymentBlockingReasonCode`); absent when none is set.
        let additionalFields: [String: String]?
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
    /// `LedgerGroup` of a posting by ledger (absent for an ordinary posting).
    let ledgerGroup: String?
    /// The ledgers the entry was posted to, the leading ledger first.
    let ledgers: [String]
    /// The document a reversal document reverses, and why (absent otherwise).
    let reversal: Reversal?
    /// The reversal document that reversed this entry (absent while it is not reversed).
    let reversedBy: DocumentLink?
    /// Header fields set by *Journal Entry – Change* that have no field of their own here
    /// (e.g. `JrnlEntryCntrySpecificRef1`), by SAP's element name; absent when none is set.
    let additionalFields: [String: String]?
    let items: [Item]
    /// The change history (one document only; absent in lists), oldest first.
    var changes: [Change]?

    /// One changed field: old and new value (absent = empty), who, when, by which request.
    struct Change: Encodable {
        let item: Int?
        let field: String
        let oldValue: String?
        let newValue: String?
        let changedBy: String
        let changedAt: String
        let messageID: String?

        init(_ record: ChangeRecord) {
            item = record.item
            field = record.field
            oldValue = record.oldValue
            newValue = record.newValue
            changedBy = record.changedBy
            changedAt = record.changedAt
            messageID = record.messageID
        }
    }

    struct DocumentLink: Codable, Sendable {
        let companyCode: String
        let fiscalYear: Int
        let accountingDocument: String

        init(_ key: DocumentKey) {
            companyCode = key.companyCode
            fiscalYear = key.fiscalYear
            accountingDocument = key.documentNumber
        }
    }

    struct Reversal: Encodable {
        let reversedDocument: DocumentLink
        let reversalReason: String?
    }

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
        ledgerGroup = entry.ledgerGroup
        ledgers = entry.ledgers
        reversal = entry.reverses.map { Reversal(reversedDocument: DocumentLink($0), reversalReason: entry.reversalReason) }
        reversedBy = entry.reversedBy.map(DocumentLink.init)
        additionalFields = entry.additionalFields[0].flatMap { $0.isEmpty ? nil : $0 }
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
                valueDate: line.valueDate?.description, dueCalculationBaseDate: line.dueCalculationBaseDate?.description,
                openItemState: line.openItemState == .open ? "open" : line.openItemState == .cleared ? "cleared" : "notManaged",
                clearingDocument: line.clearingDocument.map(DocumentLink.init), clearingDate: line.clearingDate?.description,
                additionalFields: entry.additionalFields[line.lineNumber].flatMap { $0.isEmpty ? nil : $0 })
        }
    }
}
