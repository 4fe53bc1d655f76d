import Foundation
import Ledger
import Testing

/// The demo configuration (`config/demo.json`), its `ledger` object and helpers to build drafts.
enum Demo {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private struct ConfigurationFile: Decodable {
        var ledger: MasterDataDefinition
    }

    /// A fresh copy of the demo `ledger` definition, to be modified by a test.
    static func definition() throws -> MasterDataDefinition {
        let data = try Data(contentsOf: repositoryRoot.appendingPathComponent("config/demo.json"))
        return try JSONDecoder().decode(ConfigurationFile.self, from: data).ledger
    }

    static func masterData() throws -> MasterData {
        try MasterData(definition: definition())
    }

    static func rules() throws -> PostingRules {
        PostingRules(masterData: try masterData())
    }

    /// Decodes a JSON fragment, e.g. a `MasterDataDefinition.Currency` (the definition types
    /// have no public memberwise initialisers; JSON is how configurations are written anyway).
    static func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(json.utf8))
    }

    static let everyCompanyCode = PostingAuthorization(userName: "INTEGRATION", companyCodes: nil)
}

func day(_ iso: String) -> LedgerDate {
    guard let date = LedgerDate(iso: iso) else { preconditionFailure("bad test date \(iso)") }
    return date
}

func dec(_ text: String) -> DecimalAmount {
    guard let value = DecimalAmount(parsing: text) else { preconditionFailure("bad test amount \(text)") }
    return value
}

func rate(_ text: String) -> ExchangeRateValue {
    guard let value = ExchangeRateValue(parsing: text) else { preconditionFailure("bad test rate \(text)") }
    return value
}

func glItem(_ account: String, _ amount: String, _ currency: String = "EUR", code: String? = nil) -> DraftItem {
    var item = DraftItem(kind: .glAccount(account), amount: CurrencyAmount(dec(amount), currency))
    item.debitCreditCode = code
    return item
}

func customerItem(_ id: String, _ amount: String, _ currency: String = "EUR") -> DraftItem {
    DraftItem(kind: .customer(id, alternativeReconciliationAccount: nil), amount: CurrencyAmount(dec(amount), currency))
}

func vendorItem(_ id: String, _ amount: String, _ currency: String = "EUR") -> DraftItem {
    DraftItem(kind: .vendor(id, alternativeReconciliationAccount: nil), amount: CurrencyAmount(dec(amount), currency))
}

func taxItem(_ code: String, _ amount: String, base: String, _ currency: String = "EUR") -> DraftItem {
    DraftItem(kind: .tax(taxCode: code, base: CurrencyAmount(dec(base), currency)), amount: CurrencyAmount(dec(amount), currency))
}

func makeDraft(
    companyCode: String = "1010", documentType: String = "SA", postingDate: String = "2025-03-01", items: [DraftItem]
) -> JournalEntryDraft {
    JournalEntryDraft(
        originalReferenceDocumentType: "BKPFF", businessTransactionType: "RFBU", documentType: documentType, createdByUser: "TESTER",
        companyCode: companyCode, documentDate: day(postingDate), postingDate: day(postingDate), items: items)
}

/// A balanced two-line G/L document: rent against bank.
func rentDraft(_ amount: String = "100.00", companyCode: String = "1010", documentType: String = "SA", postingDate: String = "2025-03-01")
    -> JournalEntryDraft
{
    let currency = companyCode == "1710" ? "USD" : "EUR"
    return makeDraft(
        companyCode: companyCode, documentType: documentType, postingDate: postingDate,
        items: [glItem("65000000", amount, currency), glItem("11001000", "-" + amount, currency)])
}

extension Result where Success == PostingPlan, Failure == PostingRejection {
    var plan: PostingPlan? {
        if case .success(let plan) = self { return plan }
        return nil
    }

    var messages: [LedgerMessage] {
        if case .failure(let rejection) = self { return rejection.messages }
        return []
    }

    var typeIDs: [String] { messages.map(\.typeID) }
}

/// SplitMix64: a tiny seeded generator so property checks are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A random `Int128` in `-bound...bound`.
    mutating func int128(magnitudeBelow bound: Int128) -> Int128 {
        let high = Int128(next() >> 1)
        let low = Int128(next())
        let raw = (high << 64) | low
        let value = raw % (bound + 1)
        return next() & 1 == 0 ? value : -value
    }
}
