import Foundation
import Hummingbird
import JournalEntryService
import Ledger
import Logging
import NIOCore
import SOAPCore
import XMLCore

/// The SOAP endpoint of one URL path: authentication, transport checks and body
/// (``SOAPTransport``), envelope parsing off the cooperative pool, dispatch through the
/// ``OperationRegistry`` by the Body's root element, faults. It knows no operation by name.
struct SOAPEndpoint: Sendable {
    let path: String
    let registry: OperationRegistry
    let users: UserDirectory
    let maximumRequestBytes: Int
    let xmlLimits: XMLParseLimits
    let runner: any BlockingWorkRunner
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
        let bytes = received.bytes, mediaType = received.mediaType, limits = xmlLimits
        let envelope: SOAPEnvelope
        do {
            envelope = try await runner.run { () throws(SOAPFault) -> SOAPEnvelope in
                try bytes.withUnsafeReadableBytes { raw throws(SOAPFault) in try SOAPEnvelope.parse(raw, limits: limits, mediaType: mediaType) }
            }
        } catch {
            return Self.fault(error, version: error.version ?? mediaType.version ?? .soap11)
        }
        let payload = envelope.payload
        guard let operation = registry.operation(at: path, namespace: payload.namespaceURI, localName: payload.localName) else {
            let expected = registry.operations(at: path).map { "{\($0.rootNamespace)}\($0.rootElement) (\($0.interface))" }
            let fault = SOAPFault(
                code: .sender,
                reason: "Body element \(payload.clarkName) is not accepted at \(path); expected " + expected.joined(separator: " or "),
                version: envelope.version)
            context.requestLog.answered(with: fault)
            return Self.fault(fault, version: envelope.version)
        }
        let operationRequest = OperationRequest(
            envelope: envelope, authorization: user.authorization,
            body: operation.mode == .oneWay ? Array(bytes.readableBytesView) : [],
            contentType: request.headers[.contentType] ?? "", queryMessageID: Self.queryMessageID(request))
        do {
            switch try await operation.handle(operationRequest) {
            case .confirmation(let result):
                context.requestLog.processed(result)
                let text = SOAPEnvelopeWriter.envelope(version: envelope.version, payload: result.payload)
                return Response(
                    status: .ok, headers: [.contentType: envelope.version.contentType], body: .init(byteBuffer: ByteBuffer(string: text)))
            case .accepted(let result):
                context.requestLog.accepted(result, messageID: result.key?.messageID)
                return Response(status: .accepted, headers: [.contentLength: "0"])
            }
        } catch {
            context.requestLog.answered(with: error)
            return Self.fault(error, version: envelope.version)
        }
    }

    /// `?MessageId=<GUID>` (the parameter name in any case, as SAP's runtime takes it).
    static func queryMessageID(_ request: Request) -> String? {
        request.uri.queryParameters.first { $0.key.lowercased() == "messageid" }.map { String($0.value) }
    }

    static func fault(_ fault: SOAPFault, version: SOAPVersion, status: HTTPResponse.Status? = nil, headers: HTTPFields = [:]) -> Response {
        let status = status ?? HTTPResponse.Status(code: fault.httpStatus(for: version))
        var fields = headers
        fields[.contentType] = version.contentType
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: fault.envelope(for: version))))
    }
}
