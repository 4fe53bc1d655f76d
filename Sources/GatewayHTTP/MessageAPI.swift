import Foundation
import Hummingbird
import Ledger
import NIOCore

/// The monitor's read-only JSON API over inbound messages (`/api/messages`): every message with
/// its state, its entries' outcomes and its confirmation's delivery, with the same
/// authentication as the SOAP services.
///
/// Visibility: a user with every company code (`companyCodes` omitted or `["*"]`) sees every
/// message; a user limited to company codes sees only the messages they sent (a message may
/// span company codes, and its sender is who answers for it). A message the user may not see
/// is answered as if it did not exist (404 `notFound`).
public struct MessageAPI: Sendable {
    let store: any LedgerStore
    let users: UserDirectory

    public init(store: any LedgerStore, users: UserDirectory) {
        self.store = store
        self.users = users
    }

    /// Paths of the API's resources (answered 405 rather than 404 for another method).
    static func isResource(_ path: String) -> Bool {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        guard segments.count >= 2, segments[0] == "api", segments[1] == "messages" else { return false }
        return segments.count == 2 || segments.count == 3
    }

    /// Adds `GET /api/messages` and `GET /api/messages/{id}`.
    ///
    /// Call it after ``LedgerAPI``'s `addRoutes`: the error middleware added here sits inside
    /// LedgerAPI's and knows the resources of both, so that a wrong method on either is a 405.
    public func addRoutes(to router: Router<GatewayRequestContext>) {
        router.add(middleware: APIErrorMiddleware<GatewayRequestContext>(isResource: { Self.isResource($0) || LedgerAPI.isResource($0) }))
        router.get("/api/messages/{id}") { request, context -> Response in
            let user = try await authenticate(request, context)
            _ = try APIQueryParameters(request.uri, allowed: [])
            let text = context.parameters.get("id") ?? ""
            guard let id = MessageRowIDText.parse(text) else {
                throw APIError(
                    .invalidParameter, "id must be a message ID (a whole number from 1, as listed by /api/messages), not '\(APIError.echo(text))'",
                    parameter: "id", value: text)
            }
            guard let detail = try await store.messageDetail(id), Self.may(user, see: detail.message) else {
                throw APIError(.notFound, "message \(id) not found")
            }
            return try Self.json(MessageView(detail))
        }
        router.get("/api/messages") { request, context -> Response in
            let user = try await authenticate(request, context)
            var query = try MessageQuery.parse(request.uri)
            if user.companyCodes != nil {
                // Limited users see their own messages only: another sender's listing is empty.
                if let sender = query.sender, sender != user.name { return try Self.json(MessageListView(MessagePage(messages: [], next: nil))) }
                query.sender = user.name
            }
            return try Self.json(MessageListView(try await store.messages(query)))
        }
    }

    /// Whether `user` may see `message` (the rule at ``MessageAPI``).
    static func may(_ user: AuthenticatedUser, see message: MessageRecord) -> Bool {
        user.companyCodes == nil || message.sender == user.name
    }

    /// A 200 with `value` as JSON (keys sorted, slashes unescaped, as the error bodies).
    static func json(_ value: some Encodable) throws -> Response {
        let body = try MonitorJSON.encode(value)
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The logged-on user (HTTP Basic or client certificate); else 401, or 503 when too many
    /// password checks are queued.
    private func authenticate(_ request: Request, _ context: GatewayRequestContext) async throws -> AuthenticatedUser {
        switch await users.logon(request, context: context) {
        case .authenticated(let user, _):
            context.requestLog.authenticated(as: user.name)
            return user
        case .refused(let failure):
            throw HTTPError(HTTPResponse.Status(code: failure.httpStatus), headers: failure.responseHeaders, message: failure.responseText)
        }
    }
}
