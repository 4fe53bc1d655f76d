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

/// Hands requests the intake has just stored, already parsed, decoded and checked, to this
/// process's posting worker, so that a large bulk is parsed once and not again after it was stored.
///
/// The intake **reserves** a message's place inside the transaction that stores it (so before any
/// worker can claim it) and **fulfils** it once its decoding, which runs side by side with the
/// store's write, is done. A worker that claims a reserved message waits for that (at most the
/// rest of one decoding) instead of parsing the request a second time.
///
/// Only a shortcut: the stored request stays the truth. A message this process's worker does not
/// find here (after a restart, when another gateway process claims it, when decoding failed or the
/// hand-off was full) is read back from the store and parsed as before. The hand-off holds at most
/// `maximumEntries` entries of fulfilled requests in all; a request that would not fit is not
/// kept, and the oldest are dropped when their messages are never claimed here.
public final class AcceptedRequestHandOff: Sendable {
    private enum Slot {
        case pending(waiters: [CheckedContinuation<DecodedAcceptedRequest?, Never>])
        case ready(DecodedAcceptedRequest)
    }

    private struct State {
        var slots: [MessageRowID: Slot] = [:]
        /// Fulfilled requests, oldest first (what is dropped when the bound is reached).
        var order: [MessageRowID] = []
        var entries = 0
        var handedOver = 0

        mutating func drop(_ id: MessageRowID, _ request: DecodedAcceptedRequest) {
            slots[id] = nil
            entries -= max(1, request.entryCount)
            if let index = order.firstIndex(of: id) { order.remove(at: index) }
        }
    }

    private let state = Mutex(State())
    public let maximumEntries: Int

    public init(maximumEntries: Int = 20_000) {
        self.maximumEntries = maximumEntries
    }

    /// Marks message `id` as being decoded by the intake (call inside the transaction that stores it).
    public func reserve(_ id: MessageRowID) {
        state.withLock { state in
            if case .ready(let dropped) = state.slots[id] { state.drop(id, dropped) }
            state.slots[id] = .pending(waiters: [])
        }
    }

    /// Hands over the reserved message `id`: its decoded request, or `nil` when there is none
    /// (decoding failed, or the transaction that stored it did not commit).
    public func fulfil(_ id: MessageRowID, with request: DecodedAcceptedRequest?) {
        let handed: (waiter: CheckedContinuation<DecodedAcceptedRequest?, Never>, others: [CheckedContinuation<DecodedAcceptedRequest?, Never>])? =
            state.withLock { state in
                guard case .pending(let waiters) = state.slots[id] else { return nil }
                if let first = waiters.first {
                    state.slots[id] = nil
                    if request != nil { state.handedOver += 1 }
                    return (first, Array(waiters.dropFirst()))
                }
                guard let request, max(1, request.entryCount) <= maximumEntries else {
                    state.slots[id] = nil
                    return nil
                }
                let size = max(1, request.entryCount)
                while state.entries + size > maximumEntries, let oldest = state.order.first {
                    if case .ready(let dropped) = state.slots[oldest] { state.drop(oldest, dropped) } else { state.order.removeFirst() }
                }
                state.slots[id] = .ready(request)
                state.order.append(id)
                state.entries += size
                return nil
            }
        guard let handed else { return }
        handed.waiter.resume(returning: request)
        for other in handed.others { other.resume(returning: nil) }
    }

    /// The request of message `id`, once (it is removed): at once when it is here, after the
    /// intake's decoding when that is still running, `nil` when it is not here at all.
    public func take(_ id: MessageRowID) async -> DecodedAcceptedRequest? {
        enum Found { case ready(DecodedAcceptedRequest), pending, absent }
        let found: Found = state.withLock { state in
            switch state.slots[id] {
            case .ready(let request):
                state.drop(id, request)
                state.handedOver += 1
                return .ready(request)
            case .pending: return .pending
            case nil: return .absent
            }
        }
        switch found {
        case .ready(let request): return request
        case .absent: return nil
        case .pending:
            return await withCheckedContinuation { continuation in
                state.withLock { state in
                    switch state.slots[id] {
                    case .pending(let waiters):
                        state.slots[id] = .pending(waiters: waiters + [continuation])
                    case .ready(let request):
                        state.drop(id, request)
                        state.handedOver += 1
                        continuation.resume(returning: request)
                    case nil:
                        continuation.resume(returning: nil)
                    }
                }
            }
        }
    }

    /// Entries of fulfilled requests held now.
    public var heldEntries: Int { state.withLock { $0.entries } }

    /// Requests handed to a worker so far (for tests and diagnostics).
    public var handedOver: Int { state.withLock { $0.handedOver } }
}
