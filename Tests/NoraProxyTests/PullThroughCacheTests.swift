import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import NoraCore
import NoraProxy
import NoraStorage
import Testing

/// The mechanism against a live in-process upstream.
@Suite struct PullThroughCacheTests {
    static func request(_ path: String) -> @Sendable (Upstream) -> UpstreamRequest? {
        { upstream in UpstreamRequest(url: upstream.url(path)) }
    }

    @Test func documentIsCachedRevalidatedAndRefreshed() async throws {
        let version = NIOLockedValueBox("one")
        try await FakeUpstream.run({ router, _ in
            router.get("base/doc") { request, _ -> Response in
                let body = version.withLockedValue { $0 }
                let etag = "\"\(body)\""
                if request.headers[.ifNoneMatch] == etag { return Response(status: .notModified, headers: [.eTag: etag]) }
                return Response(status: .ok, headers: [.eTag: etag, .contentType: "application/json"],
                                body: .init(byteBuffer: ByteBuffer(string: body)))
            }
        }) { port, upstream in
            try await ProxyFixture.with { fixture in
                let cache = fixture.cache([port], policy: CachePolicy(metadataTTL: 300))
                let first = try await cache.document(key: "doc", request: Self.request("doc"))
                #expect(first.outcome == .miss)
                #expect(String(buffer: try await cache.read(first)) == "one")
                #expect(first.contentType == "application/json")
                let second = try await cache.document(key: "doc", request: Self.request("doc"))
                #expect(second.outcome == .hit)
                #expect(upstream.count("/base/doc") == 1)
                #expect(upstream.lastHeaders.withLockedValue { $0["/base/doc"]?[.userAgent] } == "nora/test")

                fixture.advance(301)
                let third = try await cache.document(key: "doc", request: Self.request("doc"))
                #expect(third.outcome == .revalidated)
                #expect(upstream.lastHeaders.withLockedValue { $0["/base/doc"]?[.ifNoneMatch] } == "\"one\"")
                #expect(try await cache.document(key: "doc", request: Self.request("doc")).outcome == .hit)

                version.withLockedValue { $0 = "two" }
                fixture.advance(301)
                let fourth = try await cache.document(key: "doc", request: Self.request("doc"))
                #expect(fourth.outcome == .miss)
                #expect(String(buffer: try await cache.read(fourth)) == "two")
                #expect(upstream.count("/base/doc") == 3)
            }
        }
    }

    @Test func ttlZeroAlwaysAsksAndMinusOneNever() async throws {
        try await FakeUpstream.run({ router, _ in
            router.get("base/doc") { _, _ in "body" }
        }) { port, upstream in
            try await ProxyFixture.with { fixture in
                let always = fixture.cache([port], policy: CachePolicy(metadataTTL: 0))
                _ = try await always.document(key: "a", request: Self.request("doc"))
                _ = try await always.document(key: "a", request: Self.request("doc"))
                #expect(upstream.count("/base/doc") == 2)
                let forever = fixture.cache([port], policy: CachePolicy(metadataTTL: -1), format: "other")
                _ = try await forever.document(key: "a", request: Self.request("doc"))
                fixture.advance(10_000_000)
                #expect(try await forever.document(key: "a", request: Self.request("doc")).outcome == .hit)
                #expect(upstream.count("/base/doc") == 3)
            }
        }
    }

    @Test func orderedUpstreamsFallThroughOn404AndFailure() async throws {
        try await FakeUpstream.run({ router, _ in
            router.get("base/only-here") { _, _ in "second" }
        }) { second, _ in
            try await FakeUpstream.run({ router, _ in
                router.get("base/broken") { _, _ -> Response in Response(status: .internalServerError) }
            }) { first, firstUpstream in
                try await ProxyFixture.with { fixture in
                    let cache = fixture.cache([first, second])
                    let entry = try await cache.document(key: "k", request: Self.request("only-here"))
                    #expect(String(buffer: try await cache.read(entry)) == "second")
                    #expect(entry.upstream.contains(":\(second)/"))
                    #expect(firstUpstream.count("/base/only-here") == 1)
                    await #expect(throws: ProxyError.notFound("missing")) {
                        try await cache.document(key: "missing", request: Self.request("missing"))
                    }
                }
            }
        }
    }

    @Test func staleCopyServedWhenUpstreamFailsAndNoCopyIs502() async throws {
        let healthy = NIOLockedValueBox(true)
        try await FakeUpstream.run({ router, _ in
            router.get("base/doc") { _, _ -> Response in
                healthy.withLockedValue { $0 } ? Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "v1")))
                    : Response(status: .serviceUnavailable)
            }
        }) { port, _ in
            try await ProxyFixture.with { fixture in
                let cache = fixture.cache([port])
                _ = try await cache.document(key: "doc", request: Self.request("doc"))
                healthy.withLockedValue { $0 = false }
                fixture.advance(1000)
                let stale = try await cache.document(key: "doc", request: Self.request("doc"))
                #expect(stale.outcome == .stale)
                #expect(stale.warning != nil)
                #expect(String(buffer: try await cache.read(stale)) == "v1")
                do {
                    _ = try await cache.document(key: "other", request: Self.request("doc"))
                    Issue.record("expected a failure")
                } catch let error as ProxyError {
                    #expect(error.appError.status.code == 502)
                }
                var strict = CachePolicy()
                strict.serveStale = false
                let noStale = fixture.cache([port], policy: strict)
                await #expect(throws: ProxyError.self) { try await noStale.document(key: "doc", request: Self.request("doc")) }
            }
        }
    }

    @Test func deadUpstreamFailsFast() async throws {
        try await ProxyFixture.with { fixture in
            // A port nobody listens on: connection refused, not a hang.
            let cache = fixture.cache([1])
            let started = ContinuousClock.now
            await #expect(throws: ProxyError.self) { try await cache.document(key: "x", request: Self.request("x")) }
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }

    @Test func concurrentMissesMakeOneUpstreamRequest() async throws {
        let body = [UInt8](repeating: 7, count: 300_000)
        try await FakeUpstream.run({ router, _ in
            router.get("base/blob") { _, _ -> Response in
                try await Task.sleep(for: .milliseconds(300))
                return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: body)))
            }
        }) { port, upstream in
            try await ProxyFixture.with { fixture in
                let cache = fixture.cache([port])
                let expected = ExpectedDigest.native(Digest.of(body))
                let entries = try await withThrowingTaskGroup(of: CachedEntry.self) { group in
                    for _ in 0..<20 {
                        group.addTask { try await cache.immutable(key: "blob", expected: expected, request: Self.request("blob")) }
                    }
                    return try await group.reduce(into: [CachedEntry]()) { $0.append($1) }
                }
                #expect(entries.count == 20)
                #expect(Set(entries.map(\.blob.digest)).count == 1)
                #expect(upstream.count("/base/blob") == 1)
                #expect(try await cache.immutable(key: "blob", expected: expected, request: Self.request("blob")).outcome == .hit)
                #expect(upstream.count("/base/blob") == 1)
            }
        }
    }

    @Test func digestMismatchStoresNothingAndRetries() async throws {
        try await FakeUpstream.run({ router, _ in
            router.get("base/bad") { _, _ in "not what was promised" }
        }) { port, upstream in
            try await ProxyFixture.with { fixture in
                let cache = fixture.cache([port])
                let promised = ExpectedDigest.native(Digest.of(Array("the real bytes".utf8)))
                for attempt in 1...2 {
                    do {
                        _ = try await cache.immutable(key: "bad", expected: promised, request: Self.request("bad"))
                        Issue.record("a mismatching body was accepted")
                    } catch let error as ProxyError {
                        guard case .digestMismatch = error else { Issue.record("wrong error \(error)"); return }
                        #expect(error.appError.status.code == 502)
                    }
                    #expect(upstream.count("/base/bad") == attempt)
                }
                #expect(try await fixture.storedBlobs() == 0)
                #expect(try await cache.cached(key: "bad") == nil)
                // sha1 promises go through the upload area: also nothing left behind.
                await #expect(throws: ProxyError.self) {
                    try await cache.immutable(key: "bad1", expected: .sha1(String(repeating: "0", count: 40)), request: Self.request("bad"))
                }
                #expect(try await fixture.storedBlobs() == 0)
                let good = try await cache.immutable(key: "good1", expected: ExpectedDigest.sha1Hex("0f29bafd29d09e278b0c50a9461b82785dab9efe"),
                                                     request: Self.request("bad"))
                #expect(good.blob.digest == Digest.of(Array("not what was promised".utf8)))
            }
        }
    }

    @Test func credentialsStayOnTheirHostAcrossRedirects() async throws {
        try await FakeUpstream.run({ router, _ in
            router.get("cdn/file") { _, _ in "content" }
        }) { cdnPort, cdn in
            try await FakeUpstream.run({ router, _ in
                router.get("base/file") { _, _ in
                    // Another host name for the same machine: a different authority.
                    Response(status: .temporaryRedirect, headers: [.location: "http://localhost:\(cdnPort)/cdn/file"])
                }
                router.get("base/same") { _, _ in Response(status: .found, headers: [.location: "/base/target"]) }
                router.get("base/target") { _, _ in "same host" }
            }) { port, registry in
                try await ProxyFixture.with { fixture in
                    let cache = PullThroughCache(
                        format: "test", upstreams: [Upstream(url: "http://127.0.0.1:\(port)/base", credentials: .basic(user: "u", password: "p"))],
                        policy: CachePolicy(), services: fixture.services)
                    let entry = try await cache.immutable(key: "f", expected: nil, request: Self.request("file"))
                    #expect(String(buffer: try await cache.read(entry)) == "content")
                    #expect(registry.lastHeaders.withLockedValue { $0["/base/file"]?[.authorization] } == "Basic dTpw")
                    #expect(cdn.lastHeaders.withLockedValue { $0["/cdn/file"]?[.authorization] } == nil)
                    _ = try await cache.immutable(key: "s", expected: nil, request: Self.request("same"))
                    #expect(registry.lastHeaders.withLockedValue { $0["/base/target"]?[.authorization] } == "Basic dTpw")
                }
            }
        }
    }

    @Test func offlineServesOnlyTheCache() async throws {
        try await FakeUpstream.run({ router, _ in
            router.get("base/doc") { _, _ in "cached" }
        }) { port, upstream in
            try await ProxyFixture.with { online in
                _ = try await online.cache([port]).document(key: "doc", request: Self.request("doc"))
                let offline = ProxyServices(db: online.services.db, store: online.services.store, breaker: online.services.breaker,
                                            offline: true, userAgent: "nora/test", logger: .init(label: "t"),
                                            now: { 9_999_999_999 })
                let cache = PullThroughCache(format: "test", upstreams: [Upstream(url: "http://127.0.0.1:\(port)/base")],
                                             policy: CachePolicy(), services: offline)
                #expect(try await cache.document(key: "doc", request: Self.request("doc")).outcome == .stale)
                await #expect(throws: ProxyError.notCached("new")) { try await cache.document(key: "new", request: Self.request("doc")) }
                #expect(upstream.count("/base/doc") == 1)
                await offline.shutdown()
            }
        }
    }

    @Test func openCircuitSkipsTheUpstream() async throws {
        try await FakeUpstream.run({ router, _ in
            router.get("base/doc") { _, _ -> Response in Response(status: .badGateway) }
        }) { port, upstream in
            let breaker = CircuitBreaker(enabled: true, threshold: 2, resetTimeoutSeconds: 3600)
            try await ProxyFixture.with(breaker: breaker) { fixture in
                let cache = fixture.cache([port])
                for _ in 0..<4 { await #expect(throws: ProxyError.self) { try await cache.document(key: "d", request: Self.request("doc")) } }
                #expect(upstream.count("/base/doc") == 2)
            }
        }
    }

    @Test func negativeCacheRemembers404() async throws {
        try await FakeUpstream.run({ _, _ in }) { port, upstream in
            try await ProxyFixture.with { fixture in
                var policy = CachePolicy()
                policy.negativeTTL = 60
                let cache = fixture.cache([port], policy: policy)
                for _ in 0..<3 { await #expect(throws: ProxyError.notFound("m")) { try await cache.document(key: "m", request: Self.request("m")) } }
                #expect(upstream.count("/base/m") == 1)
                fixture.advance(61)
                await #expect(throws: ProxyError.notFound("m")) { try await cache.document(key: "m", request: Self.request("m")) }
                #expect(upstream.count("/base/m") == 2)
            }
        }
    }
}
