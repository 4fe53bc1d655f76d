import Foundation
import HummingbirdCore
import Logging
import NIOCore
import NIOSSL

/// The gateway's HTTPS child channel: a NIOSSL server handler in front of Hummingbird's HTTP/1.1
/// channel, plus a log line for every refused handshake that says why.
///
/// HummingbirdTLS's `.tls(...)` builder offers only NIOSSL's *custom* verification callback, which
/// replaces BoringSSL's chain verification entirely. The gateway keeps BoringSSL's verification
/// against `tls.clientCA` and only watches its verdict per certificate (NIOSSL's per-certificate
/// callback), so that a refused certificate is logged with subject, fingerprint and reason
/// (expired, not yet valid, issued by another CA).
struct TLSServerChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base
    let material: TLSMaterial
    let logger: Logger

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let watcher = TLSHandshakeWatcher(material: material, remoteAddress: channel.remoteAddress, logger: self.logger)
            let handler = try PerCertificateVerification.make(context: material.sslContext) { verdict, certificate in
                watcher.observe(verdict, certificate)
            }
            try channel.pipeline.syncOperations.addHandler(handler)
            try channel.pipeline.syncOperations.addHandler(watcher)
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Base.Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension TLSServerChannel: HTTPChannelHandler where Base: HTTPChannelHandler {
    var responder: HTTPChannelHandler.Responder { base.responder }
}

extension HTTPServerBuilder {
    /// HTTP/1.1, over TLS (with the gateway's handshake logging) when `tls` is given; a connection
    /// idle for `idleTimeout` (nothing received, no answer in progress) is closed; `Expect:
    /// 100-continue` is answered at once for bodies up to `maximumBodyBytes` (``ExpectContinueHandler``).
    static func gateway(tls: TLSMaterial?, idleTimeout: Duration, maximumBodyBytes: Int, logger: Logger) -> HTTPServerBuilder {
        let configuration = HTTP1Channel.Configuration(
            additionalChannelHandlers: [ExpectContinueHandler(maximumBodyBytes: maximumBodyBytes)], idleTimeout: TimeAmount(idleTimeout))
        guard let tls else { return .http1(configuration: configuration) }
        return HTTPServerBuilder { responder in
            TLSServerChannel(base: HTTP1Channel(responder: responder, configuration: configuration), material: tls, logger: logger)
        }
    }
}

/// Builds a server handler with NIOSSL's per-certificate verification callback. NIOSSL marks that
/// initializer deprecated in favour of the callbacks that replace BoringSSL's verification; the
/// gateway wants BoringSSL's verification and only its verdict, so it keeps the older one. Going
/// through a protocol requirement keeps the deprecation notice out of every build.
private protocol VerifyingServerHandlerFactory {
    static func serverHandler(context: NIOSSLContext, verification: @escaping NIOSSLVerificationCallback) throws -> NIOSSLServerHandler
}

private enum PerCertificateVerification: VerifyingServerHandlerFactory {
    @available(*, deprecated, message: "uses NIOSSLServerHandler(context:verificationCallback:)")
    static func serverHandler(context: NIOSSLContext, verification: @escaping NIOSSLVerificationCallback) throws -> NIOSSLServerHandler {
        try NIOSSLServerHandler(context: context, verificationCallback: verification)
    }

    static func make(context: NIOSSLContext, verification: @escaping NIOSSLVerificationCallback) throws -> NIOSSLServerHandler {
        let factory: any VerifyingServerHandlerFactory.Type = PerCertificateVerification.self
        return try factory.serverHandler(context: context, verification: verification)
    }
}

/// Watches one connection's handshake: records why BoringSSL refused a certificate and logs one
/// line when the handshake fails. Lives on the channel's event loop only.
final class TLSHandshakeWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let material: TLSMaterial
    private let remoteAddress: String
    private let logger: Logger
    private var refusal: (certificate: ClientCertificate?, reason: String)?
    private var finished = false

    init(material: TLSMaterial, remoteAddress: SocketAddress?, logger: Logger) {
        self.material = material
        self.remoteAddress = remoteAddress.map(Self.describe) ?? "unknown address"
        self.logger = logger
    }

    /// BoringSSL's verdict on one certificate of the client's chain (root first, leaf last).
    func observe(_ verdict: NIOSSLVerificationResult, _ certificate: NIOSSLCertificate) -> NIOSSLVerificationResult {
        if verdict == .failed, refusal == nil {
            let identity = ClientCertificate(certificate)
            refusal = (identity, identity.map { Self.reason(for: $0, caSubjects: material.clientCASubjects) } ?? "cannot be read")
        }
        return verdict
    }

    /// Application data flows only after a successful handshake: from then on errors are not ours.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        finished = true
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !finished {
            finished = true
            if let refusal {
                logger.warning(
                    "TLS client certificate refused",
                    metadata: [
                        "remote": .string(remoteAddress), "subject": .string(refusal.certificate.map { "\($0.subject)" } ?? "?"),
                        "issuer": .string(refusal.certificate.map { "\($0.issuer)" } ?? "?"),
                        "sha256": .string(refusal.certificate?.fingerprint ?? "?"), "reason": .string(refusal.reason),
                    ])
            } else {
                let (level, reason) = Self.describe(error)
                logger.log(level: level, "TLS handshake failed", metadata: ["remote": .string(remoteAddress), "reason": .string(reason)])
            }
        }
        context.fireErrorCaught(error)
    }

    /// Why BoringSSL refused a certificate, worked out from the certificate itself.
    static func reason(for certificate: ClientCertificate, caSubjects: [DistinguishedName], now: Date = Date()) -> String {
        let seconds = Int(now.timeIntervalSince1970)
        var reasons: [String] = []
        if !caSubjects.contains(where: { $0.matches(certificate.issuer) }) {
            reasons.append("not issued by a CA of tls.clientCA (issuer \(certificate.issuer))")
        }
        if seconds > certificate.notValidAfter { reasons.append("expired on \(timestamp(certificate.notValidAfter))") }
        if seconds < certificate.notValidBefore { reasons.append("not valid before \(timestamp(certificate.notValidBefore))") }
        if reasons.isEmpty {
            return "does not verify against tls.clientCA (issuer \(certificate.issuer)): bad signature, key usage not for clients, or an invalid CA"
        }
        return reasons.joined(separator: "; ")
    }

    /// Level and text of a failed handshake that was not about a refused certificate. A connection
    /// closed during the handshake (a TCP health check, a port scan) is only `debug`.
    static func describe(_ error: any Error) -> (Logger.Level, String) {
        let text = "\(error)"
        if text.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE") { return (.notice, "no client certificate presented (tls.clientCertificates is 'required')") }
        if text.contains("UNSUPPORTED_PROTOCOL") { return (.notice, "the client offers no TLS version the gateway accepts (TLS 1.2 or 1.3)") }
        for alert in ["ALERT_UNKNOWN_CA", "ALERT_BAD_CERTIFICATE", "ALERT_CERTIFICATE_UNKNOWN", "ALERT_CERTIFICATE_EXPIRED"] where text.contains(alert) {
            return (
                .notice,
                "the client refused the gateway's certificate (TLS alert \(alert.dropFirst(6).lowercased())): the client must trust the CA "
                    + "of tls.certificateChain, the chain must include the intermediates, and the certificate must name the host the client uses"
            )
        }
        if text.contains("HTTP_REQUEST") { return (.notice, "the client sent plain HTTP to the HTTPS port") }
        if text.contains("EOF during handshake") || text.contains("uncleanShutdown") { return (.debug, "the connection was closed during the handshake") }
        return (.notice, text)
    }

    static func describe(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress else { return "\(address)" }
        let port = address.port.map { ":\($0)" } ?? ""
        return address.protocol == .inet6 ? "[\(ip)]\(port)" : ip + port
    }

    private static func timestamp(_ seconds: Int) -> String {
        Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(.iso8601)
    }
}
