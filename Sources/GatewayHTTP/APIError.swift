import Foundation
import Hummingbird
import Logging
import NIOCore

/// The stable `error.code` values of the JSON API (`/api/…`). Clients branch on these; the
/// `message` next to them is for people and may change. Documented in the README.
public enum APIErrorCode: String, Sendable, Codable, CaseIterable {
    /// 400: a query parameter the endpoint does not know (misspelt, wrong case, or not for this endpoint).
    case unknownParameter
    /// 400: a query parameter given more than once.
    case duplicateParameter
    /// 400: a value that cannot be used (a bad number, date, limit, page token, company code, …).
    case invalidParameter
    /// 400: `postingDateFrom` is after `postingDateTo`.
    case invalidRange
    /// 401: no or wrong HTTP Basic credentials.
    case unauthorized
    /// 404: the journal entry does not exist, or the user may not see its company code.
    case notFound
    /// 404: no such resource under `/api/`.
    case unknownPath
    /// 405: the resource exists, but not for this method (the `Allow` header lists the methods).
    case methodNotAllowed
    /// 500: the gateway failed (the log has the details under the same request).
    case internalError
    /// 503: too many logon checks are waiting; retry later (`Retry-After`).
    case serviceUnavailable

    /// The HTTP status that goes with the code.
    public var status: HTTPResponse.Status {
        switch self {
        case .unknownParameter, .duplicateParameter, .invalidParameter, .invalidRange: .badRequest
        case .unauthorized: .unauthorized
        case .notFound, .unknownPath: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .internalError: .internalServerError
        case .serviceUnavailable: .serviceUnavailable
        }
    }
}

/// An error answer of the JSON API:
/// `{"error":{"code":"invalidParameter","message":"…","parameter":"limit","value":"0"}}`.
/// `parameter` and `value` are present when one parameter is at fault.
struct APIError: HTTPResponseError, CustomStringConvertible {
    /// Values are echoed up to this many characters, so that an answer never grows with the request.
    static let maximumEchoedValue = 100

    let code: APIErrorCode
    let message: String
    var parameter: String?
    var value: String?
    var headers: HTTPFields = [:]

    var status: HTTPResponse.Status { code.status }
    var description: String { "\(code.rawValue): \(message)" }

    init(_ code: APIErrorCode, _ message: String, parameter: String? = nil, value: (some StringProtocol)? = String?.none, headers: HTTPFields = [:]) {
        self.code = code
        self.message = message
        self.parameter = parameter
        self.value = value.map { Self.echo($0) }
        self.headers = headers
    }

    /// A parameter value as it may appear in an answer (shortened when long).
    static func echo(_ value: some StringProtocol) -> String {
        value.count > maximumEchoedValue ? String(value.prefix(maximumEchoedValue)) + "…" : String(value)
    }

    private struct Body: Encodable {
        struct Detail: Encodable {
            let code: String
            let message: String
            let parameter: String?
            let value: String?
        }
        let error: Detail
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = try encoder.encode(Body(error: .init(code: code.rawValue, message: message, parameter: parameter, value: value)))
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// Gives every answer under `/api/` that is not a success a JSON error body with a stable code:
/// unknown paths (404 `unknownPath`), wrong methods (405 `methodNotAllowed`, with `Allow`),
/// errors of Hummingbird itself and unexpected failures (500 `internalError`, logged).
/// Other paths pass through untouched.
struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Whether `path` names a resource of the API (whatever the method).
    let isResource: @Sendable (String) -> Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard path == "/api" || path.hasPrefix("/api/") else { return try await next(request, context) }
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError where error.status == .notFound {
            // Hummingbird's router: no route for this path and method.
            if isResource(path) {
                throw APIError(
                    .methodNotAllowed, "\(request.method.rawValue) is not allowed on \(path); use GET", headers: [.allow: "GET"])
            }
            throw APIError(.unknownPath, "no API resource at \(path); see /api/journal-entries")
        } catch let error as HTTPError {
            let code: APIErrorCode =
                switch error.status.code {
                case 401: .unauthorized
                case 404: .unknownPath
                case 405: .methodNotAllowed
                case 503: .serviceUnavailable
                case 400..<500: .invalidParameter
                default: .internalError
                }
            throw APIError(code, error.body ?? error.status.reasonPhrase, headers: error.headers)
        } catch {
            context.logger.error("JSON API request \(request.method.rawValue) \(path) failed: \(error)")
            throw APIError(.internalError, "the gateway could not answer this request; its log has the details")
        }
    }
}
