public import ConfirmationDelivery
public import Foundation

/// Row ID of an inbound message in a store.
public typealias MessageRowID = Int64
/// Row ID of a confirmation delivery in a store.
public typealias DeliveryRowID = Int64

/// The identity under which a message is processed exactly once: the authenticated sender, the
/// inbound interface and the message's ID (the transport message ID of an asynchronous request,
/// else the bulk `MessageHeader/ID`, else `UUID:` + its `UUID` in lower case).
public struct InboundMessageKey: Sendable, Hashable, Codable {
    public var sender: String
    public var interface: String
    public var messageID: String

    public init(sender: String, interface: String, messageID: String) {
        self.sender = sender
        self.interface = interface
        self.messageID = messageID
    }
}

/// Where a message stands. Every state is stored with the time it was reached.
///
/// ```
/// synchronous:  (processed in the request's own transaction) ─▶ processed
/// asynchronous: accepted ─claim─▶ processing ─post─▶ processed
///                             ▲        │ lease expired / worker stopped
///                             └────────┘
/// ```
public enum MessageState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Stored durably and acknowledged (202); waiting to be posted.
    case accepted
    /// A posting worker holds it (see ``MessageClaim``).
    case processing
    /// Its entries are posted or rejected and their outcomes recorded.
    case processed
}

/// A worker's hold on a message being posted; after `until` another worker may take it.
public struct MessageClaim: Sendable, Hashable, Codable {
    public var by: String
    /// UTC ISO 8601.
    public var until: String

    public init(by: String, until: String) {
        self.by = by
        self.until = until
    }
}

/// What the confirmation of a message says about the message as a whole, fixed when the
/// message is recorded so that every rendering (answer, replay, outbox retry) is identical.
public struct ConfirmationHeader: Sendable, Hashable, Codable {
    /// `MessageHeader/UUID` of the confirmation (stable across retries).
    public var uuid: String
    /// `MessageHeader/CreationDateTime`.
    public var creationDateTime: String
    /// The request's bulk `MessageHeader/ID` and `UUID`.
    public var referenceID: String?
    public var referenceUUID: String?
    /// The request's `SenderBusinessSystemID`, confirmed as `RecipientBusinessSystemID`.
    public var recipientBusinessSystemID: String?
    /// The request's `wsa:MessageID`, sent back as `wsa:RelatesTo`.
    public var relatesTo: String?

    public init(
        uuid: String, creationDateTime: String, referenceID: String?, referenceUUID: String?, recipientBusinessSystemID: String?,
        relatesTo: String? = nil
    ) {
        self.uuid = uuid
        self.creationDateTime = creationDateTime
        self.referenceID = referenceID
        self.referenceUUID = referenceUUID
        self.recipientBusinessSystemID = recipientBusinessSystemID
        self.relatesTo = relatesTo
    }
}

/// A message to record (see ``LedgerTransaction/insertMessage(_:)``).
public struct NewMessage: Sendable, Hashable {
    /// `nil` when the message has no ID at all: it is processed without replay protection.
    public var key: InboundMessageKey?
    public var interface: String
    public var sender: String
    /// Bulk `MessageHeader/ID` and `UUID`.
    public var messageID: String?
    public var messageUUID: String?
    /// `?MessageId=`, `wsa:MessageID` or SAP's `messageId` header of an asynchronous request.
    public var transportMessageID: String?
    public var receivedAt: String
    /// When the key was first received (an earlier attempt's time when this one reprocesses it).
    public var firstReceivedAt: String
    /// 1 for the first attempt under a key, n + 1 after an attempt that posted nothing.
    public var attempt: Int
    public var entryCount: Int
    public var payloadDigest: String?
    public var state: MessageState
    public var confirmation: ConfirmationHeader
    /// `true` when the whole message is a check (`TestDataIndicator`).
    public var isTest: Bool

    public init(
        key: InboundMessageKey?, interface: String, sender: String, messageID: String?, messageUUID: String?, transportMessageID: String?,
        receivedAt: String, firstReceivedAt: String, attempt: Int, entryCount: Int, payloadDigest: String?, state: MessageState,
        confirmation: ConfirmationHeader, isTest: Bool
    ) {
        self.key = key
        self.interface = interface
        self.sender = sender
        self.messageID = messageID
        self.messageUUID = messageUUID
        self.transportMessageID = transportMessageID
        self.receivedAt = receivedAt
        self.firstReceivedAt = firstReceivedAt
        self.attempt = attempt
        self.entryCount = entryCount
        self.payloadDigest = payloadDigest
        self.state = state
        self.confirmation = confirmation
        self.isTest = isTest
    }
}

/// A recorded message, as a store returns it.
public struct MessageRecord: Sendable, Hashable {
    public var id: MessageRowID
    /// The key it holds; `nil` once released (a later attempt holds it) or when it never had one.
    public var key: InboundMessageKey?
    public var interface: String
    public var sender: String
    public var messageID: String?
    public var messageUUID: String?
    public var transportMessageID: String?
    public var receivedAt: String
    public var firstReceivedAt: String
    public var attempt: Int
    public var entryCount: Int
    public var payloadDigest: String?
    public var postedCount: Int
    public var state: MessageState
    /// When the message reached its state (UTC ISO 8601).
    public var stateChangedAt: String
    public var claim: MessageClaim?
    public var confirmation: ConfirmationHeader
    public var isTest: Bool
    /// For messages recorded before outcomes were stored as data: the confirmation as it was sent.
    public var legacyConfirmation: String?

    public init(
        id: MessageRowID, key: InboundMessageKey?, interface: String, sender: String, messageID: String?, messageUUID: String?,
        transportMessageID: String?, receivedAt: String, firstReceivedAt: String, attempt: Int, entryCount: Int, payloadDigest: String?,
        postedCount: Int, state: MessageState, stateChangedAt: String, claim: MessageClaim?, confirmation: ConfirmationHeader, isTest: Bool,
        legacyConfirmation: String? = nil
    ) {
        self.id = id
        self.key = key
        self.interface = interface
        self.sender = sender
        self.messageID = messageID
        self.messageUUID = messageUUID
        self.transportMessageID = transportMessageID
        self.receivedAt = receivedAt
        self.firstReceivedAt = firstReceivedAt
        self.attempt = attempt
        self.entryCount = entryCount
        self.payloadDigest = payloadDigest
        self.postedCount = postedCount
        self.state = state
        self.stateChangedAt = stateChangedAt
        self.claim = claim
        self.confirmation = confirmation
        self.isTest = isTest
        self.legacyConfirmation = legacyConfirmation
    }
}

/// The request of an asynchronous message, kept until it is processed.
public struct StoredPayload: Sendable, Hashable {
    /// The HTTP request body as received (the whole SOAP envelope).
    public var body: [UInt8]
    /// The request's `Content-Type`.
    public var contentType: String

    public init(body: [UInt8], contentType: String) {
        self.body = body
        self.contentType = contentType
    }
}

/// What happened to one entry of a message, with what its confirmation says about it besides
/// the outcome: stored as data, rendered into confirmations when needed.
public struct EntryRecord: Sendable, Hashable {
    /// Position in the message, from 0.
    public var index: Int
    public var outcome: EntryOutcome
    /// The entry's own request `MessageHeader/ID` and `UUID`.
    public var messageID: String?
    public var messageUUID: String?
    /// `MessageHeader/UUID` of the entry's confirmation.
    public var confirmationUUID: String
    /// `OriginalReferenceDocumentType` and logical system named in `605(RW)`/`609(RW)`.
    public var originalReferenceDocumentType: String
    public var logicalSystem: String

    public init(
        index: Int, outcome: EntryOutcome, messageID: String?, messageUUID: String?, confirmationUUID: String,
        originalReferenceDocumentType: String, logicalSystem: String
    ) {
        self.index = index
        self.outcome = outcome
        self.messageID = messageID
        self.messageUUID = messageUUID
        self.confirmationUUID = confirmationUUID
        self.originalReferenceDocumentType = originalReferenceDocumentType
        self.logicalSystem = logicalSystem
    }
}

/// What happened to one entry.
public enum EntryOutcome: Sendable, Hashable {
    case posted(DocumentKey)
    case checked(PostingPlan.Summary)
    case rejected(PostingRejection)
    /// A change request (`JournalEntryBulkChangeRequest_In`) applied to a document's header
    /// (`item` nil) or one of its items.
    case changed(DocumentKey, item: Int?)

    /// Whether the entry took effect (posted, or its change applied): such a message's key is
    /// never processed again.
    public var isPosted: Bool {
        switch self {
        case .posted, .changed: return true
        case .checked, .rejected: return false
        }
    }
}

extension PostingPlan {
    /// What a check-only outcome reports.
    public struct Summary: Sendable, Hashable {
        public var companyCode: String
        public var fiscalYear: Int

        public init(companyCode: String, fiscalYear: Int) {
            self.companyCode = companyCode
            self.fiscalYear = fiscalYear
        }
    }

    public var summary: Summary { Summary(companyCode: header.companyCode, fiscalYear: header.fiscalYear) }
}

/// A posted entry to store (see ``LedgerTransaction/insertJournalEntry(_:)``).
public struct NewJournalEntry: Sendable {
    public var key: DocumentKey
    public var plan: PostingPlan
    public var postedBy: String
    public var postedAt: String
    public var messageRowID: MessageRowID
    /// The entry's own request `MessageHeader/ID` and `UUID`.
    public var entryMessageID: String?
    public var entryMessageUUID: String?

    public init(
        key: DocumentKey, plan: PostingPlan, postedBy: String, postedAt: String, messageRowID: MessageRowID, entryMessageID: String?,
        entryMessageUUID: String?
    ) {
        self.key = key
        self.plan = plan
        self.postedBy = postedBy
        self.postedAt = postedAt
        self.messageRowID = messageRowID
        self.entryMessageID = entryMessageID
        self.entryMessageUUID = entryMessageUUID
    }
}

/// Where a confirmation goes and how.
public struct DeliveryTarget: Sendable, Hashable, Codable {
    /// The communication system (its business system ID) whose endpoint this is; `nil` for a
    /// `wsa:ReplyTo` address.
    public var communicationSystem: String?
    public var url: String
    /// The outbound interface, e.g. `JournalEntryBulkCreateConfirmation_Out`.
    public var outboundInterface: String
    /// `1.1` or `1.2`.
    public var soapVersion: String

    public init(communicationSystem: String?, url: String, outboundInterface: String, soapVersion: String) {
        self.communicationSystem = communicationSystem
        self.url = url
        self.outboundInterface = outboundInterface
        self.soapVersion = soapVersion
    }
}

/// A delivery to enqueue (see ``LedgerTransaction/enqueueDelivery(_:)``).
public struct NewDelivery: Sendable, Hashable {
    public var messageRowID: MessageRowID
    public var target: DeliveryTarget
    public var state: DeliveryState
    public var createdAt: Date

    public init(messageRowID: MessageRowID, target: DeliveryTarget, state: DeliveryState, createdAt: Date) {
        self.messageRowID = messageRowID
        self.target = target
        self.state = state
        self.createdAt = createdAt
    }
}

/// A confirmation delivery, as a store returns it.
public struct DeliveryRecord: Sendable, Hashable {
    public var id: DeliveryRowID
    public var messageRowID: MessageRowID
    public var target: DeliveryTarget
    public var state: DeliveryState
    /// The dispatcher holding it while in flight.
    public var claimedBy: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: DeliveryRowID, messageRowID: MessageRowID, target: DeliveryTarget, state: DeliveryState, claimedBy: String?, createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.messageRowID = messageRowID
        self.target = target
        self.state = state
        self.claimedBy = claimedBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// One attempt to send a confirmation, for the monitor.
public struct DeliveryAttempt: Sendable, Hashable {
    /// 1, 2, … over the delivery's whole life (``DeliveryState/totalAttempts`` after it).
    public var number: Int
    public var startedAt: Date
    public var finishedAt: Date
    /// HTTP status, when the receiver answered.
    public var httpStatus: Int?
    /// What went wrong; `nil` when delivered.
    public var error: String?

    public init(number: Int, startedAt: Date, finishedAt: Date, httpStatus: Int?, error: String?) {
        self.number = number
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.httpStatus = httpStatus
        self.error = error
    }
}

/// The monitor's view of one message.
public struct MessageDetail: Sendable, Hashable {
    public var message: MessageRecord
    public var entries: [EntryRecord]
    public var delivery: DeliveryRecord?
    public var attempts: [DeliveryAttempt]

    public init(message: MessageRecord, entries: [EntryRecord], delivery: DeliveryRecord?, attempts: [DeliveryAttempt]) {
        self.message = message
        self.entries = entries
        self.delivery = delivery
        self.attempts = attempts
    }
}

/// A filter for listing messages, newest first, one page at a time.
public struct MessageQuery: Sendable, Hashable {
    public var interface: String?
    public var sender: String?
    public var state: MessageState?
    public var deliveryStatus: DeliveryState.Status?
    /// Bulk `MessageHeader/ID`, `UUID` or transport message ID.
    public var messageID: String?
    /// `receivedAt >= from`, `receivedAt <= to` (UTC ISO 8601 prefixes compare as text).
    public var receivedFrom: String?
    public var receivedTo: String?
    /// Messages with a row ID below this one (the next page).
    public var before: MessageRowID?
    public var limit: Int

    public init(limit: Int = 50) { self.limit = limit }
}

/// One message of a listing, with its delivery.
public struct MessageSummary: Sendable, Hashable {
    public var message: MessageRecord
    public var delivery: DeliveryRecord?

    public init(message: MessageRecord, delivery: DeliveryRecord?) {
        self.message = message
        self.delivery = delivery
    }
}

/// One page of messages; `next` is the cursor (``MessageQuery/before``) of the following page.
public struct MessagePage: Sendable, Hashable {
    public var messages: [MessageSummary]
    public var next: MessageRowID?

    public init(messages: [MessageSummary], next: MessageRowID?) {
        self.messages = messages
        self.next = next
    }
}

extension MessageRecord {
    /// The record of a message just inserted from `new` under row `id`, as the store holds it
    /// now (no claim, state changed when received), with `postedCount` posted entries: what a
    /// read-back would return, without reading back.
    public init(inserted new: NewMessage, id: MessageRowID, postedCount: Int) {
        self.init(
            id: id, key: new.key, interface: new.interface, sender: new.sender, messageID: new.messageID, messageUUID: new.messageUUID,
            transportMessageID: new.transportMessageID, receivedAt: new.receivedAt, firstReceivedAt: new.firstReceivedAt,
            attempt: new.attempt, entryCount: new.entryCount, payloadDigest: new.payloadDigest, postedCount: postedCount, state: new.state,
            stateChangedAt: new.receivedAt, claim: nil, confirmation: new.confirmation, isTest: new.isTest)
    }
}
