import CurlClient
import Foundation
import GatewayHTTP
import Testing

/// The `error` object of a JSON API error answer.
private struct APIErrorBody: Decodable, Equatable {
    struct Detail: Decodable, Equatable {
        let code: String
        let message: String
        let parameter: String?
        let value: String?
    }
    let error: Detail
}

@Suite("JSON API errors: a stable code, the parameter and the value, JSON for every /api/ answer")
struct LedgerAPIErrorTests {
    /// The error body of `response`, after checking that it is one (JSON, with the expected status).
    private func errorBody(_ response: HTTPResponseSummary, status: Int, sourceLocation: SourceLocation = #_sourceLocation) throws -> APIErrorBody.Detail {
        #expect(response.status == status, "\(response.status): \(response.text)", sourceLocation: sourceLocation)
        #expect(response.header("Content-Type") == "application/json; charset=utf-8", sourceLocation: sourceLocation)
        return try JSONDecoder().decode(APIErrorBody.self, from: Data(response.body)).error
    }

    struct BadQuery: Sendable, CustomTestStringConvertible {
        let query: String
        let code: String
        let parameter: String
        let value: String
        /// A part of the message that must be there.
        let says: String
        var testDescription: String { query }
    }

    static let badQueries: [BadQuery] = [
        BadQuery(query: "limit=0", code: "invalidParameter", parameter: "limit", value: "0", says: "limit must be a whole number 1…500, not '0'"),
        BadQuery(query: "limit=501", code: "invalidParameter", parameter: "limit", value: "501", says: "limit must be a whole number 1…500, not '501'"),
        BadQuery(query: "limit=abc", code: "invalidParameter", parameter: "limit", value: "abc", says: "not 'abc'"),
        BadQuery(query: "limit=", code: "invalidParameter", parameter: "limit", value: "", says: "limit must be a whole number 1…500, not ''"),
        BadQuery(query: "fiscalYear=abc", code: "invalidParameter", parameter: "fiscalYear", value: "abc", says: "fiscalYear must be a year 1…9999, not 'abc'"),
        BadQuery(query: "fiscalYear=20255", code: "invalidParameter", parameter: "fiscalYear", value: "20255", says: "not '20255'"),
        BadQuery(
            query: "postingDateFrom=2025-13-01", code: "invalidParameter", parameter: "postingDateFrom", value: "2025-13-01",
            says: "postingDateFrom must be a date YYYY-MM-DD, not '2025-13-01'"),
        BadQuery(
            query: "postingDateTo=2025-02-30", code: "invalidParameter", parameter: "postingDateTo", value: "2025-02-30",
            says: "postingDateTo must be a date YYYY-MM-DD, not '2025-02-30'"),
        BadQuery(
            query: "postingDateFrom=2025-03-01&postingDateTo=2025-02-01", code: "invalidRange", parameter: "postingDateFrom", value: "2025-03-01",
            says: "postingDateFrom 2025-03-01 is after postingDateTo 2025-02-01"),
        BadQuery(query: "pageToken=garbage", code: "invalidParameter", parameter: "pageToken", value: "garbage", says: "pageToken 'garbage' is not a token this API returned"),
        BadQuery(query: "pageToken=1010~2025~01", code: "invalidParameter", parameter: "pageToken", value: "1010~2025~01", says: "is not a token this API returned"),
        BadQuery(query: "companyCode=9999", code: "invalidParameter", parameter: "companyCode", value: "9999", says: "company code '9999' is not defined"),
        BadQuery(query: "companyCode=", code: "invalidParameter", parameter: "companyCode", value: "", says: "companyCode must be a company code (1…4 characters), not ''"),
        BadQuery(query: "account=", code: "invalidParameter", parameter: "account", value: "", says: "account must be a G/L account, customer or vendor number"),
        BadQuery(query: "account=123456789012", code: "invalidParameter", parameter: "account", value: "123456789012", says: "not '123456789012'"),
        BadQuery(
            query: "CompanyCode=1010", code: "unknownParameter", parameter: "CompanyCode", value: "1010",
            says: "unknown query parameter 'CompanyCode'; did you mean 'companyCode'?"),
        BadQuery(
            query: "postingDate=2025-01-01", code: "unknownParameter", parameter: "postingDate", value: "2025-01-01",
            says: "unknown query parameter 'postingDate'; did you mean 'postingDateTo'?"),
        BadQuery(
            query: "limit=5&colour=red", code: "unknownParameter", parameter: "colour", value: "red",
            says: "unknown query parameter 'colour'; known: companyCode, fiscalYear, postingDateFrom, postingDateTo, account, limit, pageToken"),
        BadQuery(query: "limit=1&limit=2", code: "duplicateParameter", parameter: "limit", value: "2", says: "query parameter 'limit' is given more than once"),
    ]

    @Test("a bad query parameter is a 400 that names the parameter and the value", arguments: badQueries)
    func badQuery(_ bad: BadQuery) async throws {
        try await withGateway { gateway in
            let body = try errorBody(try await gateway.get("/api/journal-entries?" + bad.query), status: 400)
            #expect(body.code == bad.code)
            #expect(body.parameter == bad.parameter)
            #expect(body.value == bad.value)
            #expect(body.message.contains(bad.says), "\(body.message)")
        }
    }

    @Test("a long bad value is echoed shortened, so an answer does not grow with the request")
    func longValueShortened() async throws {
        try await withGateway { gateway in
            let long = String(repeating: "9", count: 5000)
            let body = try errorBody(try await gateway.get("/api/journal-entries?limit=" + long), status: 400)
            #expect(body.value == String(repeating: "9", count: 100) + "…")
            #expect(body.message.count < 300)
        }
    }

    @Test("the single-entry path checks its segments and takes no query parameters")
    func singleEntry() async throws {
        try await withGateway { gateway in
            let year = try errorBody(try await gateway.get("/api/journal-entries/1010/20x5/0100000000"), status: 400)
            #expect(year == .init(code: "invalidParameter", message: "fiscalYear must be a year 1…9999, not '20x5'", parameter: "fiscalYear", value: "20x5"))
            let number = try errorBody(try await gateway.get("/api/journal-entries/1010/2025/01000000001"), status: 400)
            #expect(number.code == "invalidParameter")
            #expect(number.parameter == "accountingDocument")
            #expect(number.value == "01000000001")
            let query = try errorBody(try await gateway.get("/api/journal-entries/1010/2025/0100000000?format=xml"), status: 400)
            #expect(query.code == "unknownParameter")
            #expect(query.message == "this resource takes no query parameters")
            let missing = try errorBody(try await gateway.get("/api/journal-entries/1010/2025/0199999999"), status: 404)
            #expect(missing == .init(code: "notFound", message: "journal entry 1010/2025/0199999999 not found", parameter: nil, value: nil))
        }
    }

    @Test(
        "an unknown path under /api/ is a JSON 404",
        arguments: ["/api", "/api/", "/api/journal-entry", "/api/journal-entries/1010", "/api/journal-entries/1010/2025", "/api/journal-entries/1010/2025/1/2"])
    func unknownPath(path: String) async throws {
        try await withGateway { gateway in
            let body = try errorBody(try await gateway.get(path), status: 404)
            #expect(body.code == "unknownPath")
            #expect(body.message.hasPrefix("no API resource at "), "\(body.message)")
        }
    }

    @Test(
        "a method other than GET on an API resource is a JSON 405 with Allow: GET",
        arguments: [("POST", "/api/journal-entries"), ("PUT", "/api/journal-entries"), ("DELETE", "/api/journal-entries/1010/2025/0100000000"),
            ("PATCH", "/api/journal-entries/1010/2025/0100000000")])
    func wrongMethod(method: String, path: String) async throws {
        try await withGateway { gateway in
            let response = try await gateway.send(method, path, body: Array("{}".utf8), headers: [("Content-Type", "application/json")])
            let body = try errorBody(response, status: 405)
            #expect(body.code == "methodNotAllowed")
            #expect(body.message == "\(method) is not allowed on \(path); use GET")
            #expect(response.header("Allow") == "GET")
        }
    }

    @Test("missing or wrong credentials are a JSON 401 (before any parameter is looked at)")
    func unauthorized() async throws {
        try await withGateway { gateway in
            for credentials in [nil, Credentials(user: "INTEGRATION", password: "wrong")] {
                let response = try await gateway.get("/api/journal-entries?companyCode=9999", credentials: credentials)
                let body = try errorBody(response, status: 401)
                #expect(body.code == "unauthorized")
                #expect(response.header("WWW-Authenticate")?.hasPrefix("Basic") == true)
            }
        }
    }

    @Test("paths outside /api/ keep their own answers")
    func otherPathsUntouched() async throws {
        try await withGateway { gateway in
            let schema = try await gateway.get("/Schemas/NoSuch.xsd", credentials: nil)
            #expect(schema.status == 404)
            #expect(schema.text == "no such schema\n")
            let unknown = try await gateway.get("/nothing-here", credentials: nil)
            #expect(unknown.status == 404)
            #expect(!unknown.text.contains("unknownPath"))
        }
    }

    @Test("valid queries still answer 200 with the entries")
    func validQueries() async throws {
        try await withGateway { gateway in
            _ = try await gateway.expectPosted(BulkRequest(EntrySpec.balanced(companyCode: "1010")))
            let page = try await gateway.listPage("companyCode=1010&fiscalYear=2025&postingDateFrom=2025-01-01&postingDateTo=2025-12-31&limit=500")
            #expect(page.entries.count == 1)
            // A single day is a valid range.
            #expect(try await gateway.get("/api/journal-entries?postingDateFrom=2025-03-01&postingDateTo=2025-03-01").status == 200)
        }
    }
}
