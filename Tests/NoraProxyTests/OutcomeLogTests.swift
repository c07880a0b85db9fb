import Hummingbird
import NoraCore
import NoraProxy
import Testing

/// What a request's `ProxyOutcomeLog` collects (the `X-Nora-Cache` header and the activity
/// event the server derives from it), against a live in-process upstream.
@Suite struct OutcomeLogTests {
    @Test func lookupsAreNotedInTheRequestsLog() async throws {
        try await FakeUpstream.run({ router, _ in
            router.get("base/doc") { _, _ in "document" }
            router.get("base/file") { _, _ in "artifact" }
        }) { port, _ in
            try await ProxyFixture.with { fixture in
                let cache = fixture.cache([port], policy: CachePolicy(metadataTTL: 300))
                let request = PullThroughCacheTests.request

                let metadataMiss = ProxyOutcomeLog()
                _ = try await ProxyOutcomeLog.$current.withValue(metadataMiss) { try await cache.document(key: "doc", request: request("doc")) }
                #expect(metadataMiss.headerValue == "miss")
                #expect(metadataMiss.activity?.kind == .proxyFetch)

                let metadataHit = ProxyOutcomeLog()
                _ = try await ProxyOutcomeLog.$current.withValue(metadataHit) { try await cache.document(key: "doc", request: request("doc")) }
                #expect(metadataHit.headerValue == "hit")
                #expect(metadataHit.activity == nil)  // reading cached metadata is no event

                let artifact = ProxyOutcomeLog()
                try await ProxyOutcomeLog.$current.withValue(artifact) {
                    _ = try await cache.document(key: "doc", request: request("doc"))
                    _ = try await cache.immutable(key: "file", expected: nil, request: request("file"))
                }
                #expect(artifact.headerValue == "hit, miss")
                #expect(artifact.activity?.kind == .proxyFetch && artifact.activity?.format == "test")

                let again = ProxyOutcomeLog()
                _ = try await ProxyOutcomeLog.$current.withValue(again) { try await cache.immutable(key: "file", expected: nil, request: request("file")) }
                #expect(again.headerValue == "hit" && again.activity?.kind == .cacheHit)
                #expect(ProxyOutcomeLog().headerValue == nil)
            }
        }
    }
}
