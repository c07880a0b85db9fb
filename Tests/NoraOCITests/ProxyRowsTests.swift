import NoraCore
import NoraMetadata
@testable import NoraOCI
import Testing

/// The rows of cache repositories: hosted wins, a push turns a cache hosted, prune touches caches only.
@Suite struct ProxyRowsTests {
    static let config = #"{"architecture":"amd64","os":"linux"}"#
    static var configDigest: Digest { Digest.of(Array(config.utf8)) }
    static var manifestBytes: [UInt8] {
        Array(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\#(configDigest)","size":\#(config.utf8.count)},"layers":[]}"#.utf8)
    }

    static func withIndex(_ body: (OCIIndex, MetadataDatabase) async throws -> Void) async throws {
        let db = try await MetadataDatabase.open(url: "sqlite://:memory:")
        try await db.migrate(OCIRegistry.migrations)
        do { try await body(OCIIndex(db: db), db) } catch { await db.close(); throw error }
        await db.close()
    }

    @Test func cacheThenPushThenCacheAgain() async throws {
        try await Self.withIndex { index, _ in
            let repo = try RepositoryName("docker.io/library/alpine")
            let source = ProxySource(upstream: "https://registry-1.docker.io", remoteName: "library/alpine")
            let manifest = try ParsedManifest(bytes: Self.manifestBytes, contentType: nil)
            let digest = Digest.of(Self.manifestBytes)
            #expect(try await index.origin(of: repo) == .absent)

            try await index.cacheManifest(manifest, digest: digest, size: Int64(Self.manifestBytes.count), tag: "3", in: repo, from: source)
            #expect(try await index.origin(of: repo) == .proxied)
            let cached = try #require(try await index.storedTag("3", in: repo))
            #expect(cached.cached && cached.manifest.digest == digest)

            // A push makes the repository hosted; later upstream fetches no longer write into it.
            try await index.link(Self.configDigest, size: Int64(Self.config.utf8.count), to: repo)
            try await index.putManifest(manifest, digest: digest, size: Int64(Self.manifestBytes.count), tag: "mine", in: repo)
            #expect(try await index.origin(of: repo) == .hosted)
            #expect(try await index.storedTag("mine", in: repo)?.cached == false)
            try await index.cacheManifest(manifest, digest: digest, size: Int64(Self.manifestBytes.count), tag: "upstream", in: repo, from: source)
            #expect(try await index.storedTag("upstream", in: repo) == nil)
        }
    }

    @Test func pruneForgetsOldCacheRowsOnly() async throws {
        try await Self.withIndex { index, db in
            let manifest = try ParsedManifest(bytes: Self.manifestBytes, contentType: nil)
            let digest = Digest.of(Self.manifestBytes)
            let cacheRepo = try RepositoryName("cache/app"), hostedRepo = try RepositoryName("team/app")
            try await index.cacheManifest(manifest, digest: digest, size: Int64(Self.manifestBytes.count), tag: "v1", in: cacheRepo,
                                          from: ProxySource(upstream: "http://up", remoteName: "app"))
            try await index.link(Self.configDigest, size: Int64(Self.config.utf8.count), to: hostedRepo)
            try await index.putManifest(manifest, digest: digest, size: Int64(Self.manifestBytes.count), tag: "v1", in: hostedRepo)

            #expect(try await OCIRegistry.pruneProxyCache(db: db, before: Clock.nowSeconds() - 60) == 0)
            #expect(try await OCIRegistry.pruneProxyCache(db: db, before: Clock.nowSeconds() + 60) == 2)  // tag + manifest
            #expect(try await index.storedTag("v1", in: cacheRepo) == nil)
            #expect(try await index.manifest(.digest(digest), in: cacheRepo) == nil)
            #expect(try await index.storedTag("v1", in: hostedRepo)?.manifest.digest == digest)
        }
    }
}
