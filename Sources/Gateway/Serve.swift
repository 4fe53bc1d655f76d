import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import GatewayConfig
import GatewayHTTP
import GatewayRuntime
import ServiceLifecycle
import UnixSignals
import Hummingbird
import HummingbirdBcrypt
import Ledger
import LedgerSQLite
import Logging

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the gateway (stops gracefully on SIGTERM and SIGINT).")

    @Option(help: "Address to listen on.") var host: String = "127.0.0.1"
    @Option(help: "Port to listen on (1…65535; 0 = any free port, logged at start).") var port: Int = 8080
    @Option(help: "SQLite database file of the ledger (created when missing; the directory of the default path too).")
    var database: String = Serve.defaultDatabase
    @OptionGroup var options: ConfigurationOptions
    @OptionGroup var logging: LoggingOptions
    @Option(name: .customLong("tls-certificate"), help: "PEM certificate chain (server certificate first): serve HTTPS. Overrides tls.certificateChain.")
    var tlsCertificate: String?
    @Option(name: .customLong("tls-key"), help: "PEM private key (unencrypted) of --tls-certificate. Overrides tls.privateKey.")
    var tlsKey: String?

    func validate() throws { try validateListenOptions() }

    func run() async throws {
        Self.tuneAllocator()
        SQLiteLedgerStore.tuneProcess()
        let logger = try logging.bootstrap()
        // One registry for the process: the gateway's metrics, the ledger writer's and any library's.
        let metrics = GatewayMetrics()
        metrics.bootstrapMetricsSystem()
        let (configuration, masterData) = try GatewayConfiguration.load(path: options.config)
        let resources = try options.resourceDirectory()
        let tls = try TLSSettings.resolve(
            configuration: configuration.tls, configurationPath: options.config, certificateChainFile: tlsCertificate, privateKeyFile: tlsKey)
        try LedgerLocation.prepare(database, isDefault: database == Self.defaultDatabase)
        let store = try LedgerLocation.opening(database) {
            try SQLiteLedgerStore(path: database, masterData: masterData, logger: logger, metricsFactory: metrics.factory)
        }
        // The ledger is closed (WAL checkpointed) however serving ends: after a graceful stop, once
        // in-flight requests are answered (below), or when starting or serving fails (here).
        var stoppedGracefully = false
        defer { if !stoppedGracefully { Self.close(store, afterFailureWith: logger) } }
        var settings = GatewaySettings(
            host: host, port: port, resourceDirectory: resources, configuration: configuration, masterData: masterData, tls: tls)
        settings.configurationPath = options.config
        let runtime = try GatewayRuntime.make(settings: settings, store: store, logger: logger, metrics: metrics) { [host, logger, scheme = settings.scheme] port in
            let base = "\(scheme)://\(host):\(port)"
            logger.info("journal-gateway listening on \(base)")
            logger.info("Journal Entry – Post (sync) service: \(base)\(ServicePaths.createSync)   WSDL: \(base)\(ServicePaths.createSync)?wsdl")
            logger.info("Journal Entry – Post (async) service: \(base)\(ServicePaths.createAsync)   WSDL: \(base)\(ServicePaths.createAsync)?wsdl")
            logger.info(
                "Journal Entry by Ledger – Post (async) service: \(base)\(ServicePaths.ledgerCreateAsync)   WSDL: \(base)\(ServicePaths.ledgerCreateAsync)?wsdl")
            logger.info("Journal Entry – Change (async) service: \(base)\(ServicePaths.changeAsync)   WSDL: \(base)\(ServicePaths.changeAsync)?wsdl")
            logger.info("Journal Entry – Clearing (async) service: \(base)\(ServicePaths.clearingAsync)   WSDL: \(base)\(ServicePaths.clearingAsync)?wsdl")
            logger.info("JSON API: \(base)/api/journal-entries, \(base)/api/open-items, \(base)/api/messages")
        }
        logger.info(
            "ledger: \(database) (SQLite, WAL, synchronous=FULL); configuration: \(options.config); company codes: \(masterData.companyCodes.keys.sorted().joined(separator: ", "))")
        // One service group: SIGTERM/SIGINT stop the HTTP server first, then the posting worker,
        // then the dispatcher (reverse order of `services`); the ledger is closed after all of them.
        let group = ServiceGroup(
            configuration: .init(
                services: runtime.services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await Self.listening(host: host, port: port) { try await group.run() }
        stoppedGracefully = true
        try store.close()
        logger.info("journal-gateway stopped")
    }

    /// Closes the ledger when serving failed; the failure itself is reported by the caller.
    static func close(_ store: SQLiteLedgerStore, afterFailureWith logger: Logger) {
        do {
            try store.close()
            logger.info("the ledger was closed cleanly after the failure")
        } catch {
            logger.error("the ledger could not be closed cleanly: \(error)")
        }
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
