import Ledger
import LedgerStoreConformance
import Testing

/// The in-memory store (the tests' store) holds to the same contract as every other store.
@Suite("InMemoryLedgerStore conformance")
struct InMemoryStoreConformanceTests {
    @Test("the store contract", arguments: StoreConformance.cases)
    func conformance(_ check: ConformanceCase) async throws {
        try await check.run { InMemoryLedgerStore() }
    }
}
