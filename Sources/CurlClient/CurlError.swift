internal import CCurl

/// Why a transfer produced no HTTP response.
///
/// An HTTP status is never a `CurlError`; see ``HTTPResponseSummary/status``. Like async-http-client's
/// `HTTPClientError`, this is a struct over a private enum, so new cases can be added without breaking
/// callers. Compare with the static members (`error == .cancelled`) or ask the `is…` properties.
/// Equality looks at the kind and ``code`` only, never at ``message``.
public struct CurlError: Error, Sendable, Hashable, CustomStringConvertible {
    fileprivate enum Kind: Hashable, Sendable {
        /// libcurl finished the transfer with a non-zero CURLcode.
        case transfer(Category)
        /// The request was refused before anything was sent.
        case invalidRequest
        /// The calling task was cancelled.
        case cancelled
        /// The client was shut down before the transfer completed.
        case shutdown
        /// libcurl could not be initialised or a handle could not be created.
        case setup
    }

    /// Coarse classes of CURLcode; decided once, in `Category.init(code:)`.
    fileprivate enum Category: Hashable, Sendable {
        case connect, timeout, tls, unsupportedProtocol, malformedURL, sendReceive, other
    }

    private let kind: Kind
    /// The libcurl `CURLcode`. For errors raised by CurlClient itself: 42 (`CURLE_ABORTED_BY_CALLBACK`)
    /// for ``cancelled`` and ``shutdown``, 43 (`CURLE_BAD_FUNCTION_ARGUMENT`) for an invalid request.
    public let code: Int32
    /// `curl_easy_strerror(code)`, followed by libcurl's detailed `CURLOPT_ERRORBUFFER` text when there is one.
    public let message: String

    private init(kind: Kind, code: Int32, message: String) {
        self.kind = kind
        self.code = code
        self.message = message
    }

    // MARK: Classification

    /// The connection could not be established: refused, unreachable, or the host or proxy name
    /// did not resolve. Nothing reached the receiver.
    public var isConnectFailure: Bool { kind == .transfer(.connect) }
    /// A connect or total timeout expired.
    public var isTimeout: Bool { kind == .transfer(.timeout) }
    /// TLS handshake or certificate verification failed.
    public var isTLSFailure: Bool { kind == .transfer(.tls) }
    /// The URL's scheme is not `http` or `https`.
    public var isUnsupportedProtocol: Bool { kind == .transfer(.unsupportedProtocol) }
    /// The calling task was cancelled and the transfer aborted.
    public var isCancelled: Bool { kind == .cancelled }
    /// The client was shut down before the transfer completed.
    public var isShutdown: Bool { kind == .shutdown }
    /// The request was refused locally (bad header, method or URL) before anything was sent.
    public var isInvalidRequest: Bool { kind == .invalidRequest || kind == .transfer(.malformedURL) }

    /// `true` when trying the same request again later may succeed: connection failures, timeouts,
    /// and connections that broke while sending or receiving. Cancellation and shutdown are not
    /// retryable by this client (the caller stopped it); TLS verification failures and invalid
    /// requests will not fix themselves.
    public var isRetryable: Bool {
        switch kind {
        case .transfer(.connect), .transfer(.timeout), .transfer(.sendReceive): true
        default: false
        }
    }

    /// A short, bounded label for logs and metrics (`"connect"`, `"timeout"`, `"curl-56"`, …).
    public var shortDescription: String {
        switch kind {
        case .transfer(.connect): "connect"
        case .transfer(.timeout): "timeout"
        case .transfer(.tls): "tls"
        case .transfer(.unsupportedProtocol): "unsupported-protocol"
        case .transfer(.malformedURL): "malformed-url"
        case .transfer(.sendReceive), .transfer(.other): "curl-\(code)"
        case .invalidRequest: "invalid-request"
        case .cancelled: "cancelled"
        case .shutdown: "shutdown"
        case .setup: "setup"
        }
    }

    public var description: String {
        "CurlError(\(shortDescription), code \(code)): \(message)"
    }

    public static func == (lhs: CurlError, rhs: CurlError) -> Bool {
        lhs.kind == rhs.kind && lhs.code == rhs.code
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(code)
    }

    // MARK: Static members

    /// The calling task was cancelled.
    public static let cancelled = CurlError(
        kind: .cancelled, code: Int32(CURLE_ABORTED_BY_CALLBACK.rawValue), message: "Transfer cancelled"
    )
    /// The client was shut down.
    public static let shutdown = CurlError(
        kind: .shutdown, code: Int32(CURLE_ABORTED_BY_CALLBACK.rawValue), message: "CurlClient is shut down"
    )
    /// `CURLE_COULDNT_CONNECT` (7).
    public static let couldNotConnect = CurlError(curlCode: CURLE_COULDNT_CONNECT)
    /// `CURLE_COULDNT_RESOLVE_HOST` (6).
    public static let couldNotResolveHost = CurlError(curlCode: CURLE_COULDNT_RESOLVE_HOST)
    /// `CURLE_OPERATION_TIMEDOUT` (28).
    public static let timedOut = CurlError(curlCode: CURLE_OPERATION_TIMEDOUT)
    /// `CURLE_UNSUPPORTED_PROTOCOL` (1).
    public static let unsupportedProtocol = CurlError(curlCode: CURLE_UNSUPPORTED_PROTOCOL)
    /// `CURLE_PEER_FAILED_VERIFICATION` (60).
    public static let tlsVerificationFailed = CurlError(curlCode: CURLE_PEER_FAILED_VERIFICATION)

    /// The request was refused before anything was sent.
    public static func invalidRequest(_ reason: String) -> CurlError {
        CurlError(kind: .invalidRequest, code: Int32(CURLE_BAD_FUNCTION_ARGUMENT.rawValue), message: reason)
    }

    // MARK: Mapping from libcurl (the only place a CURLcode becomes a Swift error)

    /// A finished transfer's CURLcode plus the CURLOPT_ERRORBUFFER text.
    init(curlCode: CURLcode, detail: String = "") {
        let summary = String(cString: curl_easy_strerror(curlCode))
        let detail = detail.trimmingSuffixWhitespace()
        self.init(
            kind: .transfer(Category(code: curlCode)),
            code: Int32(bitPattern: curlCode.rawValue),
            message: detail.isEmpty || detail == summary ? summary : "\(summary): \(detail)"
        )
    }

    /// A setopt or handle creation failure.
    static func setup(_ curlCode: CURLcode, _ what: String) -> CurlError {
        CurlError(
            kind: .setup,
            code: Int32(bitPattern: curlCode.rawValue),
            message: "\(what): \(String(cString: curl_easy_strerror(curlCode)))"
        )
    }

    /// A multi-interface failure (CURLMcode), reported with CURLE_FAILED_INIT.
    static func setup(multi code: CURLMcode, _ what: String) -> CurlError {
        CurlError(
            kind: .setup,
            code: Int32(CURLE_FAILED_INIT.rawValue),
            message: "\(what): \(String(cString: curl_multi_strerror(code)))"
        )
    }
}

extension CurlError.Category {
    fileprivate init(code: CURLcode) {
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            self = .connect
        case CURLE_OPERATION_TIMEDOUT:
            self = .timeout
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
            CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED,
            CURLE_SSL_ENGINE_INITFAILED:
            self = .tls
        case CURLE_UNSUPPORTED_PROTOCOL:
            self = .unsupportedProtocol
        case CURLE_URL_MALFORMAT:
            self = .malformedURL
        case CURLE_GOT_NOTHING, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_PARTIAL_FILE, CURLE_HTTP2,
            CURLE_HTTP2_STREAM, CURLE_PROXY:
            self = .sendReceive
        default:
            self = .other
        }
    }
}

extension String {
    fileprivate func trimmingSuffixWhitespace() -> String {
        var s = Substring(self)
        while let last = s.last, last.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
