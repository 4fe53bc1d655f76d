import Foundation
import Hummingbird
import JournalEntryService
import Ledger
import Logging
import NIOCore
import SOAPCore
import XMLCore

/// The SOAP endpoint: authentication, body limit, envelope parsing, dispatch, faults.
struct SOAPEndpoint: Sendable {
    let service: JournalEntryCreateService
    let users: UserDirectory
    let maximumRequestBytes: Int
    let xmlLimits: XMLParseLimits
    let logger: Logger

    func respond(to request: Request, context: GatewayRequestContext) async throws -> Response {
        guard let user = await users.authenticate(authorizationHeader: request.headers[.authorization]) else {
            return Self.unauthorized()
        }
        let versionHint = Self.versionHint(contentType: request.headers[.contentType])
        if let contentType = request.headers[.contentType], !Self.isXMLContentType(contentType) {
            return Self.fault(
                SOAPFault(code: .sender, reason: "Content-Type '\(contentType)' is not a SOAP message; use text/xml (SOAP 1.1) or application/soap+xml (SOAP 1.2)"),
                version: versionHint, status: .unsupportedMediaType)
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maximumRequestBytes)
        } catch {
            return Self.fault(
                SOAPFault(code: .sender, reason: "Request body exceeds the limit of \(maximumRequestBytes) bytes; nothing was posted"),
                version: versionHint, status: .contentTooLarge)
        }
        let envelope: SOAPEnvelope
        do {
            envelope = try body.withUnsafeReadableBytes { bytes in try SOAPEnvelope.parse(bytes, limits: xmlLimits) }
        } catch let fault as SOAPFault {
            return Self.fault(fault, version: fault.version ?? versionHint)
        }
        do {
            let result = try await service.process(envelope, authorization: user.authorization)
            let text = SOAPEnvelopeWriter.envelope(version: envelope.version, payload: result.payload)
            return Response(
                status: .ok, headers: [.contentType: envelope.version.contentType], body: .init(byteBuffer: ByteBuffer(string: text)))
        } catch {
            return Self.fault(error, version: envelope.version)
        }
    }

    static func fault(_ fault: SOAPFault, version: SOAPVersion, status: HTTPResponse.Status? = nil) -> Response {
        let status = status ?? HTTPResponse.Status(code: fault.httpStatus(for: version))
        return Response(
            status: status, headers: [.contentType: version.contentType],
            body: .init(byteBuffer: ByteBuffer(string: fault.envelope(for: version))))
    }

    static func unauthorized() -> Response {
        Response(
            status: .unauthorized,
            headers: [.wwwAuthenticate: "Basic realm=\"journal-gateway\"", .contentType: "text/plain; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: "Unauthorized: valid HTTP Basic credentials of a communication user are required\n")))
    }

    static func versionHint(contentType: String?) -> SOAPVersion {
        contentType?.lowercased().contains("application/soap+xml") == true ? .soap12 : .soap11
    }

    static func isXMLContentType(_ contentType: String) -> Bool {
        let type = contentType.lowercased()
        return type.hasPrefix("text/xml") || type.hasPrefix("application/soap+xml") || type.hasPrefix("application/xml")
    }
}
