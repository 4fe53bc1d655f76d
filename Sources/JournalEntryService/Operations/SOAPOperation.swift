import Ledger
import SOAPCore

/// One SOAP operation of the gateway, as a value: where it is (paths), what it takes (the Body's
/// root element), how it answers (synchronously, or one-way with 202) and what handles it. The
/// HTTP layer dispatches through an ``OperationRegistry`` and knows no operation by name.
public struct SOAPOperation: Sendable {
    /// How an operation answers.
    public enum Mode: Sendable, Hashable {
        /// The answer is the HTTP response (200 with the confirmation).
        case synchronous
        /// One-way: `202 Accepted` with an empty body once the request is stored; the result
        /// is sent later as a confirmation.
        case oneWay
    }

    /// The inbound interface (WSDL portType and operation), e.g. `JournalEntryBulkCreationRequest_In`.
    public var interface: String
    /// URL paths it is served at (SAP's cloud path first).
    public var paths: [String]
    /// The Body's root element.
    public var rootNamespace: String
    public var rootElement: String
    /// SAP's SOAPAction for the operation (informational: dispatch is by path and root element).
    public var soapAction: String
    public var mode: Mode
    /// The WSDL file (under `WSDL/`) that describes it.
    public var wsdlFile: String
    /// Blocking work on the parsed request (validation, decoding, rules) that the HTTP layer runs
    /// right after parsing, on the same thread off the cooperative pool, so that a request is
    /// handed off once; its result reaches `handle` as ``OperationRequest/prepared``. `nil`: the
    /// operation does all its work in `handle`.
    public var prepare: (@Sendable (OperationRequest) throws(SOAPFault) -> any Sendable)?
    public var handle: @Sendable (OperationRequest) async throws(SOAPFault) -> OperationResponse

    public init(
        interface: String, paths: [String], rootNamespace: String = ConfirmationWriter.namespace, rootElement: String, soapAction: String,
        mode: Mode, wsdlFile: String, prepare: (@Sendable (OperationRequest) throws(SOAPFault) -> any Sendable)? = nil,
        handle: @escaping @Sendable (OperationRequest) async throws(SOAPFault) -> OperationResponse
    ) {
        self.prepare = prepare
        self.interface = interface
        self.paths = paths
        self.rootNamespace = rootNamespace
        self.rootElement = rootElement
        self.soapAction = soapAction
        self.mode = mode
        self.wsdlFile = wsdlFile
        self.handle = handle
    }
}

/// A parsed SOAP request handed to an operation.
public struct OperationRequest: Sendable {
    public var envelope: SOAPEnvelope
    public var authorization: PostingAuthorization
    /// The request body as received (stored as is by one-way operations).
    public var body: [UInt8]
    public var contentType: String
    /// The transport message ID from the URL (`?MessageId=`), if any.
    public var queryMessageID: String?
    /// What the operation's ``SOAPOperation/prepare`` made of this request, when it has one and
    /// the HTTP layer ran it.
    public var prepared: (any Sendable)?

    public init(envelope: SOAPEnvelope, authorization: PostingAuthorization, body: [UInt8], contentType: String, queryMessageID: String?) {
        self.envelope = envelope
        self.authorization = authorization
        self.body = body
        self.contentType = contentType
        self.queryMessageID = queryMessageID
    }
}

/// What an operation answered.
public enum OperationResponse: Sendable {
    /// Synchronous: the Body payload of the answer and what happened (for the request log).
    case confirmation(ServiceResult)
    /// One-way: stored (or recognised as a duplicate); answer `202 Accepted`.
    case accepted(IntakeResult)
}

/// What the intake of a one-way request did.
public struct IntakeResult: Sendable, Hashable {
    /// The stored message.
    public var messageRowID: MessageRowID
    /// The key it is kept under.
    public var key: InboundMessageKey?
    /// `true` when the same message had been received before (acknowledged again, nothing stored).
    public var duplicate: Bool
    /// Entries in the request.
    public var entryCount: Int

    public init(messageRowID: MessageRowID, key: InboundMessageKey?, duplicate: Bool, entryCount: Int) {
        self.messageRowID = messageRowID
        self.key = key
        self.duplicate = duplicate
        self.entryCount = entryCount
    }
}

/// Every operation of the gateway, looked up by path and Body root element.
public struct OperationRegistry: Sendable {
    public let operations: [SOAPOperation]

    public init(_ operations: [SOAPOperation]) { self.operations = operations }

    /// Every path some operation is served at, in registration order.
    public var paths: [String] {
        var seen: Set<String> = []
        return operations.flatMap(\.paths).filter { seen.insert($0).inserted }
    }

    /// The operations served at `path`.
    public func operations(at path: String) -> [SOAPOperation] { operations.filter { $0.paths.contains(path) } }

    /// The operation at `path` whose root element is `{namespace}localName`.
    public func operation(at path: String, namespace: String?, localName: String) -> SOAPOperation? {
        operations.first { $0.paths.contains(path) && $0.rootElement == localName && $0.rootNamespace == namespace }
    }

    /// The operation with this inbound interface name.
    public func operation(interface: String) -> SOAPOperation? { operations.first { $0.interface == interface } }
}
