import Hummingbird
import HummingbirdAuth
import Logging
import NIOCore
import SOAPCore

/// Writes one structured log line per request and records the request metrics.
///
/// Added to the router before any route, so it wraps every request, also unknown paths (404) and
/// failed logons (401). It gives the request its ID (the client's `X-Request-ID` when that is
/// sane, else a new one), passes it on in ``GatewayRequestContext/requestID``, and returns it in
/// the `X-Request-ID` response header. Handlers put what only they know (user, the service's
/// result, a fault's code) into ``GatewayRequestContext/requestLog``; the middleware reads it once
/// the handler has answered. Nothing of the body and no credential is ever logged.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    static let requestIDField = HTTPFields.Element.Name("X-Request-ID")!

    let logger: Logger
    let metrics: GatewayMetrics
    /// URL paths of the SOAP services → interface name (the `interface` of their requests).
    let soapInterfaces: [String: String]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let requestID = Self.requestID(clientValue: request.headers[Self.requestIDField])
        var context = context
        context.requestID = requestID
        do {
            var response = try await next(request, context)
            response.headers[Self.requestIDField] = requestID
            finish(request, context: context, status: response.status.code, started: started)
            return response
        } catch let error as any HTTPResponseError {
            var response = try error.response(from: request, context: context)
            response.headers[Self.requestIDField] = requestID
            finish(request, context: context, status: response.status.code, started: started)
            return response
        } catch {
            finish(request, context: context, status: 500, started: started)
            throw error
        }
    }

    private func finish(_ request: Request, context: Context, status: Int, started: ContinuousClock.Instant) {
        let duration = ContinuousClock.now - started
        let facts = context.requestLog.snapshot
        let path = request.uri.path
        let soapInterface = request.method == .post ? soapInterfaces[path] : nil
        let interface = soapInterface ?? Self.interface(ofPath: path, soapPaths: soapInterfaces)
        // Why the logon failed: as the user directory said, else (a route that did not record it) from the header.
        let logonFailure = facts.logonFailure?.rawValue ?? (status == 401 ? (request.headers[.authorization] == nil ? "noCredentials" : "refused") : nil)

        let outcome: RequestOutcome
        if soapInterface != nil {
            if let logonFailure {
                outcome = logonFailure == LogonFailure.Reason.overloaded.rawValue ? .overloaded : .unauthorized
            } else if let result = facts.result {
                outcome = result.outcome
            } else if let code = facts.faultCode {
                outcome = code == .receiver ? .error : .fault
            } else {
                outcome = status >= 400 ? .fault : .http(status)
            }
        } else {
            outcome = .http(status)
        }

        metrics.requestCompleted(
            interface: interface, outcome: outcome, duration: duration,
            entries: soapInterface == nil ? nil : facts.result.map { ($0.posted, $0.rejected, $0.checked) })
        if let logonFailure { metrics.logonFailed(interface: interface, reason: logonFailure) }

        // A refused logon is `notice` on every route (also a 503 `overloaded` outside SOAP): an attack, not a gateway failure.
        let level = logonFailure != nil ? Swift.min(Self.level(of: outcome), .notice) : Self.level(of: outcome)
        guard level >= logger.logLevel else { return }
        var metadata: Logger.Metadata = [
            "requestID": .string(context.requestID),
            "method": .string(request.method.rawValue),
            "path": .string(Self.sanitized(path, limit: 256)),
            "interface": .string(interface),
            "outcome": .string(outcome.description),
            "status": .stringConvertible(status),
            "durationMs": .stringConvertible((duration.inMilliseconds * 1000).rounded() / 1000),
        ]
        if let remote = context.remoteAddress.flatMap(Self.describe) { metadata["remoteAddress"] = .string(remote) }
        // The authenticated user, else the name a failed logon claimed (never the password). On a
        // route without logon (health, WSDL) an `Authorization` header was never checked: no user.
        if let user = facts.user ?? (logonFailure != nil ? request.headers.basic?.username : nil) {
            metadata["user"] = .string(Self.sanitized(user, limit: 64))
        }
        if let method = facts.logonMethod { metadata["logon"] = .string(method.rawValue) }
        if let logonFailure { metadata["logonFailure"] = .string(logonFailure) }
        if let messageID = facts.messageID { metadata["messageID"] = .string(Self.sanitized(messageID, limit: 100)) }
        if soapInterface != nil {
            metadata["entriesPosted"] = .stringConvertible(facts.result?.posted ?? 0)
            metadata["entriesRejected"] = .stringConvertible(facts.result?.rejected ?? 0)
            metadata["entriesChecked"] = .stringConvertible(facts.result?.checked ?? 0)
        }
        logger.log(level: level, "request", metadata: metadata)
    }

    /// `info` for requests handled as intended (including rejected entries), `notice` for failed
    /// logons and client faults, `error` when the gateway failed (server faults, HTTP 5xx).
    static func level(of outcome: RequestOutcome) -> Logger.Level {
        switch outcome {
        case .posted, .partiallyPosted, .rejected, .checked, .replayed, .accepted, .duplicate: .info
        case .fault, .unauthorized, .overloaded: .notice
        case .error: .error
        case .http(let status): status >= 500 ? .error : status == 401 ? .notice : .info
        }
    }

    /// The `interface` of a non-SOAP request: `wsdl` (GET on a service path), `schema`, `api`,
    /// `metrics`, `health`, `ready`, else `other`.
    static func interface(ofPath path: String, soapPaths: [String: String]) -> String {
        if soapPaths[path] != nil { return "wsdl" }
        switch path {
        case "/metrics": return "metrics"
        case "/health": return "health"
        case "/ready": return "ready"
        default:
            if path == "/api" || path.hasPrefix("/api/") { return "api" }
            if path.hasPrefix("/Schemas/") { return "schema" }
            return "other"
        }
    }

    /// The client's request ID when it is 1…64 characters of `[A-Za-z0-9._-]`, else a new one
    /// (16 hexadecimal digits).
    static func requestID(clientValue: String?) -> String {
        if let value = clientValue, (1...64).contains(value.utf8.count),
            value.utf8.allSatisfy({ byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2E || byte == 0x5F
                    || byte == 0x2D
            })
        {
            return value
        }
        let hex = String(UInt64.random(in: .min ... .max), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Client-supplied text made safe for a log line: control characters become `?`, and it is cut at `limit` characters.
    static func sanitized(_ text: String, limit: Int) -> String {
        // The usual case, printable ASCII within the limit, is the text itself.
        if text.utf8.count <= limit && text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text }
        var result = ""
        for (index, character) in text.enumerated() {
            if index == limit {
                result += "…"
                break
            }
            result.append(character.unicodeScalars.contains { $0.properties.generalCategory == .control } ? "?" : character)
        }
        return result
    }

    static func describe(_ address: SocketAddress) -> String? {
        switch address {
        case .v4: return address.ipAddress.map { "\($0):\(address.port ?? 0)" }
        case .v6: return address.ipAddress.map { "[\($0)]:\(address.port ?? 0)" }
        case .unixDomainSocket: return address.pathname ?? "unix"
        }
    }
}
