import Foundation
import Ledger
import Logging
import SOAPCore
import XMLCore

/// The gateway's SOAP operations, assembled from the schema files and the ledger: the synchronous
/// *Journal Entry – Post* and the asynchronous *Post* and *Post by Ledger* intakes.
public enum JournalEntryOperations {
    /// The asynchronous *Journal Entry – Post* (bulk) interface.
    public static let bulkCreateInterface = "JournalEntryBulkCreationRequest_In"
    /// The asynchronous *Journal Entry by Ledger – Post* interface.
    public static let bulkLedgerCreateInterface = "JournalEntryBulkLedgerCreationRequest_In"
    public static let ledgerRequestElement = "JournalEntryBulkLedgerCreateRequest"
    /// The asynchronous *Journal Entry – Change* interface.
    public static let bulkChangeInterface = "JournalEntryBulkChangeRequest_In"
    /// The asynchronous *Journal Entry – Clearing* interface.
    public static let bulkClearingInterface = "JournalEntryBulkClearingRequest_In"

    /// The paths, in SAP's cloud form (the synchronous service also at its on-premise path).
    public struct Paths: Sendable {
        public var createSync: [String]
        public var createAsync: [String]
        public var ledgerCreateAsync: [String]
        public var changeAsync: [String]
        public var clearingAsync: [String] = []

        public init(createSync: [String], createAsync: [String], ledgerCreateAsync: [String], changeAsync: [String] = [], clearingAsync: [String] = []) {
            self.clearingAsync = clearingAsync
            self.createSync = createSync
            self.createAsync = createAsync
            self.ledgerCreateAsync = ledgerCreateAsync
            self.changeAsync = changeAsync
        }
    }

    /// What the asynchronous intakes need besides the store.
    public struct AsyncIntake: Sendable {
        public var limits: ServiceLimits
        public var replyToPolicy: BulkIntakeService.ReplyToPolicy
        /// Called after a request was stored (wakes the posting worker).
        public var onAccepted: @Sendable () -> Void
        /// The posting worker's preparation: stored requests are left decoded and checked in its
        /// hand-off for this process's worker.
        public var preparation: AcceptedMessagePreparation?

        public init(
            limits: ServiceLimits, replyToPolicy: @escaping BulkIntakeService.ReplyToPolicy, onAccepted: @escaping @Sendable () -> Void,
            preparation: AcceptedMessagePreparation? = nil
        ) {
            self.limits = limits
            self.replyToPolicy = replyToPolicy
            self.onAccepted = onAccepted
            self.preparation = preparation
        }
    }

    /// Schema files under `Schemas/` that define each request.
    public static let createSchemaFile = "JournalEntryCreate.xsd"
    public static let ledgerCreateSchemaFile = "JournalEntryBulkLedgerCreate.xsd"
    public static let changeSchemaFile = "JournalEntryBulkChange.xsd"
    public static let clearingSchemaFile = "JournalEntryBulkClearing.xsd"

    public static func make(
        resourceDirectory: String, paths: Paths, masterData: MasterData, store: any LedgerStore, system: GatewaySystem, syncLimits: ServiceLimits,
        asyncIntake: AsyncIntake, runner: any BlockingWorkRunner, logger: Logger
    ) throws -> OperationRegistry {
        let createSchema = try schema(createSchemaFile, in: resourceDirectory)
        let ledgerSchema = try schema(ledgerCreateSchemaFile, in: resourceDirectory)
        let changeSchema = try schema(changeSchemaFile, in: resourceDirectory)
        let clearingSchema = try schema(clearingSchemaFile, in: resourceDirectory)
        let clearing = BulkIntakeService(
            operation: .init(
                interface: bulkClearingInterface, rootElement: BulkClearingRequestDecoder.rootElement, schema: clearingSchema,
                entryElements: BulkClearingRequestDecoder.clearingElements),
            store: store, runner: runner, limits: asyncIntake.limits, replyToPolicy: asyncIntake.replyToPolicy, onAccepted: asyncIntake.onAccepted,
            preparation: asyncIntake.preparation, logger: logger)
        let change = BulkIntakeService(
            operation: .init(
                interface: bulkChangeInterface, rootElement: BulkChangeRequestDecoder.rootElement, schema: changeSchema,
                entryElements: BulkChangeRequestDecoder.changeElements),
            store: store, runner: runner, limits: asyncIntake.limits, replyToPolicy: asyncIntake.replyToPolicy, onAccepted: asyncIntake.onAccepted,
            preparation: asyncIntake.preparation, logger: logger)
        let sync = JournalEntryCreateService(
            schema: createSchema, masterData: masterData, store: store, system: system, limits: syncLimits, runner: runner, logger: logger)
        let bulk = BulkIntakeService(
            operation: .init(interface: bulkCreateInterface, rootElement: JournalEntryCreateService.requestElement, schema: createSchema),
            store: store, runner: runner, limits: asyncIntake.limits, replyToPolicy: asyncIntake.replyToPolicy,
            onAccepted: asyncIntake.onAccepted, preparation: asyncIntake.preparation, logger: logger)
        let ledger = BulkIntakeService(
            operation: .init(interface: bulkLedgerCreateInterface, rootElement: ledgerRequestElement, schema: ledgerSchema), store: store,
            runner: runner, limits: asyncIntake.limits, replyToPolicy: asyncIntake.replyToPolicy, onAccepted: asyncIntake.onAccepted,
            preparation: asyncIntake.preparation, logger: logger)
        return OperationRegistry([
            sync.operation(paths: paths.createSync),
            SOAPOperation(
                interface: bulkCreateInterface, paths: paths.createAsync, rootElement: JournalEntryCreateService.requestElement,
                soapAction: ConfirmationEnvelope.soapAction(of: bulkCreateInterface), mode: .oneWay, wsdlFile: "\(bulkCreateInterface).wsdl"
            ) { request throws(SOAPFault) in try await bulk.handle(request) },
            SOAPOperation(
                interface: bulkLedgerCreateInterface, paths: paths.ledgerCreateAsync, rootElement: ledgerRequestElement,
                soapAction: ConfirmationEnvelope.soapAction(of: bulkLedgerCreateInterface), mode: .oneWay,
                wsdlFile: "\(bulkLedgerCreateInterface).wsdl"
            ) { request throws(SOAPFault) in try await ledger.handle(request) },
            SOAPOperation(
                interface: bulkChangeInterface, paths: paths.changeAsync, rootElement: BulkChangeRequestDecoder.rootElement,
                soapAction: ConfirmationEnvelope.soapAction(of: bulkChangeInterface), mode: .oneWay, wsdlFile: "\(bulkChangeInterface).wsdl"
            ) { request throws(SOAPFault) in try await change.handle(request) },
            SOAPOperation(
                interface: bulkClearingInterface, paths: paths.clearingAsync, rootElement: BulkClearingRequestDecoder.rootElement,
                soapAction: ConfirmationEnvelope.soapAction(of: bulkClearingInterface), mode: .oneWay, wsdlFile: "\(bulkClearingInterface).wsdl"
            ) { request throws(SOAPFault) in try await clearing.handle(request) },
        ])
    }

    static func schema(_ file: String, in resourceDirectory: String) throws -> XSDSchema {
        do {
            return try XSDSchema(path: resourceDirectory + "/Schemas/" + file)
        } catch {
            throw OperationSetupError(description: "schema Schemas/\(file) does not compile: \(error)")
        }
    }
}

/// The operations could not be assembled (a schema file is missing or does not compile).
public struct OperationSetupError: Error, CustomStringConvertible {
    public let description: String
}
