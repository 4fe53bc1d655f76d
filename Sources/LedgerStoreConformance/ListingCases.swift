import Ledger

/// Reading journal entries: filters, visibility and paging.
extension StoreConformance {
    static let listingCases: [ConformanceCase] = [
        ConformanceCase("journal entries filter by company code, year, dates, account and visibility, and page with `next`") { makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            _ = try await fixture.post(try fixture.plan(postingDate: "2025-03-01"))  // 1010/2025/0100000000
            _ = try await fixture.post(try fixture.plan(postingDate: "2025-04-15"))  // 1010/2025/0100000001
            _ = try await fixture.post(try fixture.plan(documentType: "KR", postingDate: "2025-05-01"))  // 1010/2025/1900000000
            _ = try await fixture.post(try fixture.plan(postingDate: "2026-01-10"))  // 1010/2026/0100000000
            _ = try await fixture.post(try fixture.plan(companyCode: "1710"))  // 1710/2025/0100000000
            _ = try await fixture.post(try fixture.plan(withCustomer: true))  // 1010/2025/0100000002
            func keys(_ change: (inout JournalEntryQuery) -> Void) async throws -> [String] {
                var query = JournalEntryQuery()
                change(&query)
                return try await fixture.store.journalEntries(query).entries.map(\.key.description)
            }
            try requireEqual(try await keys { _ in }.count, 6, "all")
            try requireEqual(try await keys { $0.companyCode = "1710" }, ["1710/2025/0100000000"], "by company code")
            try requireEqual(try await keys { $0.fiscalYear = 2026 }, ["1010/2026/0100000000"], "by year")
            try requireEqual(
                try await keys {
                    $0.postingDateFrom = LedgerDate(iso: "2025-04-01")
                    $0.postingDateTo = LedgerDate(iso: "2025-05-01")
                }, ["1010/2025/0100000001", "1010/2025/1900000000"], "by posting date")
            try requireEqual(try await keys { $0.account = "10100001" }, ["1010/2025/0100000002"], "by customer")
            try requireEqual(try await keys { $0.account = "12100000" }, ["1010/2025/0100000002"], "by reconciliation account")
            try requireEqual(try await keys { $0.visibleCompanyCodes = ["1710"] }, ["1710/2025/0100000000"], "visible company codes")
            try requireEqual(try await keys { $0.visibleCompanyCodes = [] }, [], "nothing visible")
            let paged = try await fixture.allEntries(JournalEntryQuery(limit: 4)).map(\.key)
            try requireEqual(paged, paged.sorted(), "pages in key order")
            try requireEqual(Set(paged).count, 6, "pages cover every entry once")
        },
    ]
}
