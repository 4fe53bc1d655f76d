import GatewayConfig
import Foundation
import Hummingbird
import HummingbirdCore
import Ledger

/// The query parameters of a JSON API request, checked against the ones the endpoint knows:
/// an unknown or repeated parameter is a 400 naming it (with the nearest known name when it
/// looks misspelt).
struct APIQueryParameters {
    private var values: [String: String] = [:]

    init(_ uri: URI, allowed: [String]) throws(APIError) {
        var seen: Set<String> = []
        for (rawKey, value) in uri.queryParameters {
            let key = String(rawKey).removingPercentEncoding ?? String(rawKey)
            guard allowed.contains(key) else {
                var message = allowed.isEmpty ? "this resource takes no query parameters" : "unknown query parameter '\(APIError.echo(key))'"
                if let suggestion = NameSuggestion.closest(to: key, among: Set(allowed)) {
                    message += "; did you mean '\(suggestion)'?"
                } else if !allowed.isEmpty {
                    message += "; known: " + allowed.joined(separator: ", ")
                }
                throw APIError(.unknownParameter, message, parameter: APIError.echo(key), value: value)
            }
            guard seen.insert(key).inserted else {
                throw APIError(.duplicateParameter, "query parameter '\(key)' is given more than once", parameter: key, value: value)
            }
            values[key] = String(value)
        }
    }

    subscript(_ name: String) -> String? { values[name] }
}

extension JournalEntryQuery {
    /// The parameters of `GET /api/journal-entries`, in the order the README lists them.
    static let parameterNames = ["companyCode", "fiscalYear", "postingDateFrom", "postingDateTo", "account", "limit", "pageToken"]

    /// The list query of a request; every bad value is a 400 that names the parameter and the value.
    static func parse(_ uri: URI, masterData: MasterData) throws(APIError) -> JournalEntryQuery {
        let parameters = try APIQueryParameters(uri, allowed: parameterNames)
        var query = JournalEntryQuery()
        func invalid(_ name: String, _ value: String, _ expectation: String) -> APIError {
            APIError(.invalidParameter, "\(name) must be \(expectation), not '\(APIError.echo(value))'", parameter: name, value: value)
        }
        if let value = parameters["companyCode"] {
            guard !value.isEmpty, value.count <= 4 else { throw invalid("companyCode", value, "a company code (1…4 characters)") }
            guard masterData.companyCodes[value] != nil else {
                throw APIError(.invalidParameter, "company code '\(APIError.echo(value))' is not defined", parameter: "companyCode", value: value)
            }
            query.companyCode = value
        }
        if let value = parameters["fiscalYear"] {
            guard value.count <= 4, let year = Int(value), (1...9999).contains(year) else { throw invalid("fiscalYear", value, "a year 1…9999") }
            query.fiscalYear = year
        }
        if let value = parameters["postingDateFrom"] {
            guard let date = LedgerDate(iso: value) else { throw invalid("postingDateFrom", value, "a date YYYY-MM-DD") }
            query.postingDateFrom = date
        }
        if let value = parameters["postingDateTo"] {
            guard let date = LedgerDate(iso: value) else { throw invalid("postingDateTo", value, "a date YYYY-MM-DD") }
            query.postingDateTo = date
        }
        if let from = query.postingDateFrom, let to = query.postingDateTo, from > to {
            throw APIError(
                .invalidRange, "postingDateFrom \(from) is after postingDateTo \(to)", parameter: "postingDateFrom", value: from.description)
        }
        if let value = parameters["account"] {
            let account = MasterData.canonicalNumber(value)
            guard !value.isEmpty, !account.isEmpty, account.count <= 10 else {
                throw invalid("account", value, "a G/L account, customer or vendor number (1…10 characters)")
            }
            query.account = account
        }
        if let value = parameters["limit"] {
            guard value.count <= 3, let limit = Int(value), (1...500).contains(limit) else { throw invalid("limit", value, "a whole number 1…500") }
            query.limit = limit
        }
        if let value = parameters["pageToken"] {
            guard let key = PageToken.decode(value) else {
                throw APIError(
                    .invalidParameter, "pageToken '\(APIError.echo(value))' is not a token this API returned (pass nextPageToken back unchanged)",
                    parameter: "pageToken", value: value)
            }
            query.after = key
        }
        return query
    }
}
