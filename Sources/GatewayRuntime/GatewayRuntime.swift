import ConfirmationDelivery
import Foundation
import GatewayConfig
import GatewayHTTP
import GatewayWorkers
import Hummingbird
import JournalEntryService
import Ledger
import Logging
import ServiceLifecycle
import SOAPCore
import XMLCore

/// The running gateway, assembled once for `journal-gateway serve` and the tests: the SOAP
/// operations, the HTTP server, the posting worker and the confirmation dispatcher, as services
/// of one service group.
///
/// ``services`` is ordered for graceful shutdown (a `ServiceGroup` stops its services in reverse
/// order): the HTTP server stops accepting first and answers what it has; then the posting
/// worker lets the messages it is posting commit; then the dispatcher lets attempts in flight
/// finish and stores their results. The caller closes the store after the group has returned.
public struct GatewayRuntime: Sendable {
    /// Knobs of the asynchronous path that are not in the configuration file (tests tune them).
    public struct Options: Sendable {
        public var posting: PostingWorker.Settings
        public var dispatcher: ConfirmationDispatcher.Configuration
        /// Overrides the configuration's retry policy (tests use tiny delays).
        public var retryPolicy: RetryPolicy?
        public var clock: @Sendable () -> Date

        public init(
            posting: PostingWorker.Settings = .init(), dispatcher: ConfirmationDispatcher.Configuration = .init(), retryPolicy: RetryPolicy? = nil,
            clock: @escaping @Sendable () -> Date = { Date() }
        ) {
            self.posting = posting
            self.dispatcher = dispatcher
            self.retryPolicy = retryPolicy
            self.clock = clock
        }
    }

    public let operations: OperationRegistry
    public let postingWorker: PostingWorker
    public let dispatcher: ConfirmationDispatcher
    public let http: any Service
    /// Where the intake leaves large requests decoded and checked for the posting worker.
    public let handOff: AcceptedRequestHandOff

    /// In start order; a `ServiceGroup` shuts them down in reverse.
    public var services: [any Service] { [dispatcher, postingWorker, http] }

    public static func make(
        settings: GatewaySettings, store: any LedgerStore, logger: Logger, metrics: GatewayMetrics = GatewayMetrics(), options: Options = Options(),
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> GatewayRuntime {
        XMLLibrary.initialize()
        let configuration = settings.configuration
        let masterData = settings.masterData
        let system = GatewaySystem(systemID: configuration.system.systemID, logicalSystem: configuration.system.logicalSystem)
        let writer = ConfirmationWriter(system: system)
        let runner = ThreadPoolWorkRunner()
        let routing = ConfirmationRoutes(configuration: configuration, configurationPath: settings.configurationPath)
        let limits = configuration.limits
        let maximumRequestBytes = limits?.maximumRequestBytes ?? 32 * 1024 * 1024
        let xmlLimits = XMLParseLimits(maxBytes: maximumRequestBytes, maxDepth: limits?.maximumXMLDepth ?? 64)
        let entryLimit = ServiceLimits(maximumEntriesPerMessage: limits?.maximumEntriesPerMessage ?? 10_000)

        let dispatcher = ConfirmationDispatcher(
            store: store, policy: options.retryPolicy ?? routing.retryPolicy, configuration: options.dispatcher, logger: logger,
            metricsFactory: metrics.factory, now: options.clock, credentials: { routing.credentials(for: $0) }
        ) { delivery in
            guard let detail = try await store.messageDetail(delivery.messageRowID) else {
                throw ConfirmationRenderingError(description: "message \(delivery.messageRowID) of delivery \(delivery.id) is not in the store")
            }
            // A large one on the blocking-work pool: a 10,000-entry confirmation is tens of
            // milliseconds of string building, which would otherwise hold a thread of the
            // cooperative pool; a small one costs less than the hand-off.
            let target = delivery.target
            let message =
                detail.entries.count < 100
                ? ConfirmationEnvelope.render(detail, target: target, writer: writer)
                : await runner.run { ConfirmationEnvelope.render(detail, target: target, writer: writer) }
            return OutboundConfirmation(body: Array(message.body.utf8), contentType: message.contentType, soapAction: message.soapAction)
        }
        // The intake leaves each request it stores decoded and checked in its hand-off for the posting worker.
        let preparation = AcceptedMessagePreparation(rules: PostingRules(masterData: masterData), system: system, limits: xmlLimits)
        let users = Dictionary(configuration.users.map { ($0.name.uppercased(), $0) }, uniquingKeysWith: { first, _ in first })
        let postingWorker = PostingWorker(
            store: store, masterData: masterData,
            preparation: preparation,
            authorization: { name in
                users[name.uppercased()].map { user in
                    let codes = user.companyCodes.flatMap { $0.contains("*") ? nil : Set($0) }
                    return PostingAuthorization(userName: user.name, companyCodes: codes)
                }
            },
            router: { message, prepared in routing.route(message, prepared) }, runner: runner, settings: options.posting,
            onEnqueued: { dispatcher.wake() }, clock: options.clock, logger: logger)

        let operations = try JournalEntryOperations.make(
            resourceDirectory: settings.resourceDirectory,
            paths: .init(
                createSync: [ServicePaths.createSync, ServicePaths.createSyncOnPremise], createAsync: [ServicePaths.createAsync],
                ledgerCreateAsync: [ServicePaths.ledgerCreateAsync], changeAsync: [ServicePaths.changeAsync],
                clearingAsync: [ServicePaths.clearingAsync]),
            masterData: masterData, store: store, system: system, syncLimits: entryLimit,
            asyncIntake: .init(
                limits: entryLimit, replyToPolicy: { user, address in routing.replyToRefusal(user: user, address: address) },
                onAccepted: { postingWorker.wake() }, preparation: preparation),
            runner: runner, logger: logger)
        let application = try GatewayApplication.make(
            settings: settings, store: store, operations: operations, runner: runner, logger: logger, metrics: metrics,
            onServerRunning: onServerRunning)
        return GatewayRuntime(
            operations: operations, postingWorker: postingWorker, dispatcher: dispatcher, http: application, handOff: preparation.handOff)
    }
}

/// A confirmation could not be rendered (its message is gone): the attempt fails with this text.
struct ConfirmationRenderingError: Error, CustomStringConvertible {
    let description: String
}
