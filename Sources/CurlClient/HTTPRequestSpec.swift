/// One outbound HTTP request, as handed to ``CurlClient/execute(_:)``.
///
/// Only `http` and `https` URLs are accepted and redirects are never followed, so a receiver cannot
/// bounce a delivery to another host or to a `file:` URL.
///
/// ```swift
/// var request = HTTPRequestSpec(url: "https://erp.example.com/confirm", body: Array(envelope.utf8))
/// request.headers = [("Content-Type", "text/xml; charset=utf-8"), ("SOAPAction", "\"confirm\"")]
/// request.basicAuth = (user: "gateway", password: secret)
/// ```
public struct HTTPRequestSpec: Sendable {
    /// Where the request goes to. Must be an absolute `http://` or `https://` URL.
    public var url: String
    /// The request method; `POST` by default. A non-empty body is sent with any method.
    public var method: String
    /// Request headers, in order. Names and values must not contain CR, LF or NUL.
    /// A header with an empty value is sent as `Name:` with nothing after it.
    public var headers: [(name: String, value: String)]
    /// The request body, sent with `Content-Length`.
    public var body: [UInt8]
    /// Maximum time to establish the TCP (and TLS) connection.
    public var connectTimeout: Duration
    /// Maximum time for the whole transfer once it has started, connection included.
    public var totalTimeout: Duration
    /// Credentials sent preemptively as `Authorization: Basic …`.
    public var basicAuth: (user: String, password: String)?
    /// Verify the server certificate and host name (`https` only). Keep `true` outside tests.
    public var verifyTLS: Bool
    /// PEM file of the CA certificates that verify the server (`https` only); `nil` = the system's trust store.
    public var caCertificateFile: String?
    /// PEM file of the client certificate (and chain) presented to the server (`https` only).
    public var clientCertificateFile: String?
    /// PEM file of the unencrypted private key of `clientCertificateFile`; `nil` = the key is in that file.
    public var clientKeyFile: String?
    /// Which proxy to use.
    public var proxy: Proxy
    /// At most this many response body bytes are kept; the rest is read and discarded
    /// (see ``HTTPResponseSummary/bodyTruncated``).
    public var maxResponseBodyBytes: Int

    /// Proxy selection for one request.
    public enum Proxy: Sendable, Hashable {
        /// libcurl's default: `http_proxy`, `https_proxy`, `all_proxy` and `no_proxy` from the environment.
        case environment
        /// Connect directly, whatever the environment says.
        case disabled
        /// Use this proxy URL (for example `http://proxy.local:3128`).
        case url(String)
    }

    public init(
        url: String,
        method: String = "POST",
        headers: [(name: String, value: String)] = [],
        body: [UInt8] = [],
        connectTimeout: Duration = .seconds(5),
        totalTimeout: Duration = .seconds(30),
        basicAuth: (user: String, password: String)? = nil,
        verifyTLS: Bool = true,
        proxy: Proxy = .environment,
        maxResponseBodyBytes: Int = 1 << 20,
        caCertificateFile: String? = nil,
        clientCertificateFile: String? = nil,
        clientKeyFile: String? = nil
    ) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.basicAuth = basicAuth
        self.verifyTLS = verifyTLS
        self.proxy = proxy
        self.maxResponseBodyBytes = maxResponseBodyBytes
        self.caCertificateFile = caCertificateFile
        self.clientCertificateFile = clientCertificateFile
        self.clientKeyFile = clientKeyFile
    }
}
