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
