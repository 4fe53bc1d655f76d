public import ConfirmationDelivery
import Foundation
import Hummingbird
import HummingbirdCore
public import Ledger

extension MessageQuery {
    /// The parameters of `GET /api/messages`, in the order the README lists them.
    static let parameterNames = [
        "interface", "sender", "state", "delivery", "messageID", "receivedFrom", "receivedTo", "limit", "pageToken",
    ]

    /// The list query of a request; every bad value is a 400 that names the parameter and the value.
    static func parse(_ uri: URI) throws(APIError) -> MessageQuery {
        let parameters = try APIQueryParameters(uri, allowed: parameterNames)
        var query = MessageQuery()
        func invalid(_ name: String, _ value: String, _ expectation: String) -> APIError {
            APIError(.invalidParameter, "\(name) must be \(expectation), not '\(APIError.echo(value))'", parameter: name, value: value)
        }
        for name in ["interface", "sender", "messageID"] {
            guard let value = parameters[name] else { continue }
            guard !value.isEmpty, value.count <= 200 else { throw invalid(name, value, "1…200 characters") }
            switch name {
            case "interface": query.interface = value
            case "sender": query.sender = value
            default: query.messageID = value
            }
        }
        if let value = parameters["state"] {
            guard let state = MessageState(rawValue: value) else {
                throw invalid("state", value, "one of " + MessageState.allCases.map(\.rawValue).joined(separator: ", "))
            }
            query.state = state
        }
        if let value = parameters["delivery"] {
            guard let status = DeliveryState.Status(rawValue: value) else {
                throw invalid("delivery", value, "one of " + DeliveryState.Status.allCases.map(\.rawValue).joined(separator: ", "))
            }
            query.deliveryStatus = status
        }
        let timeExpectation = "a date YYYY-MM-DD or a UTC time YYYY-MM-DDThh:mm[:ss[.ffffff]]Z"
        if let value = parameters["receivedFrom"] {
            guard let bound = MessageTimeBound.parse(value, endOfRange: false) else { throw invalid("receivedFrom", value, timeExpectation) }
            query.receivedFrom = bound
        }
        if let value = parameters["receivedTo"] {
            guard let bound = MessageTimeBound.parse(value, endOfRange: true) else { throw invalid("receivedTo", value, timeExpectation) }
            query.receivedTo = bound
        }
        if let from = query.receivedFrom, let to = query.receivedTo, from > to {
            throw APIError(
                .invalidRange, "receivedFrom \(parameters["receivedFrom"] ?? from) is after receivedTo \(parameters["receivedTo"] ?? to)",
                parameter: "receivedFrom", value: parameters["receivedFrom"] ?? from)
        }
        if let value = parameters["limit"] {
            guard value.count <= 3, let limit = Int(value), (1...500).contains(limit) else { throw invalid("limit", value, "a whole number 1…500") }
            query.limit = limit
        }
        if let value = parameters["pageToken"] {
            guard let before = MessagePageToken.decode(value) else {
                throw APIError(
                    .invalidParameter, "pageToken '\(APIError.echo(value))' is not a token this API returned (pass nextPageToken back unchanged)",
                    parameter: "pageToken", value: value)
            }
            query.before = before
        }
        return query
    }
}

/// Cursor of `GET /api/messages`: the row ID below which the next page starts, as decimal text.
/// Clients pass it back unchanged.
public enum MessagePageToken {
    public static func encode(_ before: MessageRowID) -> String { String(before) }

    /// The row ID of a token; `nil` for anything `encode` cannot have produced.
    public static func decode(_ token: String) -> MessageRowID? { MessageRowIDText.parse(token) }
}

/// A message's row ID as text (a path segment, a command-line argument): 1…19 digits, above 0.
public enum MessageRowIDText {
    public static func parse(_ text: some StringProtocol) -> MessageRowID? {
        guard (1...19).contains(text.utf8.count), text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let id = Int64(text), id > 0 else { return nil }
        return id
    }
}

/// A bound of the `receivedFrom`/`receivedTo` filters, in the form messages store their times
/// (`2025-03-01T10:00:00.000000Z`), so that bounds compare with them as text.
public enum MessageTimeBound {
    /// `YYYY-MM-DD` (the day's first microsecond, or with `endOfRange` its last) or a UTC time
    /// `YYYY-MM-DDThh:mm[:ss[.f…]]Z` with up to 6 fractional digits (`T` may be a space);
    /// `nil` for anything else.
    public static func parse(_ text: String, endOfRange: Bool) -> String? {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 10, let date = LedgerDate(iso: String(decoding: utf8[0..<10], as: UTF8.self)) else { return nil }
        let day = date.description
        if utf8.count == 10 { return day + (endOfRange ? "T23:59:59.999999Z" : "T00:00:00.000000Z") }
        guard utf8.count >= 17, utf8[10] == UInt8(ascii: "T") || utf8[10] == UInt8(ascii: " "), utf8.last == UInt8(ascii: "Z") else { return nil }
        let time = utf8[11..<(utf8.count - 1)]
        func number(_ slice: ArraySlice<UInt8>, below limit: Int) -> Int? {
            guard slice.count == 2, slice.allSatisfy({ $0 >= 48 && $0 <= 57 }), let value = Int(String(decoding: slice, as: UTF8.self)), value < limit
            else { return nil }
            return value
        }
        let start = time.startIndex
        guard time.count >= 5, let hour = number(time[start..<(start + 2)], below: 24), time[start + 2] == UInt8(ascii: ":"),
            let minute = number(time[(start + 3)..<(start + 5)], below: 60)
        else { return nil }
        var second = 0
        var fraction = ""
        var rest = time[(start + 5)...]
        if !rest.isEmpty {
            guard rest.count >= 3, rest.first == UInt8(ascii: ":"), let value = number(rest.dropFirst().prefix(2), below: 60) else { return nil }
            second = value
            rest = rest.dropFirst(3)
            if !rest.isEmpty {
                let digits = rest.dropFirst()
                guard rest.first == UInt8(ascii: "."), (1...6).contains(digits.count), digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
                fraction = String(decoding: digits, as: UTF8.self)
            }
        }
        func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let microseconds = fraction + String(repeating: "0", count: 6 - fraction.count)
        return "\(day)T\(pad(hour)):\(pad(minute)):\(pad(second)).\(microseconds)Z"
    }
}
