import Foundation
import Hummingbird
import Ledger
import NIOCore

/// Probes for load balancers and orchestrators; no authentication, no data.
///
/// - `GET /health`: the process is up and answering HTTP: `200`, body `ok`.
/// - `GET /ready`: the ledger is open and writable (``LedgerStore/checkWritable()`` takes the
///   write lock and runs a write statement that changes nothing): `200 {"status":"ready"}`,
///   else `503 {"status":"unavailable","reason":"…"}`, e.g. when the database became read-only.
struct HealthRoutes: Sendable {
    let store: any LedgerStore

    struct Readiness: Codable, Sendable {
        let status: String
        let reason: String?
    }

    func addRoutes(to router: Router<GatewayRequestContext>) {
        router.get("/health") { _, _ in GatewayApplication.text("ok\n", status: .ok) }
        router.get("/ready") { _, _ -> Response in
            do {
                try await store.checkWritable()
                return Self.json(Readiness(status: "ready", reason: nil), status: .ok)
            } catch {
                return Self.json(Readiness(status: "unavailable", reason: "\(error)"), status: .serviceUnavailable)
            }
        }
    }

    static func json(_ readiness: Readiness, status: HTTPResponse.Status) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(readiness)) ?? Data("{\"status\":\"\(readiness.status)\"}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: Array(data) + [0x0A])))
    }
}
