import ConfirmationDelivery
import Foundation
import Testing

/// SplitMix64: a small seeded generator, so that every run of the property test sees the same sequence.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("DeliveryState invariants")
struct DeliveryInvariantTests {
    @Test("over seeded random outcomes, crashes and redeliveries the machine keeps its invariants", arguments: [1, 7, 42, 2026] as [UInt64])
    func invariants(seed: UInt64) throws {
        var rng = SeededGenerator(state: seed)
        let policy = RetryPolicy(maximumAttempts: 6, initialDelay: 1, maximumDelay: 20, jitter: 0.5)
        let outcomes: [AttemptOutcome] = [.httpStatus(200), .httpStatus(201), .httpStatus(404), .httpStatus(500), .httpStatus(503), .timedOut, .connectionRefused, .transportError("curl-56")]
        var delivered = 0, failed = 0

        for _ in 0..<300 {
            var now = Date(timeIntervalSince1970: 1_800_000_000)
            var state = DeliveryState(enqueuedAt: now)
            var redeliveries = 0
            var steps = 0
            while steps < 200 {
                steps += 1
                #expect(state.attemptsMade <= policy.maximumAttempts)
                switch state.phase {
                case .pending(_, let due), .retryScheduled(_, let due):
                    now = max(now, due) + Double.random(in: 0..<5, using: &rng)
                    let attempt = state.attemptsMade + 1
                    #expect(try state.claim(now: now, lease: 30) == .send(attempt: attempt))
                case .inFlight(_, let leaseUntil):
                    let before = state
                    if Int.random(in: 0..<10, using: &rng) == 0 {  // the dispatcher crashed
                        now = leaseUntil + Double.random(in: 0..<100, using: &rng)
                        _ = try state.leaseExpired(now: now, policy: policy)
                    } else {
                        now += Double.random(in: 0..<10, using: &rng)
                        let outcome = outcomes.randomElement(using: &rng)!
                        _ = try state.attemptFinished(outcome, now: now, randomUnit: Double.random(in: 0..<1, using: &rng), policy: policy)
                        #expect((state.status == .delivered) == outcome.isDelivered)
                        #expect(state.lastStatus == outcome.status && state.lastError == outcome.errorDescription)
                    }
                    #expect(state.attemptsMade == before.attemptsMade + 1)
                    if let next = state.nextAttemptAt { #expect(next >= now) }
                    if state.status == .failed { #expect(state.attemptsMade == policy.maximumAttempts) }
                case .delivered:
                    delivered += 1
                    var copy = state
                    #expect(throws: DeliveryTransitionError.self) { try copy.claim(now: now + 1e6, lease: 30) }
                    #expect(throws: DeliveryTransitionError.self) { try copy.redeliver(now: now) }
                    #expect(copy == state)
                    steps = .max
                case .failed:
                    failed += 1
                    if redeliveries < 2, Bool.random(using: &rng) {
                        redeliveries += 1
                        _ = try state.redeliver(now: now)
                    } else {
                        steps = .max
                    }
                }
            }
            #expect(steps == .max, "every delivery ends delivered or failed")
            #expect(state.totalAttempts <= policy.maximumAttempts * (redeliveries + 1))
        }
        #expect(delivered > 0 && failed > 0, "the sequence exercises both ends")
    }
}
