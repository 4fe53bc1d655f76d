import Foundation
import Ledger
import Testing

@Suite("LedgerDate")
struct LedgerDateTests {
    @Test(
        "accepts existing days, including 29 February in leap years",
        arguments: [
            (2025, 1, 31), (2024, 2, 29), (2000, 2, 29), (2400, 2, 29), (2025, 2, 28), (2025, 4, 30), (2025, 12, 31), (1, 1, 1),
            (9999, 12, 31),
        ])
    func validDates(year: Int, month: Int, day: Int) throws {
        let date = try #require(LedgerDate(year: year, month: month, day: day))
        #expect(date.year == year && date.month == month && date.day == day)
    }

    @Test(
        "rejects days that do not exist",
        arguments: [
            (2025, 2, 29), (1900, 2, 29), (2100, 2, 29), (2024, 2, 30), (2025, 4, 31), (2025, 6, 31), (2025, 9, 31), (2025, 11, 31),
            (2025, 1, 32), (2025, 0, 1), (2025, 13, 1), (2025, 1, 0), (0, 1, 1), (10000, 1, 1), (2025, -1, 1),
        ])
    func invalidDates(year: Int, month: Int, day: Int) {
        #expect(LedgerDate(year: year, month: month, day: day) == nil)
    }

    @Test("daysInMonth follows the Gregorian leap-year rule")
    func daysInMonth() {
        #expect(LedgerDate.daysInMonth(year: 2024, month: 2) == 29)
        #expect(LedgerDate.daysInMonth(year: 2023, month: 2) == 28)
        #expect(LedgerDate.daysInMonth(year: 1900, month: 2) == 28)
        #expect(LedgerDate.daysInMonth(year: 2000, month: 2) == 29)
        #expect((1...12).map { LedgerDate.daysInMonth(year: 2025, month: $0) } == [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    }

    @Test("parses exactly YYYY-MM-DD (surrounding whitespace ignored)", arguments: ["2025-03-01", " 2025-03-01\n", "2024-02-29", "0001-01-01"])
    func parsesISO(text: String) throws {
        let date = try #require(LedgerDate(iso: text))
        #expect(date.description == text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test(
        "rejects other forms and non-existent days",
        arguments: [
            "2025-3-01", "2025-03-1", "2025/03/01", "20250301", "2025-03-01T00:00:00", "2025-02-29", "2023-02-29", "+025-03-01", "-025-03-01",
            "2025-13-01", "2025-00-10", "2025-01-00", "abcd-ef-gh", "", "2025-03-01Z", "2025-1a-01",
        ])
    func rejectsISO(text: String) {
        #expect(LedgerDate(iso: text) == nil)
    }

    @Test("ISO form pads year, month and day")
    func isoForm() throws {
        #expect(try #require(LedgerDate(year: 5, month: 1, day: 2)).description == "0005-01-02")
        #expect(try #require(LedgerDate(year: 2025, month: 12, day: 31)).description == "2025-12-31")
    }

    @Test("orders by year, then month, then day")
    func ordering() {
        let dates = ["2025-03-01", "2024-12-31", "2025-02-28", "2025-03-02", "2025-01-31", "2023-06-15"].map(day)
        #expect(dates.sorted().map(\.description) == ["2023-06-15", "2024-12-31", "2025-01-31", "2025-02-28", "2025-03-01", "2025-03-02"])
        #expect(day("2025-03-01") == day("2025-03-01"))
        #expect(!(day("2025-03-01") < day("2025-03-01")))
        #expect(day("2025-01-31") < day("2025-02-01"))
    }

    @Test("encodes as and decodes from the ISO string; a bad string is a decoding error")
    func codable() throws {
        let encoded = try JSONEncoder().encode([day("2024-02-29")])
        #expect(String(decoding: encoded, as: UTF8.self) == #"["2024-02-29"]"#)
        #expect(try JSONDecoder().decode([LedgerDate].self, from: encoded) == [day("2024-02-29")])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([LedgerDate].self, from: Data(#"["2025-02-29"]"#.utf8)) }
    }
}
