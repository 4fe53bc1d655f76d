import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import SOAPCore

/// A SOAP request refused at the HTTP level, before its envelope is parsed: the fault to send
/// (in the SOAP version the Content-Type suggests), its HTTP status and any extra headers.
struct TransportRefusal: Error {
    var fault: SOAPFault
    var status: HTTPResponse.Status
    var headers: HTTPFields = [:]
}

/// A SOAP request's media type and complete body, once the HTTP level has accepted both.
struct SOAPRequestBody {
    var mediaType: SOAPMediaType
    var bytes: ByteBuffer
}

/// The HTTP side of a SOAP request: transfer and content codings, media type, reading the body.
///
/// - `Transfer-Encoding`: only `chunked`. A coding before it (`gzip, chunked`) → 501; a last coding
///   other than `chunked` leaves the body length unknown (RFC 9112 §6.3) → 400. SwiftNIO's parser
///   refuses `chunked, chunked` and `Transfer-Encoding` together with `Content-Length` on its own
///   (HTTP 400, empty body, connection closed).
/// - `Content-Encoding`: none or `identity` → else 415 with `Accept-Encoding: identity`.
/// - `Content-Type`: see ``SOAPMediaType``; missing, malformed or foreign → 415.
/// - Body over the limit → 413; invalid chunk size, body ended early or any other framing error → 400.
enum SOAPTransport {
    /// Checks the head of `request` and reads its body (at most `bodyLimit` bytes), or says why not.
    static func receive(_ request: Request, bodyLimit: Int, logger: Logger) async throws(TransportRefusal) -> SOAPRequestBody {
        let hint = SOAPMediaType.versionHint(request.headers[.contentType])
        let transferCodings = codings(request.headers[values: .transferEncoding])
        if let last = transferCodings.last, last != "chunked" {
            // The parser cannot frame this body; reading it ends in its error, which is then our only answer.
            let shown = request.headers[values: .transferEncoding].joined(separator: ", ")
            _ = try? await request.body.collect(upTo: bodyLimit)
            throw TransportRefusal(
                fault: SOAPFault(
                    code: .sender,
                    reason: "Transfer-Encoding '\(shown)' is not supported: chunked must be the last transfer coding, else the body length cannot be determined; only chunked is accepted; nothing was posted",
                    version: hint),
                status: .badRequest)
        }
        if transferCodings.contains(where: { $0 != "chunked" }) {
            let shown = request.headers[values: .transferEncoding].joined(separator: ", ")
            throw await drained(
                request, bodyLimit: bodyLimit, logger: logger,
                refusing: TransportRefusal(
                    fault: SOAPFault(
                        code: .sender,
                        reason: "Transfer-Encoding '\(shown)' is not implemented; only chunked is accepted (send the body without other transfer codings); nothing was posted",
                        version: hint),
                    status: .notImplemented))
        }
        let contentEncodings = request.headers[values: .contentEncoding]
        if codings(contentEncodings).contains(where: { $0 != "identity" }) {
            throw await drained(
                request, bodyLimit: bodyLimit, logger: logger,
                refusing: TransportRefusal(
                    fault: SOAPFault(
                        code: .sender,
                        reason: "Content-Encoding '\(contentEncodings.joined(separator: ", "))' is not supported; send the body unencoded (no Content-Encoding, or identity); nothing was posted",
                        version: hint),
                    status: .unsupportedMediaType, headers: [.acceptEncoding: "identity"]))
        }
        let mediaType: SOAPMediaType
        do {
            mediaType = try SOAPMediaType.parse(request.headers[.contentType])
        } catch {
            throw await drained(request, bodyLimit: bodyLimit, logger: logger, refusing: TransportRefusal(fault: error, status: .unsupportedMediaType))
        }
        do {
            return SOAPRequestBody(mediaType: mediaType, bytes: try await request.body.collect(upTo: bodyLimit))
        } catch {
            throw bodyRefusal(error, bodyLimit: bodyLimit, version: mediaType.version ?? hint, logger: logger)
        }
    }

    /// `refusal`, after reading and discarding the rest of the body (at most `bodyLimit` bytes).
    /// Hummingbird drains an unread body after the response and answers a framing error found
    /// there with a second response (an empty 400); reading it first makes the framing error, if
    /// any, the one answer.
    static func drained(_ request: Request, bodyLimit: Int, logger: Logger, refusing refusal: TransportRefusal) async -> TransportRefusal {
        do {
            var seen = 0
            for try await part in request.body {
                seen += part.readableBytes
                if seen > bodyLimit { break }
            }
            return refusal
        } catch {
            return bodyRefusal(error, bodyLimit: bodyLimit, version: refusal.fault.responseVersion, logger: logger)
        }
    }

    /// The answer to a body that could not be read: 413 over the limit, 400 for framing errors.
    static func bodyRefusal(_ error: any Error, bodyLimit: Int, version: SOAPVersion, logger: Logger) -> TransportRefusal {
        switch error {
        case is NIOTooManyBytesError:
            return TransportRefusal(
                fault: SOAPFault(code: .sender, reason: "Request body exceeds the limit of \(bodyLimit) bytes; nothing was posted", version: version),
                status: .contentTooLarge)
        case let error as HTTPParserError:
            let reason: String
            switch error {
            case .invalidChunkSize:
                reason = "The chunked request body has an invalid chunk size; nothing was posted"
            case .invalidEOFState:
                reason = "The request body ended before it was complete (fewer bytes than its Content-Length, or no last chunk); nothing was posted"
            default:
                reason = "The request body could not be read: \(error.debugDescription); nothing was posted"
            }
            logger.info("SOAP request body refused", metadata: ["error": "\(error.debugDescription)"])
            return TransportRefusal(fault: SOAPFault(code: .sender, reason: reason, version: version), status: .badRequest)
        default:
            // Typically the connection was torn down mid-body: the answer will not arrive; log it.
            logger.info("SOAP request body not received", metadata: ["error": "\(error)"])
            return TransportRefusal(
                fault: SOAPFault(code: .sender, reason: "The request body could not be read (\(error)); nothing was posted", version: version),
                status: .badRequest)
        }
    }

    /// Comma-separated codings of all fields, trimmed and lower-cased; empty members dropped.
    static func codings(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            .filter { !$0.isEmpty }
    }
}
