import Foundation
import Hummingbird
import JournalEntryService
import Ledger
import Logging
import NIOCore
import SOAPCore
import XMLCore

/// The SOAP endpoint: authentication, transport checks and body (``SOAPTransport``), envelope parsing, dispatch, faults.
struct SOAPEndpoint: Sendable {
    let service: JournalEntryCreateService
    let users: UserDirectory
    let maximumRequestBytes: Int
    let xmlLimits: XMLParseLimits
    let logger: Logger

    func respond(to request: Request, context: GatewayRequestContext) async throws -> Response {
        let user: AuthenticatedUser
        switch await users.logon(request, context: context) {
        case .authenticated(let authenticated, _): user = authenticated
        case .refused(let failure): return failure.response()
        }
        context.requestLog.authenticated(as: user.name)
        let received: SOAPRequestBody
        do {
            received = try await SOAPTransport.receive(request, bodyLimit: maximumRequestBytes, logger: logger)
        } catch {
            return Self.fault(error.fault, version: error.fault.responseVersion, status: error.status, headers: error.headers)
        }
        let envelope: SOAPEnvelope
        do {
            envelope = try received.bytes.withUnsafeReadableBytes { bytes in
                try SOAPEnvelope.parse(bytes, limits: xmlLimits, mediaType: received.mediaType)
            }
        } catch let fault as SOAPFault {
            return Self.fault(fault, version: fault.version ?? received.mediaType.version ?? .soap11)
        }
        do {
            let result = try await service.process(envelope, authorization: user.authorization)
            context.requestLog.processed(result)
            let text = SOAPEnvelopeWriter.envelope(version: envelope.version, payload: result.payload)
            return Response(
                status: .ok, headers: [.contentType: envelope.version.contentType], body: .init(byteBuffer: ByteBuffer(string: text)))
        } catch {
            context.requestLog.answered(with: error)
            return Self.fault(error, version: envelope.version)
        }
    }

    static func fault(_ fault: SOAPFault, version: SOAPVersion, status: HTTPResponse.Status? = nil, headers: HTTPFields = [:]) -> Response {
        let status = status ?? HTTPResponse.Status(code: fault.httpStatus(for: version))
        var fields = headers
        fields[.contentType] = version.contentType
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: fault.envelope(for: version))))
    }
}
