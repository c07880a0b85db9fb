import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import NoraCore
import NoraProxy
import Testing

/// `immutableStream`: the leading request gets bytes before the upstream transfer ends.
@Suite struct StreamingFetchTests {
    static let chunk = [UInt8](repeating: 42, count: 64 * 1024)
    static let whole = Array((0..<6).map { _ in chunk }.joined())

    static func slowBody(_ router: Router<BasicRequestContext>, _ path: String, bytes: [UInt8] = whole) {
        router.get(RouterPath(stringLiteral: path)) { _, _ -> Response in
            Response(status: .ok, headers: [.contentLength: String(bytes.count)], body: ResponseBody { writer in
                for start in stride(from: 0, to: bytes.count, by: chunk.count) {
                    try await writer.write(ByteBuffer(bytes: bytes[start..<min(start + chunk.count, bytes.count)]))
                    try await Task.sleep(for: .milliseconds(150))
                }
                try await writer.finish(nil)
            })
        }
    }

    static func request(_ path: String) -> @Sendable (Upstream) -> UpstreamRequest? {
        { UpstreamRequest(url: $0.url(path)) }
    }

    @Test func firstBytesArriveBeforeTheObjectIsStoredAndFollowersWait() async throws {
        try await FakeUpstream.run({ router, _ in Self.slowBody(router, "base/layer") }) { port, upstream in
            try await ProxyFixture.with { fixture in
                let cache = fixture.cache([port])
                let expected = ExpectedDigest.native(Digest.of(Self.whole))
                guard case .streaming(let body) = try await cache.immutableStream(key: "layer", expected: expected, request: Self.request("layer"))
                else { Issue.record("a miss should stream"); return }
                #expect(body.size == Int64(Self.whole.count))
                let received = NIOLockedValueBox([UInt8]())
                let storedAtFirstChunk = NIOLockedValueBox<Bool?>(nil)
                async let follower = cache.immutableStream(key: "layer", expected: expected, request: Self.request("layer"))
                let entry = try await body.stream { chunk in
                    if received.withLockedValue({ $0.isEmpty }) {
                        let stored = try await cache.cached(key: "layer") != nil
                        storedAtFirstChunk.withLockedValue { $0 = stored }
                    }
                    received.withLockedValue { $0 += Array(chunk.readableBytesView) }
                }
                #expect(storedAtFirstChunk.withLockedValue { $0 } == false)
                #expect(received.withLockedValue { $0 } == Self.whole)
                #expect(entry.blob.digest == Digest.of(Self.whole))
                guard case .stored(let waited) = try await follower else { Issue.record("the follower should wait"); return }
                #expect(waited.blob.digest == entry.blob.digest)
                guard case .stored = try await cache.immutableStream(key: "layer", expected: expected, request: Self.request("layer"))
                else { Issue.record("now a hit"); return }
                #expect(upstream.count("/base/layer") == 1)
            }
        }
    }

    @Test func mismatchThrowsAfterTheLastChunkAndStoresNothing() async throws {
        try await FakeUpstream.run({ router, _ in Self.slowBody(router, "base/bad") }) { port, upstream in
            try await ProxyFixture.with { fixture in
                let cache = fixture.cache([port])
                let promised = ExpectedDigest.native(Digest.of([1, 2, 3]))
                guard case .streaming(let body) = try await cache.immutableStream(key: "bad", expected: promised, request: Self.request("bad"))
                else { Issue.record("a miss should stream"); return }
                let count = NIOLockedValueBox(0)
                await #expect(throws: ProxyError.self) { try await body.stream { chunk in count.withLockedValue { $0 += chunk.readableBytes } } }
                // the last chunk is held back: a client told the length never gets a complete body
                let forwarded = count.withLockedValue { $0 }
                #expect(forwarded < Self.whole.count && forwarded >= Self.whole.count - Self.chunk.count)
                #expect(try await fixture.storedBlobs() == 0)
                #expect(try await cache.cached(key: "bad") == nil)
                guard case .streaming = try await cache.immutableStream(key: "bad", expected: promised, request: Self.request("bad"))
                else { Issue.record("the next request fetches again"); return }
                #expect(upstream.count("/base/bad") == 2)
            }
        }
    }

    @Test func aClientThatGoesAwayDoesNotStopTheStore() async throws {
        try await FakeUpstream.run({ router, _ in Self.slowBody(router, "base/layer") }) { port, _ in
            try await ProxyFixture.with { fixture in
                let cache = fixture.cache([port])
                guard case .streaming(let body) = try await cache.immutableStream(key: "l", expected: nil, request: Self.request("layer"))
                else { Issue.record("a miss should stream"); return }
                struct Gone: Error {}
                let entry = try await body.stream { _ in throw Gone() }
                #expect(entry.blob.size == Int64(Self.whole.count))
                #expect(try await cache.cached(key: "l") != nil)
            }
        }
    }

    @Test func anAbandonedStreamReleasesItsFollowers() async throws {
        try await FakeUpstream.run({ router, _ in Self.slowBody(router, "base/layer") }) { port, _ in
            try await ProxyFixture.with { fixture in
                let cache = fixture.cache([port])
                let follower: Task<PullThroughCache.ImmutableSource, any Error>
                do {
                    guard case .streaming = try await cache.immutableStream(key: "x", expected: nil, request: Self.request("layer"))
                    else { Issue.record("a miss should stream"); return }
                    follower = Task { try await cache.immutableStream(key: "x", expected: nil, request: Self.request("layer")) }
                    try await Task.sleep(for: .milliseconds(100))
                }  // the body is dropped unstarted here
                let outcome = try await withThrowingTaskGroup(of: Bool.self) { group in
                    group.addTask { _ = await follower.result; return true }
                    group.addTask { try await Task.sleep(for: .seconds(10)); return false }
                    let first = try await group.next()!
                    group.cancelAll()
                    return first
                }
                #expect(outcome, "the follower of an abandoned fetch must not wait forever")
            }
        }
    }

    @Test func notFoundUpstreamIsNotFound() async throws {
        try await FakeUpstream.run({ _, _ in }) { port, _ in
            try await ProxyFixture.with { fixture in
                await #expect(throws: ProxyError.notFound("nothing")) {
                    try await fixture.cache([port]).immutableStream(key: "nothing", expected: nil, request: Self.request("nothing"))
                }
            }
        }
    }
}
