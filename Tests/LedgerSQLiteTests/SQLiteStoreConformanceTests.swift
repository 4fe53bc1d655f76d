import Foundation
import Ledger
import LedgerSQLite
import LedgerStoreConformance
import Testing

/// The SQLite store holds to the store contract: each case runs against a fresh database file.
@Suite("SQLiteLedgerStore conformance")
struct SQLiteStoreConformanceTests {
    @Test("the store contract", arguments: StoreConformance.cases)
    func conformance(_ check: ConformanceCase) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let masterData = try Demo.masterData()
        try await check.run { try SQLiteLedgerStore(path: directory.path("conformance.sqlite"), masterData: masterData) }
    }
}
