import GatewayConfig
import Foundation
import GatewayHTTP
import HummingbirdBcrypt
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The built `journal-gateway` binary run as a child process: start-up errors that name the
/// address, path and cause, option checks, `--version`, `hash-password` and `check-config`.
@Suite("journal-gateway start-up errors and command-line options")
struct StartupAndCLITests {
    /// Runs the binary to its end and returns its exit and its output (stdout and stderr).
    private static func run(_ arguments: [String], timeLimit: Duration = .seconds(60)) async throws -> (ChildProcess.Exit, String) {
        let child = try ChildProcess(executable: try GatewayExecutable.path(), arguments: arguments, timeLimit: timeLimit)
        let (exit, log) = await child.waitForExit()
        return (exit, log)
    }

    /// Runs `sh -c script` with the binary as `$0`-independent `"$GATEWAY"`, e.g. to pipe stdin or change directory.
    private static func shell(_ script: String, _ arguments: [String] = []) throws -> ChildProcess {
        var environment = ProcessInfo.processInfo.environment
        environment["GATEWAY"] = try GatewayExecutable.path()
        return try ChildProcess(executable: "/bin/sh", arguments: ["-c", script, "sh"] + arguments, environment: environment)
    }

    /// `serve` options that point at the repository's configuration and resources.
    private static func serve(_ extra: [String]) -> [String] {
        ["serve", "--config", Repo.demoConfig, "--resources", Repo.root] + extra
    }

    // MARK: Version and usage errors

    @Test("--version prints the version defined in GatewayVersion")
    func version() async throws {
        let (exit, log) = try await Self.run(["--version"])
        #expect(exit.reason == .exit && exit.status == 0, "\(exit)")
        #expect(log == "journal-gateway \(GatewayVersion.current)\n")
        #expect(GatewayVersion.current.split(separator: ".").count == 3 && GatewayVersion.current.split(separator: ".").allSatisfy { Int($0) != nil })
    }

    @Test(
        "--port outside 0…65535 is a usage error that says the range; nothing is started or created",
        arguments: ["65536", "100000", "99999999999"])
    func portOutOfRange(port: String) async throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = directory + "/ledger.sqlite"
        let (exit, log) = try await Self.run(Self.serve(["--port", port, "--database", database]))
        #expect(exit.reason == .exit && exit.status == 64, "\(exit)\n\(log)")
        #expect(log.contains("Error: --port must be 1…65535, or 0 for any free port (the chosen one is logged); got \(port)"), "\(log)")
        #expect(!FileManager.default.fileExists(atPath: database))
    }

    @Test("--port that is not a number is a usage error naming the value")
    func portNotANumber() async throws {
        let (exit, log) = try await Self.run(Self.serve(["--port", "http"]))
        #expect(exit.reason == .exit && exit.status == 64, "\(exit)\n\(log)")
        #expect(log.contains("'http'") && log.contains("--port"), "\(log)")
    }

    @Test("hash-password refuses a cost outside 4…31 with a message instead of crashing", arguments: ["0", "3", "32", "99"])
    func hashPasswordBadCost(cost: String) async throws {
        let (exit, log) = try await Self.run(["hash-password", "--cost", cost])
        #expect(exit.reason == .exit && exit.status == 64, "\(exit)\n\(log)")
        #expect(log.contains("Error: --cost must be 4…31 (bcrypt's range), not \(cost)"), "\(log)")
    }

    @Test("hash-password prints a hash the configuration check accepts and that verifies the password")
    func hashPasswordPrintsAHash() async throws {
        let child = try Self.shell(#"printf '%s\n' 's3cret pass' | "$GATEWAY" hash-password --cost 4"#)
        let (exit, log) = await child.waitForExit()
        #expect(exit.reason == .exit && exit.status == 0, "\(exit)\n\(log)")
        let hash = log.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(hash.hasPrefix("$2b$04$"), "\(log)")
        #expect(PasswordHashFormat.problem(hash) == nil)
        #expect(Bcrypt.verify("s3cret pass", hash: hash))
    }

    // MARK: Listening

    @Test("a port in use is reported as 'cannot listen on host:port: address already in use'", .timeLimit(.minutes(2)))
    func portInUse() async throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await withGateway { gateway in
            let (exit, log) = try await Self.run(
                Self.serve(["--host", "127.0.0.1", "--port", String(gateway.port), "--database", directory + "/ledger.sqlite"]))
            #expect(exit.reason == .exit && exit.status == 1, "\(exit)\n\(log)")
            #expect(
                log.contains("Error: cannot listen on 127.0.0.1:\(gateway.port): address already in use (another process listens there; choose another --port)"),
                "\(log)")
            #expect(!log.contains("listening on"))
        }
    }

    @Test("a host name that does not resolve is reported with the host")
    func unknownHost() async throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (exit, log) = try await Self.run(Self.serve(["--host", "no-such-host.invalid", "--port", "0", "--database", directory + "/ledger.sqlite"]))
        #expect(exit.reason == .exit && exit.status == 1, "\(exit)\n\(log)")
        #expect(log.contains("Error: cannot listen on no-such-host.invalid:0: unknown host no-such-host.invalid"), "\(log)")
    }

    // MARK: The ledger's file

    @Test("a database in a directory that does not exist names the directory, and the directory is not created")
    func missingDirectory() async throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = directory + "/missing/ledger.sqlite"
        let (exit, log) = try await Self.run(Self.serve(["--port", "0", "--database", database]))
        #expect(exit.reason == .exit && exit.status == 1, "\(exit)\n\(log)")
        #expect(log.contains("Error: cannot open ledger \(database): directory \(directory)/missing does not exist"), "\(log)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/missing"))
    }

    @Test("without --database the ledger is data/journal-gateway.sqlite, as the README says, and data/ is created", .timeLimit(.minutes(2)))
    func defaultDatabasePath() async throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let child = try Self.shell(
            #"cd "$1" && exec "$GATEWAY" serve --host 127.0.0.1 --port 0 --config "$2" --resources "$3""#, [directory, Repo.demoConfig, Repo.root])
        let port = try await child.waitForLog(#"listening on http://127\.0\.0\.1:(\d+)"#)
        child.signal(SIGTERM)
        let (exit, log) = await child.waitForExit()
        #expect(port != nil, "\(log)")
        #expect(log.contains("ledger: data/journal-gateway.sqlite"), "\(log)")
        #expect(FileManager.default.fileExists(atPath: directory + "/data/journal-gateway.sqlite"))
        #expect(exit.reason == .exit && exit.status == 0, "\(exit)\n\(log)")
    }

    /// Runs `serve` as a user that may not write `database` (as root: user 65534 via setpriv,
    /// since root may write any file; otherwise the current user, with permissions removed).
    private static func serveWithoutWriteAccess(database: String, readOnly: String) async throws -> (ChildProcess.Exit, String) {
        let arguments = serve(["--port", "0", "--database", database])
        if geteuid() == 0 {
            let setpriv = "/usr/bin/setpriv"
            try #require(FileManager.default.isExecutableFile(atPath: setpriv), "running as root needs \(setpriv) (util-linux) to drop privileges")
            let child = try ChildProcess(
                executable: setpriv, arguments: ["--reuid=65534", "--regid=65534", "--clear-groups", try GatewayExecutable.path()] + arguments)
            return await child.waitForExit()
        }
        try FileManager.default.setAttributes([.posixPermissions: readOnly == database ? 0o444 : 0o555], ofItemAtPath: readOnly)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: readOnly) }
        return try await run(arguments)
    }

    @Test("a ledger file the gateway may not write is reported as read-only, with its path")
    func readOnlyFile() async throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory)
        let database = directory + "/ledger.sqlite"
        #expect(FileManager.default.createFile(atPath: database, contents: nil, attributes: [.posixPermissions: 0o644]))
        let (exit, log) = try await Self.serveWithoutWriteAccess(database: database, readOnly: database)
        #expect(exit.reason == .exit && exit.status == 1, "\(exit)\n\(log)")
        #expect(log.contains("Error: cannot open ledger \(database): the file is read-only for this user (the ledger must be writable)"), "\(log)")
    }

    @Test("a ledger in a directory the gateway may not write is reported with the directory")
    func readOnlyDirectory() async throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory)
        let database = directory + "/ledger.sqlite"
        let (exit, log) = try await Self.serveWithoutWriteAccess(database: database, readOnly: directory)
        #expect(exit.reason == .exit && exit.status == 1, "\(exit)\n\(log)")
        #expect(
            log.contains("Error: cannot open ledger \(database): directory \(directory) is read-only for this user (SQLite creates the ledger and its -wal and -shm files there)"),
            "\(log)")
        #expect(!FileManager.default.fileExists(atPath: database))
    }

    @Test("a database path that is not a ledger names the path and SQLite's reason")
    func notADatabase() async throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = directory + "/notes.txt"
        try "not a ledger, just text\n".write(toFile: database, atomically: true, encoding: .utf8)
        let (exit, log) = try await Self.run(Self.serve(["--port", "0", "--database", database]))
        #expect(exit.reason == .exit && exit.status == 1, "\(exit)\n\(log)")
        #expect(log.contains("Error: cannot open ledger \(database): "), "\(log)")
        #expect(log.contains("not a database"), "\(log)")
    }

    // MARK: check-config

    @Test("check-config accepts the demo configuration and summarises it")
    func checkConfigAccepts() async throws {
        let (exit, log) = try await Self.run(["check-config", "--config", Repo.demoConfig])
        #expect(exit.reason == .exit && exit.status == 0, "\(exit)\n\(log)")
        #expect(log.hasPrefix("\(Repo.demoConfig): OK\n"), "\(log)")
    }

    @Test("check-config reports a broken file with line and column and exits with status 1")
    func checkConfigBrokenFile() async throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let text = try String(contentsOfFile: Repo.demoConfig, encoding: .utf8).replacingOccurrences(of: "\"from\": \"JPY\",", with: "\"from\": \"JPY\"")
        let path = directory + "/broken.json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let missingComma = try #require(text.range(of: "\"from\": \"JPY\""))
        let after = text[missingComma.upperBound...]
        let next = try #require(after.firstIndex { !$0.isWhitespace })
        let line = text[..<next].filter { $0 == "\n" }.count + 1
        let column = text[..<next].distance(from: text[..<next].lastIndex(of: "\n").map { text.index(after: $0) } ?? text.startIndex, to: next) + 1

        let (exit, log) = try await Self.run(["check-config", "--config", path])
        #expect(exit.reason == .exit && exit.status == 1, "\(exit)\n\(log)")
        #expect(log.contains("configuration file \(path) has 1 problem:"), "\(log)")
        #expect(log.contains("\(path):\(line):\(column): invalid JSON: expected ',' or '}' after the value of \"from\", found '\"'"), "\(log)")
    }

    @Test("serve refuses a configuration with problems before opening anything, listing all of them")
    func serveChecksConfiguration() async throws {
        let directory = try Repo.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = try Repo.writeConfig(in: directory) { json in
            var ledger = json["ledger"] as! [String: Any]
            var currencies = ledger["currencies"] as! [[String: Any]]
            currencies[2]["decimals"] = 4
            ledger["currencies"] = currencies
            json["ledger"] = ledger
            var users = json["users"] as! [[String: Any]]
            users[1]["name"] = "Integration"
            json["users"] = users
        }
        let database = directory + "/ledger.sqlite"
        let (exit, log) = try await Self.run(["serve", "--config", config, "--resources", Repo.root, "--port", "0", "--database", database])
        #expect(exit.reason == .exit && exit.status == 1, "\(exit)\n\(log)")
        #expect(log.contains("configuration file \(config) has 2 problems:"), "\(log)")
        #expect(log.contains(": ledger.currencies[2]: decimals of JPY must be 0…3, not 4"), "\(log)")
        #expect(log.contains(": users[1].name (Integration): user INTEGRATION is already defined in users[0] (user names ignore case)"), "\(log)")
        #expect(!FileManager.default.fileExists(atPath: database))
    }
}
