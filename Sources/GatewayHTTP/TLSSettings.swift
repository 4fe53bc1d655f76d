import Ledger
import GatewayConfig
import Foundation
import Logging
import NIOSSL

/// HTTPS settings of `journal-gateway serve`: where the server's certificate chain and key are,
/// and whether and against which CAs client certificates are verified.
public struct TLSSettings: Sendable, Equatable {
    /// PEM file: the server certificate, then the intermediates.
    public var certificateChainFile: String
    /// PEM file: the unencrypted private key of the server certificate.
    public var privateKeyFile: String
    public var clientCertificates: ClientCertificateMode
    /// PEM bundle of the CAs that issue client certificates (needed unless `clientCertificates` is `.none`).
    public var clientCAFile: String?

    public init(
        certificateChainFile: String, privateKeyFile: String, clientCertificates: ClientCertificateMode = .none, clientCAFile: String? = nil
    ) {
        self.certificateChainFile = certificateChainFile
        self.privateKeyFile = privateKeyFile
        self.clientCertificates = clientCertificates
        self.clientCAFile = clientCAFile
    }

    /// The settings from the configuration's `tls` block, with the command line's certificate and
    /// key (if given) taking precedence. `nil` when neither names a certificate: plain HTTP.
    /// Relative paths of the configuration file are read from the configuration file's directory.
    public static func resolve(
        configuration: GatewayConfiguration.TLS?, configurationPath: String, certificateChainFile: String?, privateKeyFile: String?
    ) throws(TLSSetupError) -> TLSSettings? {
        let directory = URL(fileURLWithPath: configurationPath).deletingLastPathComponent().path
        let chain = certificateChainFile ?? configuration?.certificateChain.map { resolve($0, relativeTo: directory) }
        let key = privateKeyFile ?? configuration?.privateKey.map { resolve($0, relativeTo: directory) }
        let mode = configuration?.clientCertificates ?? .none
        switch (chain, key) {
        case (nil, nil):
            guard mode == .none else {
                throw TLSSetupError("tls.clientCertificates is '\(mode.rawValue)' but no server certificate is given (tls.certificateChain or --tls-certificate)")
            }
            return nil
        case (.some, nil): throw TLSSetupError("a TLS certificate chain is given but no private key (--tls-key or tls.privateKey)")
        case (nil, .some): throw TLSSetupError("a TLS private key is given but no certificate chain (--tls-certificate or tls.certificateChain)")
        case let (chain?, key?):
            return TLSSettings(
                certificateChainFile: chain, privateKeyFile: key, clientCertificates: mode,
                clientCAFile: configuration?.clientCA.map { resolve($0, relativeTo: directory) })
        }
    }

    static func resolve(_ path: String, relativeTo directory: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: directory).appendingPathComponent(path).path
    }

    /// Reads the files and builds the TLS context as `serve` does at start-up; throws what is
    /// wrong with a file (missing, unreadable, not PEM, encrypted key, key of another certificate).
    public func check() throws(TLSSetupError) {
        _ = try load()
    }

    /// Reads the files and builds the TLS context: TLS 1.2 or 1.3, HTTP/1.1, and client
    /// certificates verified against the CA bundle when requested.
    func load() throws(TLSSetupError) -> TLSMaterial {
        let chain = try Self.certificates(in: certificateChainFile, what: "TLS certificate chain")
        let key = try Self.privateKey(in: privateKeyFile)
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = ["http/1.1"]
        var caSubjects: [DistinguishedName] = []
        if clientCertificates != .none {
            guard let clientCAFile else {
                throw TLSSetupError("tls.clientCertificates is '\(clientCertificates.rawValue)' but tls.clientCA (the CA bundle of client certificates) is missing")
            }
            let authorities = try Self.certificates(in: clientCAFile, what: "client CA bundle")
            caSubjects = authorities.map { DistinguishedName($0.subjectName) }
            configuration.trustRoots = .certificates(authorities)
            configuration.sendCANameList = true
            configuration.certificateVerification = clientCertificates == .required ? .noHostnameVerification : .optionalVerification
        }
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch NIOSSLError.failedToLoadPrivateKey {
            throw TLSSetupError("TLS private key \(privateKeyFile) does not belong to the certificate in \(certificateChainFile)")
        } catch {
            throw TLSSetupError("TLS setup with \(certificateChainFile) and \(privateKeyFile) failed: \(error)")
        }
        return TLSMaterial(
            sslContext: context, clientCertificates: clientCertificates, clientCASubjects: caSubjects,
            serverCertificateNotValidAfter: Int(chain[0].notValidAfter), serverSubject: DistinguishedName(chain[0].subjectName))
    }

    static func contents(of path: String, what: String) throws(TLSSetupError) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw TLSSetupError("\(what) \(path): no such file") }
        guard !isDirectory.boolValue else { throw TLSSetupError("\(what) \(path): is a directory, not a PEM file") }
        guard let data = FileManager.default.contents(atPath: path) else { throw TLSSetupError("\(what) \(path): cannot be read (permissions?)") }
        return Array(data)
    }

    static func certificates(in path: String, what: String) throws(TLSSetupError) -> [NIOSSLCertificate] {
        let bytes = try contents(of: path, what: what)
        let certificates = (try? NIOSSLCertificate.fromPEMBytes(bytes)) ?? []
        guard !certificates.isEmpty else {
            throw TLSSetupError("\(what) \(path): holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)")
        }
        return certificates
    }

    static func privateKey(in path: String) throws(TLSSetupError) -> NIOSSLPrivateKey {
        let bytes = try contents(of: path, what: "TLS private key")
        let text = String(decoding: bytes, as: UTF8.self)
        if text.contains("ENCRYPTED") {
            throw TLSSetupError("TLS private key \(path): is encrypted; give an unencrypted key (openssl pkey -in <key> -out <plain key>)")
        }
        do {
            return try NIOSSLPrivateKey(bytes: bytes, format: .pem)
        } catch {
            throw TLSSetupError("TLS private key \(path): holds no PEM private key (expected -----BEGIN PRIVATE KEY-----)")
        }
    }
}

/// A TLS start-up problem, naming the file and the cause.
public struct TLSSetupError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// What `TLSSettings.load()` read: the TLS context and what the verification log lines need.
struct TLSMaterial: Sendable {
    let sslContext: NIOSSLContext
    let clientCertificates: ClientCertificateMode
    /// Subjects of the CAs in `tls.clientCA`, to explain why a certificate is refused.
    let clientCASubjects: [DistinguishedName]
    let serverCertificateNotValidAfter: Int
    let serverSubject: DistinguishedName

    /// Logs a warning when the server certificate has expired or expires within 30 days.
    func warnIfExpiring(logger: Logger, now: Date = Date()) {
        let remaining = TimeInterval(serverCertificateNotValidAfter) - now.timeIntervalSince1970
        guard remaining < 30 * 86_400 else { return }
        let date = Date(timeIntervalSince1970: TimeInterval(serverCertificateNotValidAfter)).formatted(.iso8601)
        logger.warning(
            remaining < 0 ? "the TLS server certificate has expired: clients will refuse it" : "the TLS server certificate expires soon",
            metadata: ["subject": .string("\(serverSubject)"), "notValidAfter": .string(date)])
    }
}

extension GatewayConfiguration {
    /// The problems of the `tls` block and of `users[].certificate`, for `load(path:)`. Reads the
    /// PEM files, so that a configuration that passes does not fail at start-up on them.
    func tlsProblems(configurationPath: String) -> [String] {
        var problems: [String] = []
        let mode = tls?.clientCertificates ?? .none
        if let tls {
            if tls.certificateChain != nil || tls.privateKey != nil {
                do {
                    var settings = try TLSSettings.resolve(configuration: tls, configurationPath: configurationPath, certificateChainFile: nil, privateKeyFile: nil)
                    // A missing clientCA is reported below, once; the certificate and key are still read.
                    if settings?.clientCAFile == nil { settings?.clientCertificates = .none }
                    try settings?.check()
                } catch {
                    problems.append("tls: \(error.description)")
                }
            } else if let clientCA = tls.clientCA {
                let directory = URL(fileURLWithPath: configurationPath).deletingLastPathComponent().path
                do {
                    _ = try TLSSettings.certificates(in: TLSSettings.resolve(clientCA, relativeTo: directory), what: "client CA bundle")
                } catch {
                    problems.append("tls.clientCA: \(error.description)")
                }
            }
            if mode != .none, tls.clientCA == nil {
                problems.append("tls.clientCertificates is '\(mode.rawValue)': tls.clientCA (the CA bundle of client certificates) is needed")
            }
            if mode == .none, tls.clientCA != nil {
                problems.append("tls.clientCA is set but tls.clientCertificates is 'none': set it to 'optional' or 'required'")
            }
        }
        var needClientCertificates: [String] = []
        var subjects: [(DistinguishedName, String)] = []
        var fingerprints: [[UInt8]: String] = [:]
        for (index, user) in users.enumerated() {
            guard let configured = user.certificate else { continue }
            let location = "users[\(index)] (\(user.name)).certificate"
            guard let binding = BoundCertificate(configured) else {
                if let subject = configured.subject, DistinguishedName(parsing: subject) == nil {
                    let known = Set(DistinguishedName.knownTypes.values).sorted().joined(separator: ", ")
                    problems.append("\(location): subject '\(subject)' is not a distinguished name like CN=INTEGRATION,O=Demo (attribute types: \(known))")
                }
                if let sha256 = configured.sha256, Fingerprint.parse(sha256) == nil {
                    problems.append("\(location): sha256 '\(sha256)' is not 64 hex digits (colons allowed)")
                }
                if configured.subject == nil, configured.sha256 == nil { problems.append("\(location): give a subject, a sha256 fingerprint or both") }
                continue
            }
            if mode == .none { needClientCertificates.append("users[\(index)] (\(user.name))") }
            if let sha256 = binding.sha256 {
                if let other = fingerprints[sha256] { problems.append("\(location): the same sha256 is bound to user \(other)") }
                fingerprints[sha256] = user.name
            }
            if let subject = binding.subject, binding.sha256 == nil {
                if let other = subjects.first(where: { $0.0.matches(subject) }) { problems.append("\(location): subject \(subject) is bound to user \(other.1) too") }
                subjects.append((subject, user.name))
            }
        }
        if !needClientCertificates.isEmpty {
            problems.append(
                "\(needClientCertificates.joined(separator: ", ")): certificate logon needs tls.clientCertificates 'optional' or 'required' (and tls.clientCA)")
        }
        return problems
    }
}

extension GatewayConfiguration {
    /// Reads, decodes and checks a configuration file for serving: every check of
    /// ``load(path:checks:)`` and those of the `tls` block and `users[].certificate`, which read
    /// the PEM files.
    public static func load(path: String) throws -> (GatewayConfiguration, MasterData) {
        try load(path: path, checks: [{ configuration, path in configuration.tlsProblems(configurationPath: path) }])
    }
}
