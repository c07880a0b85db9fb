import NoraCore
import Synchronization
import Testing

/// A clock the test moves by hand.
final class FakeClock: Sendable {
    private let value: Mutex<Double>
    init(_ start: Double = 1_000) { value = Mutex(start) }
    var now: Double { value.withLock { $0 } }
    func advance(_ seconds: Double) { value.withLock { $0 += seconds } }
    var function: @Sendable () -> Double { { [self] in now } }
}

@Suite struct RateLimiterTests {
    @Test func burstIsConsumedThenRefused() {
        let clock = FakeClock()
        let limiter = RateLimiter(rate: 1, burst: 3, now: clock.function)
        #expect(limiter.acquire("ip") == nil)
        #expect(limiter.acquire("ip") == nil)
        #expect(limiter.acquire("ip") == nil)
        #expect(limiter.acquire("ip") == 1)
        #expect(limiter.acquire("ip") == 1)
        #expect(limiter.rate == 1)
        #expect(limiter.burst == 3)
    }

    @Test func tokensRefillOverTime() {
        let clock = FakeClock()
        let limiter = RateLimiter(rate: 2, burst: 2, now: clock.function)
        #expect(limiter.acquire("k") == nil)
        #expect(limiter.acquire("k") == nil)
        #expect(limiter.acquire("k") != nil)
        clock.advance(0.25)                 // half a token
        #expect(limiter.acquire("k") == 1)  // refused: a refused acquire takes nothing
        clock.advance(0.25)                 // now one whole token
        #expect(limiter.acquire("k") == nil)
        #expect(limiter.acquire("k") != nil)
        clock.advance(1)                    // two tokens: the full burst again
        #expect(limiter.acquire("k") == nil)
        #expect(limiter.acquire("k") == nil)
        #expect(limiter.acquire("k") != nil)
    }

    @Test func refillIsCappedAtBurst() {
        let clock = FakeClock()
        let limiter = RateLimiter(rate: 10, burst: 3, now: clock.function)
        #expect(limiter.acquire("k") == nil)
        clock.advance(3600)
        var allowed = 0
        for _ in 0..<10 where limiter.acquire("k") == nil { allowed += 1 }
        #expect(allowed == 3)
    }

    @Test func retryAfterIsTheSecondsUntilTheNextToken() {
        let clock = FakeClock()
        // One token every four seconds.
        let limiter = RateLimiter(rate: 0.25, burst: 1, now: clock.function)
        #expect(limiter.retryAfter("k") == nil)
        #expect(limiter.acquire("k") == nil)
        #expect(limiter.retryAfter("k") == 4)
        #expect(limiter.acquire("k") == 4)
        clock.advance(1)
        #expect(limiter.retryAfter("k") == 3)
        clock.advance(2.5)
        #expect(limiter.retryAfter("k") == 1)   // 0.5 s left rounds up to 1
        clock.advance(0.5)
        #expect(limiter.retryAfter("k") == nil)
        #expect(limiter.acquire("k") == nil)
    }

    @Test func retryAfterRoundsUpForFastRates() {
        let clock = FakeClock()
        let limiter = RateLimiter(rate: 100, burst: 1, now: clock.function)
        #expect(limiter.acquire("k") == nil)
        #expect(limiter.acquire("k") == 1)      // 10 ms rounds up to one whole second
    }

    @Test func retryAfterDoesNotConsume() {
        let clock = FakeClock()
        let limiter = RateLimiter(rate: 1, burst: 2, now: clock.function)
        for _ in 0..<20 { #expect(limiter.retryAfter("k") == nil) }
        #expect(limiter.acquire("k") == nil)
        #expect(limiter.acquire("k") == nil)
        #expect(limiter.retryAfter("k") == 1)
    }

    @Test func keysAreIndependent() {
        let clock = FakeClock()
        let limiter = RateLimiter(rate: 1, burst: 1, now: clock.function)
        #expect(limiter.acquire("10.0.0.1") == nil)
        #expect(limiter.acquire("10.0.0.1") == 1)
        #expect(limiter.retryAfter("10.0.0.2") == nil)
        #expect(limiter.acquire("10.0.0.2") == nil)
        #expect(limiter.acquire("10.0.0.2") == 1)
        #expect(limiter.acquire("10.0.0.3") == nil)
        clock.advance(1)
        #expect(limiter.acquire("10.0.0.1") == nil)
        #expect(limiter.acquire("10.0.0.2") == nil)
    }

    @Test func concurrentAcquiresNeverExceedTheBurst() async {
        let clock = FakeClock()
        let limiter = RateLimiter(rate: 1, burst: 50, now: clock.function)
        let allowed = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<200 { group.addTask { limiter.acquire("shared") == nil } }
            var count = 0
            for await ok in group where ok { count += 1 }
            return count
        }
        #expect(allowed == 50)
    }

    @Test func monotonicClockMovesForward() async throws {
        let a = RateLimiter.monotonicSeconds()
        try await Task.sleep(for: .milliseconds(20))
        let b = RateLimiter.monotonicSeconds()
        #expect(b > a)
        #expect(b - a >= 0.015)
    }
}
