import ConfirmationDelivery
import CurlClient
import Foundation
import Ledger

extension OutboundConfirmation {
    /// The HTTP request of one attempt to deliver this confirmation to `target`.
    ///
    /// The whole attempt (connect, send, answer) is bounded by the policy's attempt timeout, the
    /// connection by `connectTimeout` as well. Redirects are never followed (CurlClient).
    func request(
        to target: DeliveryTarget, credentials: OutboundCredentials?, attemptTimeout: Double, connectTimeout: Duration,
        proxy: HTTPRequestSpec.Proxy
    ) -> HTTPRequestSpec {
        var headers: [(name: String, value: String)] = [("Content-Type", contentType)]
        if let soapAction {
            let quoted = soapAction.hasPrefix("\"") && soapAction.hasSuffix("\"") && soapAction.count >= 2
            headers.append(("SOAPAction", quoted ? soapAction : "\"\(soapAction)\""))
        }
        headers += self.headers
        let total = Duration.milliseconds(Int64((attemptTimeout * 1000).rounded(.up)))
        return HTTPRequestSpec(
            url: target.url,
            headers: headers,
            body: body,
            connectTimeout: min(connectTimeout, total),
            totalTimeout: total,
            basicAuth: credentials?.basicAuth,
            verifyTLS: true,
            proxy: proxy,
            maxResponseBodyBytes: 16 * 1024,
            caCertificateFile: credentials?.caCertificateFile,
            clientCertificateFile: credentials?.clientCertificateFile,
            clientKeyFile: credentials?.clientKeyFile
        )
    }
}

extension AttemptOutcome {
    /// How a transfer that got no HTTP answer counts for delivery: a timeout is ``timedOut``, a
    /// connection that could not be made ``connectionRefused``, anything else (TLS, a broken
    /// connection, an aborted transfer) ``transportError(_:)`` with CurlClient's description.
    init(_ error: CurlError) {
        if error.isTimeout {
            self = .timedOut
        } else if error.isConnectFailure {
            self = .connectionRefused
        } else if error.isShutdown || error.isCancelled {
            self = .transportError("aborted: the dispatcher stopped before the receiver answered")
        } else {
            self = .transportError("\(error.shortDescription): \(error.message)")
        }
    }
}

extension DeliveryTarget {
    /// The URL without user information (`https://user:secret@host/…` → `https://host/…`), for logs.
    var redactedURL: String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return url }
        return String(url[..<schemeEnd.upperBound]) + String(rest[rest.index(after: at)...])
    }
}
