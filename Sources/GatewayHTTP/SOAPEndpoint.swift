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
        let path = self.path, registry = self.registry, authorization = user.authorization
        let contentType = request.headers[.contentType] ?? "", queryMessageID = Self.queryMessageID(request)
        // One hand-off off the cooperative pool: parsing, dispatch and the operation's own
        // blocking preparation (validation, decoding, rules) run together on the runner.
        let dispatched: Dispatched
        do throws(SOAPFault) {
            dispatched = try await runner.run { () throws(SOAPFault) -> Dispatched in
                let envelope = try bytes.withUnsafeReadableBytes { raw throws(SOAPFault) in
                    try SOAPEnvelope.parse(raw, limits: limits, mediaType: mediaType)
                }
                let payload = envelope.payload
                guard let operation = registry.operation(at: path, namespace: payload.namespaceURI, localName: payload.localName) else {
                    let expected = registry.operations(at: path).map { "{\($0.rootNamespace)}\($0.rootElement) (\($0.interface))" }
                    return .refused(
                        SOAPFault(
                            code: .sender,
                            reason: "Body element \(payload.clarkName) is not accepted at \(path); expected " + expected.joined(separator: " or "),
                            version: envelope.version))
                }
                var operationRequest = OperationRequest(
                    envelope: envelope, authorization: authorization, body: operation.mode == .oneWay ? Array(bytes.readableBytesView) : [],
                    contentType: contentType, queryMessageID: queryMessageID)
                do throws(SOAPFault) {
                    if let prepare = operation.prepare { operationRequest.prepared = try prepare(operationRequest) }
                } catch {
                    return .failed(error, envelope.version)
                }
                return .ready(operation, operationRequest)
            }
        } catch {
            return Self.fault(error, version: error.version ?? mediaType.version ?? .soap11)
        }
        let operation: SOAPOperation
        let operationRequest: OperationRequest
        switch dispatched {
        case .refused(let fault):
            context.requestLog.answered(with: fault)
            return Self.fault(fault, version: fault.responseVersion)
        case .failed(let fault, let version):
            context.requestLog.answered(with: fault)
            return Self.fault(fault, version: version)
        case .ready(let ready, let readyRequest):
            operation = ready
            operationRequest = readyRequest
        }
        let envelope = operationRequest.envelope
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

    /// A parsed request: refused at dispatch, failed in its operation's preparation, or ready.
    private enum Dispatched: Sendable {
        case refused(SOAPFault)
        case failed(SOAPFault, SOAPVersion)
        case ready(SOAPOperation, OperationRequest)
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
