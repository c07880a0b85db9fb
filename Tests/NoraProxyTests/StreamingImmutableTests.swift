import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import NoraCore
import NoraProxy
import NoraStorage
import Testing

/// `immutableStreaming`: the first requester reads while the store is written; others wait.
@Suite struct StreamingImmutableTests {
    static let big = ByteBuffer(bytes: (0..<(3 * 1024 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
    static let request: @Sendable (Upstream) -> UpstreamRequest? = { UpstreamRequest(url: $0.url("blob")) }

    static func drain(_ body: PullThroughCache.StreamedBody) async throws -> ByteBuffer {
        var all = ByteBuffer()
        for try await chunk in body { all.writeImmutableBuffer(chunk) }
        return all
    }

    @Test func largeBodyStreamsAndIsStoredWhileOthersWait() async throws {
        let digest = Digest.of(Self.big.readableBytesView)
        try await FakeUpstream.run({ router, _ in
            router.get("base/blob") { _, _ in Response(status: .ok, body: .init(byteBuffer: Self.big)) }
        }) { port, upstream in
            try await ProxyFixture.with { fixture in
                let cache = fixture.cache([port])
                guard case .streaming(let size, _, let body) = try await cache.immutableStreaming(
                    key: "b", expected: digest, streamAbove: 1024, request: Self.request) else {
                    Issue.record("the first request did not stream"); return
                }
                #expect(size == Int64(Self.big.readableBytes))
                // A second request while the first streams waits for it and gets the stored blob.
                async let second = cache.immutableStreaming(key: "b", expected: digest, streamAbove: 1024, request: Self.request)
                #expect(try await Self.drain(body) == Self.big)
                guard case .stored(let entry) = try await second else { Issue.record("the second request streamed too"); return }
                #expect(entry.blob == BlobInfo(digest: digest, size: Int64(Self.big.readableBytes)))
                #expect(upstream.count("/base/blob") == 1)
                #expect(try await fixture.storedBlobs() == 1)
            }
        }
    }

    @Test func mismatchCutsTheStreamStoresNothingAndRetries() async throws {
        let promised = Digest.of(Array("something else".utf8))
        try await FakeUpstream.run({ router, _ in
            router.get("base/blob") { _, _ in Response(status: .ok, body: .init(byteBuffer: Self.big)) }
        }) { port, upstream in
            try await ProxyFixture.with { fixture in
                let cache = fixture.cache([port])
                for attempt in 1...2 {
                    guard case .streaming(_, _, let body) = try await cache.immutableStreaming(
                        key: "b", expected: promised, streamAbove: 1024, request: Self.request) else {
                        Issue.record("did not stream"); return
                    }
                    var received = 0
                    do {
                        for try await chunk in body { received += chunk.readableBytes }
                        Issue.record("a body failing its digest was delivered whole")
                    } catch let error as ProxyError {
                        guard case .digestMismatch = error else { Issue.record("wrong error \(error)"); return }
                    }
                    #expect(received < Self.big.readableBytes)
                    #expect(upstream.count("/base/blob") == attempt)
                }
                #expect(try await fixture.storedBlobs() == 0)
                #expect(try await cache.cached(key: "b") == nil)
            }
        }
    }

    @Test func smallBodyIsVerifiedBeforeAnswering() async throws {
        try await FakeUpstream.run({ router, _ in
            router.get("base/blob") { _, _ in "small" }
        }) { port, _ in
            try await ProxyFixture.with { fixture in
                let cache = fixture.cache([port])
                let good = Digest.of(Array("small".utf8))
                guard case .stored(let entry) = try await cache.immutableStreaming(
                    key: "s", expected: good, streamAbove: 1024, request: Self.request) else {
                    Issue.record("a small body streamed"); return
                }
                #expect(entry.blob.digest == good)
                await #expect(throws: ProxyError.self) {
                    _ = try await cache.immutableStreaming(key: "t", expected: Digest.of(Array("other".utf8)), streamAbove: 1024,
                                                           request: Self.request)
                }
                #expect(try await fixture.storedBlobs() == 1)
            }
        }
    }

    @Test func clientGoingAwayDoesNotStopTheDownload() async throws {
        let digest = Digest.of(Self.big.readableBytesView)
        try await FakeUpstream.run({ router, _ in
            router.get("base/blob") { _, _ in Response(status: .ok, body: .init(byteBuffer: Self.big)) }
        }) { port, upstream in
            try await ProxyFixture.with { fixture in
                let cache = fixture.cache([port])
                do {
                    guard case .streaming(_, _, let body) = try await cache.immutableStreaming(
                        key: "b", expected: digest, streamAbove: 1024, request: Self.request) else { return }
                    let iterator = body.makeAsyncIterator()
                    _ = try await iterator.next()  // read one chunk, then drop the body
                }
                // The download still completes: the next request finds the blob stored.
                var outcome = try await cache.immutableStreaming(key: "b", expected: digest, streamAbove: 1024, request: Self.request)
                if case .streaming = outcome { Issue.record("a second download started") }
                guard case .stored(let entry) = outcome else { return }
                #expect(entry.blob.size == Int64(Self.big.readableBytes))
                #expect(upstream.count("/base/blob") == 1)
                outcome = try await cache.immutableStreaming(key: "b", expected: digest, streamAbove: 1024, request: Self.request)
                if case .stored(let again) = outcome { #expect(again.outcome == .hit) }
            }
        }
    }
}
