import Foundation
import Ledger
import Testing

@Suite("DecimalAmount")
struct DecimalAmountTests {
    // MARK: Parsing

    @Test(
        "parses every lexical form of xsd:decimal exactly, in millionths",
        arguments: [
            ("-100.00", Int128(-100_000_000)),
            ("+.5", 500_000),
            ("7.", 7_000_000),
            ("0", 0),
            ("-0", 0),
            ("+0.000000", 0),
            ("  42.25\t", 42_250_000),
            ("\n\r 1 \n", 1_000_000),
            ("0.000001", 1),
            ("-0.000001", -1),
            ("100.500000000", 100_500_000),
            ("0007.10", 7_100_000),
            ("123456789012345678901.123456", 123_456_789_012_345_678_901_123_456),
            (".125", 125_000),
        ])
    func parsesLexicalForms(text: String, micros: Int128) throws {
        let value = try #require(DecimalAmount(parsing: text))
        #expect(value.micros == micros)
    }

    @Test(
        "rejects anything that is not an xsd:decimal or needs a seventh significant fractional digit",
        arguments: [
            "", " ", ".", "+", "-", "+-1", "--1", "1.2.3", "1,5", "1e5", "0x10", "abc", "12a", "1 000", "- 5", "5-", "NaN", "∞", "١٢",
            "0.1234567", "0.0000001", "-1.0000005", "1.00000010",
        ])
    func rejectsGarbage(text: String) {
        #expect(DecimalAmount(parsing: text) == nil)
    }

    @Test("accepts trailing zeros beyond the sixth fractional digit")
    func trailingZerosAreAccepted() {
        #expect(DecimalAmount(parsing: "1.123456000000") == DecimalAmount(micros: 1_123_456))
        #expect(DecimalAmount(parsing: "-2.50000000000000000000") == DecimalAmount(micros: -2_500_000))
    }

    @Test("rejects integer parts of 33 digits or more but accepts 32")
    func integerDigitLimit() {
        let thirtyTwo = String(repeating: "9", count: 32)
        #expect(DecimalAmount(parsing: thirtyTwo) != nil)
        #expect(DecimalAmount(parsing: "1" + String(repeating: "0", count: 32)) == nil)
    }

    // MARK: Fractional digits and formatting

    @Test(
        "counts significant fractional digits",
        arguments: [("1.50", 1), ("3", 0), ("0.125", 3), ("-0.125", 3), ("-7.000001", 6), ("10.10", 1), ("0", 0), ("-4.5", 1)])
    func significantFractionDigits(text: String, digits: Int) {
        #expect(dec(text).significantFractionDigits == digits)
    }

    @Test(
        "formats with exactly the requested number of fractional digits",
        arguments: [
            ("100", 2, "100.00"), ("-100", 2, "-100.00"), ("0.5", 0, "1"), ("1234.5", 3, "1234.500"), ("-0.000001", 6, "-0.000001"),
            ("0.07", 2, "0.07"), ("-0.07", 2, "-0.07"), ("12.345678", 6, "12.345678"), ("0", 0, "0"), ("0", 3, "0.000"),
        ])
    func formatting(text: String, digits: Int, expected: String) {
        #expect(dec(text).formatted(fractionDigits: digits) == expected)
    }

    @Test("description is the shortest exact form")
    func description() {
        #expect(dec("100.00").description == "100")
        #expect(dec("-0.50").description == "-0.5")
        #expect(dec("12.345").description == "12.345")
        #expect(DecimalAmount.zero.description == "0")
    }

    @Test(
        "rounds half away from zero for positive and negative values",
        arguments: [
            ("2.345", 2, "2.35"), ("-2.345", 2, "-2.35"), ("2.344999", 2, "2.34"), ("-2.344999", 2, "-2.34"),
            ("0.5", 0, "1"), ("-0.5", 0, "-1"), ("1.5", 0, "2"), ("-1.5", 0, "-2"), ("2.5", 0, "3"), ("-2.5", 0, "-3"),
            ("0.004", 2, "0"), ("-0.004", 2, "0"), ("-0.005", 2, "-0.01"), ("0.005", 2, "0.01"),
            ("9.9995", 3, "10"), ("-9.9995", 3, "-10"), ("1.000001", 6, "1.000001"),
        ])
    func roundsHalfAwayFromZero(text: String, digits: Int, expected: String) {
        #expect(dec(text).rounded(toFractionDigits: digits) == dec(expected))
        #expect(dec(text).formatted(fractionDigits: digits) == dec(expected).formatted(fractionDigits: digits))
    }

    @Test("formatting a value that rounds to zero never shows a minus sign")
    func noNegativeZero() {
        #expect(dec("-0.004").formatted(fractionDigits: 2) == "0.00")
        #expect(dec("-0.4").formatted(fractionDigits: 0) == "0")
    }

    // MARK: Arithmetic with rates and percentages

    @Test(
        "multiplies by an exchange rate exactly and rounds half away from zero to six digits",
        arguments: [
            ("100.00", "0.92", "92"), ("-100.00", "0.92", "-92"), ("10.05", "0.92", "9.246"), ("1", "1.087", "1.087"),
            ("10000", "0.0061", "61"), ("0.000001", "0.5", "0.000001"), ("-0.000001", "0.5", "-0.000001"),
            ("0.000001", "0.49999999999999", "0"), ("1", "0.00000000000001", "0"), ("123.456789", "1", "123.456789"),
        ])
    func multipliedByRate(amount: String, rateText: String, expected: String) throws {
        let product = try #require(dec(amount).multiplied(by: rate(rateText)))
        #expect(product == dec(expected))
    }

    @Test(
        "divides by an exchange rate exactly and rounds half away from zero to six digits",
        arguments: [
            ("100", "1.25", "80"), ("-100", "1.25", "-80"), ("1", "3", "0.333333"), ("2", "3", "0.666667"), ("-2", "3", "-0.666667"),
            ("1", "0.0061", "163.934426"), ("0.000001", "2", "0.000001"),
        ])
    func dividedByRate(amount: String, rateText: String, expected: String) throws {
        let quotient = try #require(dec(amount).divided(by: rate(rateText)))
        #expect(quotient == dec(expected))
    }

    @Test("dividing by a zero rate gives nil")
    func divisionByZero() {
        #expect(dec("1").divided(by: ExchangeRateValue(scaled: 0)) == nil)
    }

    @Test("multiplication or division that overflows gives nil instead of trapping")
    func overflowIsNil() {
        let huge = DecimalAmount(micros: Int128.max)
        #expect(huge.multiplied(by: rate("2")) == nil)
        #expect(DecimalAmount(micros: Int128.min).multiplied(by: rate("1.5")) == nil)
        #expect(huge.divided(by: rate("0.5")) == nil)
        #expect(huge.divided(by: rate("0.00000000000001")) == nil)
        #expect(huge.percentage(dec("200")) == nil)
        #expect(huge.multiplied(by: rate("1")) == huge)
    }

    /// With X = 2^64 · 10^7, amount = (X − 10^4) millionths and rate = (X + 10^4) · 10^-14, the exact
    /// product in millionths is (X² − 10^8) / 10^14 = 2^128 − 10^-6: `mulDiv`'s 128-bit quotient is
    /// `UInt128.max` with a remainder above one half, and rounding it up overflows.
    /// Both values are valid SAP inputs: a 21-digit amount with 2 decimals and a 13-digit
    /// `ExchangeRate` with 10 decimals (both within the XSD's totalDigits 28).
    @Test("a product whose rounded quotient exceeds 128 bits gives nil instead of trapping the process")
    func roundingAtTheTopOfTheRangeDoesNotTrap() async {
        await #expect(processExitsWith: .success) {
            guard let amount = DecimalAmount(parsing: "184467440737095516159.99"),
                let rate = ExchangeRateValue(parsing: "1844674407370.9551616001")
            else { exit(2) }  // a broken test setup, not the bug
            let product = amount.multiplied(by: rate)
            if product != nil { exit(3) }  // an unrepresentable product must be nil
        }
    }

    @Test(
        "percentage computes a tax amount rounded to six digits",
        arguments: [("1000", "19", "190"), ("-1000", "19", "-190"), ("33.33", "19", "6.3327"), ("0.01", "7", "0.0007"), ("1", "0.000049", "0")])
    func percentage(base: String, percent: String, expected: String) throws {
        let tax = try #require(dec(base).percentage(dec(percent)))
        #expect(tax == dec(expected))
    }

    @Test(
        "percentage rounded to a currency rounds once, from the exact product",
        arguments: [
            ("62.53", "4.166", 2, "2.60"), ("-62.53", "4.166", 2, "-2.60"), ("375.06", "4.166", 2, "15.62"), ("509.99", "1.001", 2, "5.10"),
            ("1000", "19", 2, "190"), ("33.33", "19", 2, "6.33"), ("0.50", "19", 2, "0.10"), ("2.63", "19", 0, "0"), ("2.64", "19", 0, "1"),
            ("1", "0.000049", 6, "0"),
        ])
    func percentageRoundedOnce(base: String, percent: String, digits: Int, expected: String) throws {
        let tax = try #require(dec(base).percentage(dec(percent), roundingToFractionDigits: digits))
        #expect(tax == dec(expected))
    }

    @Test(
        "translating at a posted item's own rate (local ÷ transaction) rounds once, half away from zero, from the exact product",
        arguments: [
            // amount, the item's transaction amount, its company-code amount, digits, expected
            ("40.00", "100.00", "92.00", 2, "36.80"), ("33.33", "100.00", "92.00", 2, "30.66"), ("-33.33", "100.00", "92.00", 2, "-30.66"),
            ("33.33", "-100.00", "-92.00", 2, "30.66"), ("0.01", "3.00", "1.50", 2, "0.01"), ("0.01", "3.00", "1.49", 2, "0.00"),
            ("1", "3", "1", 2, "0.33"), ("2", "3", "1", 2, "0.67"), ("12345", "10000", "61", 2, "75.30"), ("1", "1", "1", 0, "1"),
        ])
    func translatedAtItemRate(amount: String, transaction: String, local: String, digits: Int, expected: String) throws {
        let translated = try #require(dec(amount).translated(atRateOf: dec(local), per: dec(transaction), roundingToFractionDigits: digits))
        #expect(translated == dec(expected))
    }

    @Test("translating at the rate of an item without a transaction amount, or beyond 128 bits, gives nil")
    func translatedWithoutRate() {
        #expect(dec("1.00").translated(atRateOf: dec("1.00"), per: .zero, roundingToFractionDigits: 2) == nil)
        #expect(DecimalAmount.sapAmountLimit.translated(atRateOf: DecimalAmount(micros: Int128.max / 2), per: dec("0.000001"), roundingToFractionDigits: 2) == nil)
    }

    @Test("sapAmountLimit is ±9999999999999999999999.999999 (22 integer and 6 fractional digits)")
    func sapAmountLimit() {
        #expect(DecimalAmount.sapAmountLimit == dec("9999999999999999999999.999999"))
        #expect(DecimalAmount.sapAmountLimit.formatted(fractionDigits: 6) == "9999999999999999999999.999999")
        #expect(dec("10000000000000000000000") > DecimalAmount.sapAmountLimit)
        #expect(dec("-10000000000000000000000").magnitude > DecimalAmount.sapAmountLimit)
    }

    @Test("arithmetic, sign and comparison operators work on the exact value")
    func operators() {
        #expect(dec("0.1") + dec("0.2") == dec("0.3"))
        #expect(dec("1") - dec("1.000001") == dec("-0.000001"))
        #expect(-dec("5") == dec("-5"))
        #expect(dec("-3").magnitude == dec("3"))
        #expect(dec("-0.000001") < DecimalAmount.zero)
        #expect(dec("-1").isNegative && dec("1").isPositive && DecimalAmount.zero.isZero)
        #expect(DecimalAmount(12) == dec("12"))
        var sum = DecimalAmount.zero
        for _ in 0..<10 { sum += dec("0.1") }
        #expect(sum == dec("1"))
    }

    // MARK: Properties over generated values

    @Test("parse(format(x)) == x and parse(description) == x for many generated values", arguments: [1 as UInt64, 2, 3, 42, 2025])
    func roundTrip(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        let bound = DecimalAmount.sapAmountLimit.micros
        for _ in 0..<2_000 {
            let value = DecimalAmount(micros: generator.int128(magnitudeBelow: bound))
            let text = value.formatted(fractionDigits: 6)
            #expect(DecimalAmount(parsing: text) == value, "\(text)")
            #expect(DecimalAmount(parsing: value.description) == value, "\(value.description)")
            #expect(DecimalAmount(parsing: " +" + value.magnitude.formatted(fractionDigits: 6) + "000 ") == value.magnitude)
            #expect(value.description.split(separator: ".").dropFirst().first?.count ?? 0 == value.significantFractionDigits)
        }
    }

    @Test("rounding is symmetric, lands on the grid and moves at most half a step", arguments: [7 as UInt64, 8, 9])
    func roundingProperties(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        for _ in 0..<2_000 {
            let value = DecimalAmount(micros: generator.int128(magnitudeBelow: 100_000_000_000_000_000_000))
            let digits = Int(generator.next() % 7)
            let step = [Int128(1_000_000), 100_000, 10_000, 1_000, 100, 10, 1][digits]
            let rounded = value.rounded(toFractionDigits: digits)
            #expect((-value).rounded(toFractionDigits: digits) == -rounded)
            #expect(rounded.micros % step == 0)
            let distance = (rounded - value).magnitude.micros * 2
            #expect(distance <= step)
            if distance == step { #expect(rounded.magnitude > value.magnitude, "a tie must round away from zero") }
            #expect(DecimalAmount(parsing: value.formatted(fractionDigits: digits)) == rounded)
        }
    }

    @Test("multiplying a 2-decimal amount by a 4-decimal rate is exact", arguments: [11 as UInt64, 12])
    func exactProducts(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        for _ in 0..<1_000 {
            let cents = generator.int128(magnitudeBelow: 1_000_000_000_000_000_000)
            let rateTenThousandths = Int128(generator.next() % 10_000_000) + 1
            let amount = DecimalAmount(micros: cents * 10_000)
            let rateValue = ExchangeRateValue(scaled: rateTenThousandths * 10_000_000_000)
            let product = try #require(amount.multiplied(by: rateValue))
            // cents × 10^4 micros × (r / 10^4) = cents × r micros, exactly.
            #expect(product.micros == cents * rateTenThousandths)
            let back = try #require(product.divided(by: rateValue))
            #expect(back == amount)
        }
    }
}

@Suite("Formatting amounts and dates")
struct AmountAndDateFormattingTests {
    /// Amounts that fit 64 bits take a fast path; every other one the general one. Both agree
    /// with the digits of the value, rounded half away from zero.
    @Test("amounts at the edges of the 64-bit fast path, both signs, every fraction width")
    func edges() {
        let cases: [(Int128, Int, String)] = [
            (0, 2, "0.00"), (1, 6, "0.000001"), (-1, 6, "-0.000001"), (1_250_000_000, 2, "1250.00"), (-1_250_500_000, 0, "-1251"),
            (999_999, 0, "1"), (Int128(UInt64.max), 6, "18446744073709.551615"), (Int128(UInt64.max) + 1, 6, "18446744073709.551616"),
            (-(Int128(UInt64.max) + 1), 2, "-18446744073709.55"), (Int128(100_000_000_000_000_000) * 1_000_000_000, 1, "100000000000000000000.0"),
        ]
        for (micros, digits, expected) in cases {
            #expect(DecimalAmount(micros: micros).formatted(fractionDigits: digits) == expected, "\(micros) with \(digits) digits")
        }
        #expect(DecimalAmount(micros: -Int128(UInt64.max)).description == "-18446744073709.551615")
    }

    @Test("trimming drops ASCII blanks (space, tab, line feed, carriage return) at both ends only")
    func trimming() {
        #expect(" \t\n 12.50 \r\n".trimmingASCIIWhitespace() == "12.50")
        #expect("Miete März".trimmingASCIIWhitespace() == "Miete März")
        #expect("  Zürich\u{00A0}".trimmingASCIIWhitespace() == "Zürich\u{00A0}")
        #expect(" \n\t ".trimmingASCIIWhitespace() == "")
        #expect("".trimmingASCIIWhitespace() == "")
        let slice = "[ a b ]".dropFirst().dropLast()
        #expect(slice.trimmingASCIIWhitespace() == "a b")
    }

    @Test("dates are YYYY-MM-DD with leading zeros")
    func dates() {
        #expect(LedgerDate(year: 2025, month: 3, day: 1)?.description == "2025-03-01")
        #expect(LedgerDate(year: 987, month: 12, day: 31)?.description == "0987-12-31")
    }
}

@Suite("ExchangeRateValue")
struct ExchangeRateValueTests {
    @Test(
        "parses decimal rates with up to 14 significant fractional digits",
        arguments: [
            ("0.92", "0.92"), ("1.087", "1.087"), ("+2", "2"), (".5", "0.5"), ("5.", "5"), (" 0.0061 ", "0.0061"),
            ("0.00000000000001", "0.00000000000001"), ("1.000000000000000000", "1"), ("-1.25", "-1.25"),
        ])
    func parses(text: String, description: String) throws {
        let value = try #require(ExchangeRateValue(parsing: text))
        #expect(value.description == description)
    }

    @Test("rejects malformed rates and a 15th significant fractional digit", arguments: ["", ".", "-", "1.2.3", "abc", "1e3", "+-1", "0.000000000000001", "1 0"])
    func rejects(text: String) {
        #expect(ExchangeRateValue(parsing: text) == nil)
    }

    @Test("isPositive only for rates above zero")
    func positivity() {
        #expect(rate("0.0001").isPositive)
        #expect(!rate("0").isPositive)
        #expect(!rate("-1").isPositive)
    }
}
