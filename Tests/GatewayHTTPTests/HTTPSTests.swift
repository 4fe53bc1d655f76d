import GatewayConfig
import CurlClient
import Foundation
import GatewayHTTP
import Logging
import SOAPCore
import Testing

/// Starts the gateway over HTTPS with the test PKI: `clientCertificates` as given, client CA =
/// the test CA, INTEGRATION bound by subject `CN=INTEGRATION,O=Demo`, US_POSTER bound by the
/// SHA-256 fingerprint of the "Poster Robot" certificate. The client trusts the test CA.
func withHTTPSGateway<T>(
    clientCertificates: String = "optional", log: HTTPSTestLog? = nil, _ body: (GatewayHarness, TestPKI) async throws -> T
) async throws -> T {
    let pki = try await TestPKI.shared()
    let posterFingerprint = try await pki.fingerprint(of: pki.poster)
    let directory = try Repo.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let configPath = try Repo.writeConfig(in: directory) { json in
        json["tls"] = [
            "certificateChain": pki.serverCertificate, "privateKey": pki.serverKey, "clientCertificates": clientCertificates,
            "clientCA": pki.caCertificate,
        ]
        var users = try #require(json["users"] as? [[String: Any]])
        try #require(users.count >= 2 && users[0]["name"] as? String == "INTEGRATION" && users[1]["name"] as? String == "US_POSTER")
        users[0]["certificate"] = ["subject": "CN=INTEGRATION, O=Demo"]
        // Lower case without colons: the fingerprint may be written either way.
        users[1]["certificate"] = ["sha256": posterFingerprint.replacingOccurrences(of: ":", with: "").lowercased()]
        json["users"] = users
    }
    let (configuration, _) = try GatewayConfiguration.load(path: configPath)
    let tls = try #require(
        try TLSSettings.resolve(configuration: configuration.tls, configurationPath: configPath, certificateChainFile: nil, privateKeyFile: nil))
    let gateway = try await GatewayHarness.start(
        configPath: configPath, logger: log?.logger ?? GatewayHarness.testLogger, tls: tls, trustedCAFile: pki.caCertificate)
    do {
        let result = try await body(gateway, pki)
        await gateway.stop()
        return result
    } catch {
        await gateway.stop()
        throw error
    }
}

@Suite("HTTPS: Basic and client-certificate logon over TLS")
struct HTTPSTests {
    @Test("Basic authentication over HTTPS posts, reads the ledger, and the WSDL names https://")
    func basicOverHTTPS() async throws {
        try await withHTTPSGateway { gateway, _ in
            #expect(gateway.baseURL.hasPrefix("https://"))
            let confirmation = try expectConfirmation(try await gateway.postSOAP(try Repo.fixture("create_single_soap11.xml")))
            let entry = try #require(confirmation.entries.first)
            #expect(entry.typeIDs == ["605(RW)"])
            let stored = try #require(try await gateway.journalEntry("1010", entry.fiscalYear, entry.accountingDocument))
            #expect(stored.postedBy == "INTEGRATION")

            let wsdl = try await gateway.get(ServicePaths.createSync + "?wsdl", credentials: nil)
            #expect(wsdl.status == 200)
            #expect(wsdl.text.contains("location=\"https://127.0.0.1:\(gateway.port)\(ServicePaths.createSync)\""), "\(wsdl.text.prefix(600))")
            #expect(!wsdl.text.contains("location=\"http://"))
        }
    }

    @Test("a client certificate bound by subject logs on as its user without a password, for SOAP and the JSON API")
    func boundCertificate() async throws {
        try await withHTTPSGateway { gateway, pki in
            let response = try await gateway.postSOAP(try Repo.fixture("create_single_soap11.xml"), credentials: nil, clientCertificate: pki.integration)
            let entry = try #require(try expectConfirmation(response).entries.first)
            #expect(entry.typeIDs == ["605(RW)"])
            let read = try await gateway.send(
                "GET", "/api/journal-entries/1010/\(entry.fiscalYear)/\(entry.accountingDocument)", credentials: nil, clientCertificate: pki.integration)
            #expect(read.status == 200, "\(read.text)")
            let stored = try JSONDecoder().decode(APIEntry.self, from: Data(read.body))
            #expect(stored.postedBy == "INTEGRATION")
        }
    }

    @Test("a client certificate bound by SHA-256 fingerprint is that user, with that user's company codes")
    func fingerprintBinding() async throws {
        try await withHTTPSGateway { gateway, pki in
            let allowed = BulkRequest(EntrySpec.balanced(companyCode: "1710"))
            let posted = try expectConfirmation(try await gateway.postSOAP(allowed.envelope(), credentials: nil, clientCertificate: pki.poster))
            #expect(posted.entries.map(\.typeIDs) == [["605(RW)"]])
            let document = try #require(posted.entries.first).accountingDocument
            let stored = try #require(try await gateway.journalEntry("1710", "2025", document))
            #expect(stored.postedBy == "US_POSTER")
            // US_POSTER may post only in 1710: the certificate carries the user's authorizations.
            let refused = BulkRequest(EntrySpec.balanced(companyCode: "1010"))
            let rejected = try expectConfirmation(try await gateway.postSOAP(refused.envelope(), credentials: nil, clientCertificate: pki.poster))
            #expect(rejected.entries.first?.typeIDs.contains("019(JGW)") == true, "\(rejected.entries.map(\.log))")
        }
    }

    @Test("a valid certificate bound to no user gets 401, logged with its subject and fingerprint; nothing is posted")
    func unboundCertificate() async throws {
        let log = HTTPSTestLog()
        try await withHTTPSGateway(log: log) { gateway, pki in
            let response = try await gateway.postSOAP(try Repo.fixture("create_single_soap11.xml"), credentials: nil, clientCertificate: pki.stranger)
            #expect(response.status == 401)
            #expect(response.header("WWW-Authenticate")?.hasPrefix("Basic") == true)
            #expect(try await gateway.send("GET", "/api/journal-entries", credentials: nil, clientCertificate: pki.stranger).status == 401)
            let line = try #require(try await log.waitFor("logon failed") { $0.metadata["reason"] == "unboundCertificate" }, "\(log.all)")
            #expect(line.metadata["subject"] == "CN=STRANGER,O=Demo")
            #expect(line.metadata["sha256"] == (try await pki.fingerprint(of: pki.stranger)))
            #expect(line.metadata["remote"]?.hasPrefix("127.0.0.1:") == true)
            try await gateway.expectLedgerEmpty()
        }
    }

    @Test("over HTTPS without a certificate and without credentials: 401")
    func noCredentials() async throws {
        try await withHTTPSGateway { gateway, _ in
            let response = try await gateway.postSOAP(try Repo.fixture("create_single_soap11.xml"), credentials: nil)
            #expect(response.status == 401)
            #expect(response.header("WWW-Authenticate")?.hasPrefix("Basic") == true)
            try await gateway.expectLedgerEmpty()
        }
    }

    @Test("Basic credentials decide when both are sent: a valid password with any certificate, never the certificate after a wrong password")
    func basicTakesPrecedence() async throws {
        try await withHTTPSGateway { gateway, pki in
            let asStranger = try await gateway.postSOAP(
                BulkRequest(EntrySpec.balanced()).envelope(), credentials: .integration, clientCertificate: pki.stranger)
            #expect(try expectConfirmation(asStranger).entries.map(\.typeIDs) == [["605(RW)"]])
            let asPoster = try await gateway.postSOAP(
                BulkRequest(EntrySpec.balanced(companyCode: "1710")).envelope(), credentials: .usPoster, clientCertificate: pki.integration)
            let document = try #require(try expectConfirmation(asPoster).entries.first).accountingDocument
            #expect(try await gateway.journalEntry("1710", "2025", document)?.postedBy == "US_POSTER")
            let wrong = try await gateway.postSOAP(
                BulkRequest(EntrySpec.balanced()).envelope(), credentials: Credentials(user: "INTEGRATION", password: "wrong"),
                clientCertificate: pki.integration)
            #expect(wrong.status == 401)
            #expect(try await gateway.listAll().count == 2)
        }
    }

    @Test("a certificate of another CA fails the handshake, and the log says it is not issued by a CA of tls.clientCA")
    func foreignCertificate() async throws {
        let log = HTTPSTestLog()
        try await withHTTPSGateway(log: log) { gateway, pki in
            await #expect(throws: CurlError.self) {
                try await gateway.postSOAP(try Repo.fixture("create_single_soap11.xml"), credentials: .integration, clientCertificate: pki.foreign)
            }
            let line = try #require(try await log.waitFor("TLS client certificate refused"), "\(log.all)")
            #expect(line.level == .warning)
            #expect(line.metadata["reason"]?.hasPrefix("not issued by a CA of tls.clientCA (issuer CN=Foreign Test CA,O=Elsewhere)") == true, "\(line)")
            #expect(line.metadata["subject"] == "CN=INTEGRATION,O=Demo")
            #expect(line.metadata["sha256"] == (try await pki.fingerprint(of: pki.foreign)))
            try await gateway.expectLedgerEmpty()
        }
    }

    @Test("an expired certificate of the right CA fails the handshake, and the log says when it expired")
    func expiredCertificate() async throws {
        let log = HTTPSTestLog()
        try await withHTTPSGateway(log: log) { gateway, pki in
            await #expect(throws: CurlError.self) {
                try await gateway.postSOAP(try Repo.fixture("create_single_soap11.xml"), credentials: .integration, clientCertificate: pki.expired)
            }
            let line = try #require(try await log.waitFor("TLS client certificate refused"), "\(log.all)")
            #expect(line.metadata["reason"] == "expired on 2020-01-02T00:00:00Z", "\(line)")
            try await gateway.expectLedgerEmpty()
        }
    }

    @Test("clientCertificates 'required': no certificate fails the handshake (logged), a bound one logs on")
    func requiredCertificates() async throws {
        let log = HTTPSTestLog()
        try await withHTTPSGateway(clientCertificates: "required", log: log) { gateway, pki in
            await #expect(throws: CurlError.self) {
                try await gateway.postSOAP(try Repo.fixture("create_single_soap11.xml"), credentials: .integration)
            }
            let line = try #require(try await log.waitFor("TLS handshake failed"), "\(log.all)")
            #expect(line.metadata["reason"]?.contains("no client certificate presented") == true, "\(line)")
            let response = try await gateway.postSOAP(try Repo.fixture("create_single_soap11.xml"), credentials: nil, clientCertificate: pki.integration)
            #expect(try expectConfirmation(response).entries.map(\.typeIDs) == [["605(RW)"]])
        }
    }

    @Test("plain HTTP to the HTTPS port gets no HTTP answer, and the log says why")
    func plainHTTPRefused() async throws {
        let log = HTTPSTestLog()
        try await withHTTPSGateway(log: log) { gateway, _ in
            let client = try CurlClient(maxConcurrentTransfers: 1)
            await #expect(throws: CurlError.self) {
                try await client.execute(
                    HTTPRequestSpec(url: "http://127.0.0.1:\(gateway.port)/health", method: "GET", totalTimeout: .seconds(10), proxy: .disabled))
            }
            await client.shutdown()
            let line = try #require(try await log.waitFor("TLS handshake failed"), "\(log.all)")
            #expect(line.metadata["reason"] == "the client sent plain HTTP to the HTTPS port", "\(line)")
        }
    }

    @Test("a client that does not trust the gateway's certificate aborts the handshake, and the log says so in plain words")
    func clientRefusesServerCertificate() async throws {
        let log = HTTPSTestLog()
        try await withHTTPSGateway(log: log) { gateway, _ in
            // The system CAs only: the test CA is unknown to curl, which aborts with an 'unknown CA' alert.
            let child = try ChildProcess(
                executable: "/usr/bin/env",
                arguments: ["curl", "-sS", "--tlsv1.2", "--tls-max", "1.2", "https://127.0.0.1:\(gateway.port)/health"],
                timeLimit: .seconds(20))
            let (exit, output) = await child.waitForExit()
            #expect(!(exit.reason == .exit && exit.status == 0), "the handshake succeeded: \(output)")
            let line = try #require(try await log.waitFor("TLS handshake failed"), "\(log.all)")
            #expect(line.metadata["reason"]?.hasPrefix("the client refused the gateway's certificate (TLS alert unknown_ca)") == true, "\(line)")
        }
    }

    @Test("TLS 1.2 and 1.3 are accepted, TLS 1.1 is refused (and logged); HTTP/1.1 is negotiated by ALPN")
    func tlsVersions() async throws {
        let log = HTTPSTestLog()
        try await withHTTPSGateway(log: log) { gateway, pki in
            func handshake(_ options: [String]) async throws -> (ok: Bool, output: String) {
                let child = try ChildProcess(
                    executable: "/usr/bin/env",
                    arguments: ["openssl", "s_client", "-connect", "127.0.0.1:\(gateway.port)", "-CAfile", pki.caCertificate, "-verify_return_error"]
                        + options, timeLimit: .seconds(20))
                let (exit, output) = await child.waitForExit()
                return (exit.reason == .exit && exit.status == 0, output)
            }
            for version in ["-tls1_2", "-tls1_3"] {
                let (ok, output) = try await handshake([version, "-alpn", "h2,http/1.1"])
                #expect(ok, "\(version): \(output)")
                #expect(output.contains("ALPN protocol: http/1.1"), "\(version): \(output)")
            }
            // SECLEVEL=0 lets this OpenSSL offer TLS 1.1 at all, so the refusal is the gateway's.
            let (ok, output) = try await handshake(["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"])
            #expect(!ok, "TLS 1.1 was accepted: \(output)")
            #expect(output.contains("alert protocol version") || output.contains("unsupported protocol"), "\(output)")
            let line = try #require(try await log.waitFor("TLS handshake failed"), "\(log.all)")
            #expect(line.metadata["reason"] == "the client offers no TLS version the gateway accepts (TLS 1.2 or 1.3)", "\(line)")
        }
    }
}

@Suite("Interoperability with zeep (Python) over HTTPS")
struct ZeepHTTPSTests {
    @Test("zeep loads the WSDL over HTTPS trusting the test CA and posts to the https:// address the WSDL names")
    func zeepOverHTTPS() async throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("zeep_client.py").path
        try await withHTTPSGateway { gateway, pki in
            var environment = ProcessInfo.processInfo.environment
            environment["ZEEP_CA_BUNDLE"] = pki.caCertificate
            let child = try ChildProcess(
                executable: "/usr/bin/env", arguments: ["python3", script, gateway.baseURL, "INTEGRATION", "welcome1", "ZEEP-TLS"],
                environment: environment, timeLimit: .seconds(90))
            let (exit, log) = await child.waitForExit()
            try #require(exit.reason == .exit && exit.status == 0, "zeep_client.py failed (\(exit)):\n\(log)")
            let line = try #require(log.split(separator: "\n").last { $0.hasPrefix("{") }, "no JSON in:\n\(log)")
            let output = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let results = try #require(output["results"] as? [[String: Any]])
            #expect(results.map { $0["binding"] as? String } == ["soap11", "soap12"])
            #expect(results.allSatisfy { ($0["typeIDs"] as? [String]) == ["605(RW)"] }, "\(results)")
            let posted = try await gateway.listAll()
            #expect(posted.filter { $0.source.messageID?.hasPrefix("ZEEP-TLS") == true }.count == 2)
        }
    }
}

@Suite("HTTPS settings: start-up errors name the file and the cause")
struct TLSSettingsTests {
    @Test("a missing, non-PEM or directory certificate file, a wrong or encrypted key: each a clear error")
    func badFiles() async throws {
        let pki = try await TestPKI.shared()
        func failure(_ chain: String, _ key: String) -> String? {
            do {
                _ = try TLSSettings(certificateChainFile: chain, privateKeyFile: key).check()
                return nil
            } catch {
                return error.description
            }
        }
        let missing = pki.directory + "/missing.pem"
        #expect(failure(missing, pki.serverKey) == "TLS certificate chain \(missing): no such file")
        #expect(failure(pki.garbage, pki.serverKey) == "TLS certificate chain \(pki.garbage): holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)")
        #expect(failure(pki.directory, pki.serverKey) == "TLS certificate chain \(pki.directory): is a directory, not a PEM file")
        #expect(failure(pki.serverCertificate, pki.garbage) == "TLS private key \(pki.garbage): holds no PEM private key (expected -----BEGIN PRIVATE KEY-----)")
        #expect(failure(pki.serverCertificate, pki.encryptedKey)?.hasPrefix("TLS private key \(pki.encryptedKey): is encrypted") == true)
        #expect(
            failure(pki.serverCertificate, pki.stranger.key)
                == "TLS private key \(pki.stranger.key) does not belong to the certificate in \(pki.serverCertificate)")
        #expect(failure(pki.serverCertificate, pki.serverKey) == nil)
        // The CA bundle of client certificates is read the same way.
        do {
            _ = try TLSSettings(certificateChainFile: pki.serverCertificate, privateKeyFile: pki.serverKey, clientCertificates: .optional, clientCAFile: missing)
                .check()
            Issue.record("a missing client CA bundle was accepted")
        } catch {
            #expect(error.description == "client CA bundle \(missing): no such file")
        }
    }

    @Test("the configuration check reads the tls files (relative to the configuration file) and checks users[].certificate")
    func configurationChecks() async throws {
        let pki = try await TestPKI.shared()
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for (name, source) in [("server.pem", pki.serverCertificate), ("server.key", pki.serverKey), ("ca.pem", pki.caCertificate)] {
            try FileManager.default.copyItem(atPath: source, toPath: directory + "/" + name)
        }
        // Relative paths: found next to the configuration file, whatever the working directory.
        let good = try Repo.writeConfig(in: directory) { json in
            json["tls"] = ["certificateChain": "server.pem", "privateKey": "server.key", "clientCertificates": "optional", "clientCA": "ca.pem"]
        }
        let (configuration, _) = try GatewayConfiguration.load(path: good)
        let settings = try #require(
            try TLSSettings.resolve(configuration: configuration.tls, configurationPath: good, certificateChainFile: nil, privateKeyFile: nil))
        #expect(settings.certificateChainFile == directory + "/server.pem")
        #expect(settings.clientCAFile == directory + "/ca.pem")
        // The command line overrides certificate and key.
        let overridden = try TLSSettings.resolve(
            configuration: configuration.tls, configurationPath: good, certificateChainFile: "/x/chain.pem", privateKeyFile: "/x/key.pem")
        #expect(overridden?.certificateChainFile == "/x/chain.pem" && overridden?.privateKeyFile == "/x/key.pem")

        /// The description of the load error and how many problems it lists.
        func problems(_ edit: @escaping (inout [String: Any]) throws -> Void) throws -> (text: String, count: Int) {
            let path = try Repo.writeConfig(in: directory, edit: edit)
            do {
                _ = try GatewayConfiguration.load(path: path)
                return ("", 0)
            } catch let error as GatewayConfiguration.LoadError {
                return (error.description, error.problems.count)
            }
        }
        let (missingFile, _) = try problems { $0["tls"] = ["certificateChain": "nope.pem", "privateKey": "server.key"] }
        #expect(missingFile.contains("tls: TLS certificate chain \(directory)/nope.pem: no such file"), "\(missingFile)")
        let (noCA, noCACount) = try problems { $0["tls"] = ["certificateChain": "server.pem", "privateKey": "server.key", "clientCertificates": "required"] }
        #expect(noCACount == 1 && noCA.contains("tls.clientCertificates is 'required': tls.clientCA (the CA bundle of client certificates) is needed"), "\(noCA)")
        let (badMode, _) = try problems { $0["tls"] = ["certificateChain": "server.pem", "privateKey": "server.key", "clientCertificates": "sometimes"] }
        #expect(badMode.contains("tls.clientCertificates"), "\(badMode)")
        let (bindings, _) = try problems { json in
            json["tls"] = ["certificateChain": "server.pem", "privateKey": "server.key", "clientCertificates": "optional", "clientCA": "ca.pem"]
            var users = json["users"] as? [[String: Any]] ?? []
            users[0]["certificate"] = ["subject": "INTEGRATION"]
            users[1]["certificate"] = ["sha256": "12:34"]
            json["users"] = users
        }
        #expect(bindings.contains("users[0] (INTEGRATION).certificate: subject 'INTEGRATION' is not a distinguished name"), "\(bindings)")
        #expect(bindings.contains("users[1] (US_POSTER).certificate: sha256 '12:34' is not 64 hex digits"), "\(bindings)")
        let (noClientCertificates, noClientCertificatesCount) = try problems { json in
            var users = json["users"] as? [[String: Any]] ?? []
            users[0]["certificate"] = ["subject": "CN=INTEGRATION,O=Demo"]
            users[1]["certificate"] = ["subject": "CN=Poster Robot,O=Demo"]
            json["users"] = users
        }
        // One mistake (no client certificates requested), reported once.
        #expect(noClientCertificatesCount == 1, "\(noClientCertificates)")
        #expect(
            noClientCertificates.contains(
                "users[0] (INTEGRATION), users[1] (US_POSTER): certificate logon needs tls.clientCertificates 'optional' or 'required'"),
            "\(noClientCertificates)")
    }

    @Test("`serve` with a missing certificate stops at start-up with an error naming the file")
    func serveStartupError() async throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let child = try ChildProcess(
            executable: try GatewayExecutable.path(),
            arguments: [
                "serve", "--config", Repo.demoConfig, "--resources", Repo.root, "--database", directory + "/ledger.sqlite", "--port", "0",
                "--tls-certificate", directory + "/missing.pem", "--tls-key", directory + "/missing.key",
            ], timeLimit: .seconds(30))
        let (exit, log) = await child.waitForExit()
        #expect(exit.reason == .exit && exit.status != 0, "\(exit): \(log)")
        #expect(log.contains("TLS certificate chain \(directory)/missing.pem: no such file"), "\(log)")
        let half = try ChildProcess(
            executable: try GatewayExecutable.path(),
            arguments: ["serve", "--config", Repo.demoConfig, "--resources", Repo.root, "--database", directory + "/ledger.sqlite", "--tls-certificate", "x.pem"],
            timeLimit: .seconds(30))
        let (halfExit, halfLog) = await half.waitForExit()
        #expect(halfExit.status != 0 && halfLog.contains("no private key (--tls-key or tls.privateKey)"), "\(halfLog)")
    }
}
