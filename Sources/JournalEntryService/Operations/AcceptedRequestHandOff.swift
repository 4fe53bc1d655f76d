import Ledger
import SOAPCore
import Synchronization

/// An accepted asynchronous request in decoded form, as the intake read it (and its entries
/// checked): what the posting worker would otherwise get by reading the stored request back,
/// parsing and checking it again.
public struct DecodedAcceptedRequest: Sendable {
    /// The request, by its interface.
    public enum Body: Sendable {
        case create(BulkCreateRequest)
        case change(BulkChangeRequest)
        case clearing(BulkClearingRequest)
    }

    /// The decoded request; `nil` once its entries are ``checked`` (it is not kept twice: should the
    /// sender's authorisation have changed by posting time, the worker reads the stored request).
    public var body: Body?
    /// The request's `wsa:ReplyTo` address (not an anonymous one).
    public var replyTo: String?
    public var soapVersion: SOAPVersion
    /// Entries the request holds (what the hand-off counts against its bound).
    public var entryCount: Int
    /// The entries already checked against the posting rules at intake, and the authorisation
    /// they were checked for: the worker uses them when the sender's authorisation is still that
    /// one (the rules depend on nothing else: master data and configuration are the process's).
    public var checked: (entries: PreparedPosting, authorization: PostingAuthorization)?
}

/// Hands requests the intake has just stored, already parsed and decoded, to this process's
/// posting worker, so that a large bulk is parsed once and not again after it was stored.
///
/// Only a shortcut: the stored request stays the truth. A message this process's worker does not
/// find here (after a restart, when another gateway process claims it, or when the hand-off was
/// full) is read back from the store and parsed as before. The hand-off holds at most
/// `maximumEntries` entries in all; a request that would not fit is not kept, and the oldest
/// requests are dropped when their messages are never claimed here.
public final class AcceptedRequestHandOff: Sendable {
    private struct State {
        var requests: [MessageRowID: DecodedAcceptedRequest] = [:]
        var order: [MessageRowID] = []
        var entries = 0
    }

    private let state = Mutex(State())
    public let maximumEntries: Int

    public init(maximumEntries: Int = 20_000) {
        self.maximumEntries = maximumEntries
    }

    /// Keeps `request` for the message stored as `id`, dropping the oldest kept requests if needed.
    public func put(_ request: DecodedAcceptedRequest, for id: MessageRowID) {
        let size = max(1, request.entryCount)
        guard size <= maximumEntries else { return }
        state.withLock { state in
            while state.entries + size > maximumEntries, !state.order.isEmpty {
                let oldest = state.order.removeFirst()
                if let dropped = state.requests.removeValue(forKey: oldest) { state.entries -= max(1, dropped.entryCount) }
            }
            if let replaced = state.requests.updateValue(request, forKey: id) {
                state.entries -= max(1, replaced.entryCount)
            } else {
                state.order.append(id)
            }
            state.entries += size
        }
    }

    /// The decoded request of message `id`, once (it is removed), or `nil` when it is not here.
    public func take(_ id: MessageRowID) -> DecodedAcceptedRequest? {
        state.withLock { state in
            guard let request = state.requests.removeValue(forKey: id) else { return nil }
            state.entries -= max(1, request.entryCount)
            if let index = state.order.firstIndex(of: id) { state.order.remove(at: index) }
            return request
        }
    }

    /// Entries held now.
    public var heldEntries: Int { state.withLock { $0.entries } }
}
