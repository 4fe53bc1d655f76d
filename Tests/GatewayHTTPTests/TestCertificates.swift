import Foundation
import GatewayHTTP
import Logging
import Synchronization
import Testing

/// PEM files of a client certificate and its unencrypted key.
struct ClientCertificateFiles: Sendable {
    let certificate: String
    let key: String
}

/// A throwaway PKI made with the `openssl` command at test time, in a temporary directory:
/// a test CA, a server certificate for 127.0.0.1/localhost, client certificates (bound, unbound,
/// expired) of that CA, and a client certificate of a second, foreign CA.
struct TestPKI: Sendable {
    let directory: String
    /// PEM of the test CA (trusted by clients for the server, and by the gateway for client certificates).
    let caCertificate: String
    let serverCertificate: String
    let serverKey: String
    /// `CN=INTEGRATION,O=Demo`, bound to user INTEGRATION by subject.
    let integration: ClientCertificateFiles
    /// `CN=Poster Robot,O=Demo`, bound to user US_POSTER by SHA-256 fingerprint.
    let poster: ClientCertificateFiles
    /// `CN=STRANGER,O=Demo`: valid, bound to no user.
    let stranger: ClientCertificateFiles
    /// `CN=INTEGRATION,O=Demo` of another CA.
    let foreign: ClientCertificateFiles
    /// `CN=INTEGRATION,O=Demo` of the test CA, valid only on 1 January 2020.
    let expired: ClientCertificateFiles
    /// A PEM file that is not a certificate, and an encrypted key, for start-up errors.
    let garbage: String
    let encryptedKey: String

    /// The PKI of this test run, made once.
    static func shared() async throws -> TestPKI {
        let task = cache.withLock { cached in
            if let cached { return cached }
            let task = Task { try await make() }
            cached = task
            return task
        }
        return try await task.value
    }

    private static let cache = Mutex<Task<TestPKI, any Error>?>(nil)

    /// `AB:CD:…` as `openssl x509 -fingerprint -sha256` prints it.
    func fingerprint(of certificate: ClientCertificateFiles) async throws -> String {
        let output = try await Self.openssl(["x509", "-in", certificate.certificate, "-noout", "-fingerprint", "-sha256"])
        let line = try #require(output.split(separator: "\n").first { $0.contains("Fingerprint=") }, "no fingerprint in \(output)")
        return String(line.split(separator: "=", maxSplits: 1)[1]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func make() async throws -> TestPKI {
        let directory = try Repo.makeTemporaryDirectory()
        let ca = try await CertificateAuthority.make(in: directory + "/ca", subject: "/O=Demo/CN=Journal Gateway Test CA")
        let other = try await CertificateAuthority.make(in: directory + "/foreign", subject: "/O=Elsewhere/CN=Foreign Test CA")
        let server = try await ca.issue(name: "server", subject: "/O=Demo/CN=127.0.0.1", extensions: "server_ext")
        let garbage = directory + "/garbage.pem"
        try Data("this is not a certificate\n".utf8).write(to: URL(fileURLWithPath: garbage))
        let encryptedKey = directory + "/encrypted.key"
        _ = try await openssl([
            "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-aes-128-cbc", "-pass", "pass:secret", "-out", encryptedKey,
        ])
        return TestPKI(
            directory: directory, caCertificate: ca.certificate, serverCertificate: server.certificate, serverKey: server.key,
            integration: try await ca.issue(name: "integration", subject: "/O=Demo/CN=INTEGRATION"),
            poster: try await ca.issue(name: "poster", subject: "/O=Demo/CN=Poster Robot"),
            stranger: try await ca.issue(name: "stranger", subject: "/O=Demo/CN=STRANGER"),
            foreign: try await other.issue(name: "foreign", subject: "/O=Demo/CN=INTEGRATION"),
            expired: try await ca.issue(name: "expired", subject: "/O=Demo/CN=INTEGRATION", validity: ["-startdate", "20200101000000Z", "-enddate", "20200102000000Z"]),
            garbage: garbage, encryptedKey: encryptedKey)
    }

    /// Runs `openssl` and returns its output; throws when it fails.
    @discardableResult
    static func openssl(_ arguments: [String]) async throws -> String {
        let child = try ChildProcess(executable: "/usr/bin/env", arguments: ["openssl"] + arguments, timeLimit: .seconds(30))
        let (exit, log) = await child.waitForExit()
        guard exit.reason == .exit, exit.status == 0 else { throw HarnessError("openssl \(arguments.joined(separator: " ")) failed (\(exit)):\n\(log)") }
        return log
    }

    /// One CA: key, self-signed certificate and the files `openssl ca` keeps.
    private struct CertificateAuthority {
        let directory: String
        let certificate: String
        let key: String
        let config: String

        static func make(in directory: String, subject: String) async throws -> CertificateAuthority {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let config = directory + "/ca.cnf"
            let text = """
                [req]
                distinguished_name = dn
                [dn]
                [ca]
                default_ca = test_ca
                [test_ca]
                database = \(directory)/index.txt
                new_certs_dir = \(directory)
                serial = \(directory)/serial.txt
                default_md = sha256
                policy = any_name
                preserve = yes
                unique_subject = no
                email_in_dn = no
                copy_extensions = none
                [any_name]
                organizationName = optional
                commonName = supplied
                [ca_ext]
                basicConstraints = critical,CA:TRUE
                keyUsage = critical,keyCertSign,cRLSign
                subjectKeyIdentifier = hash
                [server_ext]
                basicConstraints = critical,CA:FALSE
                keyUsage = critical,digitalSignature
                extendedKeyUsage = serverAuth
                subjectAltName = IP:127.0.0.1,DNS:localhost
                [client_ext]
                basicConstraints = critical,CA:FALSE
                keyUsage = critical,digitalSignature
                extendedKeyUsage = clientAuth

                """
            try Data(text.utf8).write(to: URL(fileURLWithPath: config))
            try Data().write(to: URL(fileURLWithPath: directory + "/index.txt"))
            try Data("1000\n".utf8).write(to: URL(fileURLWithPath: directory + "/serial.txt"))
            let certificate = directory + "/ca.pem", key = directory + "/ca.key"
            try await openssl([
                "req", "-x509", "-config", config, "-extensions", "ca_ext", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-keyout", key, "-out", certificate, "-days", "3", "-subj", subject,
            ])
            return CertificateAuthority(directory: directory, certificate: certificate, key: key, config: config)
        }

        func issue(name: String, subject: String, extensions: String = "client_ext", validity: [String] = ["-days", "3"]) async throws
            -> ClientCertificateFiles
        {
            let key = directory + "/\(name).key", request = directory + "/\(name).csr", certificate = directory + "/\(name).pem"
            try await openssl([
                "req", "-new", "-config", config, "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key,
                "-out", request, "-subj", subject,
            ])
            try await openssl(
                ["ca", "-batch", "-config", config, "-cert", self.certificate, "-keyfile", self.key, "-extensions", extensions, "-notext"]
                    + validity + ["-in", request, "-out", certificate])
            return ClientCertificateFiles(certificate: certificate, key: key)
        }
    }
}

/// Log messages kept in memory, to check what the gateway logs.
final class HTTPSTestLog: Sendable {
    struct Entry: Sendable, CustomStringConvertible {
        let level: Logger.Level
        let message: String
        let metadata: [String: String]
        var description: String { "[\(level)] \(message) \(metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))" }
    }

    private let entries = Mutex<[Entry]>([])

    var all: [Entry] { entries.withLock { $0 } }

    /// A logger that writes here (level `debug`).
    var logger: Logger {
        var logger = Logger(label: "journal-gateway.https-test") { _ in Handler(log: self) }
        logger.logLevel = .debug
        return logger
    }

    func entries(_ message: String) -> [Entry] { all.filter { $0.message == message } }

    /// Waits up to `timeout` for an entry with `message` that satisfies `predicate`.
    func waitFor(_ message: String, timeout: Duration = .seconds(5), where predicate: (Entry) -> Bool = { _ in true }) async throws -> Entry? {
        let deadline = ContinuousClock.now + timeout
        repeat {
            if let entry = entries(message).first(where: predicate) { return entry }
            try await Task.sleep(for: .milliseconds(20))
        } while ContinuousClock.now < deadline
        return nil
    }

    fileprivate func append(_ entry: Entry) { entries.withLock { $0.append(entry) } }

    private struct Handler: LogHandler {
        let log: HTTPSTestLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var flat: [String: String] = [:]
            for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) { flat[key] = "\(value)" }
            log.append(Entry(level: event.level, message: "\(event.message)", metadata: flat))
        }
    }
}
