public import ConfirmationDelivery
public import Foundation
public import Ledger

/// What every conformance case works with: a small, fixed chart (built here, not read from a
/// file, so the suite is self-contained), drafts and plans made from it, messages, and the one
/// message algorithm (``MessageProcessor``) run against the store under test.
public struct ConformanceFixture: Sendable {
    public let masterData: MasterData
    public let rules: PostingRules
    public let store: any LedgerStore

    static let authorization = PostingAuthorization(userName: "CONFORMANCE", companyCodes: nil)
    public static let interface = "JournalEntryCreateRequestConfirmation_In"
    public static let bulkInterface = "JournalEntryBulkCreationRequest_In"

    /// `exchangeRateDifferenceAccounts: false` leaves company code 1010 without accounts for realized exchange rate differences.
    public init(store: any LedgerStore, numberRangeEnd: String = "0199999999", exchangeRateDifferenceAccounts: Bool = true) throws {
        masterData = try MasterData(
            definition: Self.definition(numberRangeEnd: numberRangeEnd, exchangeRateDifferenceAccounts: exchangeRateDifferenceAccounts))
        rules = PostingRules(masterData: masterData)
        self.store = store
    }

    /// Company codes 1010 (EUR, with cash discount and exchange rate difference accounts) and 1710 (USD, without); SA/AB on range 01,
    /// KR on range 19; a customer and a vendor in 1010; USD at 0.92 EUR; periods of 2024–2027 open; ledgers 0L (leading) and 2L.
    static func definition(numberRangeEnd: String, exchangeRateDifferenceAccounts: Bool = true) throws -> MasterDataDefinition {
        let exchange = exchangeRateDifferenceAccounts ? #""exchangeRateDifferenceAccounts": {"gain": "72100000", "loss": "72200000"},"# : ""
        let json = """
            {"currencies": [{"code": "EUR", "decimals": 2}, {"code": "USD", "decimals": 2}],
             "exchangeRates": [{"from": "USD", "to": "EUR", "rate": "0.92"}, {"from": "EUR", "to": "USD", "rate": "1.087"}],
             "chartsOfAccounts": [{"id": "YCOA", "accounts": [
                {"number": "11001000", "name": "Bank"}, {"number": "12100000", "name": "Receivables", "reconciliation": "customer"},
                {"number": "21100000", "name": "Payables", "reconciliation": "vendor"}, {"number": "41000000", "name": "Revenue"},
                {"number": "65000000", "name": "Rent"}, {"number": "52010000", "name": "Cash discount granted"},
                {"number": "71010000", "name": "Cash discount received"}, {"number": "72100000", "name": "Realized exchange gains"},
                {"number": "72200000", "name": "Realized exchange losses"}]}],
             "companyCodes": [
                {"id": "1010", "name": "DE", "currency": "EUR", "chartOfAccounts": "YCOA",
                 "cashDiscountAccounts": {"granted": "52010000", "received": "71010000"}, \(exchange)
                 "numberRanges": [{"id": "01", "from": "0100000000", "to": "\(numberRangeEnd)"}, {"id": "19", "from": "1900000000", "to": "1999999999"}]},
                {"id": "1710", "name": "US", "currency": "USD", "chartOfAccounts": "YCOA",
                 "numberRanges": [{"id": "01", "from": "0100000000", "to": "0199999999"}, {"id": "19", "from": "1900000000", "to": "1999999999"}]}],
             "documentTypes": [{"code": "SA", "name": "G/L", "numberRange": "01", "accountTypes": "SDK"},
                {"code": "AB", "name": "Accounting", "numberRange": "01", "accountTypes": "SDK"},
                {"code": "KR", "name": "Vendor invoice", "numberRange": "19", "accountTypes": "SK"}],
             "customers": [{"id": "10100001", "name": "Customer", "companyCodes": {"1010": "12100000"}}],
             "vendors": [{"id": "10300001", "name": "Vendor", "companyCodes": {"1010": "21100000"}}],
             "openPostingPeriods": [{"companyCode": "*", "fromYear": 2024, "fromPeriod": 1, "toYear": 2027, "toPeriod": 16}],
             "ledgers": [{"id": "0L", "name": "Leading", "leading": true}, {"id": "2L", "name": "IFRS"}]}
            """
        return try JSONDecoder().decode(MasterDataDefinition.self, from: Data(json.utf8))
    }

    // MARK: Drafts and plans

    /// A balanced two-line G/L entry (rent against bank), optionally with a customer line.
    public func draft(
        companyCode: String = "1010", documentType: String = "SA", postingDate: String = "2025-03-01", amount: String = "100.00",
        withCustomer: Bool = false
    ) -> JournalEntryDraft {
        let currency = companyCode == "1710" ? "USD" : "EUR"
        let value = DecimalAmount(parsing: amount)!
        var items = [DraftItem(kind: .glAccount("65000000"), amount: CurrencyAmount(value, currency))]
        var total = value
        if withCustomer {
            items.append(DraftItem(kind: .customer("10100001", alternativeReconciliationAccount: nil), amount: CurrencyAmount(value, currency)))
            total = DecimalAmount(micros: value.micros * 2)
        }
        items.append(DraftItem(kind: .glAccount("11001000"), amount: CurrencyAmount(-total, currency)))
        let date = LedgerDate(iso: postingDate)!
        return JournalEntryDraft(
            originalReferenceDocumentType: "BKPFF", businessTransactionType: "RFBU", documentType: documentType, createdByUser: "TESTER",
            companyCode: companyCode, documentDate: date, postingDate: date, items: items)
    }

    public func plan(_ draft: JournalEntryDraft) throws -> PostingPlan {
        switch rules.check(draft, authorization: Self.authorization) {
        case .success(let plan): return plan
        case .failure(let rejection): throw ConformanceFailure("the fixture's draft was rejected: \(rejection.messages)")
        }
    }

    public func plan(
        companyCode: String = "1010", documentType: String = "SA", postingDate: String = "2025-03-01", amount: String = "100.00",
        withCustomer: Bool = false
    ) throws -> PostingPlan {
        try plan(draft(companyCode: companyCode, documentType: documentType, postingDate: postingDate, amount: amount, withCustomer: withCustomer))
    }

    // MARK: Messages

    /// A synchronous message with the given entries.
    public func message(
        key: String?, sender: String = "CONFORMANCE", interface: String = ConformanceFixture.interface, digest: String? = nil,
        receivedAt: String = "2025-03-01T10:00:00.000000Z", _ actions: [EntrySubmission.Action]
    ) -> InboundMessage {
        InboundMessage(
            key: key.map { InboundMessageKey(sender: sender, interface: interface, messageID: $0) }, interface: interface, sender: sender,
            messageID: key, messageUUID: nil, receivedAt: receivedAt, isTestMessage: false,
            entries: actions.enumerated().map { index, action in
                EntrySubmission(
                    action: action, messageID: key.map { "\($0)-\(index + 1)" }, messageUUID: nil, confirmationUUID: "confirmation-\(index)",
                    originalReferenceDocumentType: "BKPFF", logicalSystem: "")
            }, payloadDigest: digest,
            confirmation: ConfirmationHeader(uuid: "bulk-confirmation", creationDateTime: receivedAt, referenceID: key, referenceUUID: nil, recipientBusinessSystemID: nil))
    }

    /// Runs the message algorithm for `message` in one transaction of the store under test.
    public func process(_ message: InboundMessage) async throws -> ProcessingResult {
        let processor = MessageProcessor(masterData: masterData)
        return try await store.write(rows: message.estimatedRows) { transaction in try processor.process(message, in: transaction) }
    }

    /// Posts one entry and returns its key.
    public func post(_ plan: PostingPlan, key: String? = nil) async throws -> DocumentKey {
        let result = try await process(message(key: key, [.post(plan)]))
        guard let key = result.records.first.flatMap(\.postedKey) else { throw ConformanceFailure("the entry was not posted: \(result)") }
        return key
    }

    /// Records an accepted asynchronous message with its stored request, as the intake does.
    public func accept(key: String, sender: String = "CONFORMANCE", receivedAt: String, body: String = "<request/>") async throws -> MessageRowID {
        let new = NewMessage(
            key: InboundMessageKey(sender: sender, interface: Self.bulkInterface, messageID: key), interface: Self.bulkInterface, sender: sender,
            messageID: key, messageUUID: nil, transportMessageID: key, receivedAt: receivedAt, firstReceivedAt: receivedAt, attempt: 1,
            entryCount: 1, payloadDigest: "digest-\(key)", state: .accepted,
            confirmation: ConfirmationHeader(uuid: "uuid-\(key)", creationDateTime: receivedAt, referenceID: key, referenceUUID: nil, recipientBusinessSystemID: "SYS"),
            isTest: false)
        let payload = StoredPayload(body: Array(body.utf8), contentType: "text/xml; charset=utf-8")
        return try await store.write { transaction in
            let id = try transaction.insertMessage(new)
            try transaction.insertPayload(payload, forMessage: id)
            return id
        }
    }

    /// All journal entries matching `query`, following `next`.
    public func allEntries(_ query: JournalEntryQuery = JournalEntryQuery()) async throws -> [StoredJournalEntry] {
        var query = query
        var entries: [StoredJournalEntry] = []
        for _ in 0..<10_000 {
            let page = try await store.journalEntries(query)
            entries += page.entries
            guard let next = page.next else { return entries }
            query.after = next
        }
        throw ConformanceFailure("paging does not end")
    }
}

extension ProcessingResult {
    /// The entry records of a processed or replayed message.
    public var records: [EntryRecord] {
        switch self {
        case .processed(_, let records), .replayed(_, let records): records
        case .conflict: []
        }
    }

    public var isReplay: Bool {
        if case .replayed = self { return true }
        return false
    }
}

extension EntryRecord {
    public var postedKey: DocumentKey? {
        if case .posted(let key) = outcome { return key }
        return nil
    }
}

/// Throws a ``ConformanceFailure`` unless `condition` holds.
func require(_ condition: Bool, _ message: @autoclosure () -> String, line: Int = #line) throws {
    if !condition { throw ConformanceFailure("\(message()) (StoreConformance line \(line))") }
}

/// Throws unless `actual == expected`, showing both.
func requireEqual<T: Equatable>(_ actual: T, _ expected: T, _ what: String, line: Int = #line) throws {
    if actual != expected { throw ConformanceFailure("\(what): expected \(expected), got \(actual) (StoreConformance line \(line))") }
}
