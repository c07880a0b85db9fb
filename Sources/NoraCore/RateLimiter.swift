import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Token buckets keyed by client address: `rate` tokens a second, up to `burst`.
/// In-memory on purpose: limits are per replica, and losing them on restart is harmless.
public final class RateLimiter: Sendable {
    public let rate: Double
    public let burst: Double
    private let buckets = NIOLockedValueBox<[String: Bucket]>([:])
    private let now: @Sendable () -> Double

    struct Bucket { var tokens: Double; var updated: Double }

    public init(rate: Double, burst: Int, now: @escaping @Sendable () -> Double = RateLimiter.monotonicSeconds) {
        self.rate = rate; self.burst = Double(burst); self.now = now
    }

    /// Takes one token; returns nil when allowed, else the seconds until a token is available.
    public func acquire(_ key: String) -> Int? {
        update(key) { bucket in
            if bucket.tokens >= 1 { bucket.tokens -= 1; return nil }
            return Int(((1 - bucket.tokens) / rate).rounded(.up))
        }
    }

    /// Like `acquire` but without taking a token: is the key currently out of tokens?
    public func retryAfter(_ key: String) -> Int? {
        update(key) { bucket in bucket.tokens >= 1 ? nil : Int(((1 - bucket.tokens) / rate).rounded(.up)) }
    }

    private func update(_ key: String, _ body: (inout Bucket) -> Int?) -> Int? {
        let t = now()
        return buckets.withLockedValue { buckets in
            if buckets.count > 50_000 { buckets = buckets.filter { $0.value.tokens + (t - $0.value.updated) * rate < burst } }
            var bucket = buckets[key] ?? Bucket(tokens: burst, updated: t)
            bucket.tokens = min(burst, bucket.tokens + (t - bucket.updated) * rate)
            bucket.updated = t
            let result = body(&bucket)
            buckets[key] = bucket
            return result
        }
    }

    @Sendable public static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
