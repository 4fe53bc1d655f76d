import ConfirmationDelivery
import Foundation
import Testing

@Suite("DeliveryState transitions")
struct DeliveryStateTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    let policy = RetryPolicy(maximumAttempts: 3, jitter: 0)
    let lease: TimeInterval = 30

    /// A delivery claimed for its first attempt at `start`.
    func inFlight() throws -> DeliveryState {
        var state = DeliveryState(enqueuedAt: start)
        _ = try state.claim(now: start, lease: lease)
        return state
    }

    @Test("a new delivery is pending for attempt 1, due at once, with nothing recorded")
    func newDelivery() {
        let state = DeliveryState(enqueuedAt: start)
        #expect(state.phase == .pending(attempt: 1, nextAttemptAt: start))
        #expect(state.status == .pending && state.nextAttemptAt == start && !state.isFinished)
        #expect(state.attemptsMade == 0 && state.lastStatus == nil && state.lastError == nil)
    }

    @Test("claiming a due delivery takes a lease and asks to send attempt 1")
    func claim() throws {
        var state = DeliveryState(enqueuedAt: start)
        #expect(try state.claim(now: start + 1, lease: lease) == .send(attempt: 1))
        #expect(state.phase == .inFlight(attempt: 1, leaseUntil: start + 31))
        #expect(state.nextAttemptAt == nil)
    }

    @Test("claiming before the attempt is due, or with a lease that is not positive, is refused and changes nothing")
    func claimRefused() throws {
        var state = DeliveryState(enqueuedAt: start + 60)
        #expect(throws: DeliveryTransitionError.notYetDue(nextAttemptAt: start + 60)) { try state.claim(now: start, lease: lease) }
        #expect(throws: DeliveryTransitionError.invalidLease(0)) { try state.claim(now: start + 60, lease: 0) }
        #expect(throws: DeliveryTransitionError.invalidLease(.infinity)) { try state.claim(now: start + 60, lease: .infinity) }
        #expect(state == DeliveryState(enqueuedAt: start + 60))
    }

    @Test("a 2xx answer delivers: terminal, status recorded, no error")
    func delivered() throws {
        var state = try inFlight()
        let action = try state.attemptFinished(.httpStatus(202), now: start + 2, randomUnit: 0.5, policy: policy)
        #expect(action == .record(status: 202, error: nil))
        #expect(state.phase == .delivered(at: start + 2, status: 202))
        #expect(state.isFinished && state.attemptsMade == 1 && state.lastStatus == 202 && state.lastError == nil)
    }

    @Test(
        "4xx, 5xx, 1xx/3xx, timeouts, refused connections and transport errors are recorded and retried after the policy's delay",
        arguments: [
            (AttemptOutcome.httpStatus(400), 400, "HTTP status 400"),
            (.httpStatus(503), 503, "HTTP status 503"),
            (.httpStatus(302), 302, "HTTP status 302"),
            (.timedOut, nil, "timed out"),
            (.connectionRefused, nil, "connection refused"),
            (.transportError("tls"), nil, "tls"),
        ] as [(AttemptOutcome, Int?, String)])
    func retried(outcome: AttemptOutcome, status: Int?, error: String) throws {
        var state = try inFlight()
        let action = try state.attemptFinished(outcome, now: start + 5, randomUnit: 0.5, policy: policy)
        #expect(action == .record(status: status, error: error))
        #expect(state.phase == .retryScheduled(attempt: 2, nextAttemptAt: start + 5 + 15))
        #expect(state.lastStatus == status && state.lastError == error && state.attemptsMade == 1)
    }

    @Test("a scheduled retry is claimable once due, as the next attempt")
    func retryClaim() throws {
        var state = try inFlight()
        _ = try state.attemptFinished(.httpStatus(500), now: start, randomUnit: 0.5, policy: policy)
        #expect(throws: DeliveryTransitionError.notYetDue(nextAttemptAt: start + 15)) { try state.claim(now: start + 14, lease: lease) }
        #expect(try state.claim(now: start + 15, lease: lease) == .send(attempt: 2))
    }

    @Test("the last attempt failing fails the delivery with that attempt's error")
    func exhausted() throws {
        var state = DeliveryState(enqueuedAt: start)
        var now = start
        for outcome in [AttemptOutcome.timedOut, .httpStatus(500)] {
            _ = try state.claim(now: now, lease: lease)
            _ = try state.attemptFinished(outcome, now: now, randomUnit: 0.5, policy: policy)
            now = try #require(state.nextAttemptAt)
        }
        _ = try state.claim(now: now, lease: lease)
        #expect(try state.attemptFinished(.httpStatus(404), now: now + 1, randomUnit: 0.5, policy: policy) == .record(status: 404, error: "HTTP status 404"))
        #expect(state.phase == .failed(reason: "HTTP status 404", at: now + 1))
        #expect(state.attemptsMade == 3 && state.isFinished)
    }

    @Test("after a crash, an in-flight delivery whose lease passed is claimable again at once, the lost attempt counted")
    func leaseExpiry() throws {
        var state = try inFlight()
        #expect(throws: DeliveryTransitionError.leaseStillHeld(until: start + 30)) { try state.leaseExpired(now: start + 29, policy: policy) }
        let action = try state.leaseExpired(now: start + 30, policy: policy)
        #expect(action == .record(status: nil, error: "attempt 1 did not report before its lease expired"))
        #expect(state.phase == .retryScheduled(attempt: 2, nextAttemptAt: start + 30))
        #expect(state.attemptsMade == 1 && state.lastStatus == nil)
        #expect(try state.claim(now: start + 30, lease: lease) == .send(attempt: 2))
    }

    @Test("a lost last attempt fails the delivery")
    func leaseExpiryOnLastAttempt() throws {
        var state = try inFlight()
        let one = RetryPolicy(maximumAttempts: 1)
        _ = try state.leaseExpired(now: start + 60, policy: one)
        #expect(state.phase == .failed(reason: "attempt 1 did not report before its lease expired", at: start + 60))
    }

    @Test("an outcome reported after the lease ran out, before any recovery, still counts")
    func lateOutcome() throws {
        var state = try inFlight()
        _ = try state.attemptFinished(.httpStatus(200), now: start + 300, randomUnit: 0.5, policy: policy)
        #expect(state.phase == .delivered(at: start + 300, status: 200))
    }

    @Test("an operator's redelivery makes a failed delivery pending at once with a fresh budget, keeping the last error")
    func redeliver() throws {
        var state = try inFlight()
        _ = try state.attemptFinished(.connectionRefused, now: start, randomUnit: 0.5, policy: RetryPolicy(maximumAttempts: 1))
        #expect(try state.redeliver(now: start + 3600) == .none)
        #expect(state.phase == .pending(attempt: 1, nextAttemptAt: start + 3600))
        #expect(state.attemptsMade == 0 && state.totalAttempts == 1 && state.lastError == "connection refused")
        _ = try state.claim(now: start + 3600, lease: lease)
        _ = try state.attemptFinished(.httpStatus(200), now: start + 3601, randomUnit: 0.5, policy: policy)
        #expect(state.status == .delivered && state.totalAttempts == 2 && state.lastError == nil)
    }

    @Test("events that do not fit the phase are typed errors and leave the state as it was")
    func illegalTransitions() throws {
        let pending = DeliveryState(enqueuedAt: start)
        let flying = try inFlight()
        var deliveredState = flying
        _ = try deliveredState.attemptFinished(.httpStatus(204), now: start, randomUnit: 0.5, policy: policy)
        var failedState = flying
        _ = try failedState.attemptFinished(.timedOut, now: start, randomUnit: 0.5, policy: RetryPolicy(maximumAttempts: 1))
        var scheduled = flying
        _ = try scheduled.attemptFinished(.timedOut, now: start, randomUnit: 0.5, policy: policy)

        func refuses(_ state: DeliveryState, _ error: DeliveryTransitionError, _ event: (inout DeliveryState) throws -> DeliveryAction) {
            var copy = state
            #expect(throws: error) { try event(&copy) }
            #expect(copy == state)
        }
        for state in [flying, deliveredState, failedState] {
            refuses(state, .notClaimable(state.status)) { try $0.claim(now: start + 1e6, lease: lease) }
        }
        for state in [pending, scheduled, deliveredState, failedState] {
            refuses(state, .notInFlight(state.status)) { try $0.attemptFinished(.httpStatus(200), now: start, randomUnit: 0, policy: policy) }
            refuses(state, .notInFlight(state.status)) { try $0.leaseExpired(now: start + 1e6, policy: policy) }
        }
        for state in [pending, flying, scheduled, deliveredState] {
            refuses(state, .notFailed(state.status)) { try $0.redeliver(now: start) }
        }
    }

    @Test("a delivery state survives encoding, as a store could keep it")
    func codable() throws {
        var state = try inFlight()
        _ = try state.attemptFinished(.transportError("curl-56"), now: start, randomUnit: 0.5, policy: policy)
        let data = try JSONEncoder().encode(state)
        #expect(try JSONDecoder().decode(DeliveryState.self, from: data) == state)
    }
}
