import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import GatewayHTTP
import Hummingbird
import HummingbirdBcrypt
import Ledger
import LedgerSQLite
import Logging

@main
struct JournalGateway: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal-gateway",
        abstract: "A SOAP/XML gateway that speaks SAP S/4HANA's journal-entry services and posts into its own double-entry ledger.",
        subcommands: [Serve.self, CheckConfig.self, HashPassword.self],
        defaultSubcommand: Serve.self)
}

/// Options shared by commands that read the configuration.
struct ConfigurationOptions: ParsableArguments {
    @Option(help: "Configuration file (JSON). Default: config/demo.json, the shipped demo configuration.")
    var config: String = "config/demo.json"

    @Option(help: "Directory that holds WSDL/ and Schemas/. Default: the working directory, else the repository the binary was built in.")
    var resources: String?

    func resourceDirectory() throws -> String {
        if let resources { return resources }
        let fileManager = FileManager.default
        var candidates = [fileManager.currentDirectoryPath]
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(directory.path)
            directory.deleteLastPathComponent()
        }
        for candidate in candidates where fileManager.fileExists(atPath: candidate + "/Schemas/JournalEntryCreate.xsd") {
            return candidate
        }
        throw ValidationError("cannot find WSDL/ and Schemas/; run from the repository or pass --resources <dir>")
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the gateway (stops gracefully on SIGTERM and SIGINT).")

    @Option(help: "Address to listen on.") var host: String = "127.0.0.1"
    @Option(help: "Port to listen on.") var port: Int = 8080
    @Option(help: "SQLite database file of the ledger (created when missing).") var database: String = "journal-gateway.sqlite"
    @OptionGroup var options: ConfigurationOptions

    func run() async throws {
        Self.tuneAllocator()
        var logger = Logger(label: "journal-gateway")
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        let (configuration, masterData) = try GatewayConfiguration.load(path: options.config)
        let resources = try options.resourceDirectory()
        let store = try SQLiteLedgerStore(path: database, masterData: masterData, logger: logger)
        let settings = GatewaySettings(host: host, port: port, resourceDirectory: resources, configuration: configuration, masterData: masterData)
        let app = try GatewayApplication.make(settings: settings, store: store, logger: logger) { [host, logger] port in
            let base = "http://\(host):\(port)"
            logger.info("journal-gateway listening on \(base)")
            logger.info("Journal Entry – Post (sync) service: \(base)\(ServicePaths.createSync)")
            logger.info("WSDL: \(base)\(ServicePaths.createSync)?wsdl")
            logger.info("JSON API: \(base)/api/journal-entries")
        }
        logger.info(
            "ledger: \(database) (SQLite, WAL, synchronous=FULL); configuration: \(options.config); company codes: \(masterData.companyCodes.keys.sorted().joined(separator: ", "))")
        try await app.runService()
        try store.close()
        logger.info("journal-gateway stopped")
    }
}

extension Serve {
    /// glibc's malloc gives memory back to the kernel whenever the free space at the top of a
    /// thread's heap passes a small, adaptive threshold. SQLite allocates and frees a statement
    /// savepoint on every INSERT, so the ledger writer ended up calling madvise (and flushing the
    /// TLB of every core) thousands of times per second. Fixed thresholds stop that churn: up to
    /// 64 MiB of freed memory is kept for reuse, and only blocks of 8 MiB or more (large bulk
    /// bodies) are mapped and unmapped individually.
    static func tuneAllocator() {
        #if canImport(Glibc)
        // mallopt lives in <malloc.h>, which Swift's Glibc module does not export.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }  // RTLD_DEFAULT
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let trimThreshold: Int32 = -1, mmapThreshold: Int32 = -3  // M_TRIM_THRESHOLD, M_MMAP_THRESHOLD
        _ = mallopt(trimThreshold, 64 * 1024 * 1024)
        _ = mallopt(mmapThreshold, 8 * 1024 * 1024)
        #endif
    }
}

struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check-config", abstract: "Check a configuration file and print a summary.")

    @OptionGroup var options: ConfigurationOptions

    func run() async throws {
        let (configuration, masterData) = try GatewayConfiguration.load(path: options.config)
        print("\(options.config): OK")
        print("  company codes: \(masterData.companyCodes.values.sorted { $0.id < $1.id }.map { "\($0.id) (\($0.currency.code))" }.joined(separator: ", "))")
        print("  document types: \(masterData.documentTypes.keys.sorted().joined(separator: ", "))")
        print("  customers: \(masterData.customers.count), vendors: \(masterData.vendors.count), users: \(configuration.users.count)")
    }
}

struct HashPassword: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash-password", abstract: "Print the bcrypt hash of a password (read from stdin) for the configuration's users.")

    @Option(help: "bcrypt cost (4…31).") var cost: UInt8 = 10

    func run() async throws {
        guard let password = readLine(strippingNewline: true), !password.isEmpty else { throw ValidationError("no password on stdin") }
        print(Bcrypt.hash(password, cost: cost))
    }
}

extension GatewayConfiguration.LoadError: LocalizedError {
    public var errorDescription: String? { description }
}
