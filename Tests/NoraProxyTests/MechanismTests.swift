import NoraCore
import NoraProxy
import Testing

@Suite struct MechanismTests {
    @Test func ttlMeaning() {
        #expect(Freshness.isFresh(fetchedAt: 0, now: 1_000_000, ttl: -1))
        #expect(!Freshness.isFresh(fetchedAt: 100, now: 100, ttl: 0))
        #expect(Freshness.isFresh(fetchedAt: 100, now: 399, ttl: 300))
        #expect(!Freshness.isFresh(fetchedAt: 100, now: 400, ttl: 300))
    }

    @Test func credentials() {
        #expect(Credentials(parsing: "alice:pa:ss") == .basic(user: "alice", password: "pa:ss"))
        #expect(Credentials(parsing: "Bearer abc") == .bearer("abc"))
        #expect(Credentials(parsing: "tok") == .bearer("tok"))
        #expect(Credentials.basic(user: "a", password: "b").authorization == "Basic YTpi")
    }

    @Test func upstreamURLsAndHosts() {
        let upstream = Upstream(url: "https://Registry.example.com:8443/base/")
        #expect(upstream.url == "https://Registry.example.com:8443/base")
        #expect(upstream.url("/x/y") == "https://Registry.example.com:8443/base/x/y")
        #expect(upstream.url("x") == "https://Registry.example.com:8443/base/x")
        #expect(upstream.host == "registry.example.com:8443")
    }

    @Test func expectedDigests() throws {
        // sha512 of the empty string, as npm's SRI spells it.
        let sri = "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg=="
        let parsed = try #require(ExpectedDigest.subresourceIntegrity(sri))
        #expect(parsed == .native(Digest.of([UInt8](), algorithm: .sha512)))
        #expect(ExpectedDigest.subresourceIntegrity("md5-abc") == nil)
        #expect(ExpectedDigest.sha1Hex("DA39A3EE5E6B4B0D3255BFEF95601890AFD80709") == .sha1("da39a3ee5e6b4b0d3255bfef95601890afd80709"))
        #expect(ExpectedDigest.sha1Hex("xyz") == nil)
    }

    @Test func circuitBreakerOpensAndProbes() {
        let clock = Clock2()
        let breaker = CircuitBreaker(enabled: true, threshold: 2, resetTimeoutSeconds: 30, now: { clock.now })
        #expect(breaker.allows("u"))
        breaker.recordFailure("u")
        #expect(breaker.allows("u"))
        breaker.recordFailure("u")
        #expect(!breaker.allows("u"))
        #expect(breaker.retryAfter("u") == 30)
        clock.now = 31
        #expect(breaker.allows("u"))       // the one probe
        #expect(!breaker.allows("u"))      // nobody else while it runs
        breaker.recordFailure("u")
        #expect(!breaker.allows("u"))
        clock.now = 62
        #expect(breaker.allows("u"))
        breaker.recordSuccess("u")
        #expect(breaker.allows("u") && breaker.allows("u"))
        #expect(breaker.allows("other"))
    }

    @Test func disabledBreakerNeverOpens() {
        let breaker = CircuitBreaker(enabled: false, threshold: 1, resetTimeoutSeconds: 30)
        for _ in 0..<5 { breaker.recordFailure("u") }
        #expect(breaker.allows("u"))
    }

    @Test func proxyErrorsRenderAsGatewayStatuses() {
        #expect(ProxyError.notFound("x").appError.status.code == 404)
        #expect(ProxyError.notCached("x").appError.status.code == 404)
        #expect(ProxyError.unavailable("x").appError.status.code == 502)
        #expect(ProxyError.digestMismatch(expected: "a", actual: "b").appError.status.code == 502)
        #expect(ProxyError.timedOut("x").appError.status.code == 504)
    }
}

final class Clock2: @unchecked Sendable {
    var now: Double = 0
}
