/// How the gateway authenticates to a receiver of confirmations (a communication system's
/// "users for outbound communication"), and which CAs it trusts for HTTPS.
public struct OutboundCredentials: Sendable, Hashable {
    /// HTTP Basic user and password.
    public var basicAuth: (user: String, password: String)? {
        get { basicUser.map { ($0, basicPassword ?? "") } }
        set {
            basicUser = newValue?.user
            basicPassword = newValue?.password
        }
    }
    private var basicUser: String?
    private var basicPassword: String?
    /// PEM client certificate and its key, for receivers that log on by certificate.
    public var clientCertificateFile: String?
    public var clientKeyFile: String?
    /// PEM bundle of the CAs trusted for the receiver's certificate; `nil` = the system's.
    public var caCertificateFile: String?

    public init(
        basicAuth: (user: String, password: String)? = nil, clientCertificateFile: String? = nil, clientKeyFile: String? = nil,
        caCertificateFile: String? = nil
    ) {
        self.basicUser = basicAuth?.user
        self.basicPassword = basicAuth?.password
        self.clientCertificateFile = clientCertificateFile
        self.clientKeyFile = clientKeyFile
        self.caCertificateFile = caCertificateFile
    }
}
