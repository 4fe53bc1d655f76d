import ConfirmationDelivery
import Foundation
import Testing

@Suite("RetryPolicy")
struct RetryPolicyTests {
    let policy = RetryPolicy()

    @Test("defaults to 25 attempts, a 10 s attempt timeout, 15 s doubling to a 5 h cap, jitter 0.1")
    func defaults() {
        #expect(policy.maximumAttempts == 25)
        #expect(policy.attemptTimeout == 10)
        #expect(policy.initialDelay == 15)
        #expect(policy.multiplier == 2)
        #expect(policy.maximumDelay == 18_000)
        #expect(policy.jitter == 0.1)
        #expect(policy.problems.isEmpty)
    }

    @Test("base delays double from the initial delay and never decrease once they reach the cap")
    func baseDelaysAreMonotonicUpToTheCap() {
        let delays = (1..<policy.maximumAttempts).map { policy.baseDelay(afterAttempt: $0) }
        #expect(Array(delays.prefix(4)) == [15, 30, 60, 120])
        #expect(delays[10] == 15_360)
        #expect(delays.dropFirst(11).allSatisfy { $0 == 18_000 })
        #expect(zip(delays, delays.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(policy.baseDelay(afterAttempt: 10_000) == 18_000, "a huge attempt number saturates at the cap")
    }

    @Test("jitter scales the base delay within 1 ± jitter: 0 is shortest, 0.5 the base, near 1 longest")
    func jitterBounds() {
        for attempt in 1..<policy.maximumAttempts {
            let base = policy.baseDelay(afterAttempt: attempt)
            #expect(policy.delay(afterAttempt: attempt, randomUnit: 0) == base * 0.9)
            #expect(policy.delay(afterAttempt: attempt, randomUnit: 0.5) == base)
            let longest = policy.delay(afterAttempt: attempt, randomUnit: 0.999_999)
            #expect(longest > base && longest < base * 1.1)
        }
    }

    @Test("random numbers outside 0..<1 are clamped, never stretching the delay beyond its bounds")
    func randomUnitIsClamped() {
        #expect(policy.delay(afterAttempt: 3, randomUnit: -5) == 54)
        #expect(policy.delay(afterAttempt: 3, randomUnit: 7) == 66)
        #expect(policy.delay(afterAttempt: 3, randomUnit: .nan) == 60)
    }

    @Test("without jitter every draw gives the base delay")
    func noJitter() {
        let exact = RetryPolicy(jitter: 0)
        #expect(exact.delay(afterAttempt: 2, randomUnit: 0) == 30)
        #expect(exact.delay(afterAttempt: 2, randomUnit: 0.99) == 30)
    }

    @Test("the next attempt is due the delay after the failed one finished")
    func nextAttemptAt() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(policy.nextAttemptAt(afterAttempt: 1, finishedAt: now, randomUnit: 0.5) == now + 15)
        #expect(policy.nextAttemptAt(afterAttempt: 30, finishedAt: now, randomUnit: 0) == now + 16_200)
    }

    @Test("25 attempts span about 3 days: 264,705 s at base, 2 d 18 h at the shortest, 3 d 9 h at the longest")
    func totalSpan() {
        let day: TimeInterval = 86_400
        #expect(policy.scheduleSpan(randomUnit: 0.5) == 264_705)
        let shortest = policy.scheduleSpan(randomUnit: 0)
        let longest = policy.scheduleSpan(randomUnit: 0.999_999)
        #expect(abs(shortest - 238_234.5) < 0.001)
        #expect(longest < 291_175.5 && longest > 291_175)
        #expect(shortest > 2.5 * day && longest < 3.5 * day)
        #expect(RetryPolicy(maximumAttempts: 1).scheduleSpan(randomUnit: 0.5) == 0)
    }

    @Test("decodes configuration with every key optional, falling back to the defaults")
    func decodesWithDefaults() throws {
        let decoded = try JSONDecoder().decode(RetryPolicy.self, from: Data(#"{"maximumAttempts": 5, "jitter": 0}"#.utf8))
        #expect(decoded == RetryPolicy(maximumAttempts: 5, jitter: 0))
        #expect(try JSONDecoder().decode(RetryPolicy.self, from: Data("{}".utf8)) == RetryPolicy())
    }

    @Test("encodes under its configuration keys and decodes back to the same policy")
    func roundTrips() throws {
        let custom = RetryPolicy(maximumAttempts: 8, initialDelay: 1.5, multiplier: 3, maximumDelay: 600, jitter: 0.25, attemptTimeout: 4)
        let data = try JSONEncoder().encode(custom)
        let keys = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any]).keys
        #expect(Set(keys) == ["maximumAttempts", "initialDelaySeconds", "multiplier", "maximumDelaySeconds", "jitter", "attemptTimeoutSeconds"])
        #expect(try JSONDecoder().decode(RetryPolicy.self, from: data) == custom)
    }

    @Test("a value of the wrong type is a decoding error, not a silent default")
    func wrongTypeFailsDecoding() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(RetryPolicy.self, from: Data(#"{"maximumAttempts": "many"}"#.utf8))
        }
    }

    @Test("validation names every unusable value by its configuration key")
    func validation() {
        let bad = RetryPolicy(maximumAttempts: 0, initialDelay: -1, multiplier: 0.5, maximumDelay: 0, jitter: 1.5, attemptTimeout: .infinity)
        #expect(bad.problems == [
            .attemptsNotPositive(0),
            .durationNotPositive(key: "initialDelaySeconds", value: -1),
            .multiplierBelowOne(0.5),
            .durationNotPositive(key: "maximumDelaySeconds", value: 0),
            .jitterOutOfRange(1.5),
            .durationNotPositive(key: "attemptTimeoutSeconds", value: .infinity),
        ])
        #expect(bad.problems.map(\.key) == [
            "maximumAttempts", "initialDelaySeconds", "multiplier", "maximumDelaySeconds", "jitter", "attemptTimeoutSeconds",
        ])
        #expect(RetryPolicy(jitter: -0.1).problems.map(\.description) == ["jitter: must lie between 0 and 1, not -0.1"])
        #expect(RetryPolicy(jitter: .nan).problems.map(\.key) == ["jitter"])
        #expect(RetryPolicy(initialDelay: 60, maximumDelay: 30).problems == [.maximumBelowInitial(maximum: 30, initial: 60)])
    }

    @Test("the edges of the valid ranges are accepted: one attempt, multiplier 1, jitter 0 and 1")
    func validationEdges() {
        #expect(RetryPolicy(maximumAttempts: 1, multiplier: 1, jitter: 0).problems.isEmpty)
        #expect(RetryPolicy(initialDelay: 5, maximumDelay: 5, jitter: 1).problems.isEmpty)
    }
}
