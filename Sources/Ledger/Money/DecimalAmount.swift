/// An exact decimal number with six fractional digits, stored as an integer count of
/// millionths in an `Int128`.
///
/// Six fractional digits is what SAP's `Amount` type allows (`totalDigits 28`,
/// `fractionDigits 6`), so every amount that passes the XSD is represented exactly.
/// There is no conversion from or to `Double` on purpose: money never goes through
/// binary floating point in this code base.
public struct DecimalAmount: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Number of fractional digits kept.
    public static let scale = 6
    static let unit: Int128 = 1_000_000

    /// The largest magnitude SAP's `Amount` type allows: 22 integer digits and 6 fractional
    /// digits, i.e. ±9999999999999999999999.999999.
    public static let sapAmountLimit = DecimalAmount(micros: Int128(10).power(28) - 1)

    /// Value in millionths.
    public var micros: Int128

    public init(micros: Int128) { self.micros = micros }

    /// A whole number.
    public init(_ integer: Int) { self.micros = Int128(integer) * Self.unit }

    public static let zero = DecimalAmount(micros: 0)

    /// Parses the lexical form of `xsd:decimal`: an optional sign, digits, and an optional
    /// fraction (`-100.00`, `+.5`, `7.`). Surrounding whitespace is ignored.
    ///
    /// Returns `nil` for anything else, for more than six *significant* fractional digits
    /// (trailing zeros are fine) and for values whose magnitude does not fit 32 integer digits.
    /// 10^32: amounts have at most 32 integer digits.
    private static let integerLimit: Int128 = Int128(10).power(32)

    public init?(parsing text: some StringProtocol) {
        var utf8 = Substring(text).utf8[...]
        while let first = utf8.first, first == 0x20 || first == 0x09 || first == 0x0A || first == 0x0D { utf8 = utf8.dropFirst() }
        while let last = utf8.last, last == 0x20 || last == 0x09 || last == 0x0A || last == 0x0D { utf8 = utf8.dropLast() }
        var negative = false
        if let first = utf8.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            utf8 = utf8.dropFirst()
        }
        var integerPart: Int128 = 0
        var fraction: Int128 = 0
        var fractionDigits = 0
        var sawDigit = false
        var inFraction = false
        for byte in utf8 {
            if byte == UInt8(ascii: ".") {
                if inFraction { return nil }
                inFraction = true
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            sawDigit = true
            let digit = Int128(byte - UInt8(ascii: "0"))
            if inFraction {
                if fractionDigits < Self.scale {
                    fraction = fraction * 10 + digit
                    fractionDigits += 1
                } else if digit != 0 {
                    return nil  // a seventh significant fractional digit
                }
            } else {
                integerPart = integerPart * 10 + digit
                if integerPart >= Self.integerLimit { return nil }
            }
        }
        guard sawDigit else { return nil }
        for _ in fractionDigits..<Self.scale { fraction *= 10 }
        let magnitude = integerPart * Self.unit + fraction
        self.micros = negative ? -magnitude : magnitude
    }

    public var isZero: Bool { micros == 0 }
    public var isNegative: Bool { micros < 0 }
    public var isPositive: Bool { micros > 0 }
    public var magnitude: DecimalAmount { DecimalAmount(micros: micros < 0 ? -micros : micros) }

    /// The number of significant fractional digits (`1.50` → 1, `3` → 0, `0.125` → 3).
    public var significantFractionDigits: Int {
        var remainder = micros % Self.unit
        if remainder == 0 { return 0 }
        var digits = Self.scale
        while remainder % 10 == 0 {
            remainder /= 10
            digits -= 1
        }
        return digits
    }

    /// Rounds to `digits` fractional digits, half away from zero (SAP's commercial rounding).
    public func rounded(toFractionDigits digits: Int) -> DecimalAmount {
        precondition(digits >= 0 && digits <= Self.scale)
        let step = Int128(10).power(Self.scale - digits)
        return DecimalAmount(micros: Self.divideRoundingHalfAwayFromZero(micros, by: step) * step)
    }

    /// Formats with exactly `fractionDigits` digits after the point (the value is rounded
    /// half away from zero first when it has more).
    public func formatted(fractionDigits: Int) -> String {
        let value = rounded(toFractionDigits: fractionDigits)
        let negative = value.micros < 0
        let magnitude = negative ? -value.micros : value.micros
        // Every amount a ledger line holds fits 64 bits: digits written straight into the string
        // (amounts are formatted for every stored line and every confirmation).
        if let small = UInt64(exactly: magnitude) {
            return Self.format(small, negative: negative, fractionDigits: fractionDigits)
        }
        let integerPart = magnitude / Self.unit
        var result = negative ? "-" : ""
        result += String(integerPart)
        if fractionDigits > 0 {
            let fraction = (magnitude % Self.unit) / Int128(10).power(Self.scale - fractionDigits)
            var digits = String(fraction)
            while digits.count < fractionDigits { digits = "0" + digits }
            result += "." + digits
        }
        return result
    }

    private static let powersOfTen: [UInt64] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000]

    /// `magnitude` micros (at most 6 fraction digits kept, already rounded) as text.
    private static func format(_ magnitude: UInt64, negative: Bool, fractionDigits: Int) -> String {
        var integerPart = magnitude / 1_000_000
        var fraction = (magnitude % 1_000_000) / powersOfTen[scale - fractionDigits]
        var integerDigits = 1
        var rest = integerPart / 10
        while rest > 0 {
            integerDigits += 1
            rest /= 10
        }
        let count = (negative ? 1 : 0) + integerDigits + (fractionDigits > 0 ? 1 + fractionDigits : 0)
        return String(unsafeUninitializedCapacity: count) { buffer in
            var index = count
            if fractionDigits > 0 {
                for _ in 0..<fractionDigits {
                    index -= 1
                    buffer[index] = UInt8(ascii: "0") + UInt8(fraction % 10)
                    fraction /= 10
                }
                index -= 1
                buffer[index] = UInt8(ascii: ".")
            }
            repeat {
                index -= 1
                buffer[index] = UInt8(ascii: "0") + UInt8(integerPart % 10)
                integerPart /= 10
            } while integerPart > 0
            if negative { buffer[0] = UInt8(ascii: "-") }
            return count
        }
    }

    /// The shortest exact representation (`100`, `-0.5`, `12.345`).
    public var description: String { formatted(fractionDigits: significantFractionDigits) }

    public static func < (lhs: DecimalAmount, rhs: DecimalAmount) -> Bool { lhs.micros < rhs.micros }
    public static func + (lhs: DecimalAmount, rhs: DecimalAmount) -> DecimalAmount { DecimalAmount(micros: lhs.micros + rhs.micros) }
    public static func - (lhs: DecimalAmount, rhs: DecimalAmount) -> DecimalAmount { DecimalAmount(micros: lhs.micros - rhs.micros) }
    public static prefix func - (value: DecimalAmount) -> DecimalAmount { DecimalAmount(micros: -value.micros) }
    public static func += (lhs: inout DecimalAmount, rhs: DecimalAmount) { lhs.micros += rhs.micros }

    /// `self × rate`, rounded half away from zero to six fractional digits; `nil` on overflow.
    public func multiplied(by rate: ExchangeRateValue) -> DecimalAmount? {
        multiplied(by: rate, roundingToFractionDigits: Self.scale)
    }

    /// `self ÷ rate`, rounded half away from zero to six fractional digits; `nil` on overflow
    /// or a zero rate.
    public func divided(by rate: ExchangeRateValue) -> DecimalAmount? {
        divided(by: rate, roundingToFractionDigits: Self.scale)
    }

    /// `self × rate`, rounded once, half away from zero, to `digits` fractional digits; `nil` on overflow.
    public func multiplied(by rate: ExchangeRateValue, roundingToFractionDigits digits: Int) -> DecimalAmount? {
        Self.product(micros, rate.scaled, over: ExchangeRateValue.unit, roundingToFractionDigits: digits)
    }

    /// `self ÷ rate`, rounded once, half away from zero, to `digits` fractional digits; `nil` on overflow or a zero rate.
    public func divided(by rate: ExchangeRateValue, roundingToFractionDigits digits: Int) -> DecimalAmount? {
        guard rate.scaled > 0 else { return nil }
        return Self.product(micros, ExchangeRateValue.unit, over: rate.scaled, roundingToFractionDigits: digits)
    }

    /// `self × local ÷ transaction`: this amount translated at the rate of a posted item whose
    /// amounts are `transaction` (in its transaction currency) and `local` (in company code
    /// currency), rounded once, half away from zero, to `digits` fractional digits, as posting
    /// converts. The rate is the ratio of the two magnitudes (an item's amounts have one sign), so
    /// the result has the sign of `self`; `nil` on overflow or a zero `transaction`.
    ///
    /// An open USD item of 100.00 posted as 92.00 EUR translates a rest of 33.33 USD into
    /// `33.33 × 92 ÷ 100 = 30.6636`, i.e. 30.66 EUR: no rate is rounded on the way.
    public func translated(atRateOf local: DecimalAmount, per transaction: DecimalAmount, roundingToFractionDigits digits: Int) -> DecimalAmount? {
        precondition(digits >= 0 && digits <= Self.scale)
        guard !transaction.isZero else { return nil }
        return Self.product(micros, local.magnitude.micros, over: transaction.magnitude.micros, roundingToFractionDigits: digits)
    }

    /// `a × b ÷ c` in millionths, rounded once, half away from zero, to `digits` fractional digits
    /// (the one rounding behind rates, percentages and translations); `nil` on overflow. `c > 0`.
    static func product(_ a: Int128, _ b: Int128, over c: Int128, roundingToFractionDigits digits: Int) -> DecimalAmount? {
        let step = Int128(10).power(Self.scale - digits)
        let (divisor, overflow) = c.multipliedReportingOverflow(by: step)
        guard !overflow else { return nil }
        return Self.mulDiv(a, b, divisor).flatMap { Self.scaledUp($0, by: step) }
    }

    static func scaledUp(_ value: Int128, by step: Int128) -> DecimalAmount? {
        let (micros, overflow) = value.multipliedReportingOverflow(by: step)
        return overflow ? nil : DecimalAmount(micros: micros)
    }

    /// `self × percent ÷ 100` (a tax rate in percent), rounded to six fractional digits.
    public func percentage(_ percent: DecimalAmount) -> DecimalAmount? {
        percentage(percent, roundingToFractionDigits: Self.scale)
    }

    /// `self × percent ÷ 100` (a tax rate in percent), rounded once, half away from zero, to
    /// `digits` fractional digits; `nil` on overflow.
    ///
    /// Rounding once matters: `62.53 × 4.166 %` is exactly `2.6049998`, which is `2.60` in
    /// cents, whereas rounding to six digits first (`2.605000`) and then to cents gives `2.61`.
    public func percentage(_ percent: DecimalAmount, roundingToFractionDigits digits: Int) -> DecimalAmount? {
        precondition(digits >= 0 && digits <= Self.scale)
        return Self.product(micros, percent.micros, over: Self.unit * 100, roundingToFractionDigits: digits)
    }

    /// `a × b ÷ c` with a 256-bit intermediate, rounded half away from zero.
    static func mulDiv(_ a: Int128, _ b: Int128, _ c: Int128) -> Int128? {
        precondition(c > 0)
        let negative = (a < 0) != (b < 0)
        let product = a.magnitude.multipliedFullWidth(by: b.magnitude)
        let divisor = c.magnitude
        guard product.high < divisor else { return nil }
        let (quotient, remainder) = divisor.dividingFullWidth(product)
        guard quotient <= UInt128(Int128.max) else { return nil }
        var rounded = quotient
        if remainder >= divisor - remainder {  // remainder ≥ divisor / 2: round away from zero
            guard rounded < UInt128(Int128.max) else { return nil }
            rounded += 1
        }
        let value = Int128(rounded)
        return negative ? -value : value
    }

    static func divideRoundingHalfAwayFromZero(_ value: Int128, by divisor: Int128) -> Int128 {
        let quotient = value / divisor
        let remainder = value % divisor
        let twice = (remainder < 0 ? -remainder : remainder) * 2
        if twice >= divisor { return value < 0 ? quotient - 1 : quotient + 1 }
        return quotient
    }
}

/// An exchange rate with fourteen fractional digits (SAP's `ExchangeRateRate`,
/// `totalDigits 28`, `fractionDigits 14`), stored exactly as an integer.
public struct ExchangeRateValue: Sendable, Hashable, CustomStringConvertible {
    static let scale = 14
    static let unit: Int128 = Int128(10).power(14)

    /// Value × 10^14.
    public var scaled: Int128

    public init(scaled: Int128) { self.scaled = scaled }

    /// Parses the lexical form of `xsd:decimal` with at most 14 significant fractional digits.
    public init?(parsing text: some StringProtocol) {
        let trimmed = text.trimmingASCIIWhitespace()
        let parts = trimmed.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let integerText = parts.first else { return nil }
        var negative = false
        var integerDigits = Substring(integerText)
        if let first = integerDigits.first, first == "-" || first == "+" {
            negative = first == "-"
            integerDigits = integerDigits.dropFirst()
        }
        var fractionDigits = parts.count > 1 ? Substring(parts[1]) : ""
        while fractionDigits.count > Self.scale, fractionDigits.last == "0" { fractionDigits = fractionDigits.dropLast() }
        guard !(integerDigits.isEmpty && fractionDigits.isEmpty), fractionDigits.count <= Self.scale,
            integerDigits.count <= 24,
            integerDigits.allSatisfy({ $0.isASCII && $0.isNumber }), fractionDigits.allSatisfy({ $0.isASCII && $0.isNumber })
        else { return nil }
        var value: Int128 = 0
        for character in integerDigits { value = value * 10 + Int128(character.asciiValue! - 48) }
        var fraction: Int128 = 0
        for character in fractionDigits { fraction = fraction * 10 + Int128(character.asciiValue! - 48) }
        for _ in fractionDigits.count..<Self.scale { fraction *= 10 }
        let magnitude = value * Self.unit + fraction
        self.scaled = negative ? -magnitude : magnitude
    }

    public var isPositive: Bool { scaled > 0 }

    public var description: String {
        let negative = scaled < 0
        let magnitude = negative ? -scaled : scaled
        var fraction = String(magnitude % Self.unit)
        while fraction.count < Self.scale { fraction = "0" + fraction }
        while fraction.last == "0" { fraction.removeLast() }
        return (negative ? "-" : "") + String(magnitude / Self.unit) + (fraction.isEmpty ? "" : "." + fraction)
    }
}

extension Int128 {
    func power(_ exponent: Int) -> Int128 {
        var result: Int128 = 1
        for _ in 0..<exponent { result *= self }
        return result
    }
}

extension StringProtocol {
    /// The text without leading and trailing ASCII whitespace (what `xsd:token` ignores).
    public func trimmingASCIIWhitespace() -> Substring {
        // On the UTF-8 bytes (every decoded field goes through here): an ASCII blank is always a
        // whole character boundary, so the slice is cut on valid indices.
        let text = Substring(self)
        let utf8 = text.utf8
        var start = utf8.startIndex
        var end = utf8.endIndex
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        while start < end, isBlank(utf8[start]) { start = utf8.index(after: start) }
        while end > start, isBlank(utf8[utf8.index(before: end)]) { end = utf8.index(before: end) }
        return text[start..<end]
    }
}
