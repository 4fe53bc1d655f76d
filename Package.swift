// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "journal-gateway",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "journal-gateway", targets: ["Gateway"]),
        .executable(name: "xml-bench", targets: ["XMLBench"]),
        .executable(name: "pipeline-bench", targets: ["PipelineBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
    ],
    targets: [
        // C-facing layer: the only places that see libxml2 and libcurl types.
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),

        // Process-wide SQLite settings through sqlite3_config (variadic, so C), for LedgerSQLite.
        .target(name: "CSQLiteTuning", linkerSettings: [.linkedLibrary("sqlite3")]),

        // Swift wrappers over the C libraries.
        .target(name: "XMLCore", dependencies: ["CLibXML2"], swiftSettings: swiftSettings),
        .target(name: "CurlClient", dependencies: ["CCurl"], swiftSettings: swiftSettings),

        // SOAP 1.1/1.2 envelopes and faults.
        .target(name: "SOAPCore", dependencies: ["XMLCore"], swiftSettings: swiftSettings),

        // Confirmation delivery as data: retry schedule and delivery state machine. No I/O.
        .target(name: "ConfirmationDelivery", swiftSettings: swiftSettings),

        // Pure-Swift double-entry ledger: master data, posting rules, store protocol. No I/O.
        .target(name: "Ledger", dependencies: ["ConfirmationDelivery"], swiftSettings: swiftSettings),

        // Embedded SQLite ledger store (GRDB, WAL, group commit).
        .target(
            name: "LedgerSQLite",
            dependencies: [
                "Ledger", "ConfirmationDelivery", "CSQLiteTuning", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),

        // The store contract as a suite of checks every LedgerStore implementation runs.
        .target(name: "LedgerStoreConformance", dependencies: ["Ledger", "ConfirmationDelivery"], swiftSettings: swiftSettings),

        // The configuration file: reading, decoding, checking (HTTP, workers and CLI share it).
        .target(
            name: "GatewayConfig",
            dependencies: ["Ledger", "ConfirmationDelivery", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),

        // SAP journal-entry operations: decode, check, post, confirm.
        .target(
            name: "JournalEntryService",
            dependencies: [
                "SOAPCore", "XMLCore", "Ledger", .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),

        // Hummingbird routes, authentication, WSDL publishing, JSON read API.
        .target(
            name: "GatewayHTTP",
            dependencies: [
                "JournalEntryService", "GatewayConfig", "SOAPCore", "Ledger",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),

        // Long-running work besides HTTP: posting accepted bulk messages, delivering confirmations.
        .target(
            name: "GatewayWorkers",
            dependencies: [
                "Ledger", "ConfirmationDelivery", "CurlClient", "JournalEntryService", "SOAPCore", "XMLCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),

        // Assembles the running gateway: operations, HTTP server, posting worker, dispatcher, as services.
        .target(
            name: "GatewayRuntime",
            dependencies: [
                "GatewayHTTP", "GatewayWorkers", "GatewayConfig", "JournalEntryService", "Ledger", "ConfirmationDelivery", "SOAPCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // The `journal-gateway` command.
        .executableTarget(
            name: "Gateway",
            dependencies: [
                "GatewayHTTP", "GatewayConfig", "GatewayWorkers", "GatewayRuntime", "LedgerSQLite", "Ledger", "JournalEntryService", "CurlClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),

        // In-process parse + validate benchmark (see bench/run.sh).
        .executableTarget(name: "XMLBench", dependencies: ["JournalEntryService", "SOAPCore", "XMLCore"], swiftSettings: swiftSettings),

        // The sync posting path in one process, for instruction counts (see bench/callgrind.sh).
        .executableTarget(
            name: "PipelineBench",
            dependencies: [
                "JournalEntryService", "SOAPCore", "XMLCore", "Ledger", "LedgerSQLite", "GatewayConfig",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        .testTarget(name: "XMLCoreTests", dependencies: ["XMLCore"], swiftSettings: swiftSettings),
        .testTarget(name: "SOAPCoreTests", dependencies: ["SOAPCore", "XMLCore"], swiftSettings: swiftSettings),
        .testTarget(name: "LedgerTests", dependencies: ["Ledger", "LedgerStoreConformance", "ConfirmationDelivery"], swiftSettings: swiftSettings),
        .testTarget(name: "LedgerSQLiteTests", dependencies: ["LedgerSQLite", "Ledger", "LedgerStoreConformance", "ConfirmationDelivery", .product(name: "GRDB", package: "GRDB.swift")], swiftSettings: swiftSettings),
        // Child processes for the tests, without Foundation's Process (see Spawn.swift).
        .target(name: "TestProcessSupport", path: "Tests/TestProcessSupport", swiftSettings: swiftSettings),
        .testTarget(name: "CurlClientTests", dependencies: ["CurlClient", "TestProcessSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "ConfirmationDeliveryTests", dependencies: ["ConfirmationDelivery"], swiftSettings: swiftSettings),
        .testTarget(name: "GatewayConfigTests", dependencies: ["GatewayConfig", "Ledger"], swiftSettings: swiftSettings),
        .testTarget(
            name: "GatewayWorkersTests",
            dependencies: [
                "GatewayWorkers", "Ledger", "ConfirmationDelivery", "CurlClient", "JournalEntryService",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "JournalEntryServiceTests", dependencies: ["JournalEntryService", "SOAPCore", "XMLCore", "Ledger"], swiftSettings: swiftSettings),
        .testTarget(
            name: "GatewayHTTPTests",
            dependencies: [
                "GatewayHTTP", "GatewayConfig", "GatewayWorkers", "GatewayRuntime", "LedgerSQLite", "Ledger", "JournalEntryService", "XMLCore", "SOAPCore", "CurlClient", "ConfirmationDelivery", "TestProcessSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            exclude: ["zeep_client.py"],
            swiftSettings: swiftSettings
        ),
    ]
)
