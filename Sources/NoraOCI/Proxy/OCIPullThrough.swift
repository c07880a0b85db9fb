import NIOCore
import NIOHTTP1
import NoraCore
import NoraMetadata
import NoraProxy
import NoraStorage

/// The OCI pull-through cache: `/v2/<name>/manifests/<ref>` and `/v2/<name>/blobs/<digest>`
/// for names that are not hosted here, fetched from the upstream `UpstreamRouting` picks.
///
/// - Hosted wins: a repository that received a push is served from nora alone.
/// - Manifests by digest and blobs are immutable: fetched once, verified against their
///   digest, stored, recorded as ordinary rows (so GC, listings and later pulls see them).
/// - A tag follows `NORA_DOCKER_METADATA_TTL` (-1: never rechecked); a stale tag is
///   rechecked with a HEAD (the digest header), refetched only when it moved, and served
///   stale when the upstream fails and `NORA_DOCKER_SERVE_STALE` allows it.
/// - Blobs go through the shared `PullThroughCache` (single-flight, verified write-through,
///   breaker, metrics, offline); manifests are small and verified here.
struct OCIPullThrough: Sendable {
    static let format = "docker"

    let routing: UpstreamRouting
    /// One cache per upstream (names route to exactly one upstream; no fall-through).
    let caches: [PullThroughCache]
    let services: ProxyServices
    let auth: RegistryAuth
    let index: OCIIndex
    let metadataTTL: Int64
    let serveStale: Bool
    let flights = SingleFlight<OCIIndex.StoredManifest>()

    init(config: ProxyConfig.DockerProxy, services: ProxyServices, db: MetadataDatabase) {
        routing = UpstreamRouting(
            upstreams: config.upstreams.map { UpstreamRouting.Upstream(url: $0.url, prefix: $0.prefix, namespace: $0.namespace) },
            defaultAction: config.defaultAction == .deny ? .deny : .allow)
        let policy = CachePolicy(metadataTTL: config.metadataTTL, serveStale: config.serveStale, revalidate: false,
                                 timeoutSeconds: config.timeoutSeconds, readTimeoutSeconds: config.readTimeoutSeconds)
        caches = config.upstreams.map {
            PullThroughCache(format: Self.format, upstreams: [Upstream($0)], policy: policy, services: services)
        }
        self.services = services
        auth = RegistryAuth(client: services.client(readTimeoutSeconds: config.readTimeoutSeconds),
                            timeoutSeconds: config.timeoutSeconds)
        index = OCIIndex(db: db)
        metadataTTL = config.metadataTTL
        serveStale = config.serveStale
    }

    /// A manifest served by the proxy; `stale` when every upstream failed and an old copy is served.
    struct Served: Sendable {
        let manifest: OCIIndex.StoredManifest
        let stale: Bool
    }

    /// The manifest `reference` of `name` from the cache or its upstream; nil when the proxy
    /// does not apply (no upstream, hosted repository) and the local answer stands.
    func manifest(_ name: RepositoryName, _ reference: ManifestReference) async throws -> Served? {
        guard let routed = try await route(name) else { return nil }
        let (cache, source) = routed
        switch reference {
        case .digest(let digest):
            if let local = try await index.manifest(reference, in: name) { return Served(manifest: local, stale: false) }
            guard try await index.origin(of: name) != .hosted else { return nil }
            return Served(manifest: try await fetchManifest(digest.description, expected: digest, tag: nil,
                                                            into: name, from: source, cache: cache), stale: false)
        case .tag(let tag):
            guard let cached = try await index.storedTag(tag, in: name) else {
                guard try await index.origin(of: name) != .hosted else { return nil }
                return Served(manifest: try await fetchManifest(tag, expected: nil, tag: tag, into: name, from: source, cache: cache),
                              stale: false)
            }
            guard cached.cached else { return Served(manifest: cached.manifest, stale: false) }  // hosted: no TTL, no upstream
            if Freshness.isFresh(fetchedAt: cached.checkedAt, now: Clock.nowSeconds(), ttl: metadataTTL) || services.offline {
                services.record(format: Self.format, upstream: source.upstream, result: "hit")
                return Served(manifest: cached.manifest, stale: false)
            }
            do {
                return Served(manifest: try await revalidate(tag, cached: cached.manifest, in: name, from: source, cache: cache),
                              stale: false)
            } catch let error as ProxyError {
                guard serveStale, error.isUpstreamFailure else { throw error.ociError(.manifestUnknown) }
                services.record(format: Self.format, upstream: source.upstream, result: "stale")
                return Served(manifest: cached.manifest, stale: true)
            }
        }
    }

    /// How a proxied blob is answered.
    enum Blob: Sendable {
        /// In the store and linked to the repository: serve it from there.
        case stored(size: Int64)
        /// A HEAD that upstream answered (nothing fetched).
        case upstreamHead(size: Int64)
        /// This request started the download: the bytes arrive as upstream sends them.
        case streaming(UpstreamBody)
    }

    /// `digest` for `name` from the cache or its upstream; nil when the proxy does not apply
    /// or upstream does not have it. A HEAD is forwarded to upstream (nothing is downloaded),
    /// and only for repositories that are already caches: a push probes its blobs with HEAD
    /// first, and must not wait for (or fail on) an upstream.
    func blob(_ name: RepositoryName, _ digest: Digest, isHead: Bool) async throws -> Blob? {
        let origin = try await index.origin(of: name)
        guard origin != .hosted, !(isHead && origin == .absent), let routed = try await route(name) else { return nil }
        let (cache, source) = routed
        let key = "blob/\(digest)"
        if let hit = try await cache.storedHit(key: key) {
            try await index.cacheBlob(digest, size: hit.blob.size, in: name, from: source)
            return .stored(size: hit.blob.size)
        }
        do {
            let upstream = cache.upstreams[0]
            let path = "/v2/\(source.remoteName)/blobs/\(digest)"
            var attempt = 0
            while true {
                attempt += 1
                let credentials = services.offline ? nil : try await auth.credentials(for: upstream, repository: source.remoteName)
                do {
                    return try await blob(name, digest, key: key, path: path, isHead: isHead, credentials: credentials,
                                          cache: cache, source: source)
                } catch ProxyError.unauthorized where attempt == 1 {
                    // the token expired (or the realm changed) mid-pull: forget it and ask once more
                    auth.forget(upstream)
                }
            }
        } catch let error as ProxyError {
            if case .notFound = error { return nil }
            if case .notCached = error { return nil }
            throw error.ociError(.blobUnknown)
        }
    }

    /// One attempt at a blob with these credentials (see `blob(_:_:isHead:)`).
    private func blob(_ name: RepositoryName, _ digest: Digest, key: String, path: String, isHead: Bool,
                      credentials: Credentials?, cache: PullThroughCache, source: ProxySource) async throws -> Blob {
        if isHead, !services.offline, let size = try await upstreamSize(path, cache: cache, credentials: credentials) {
            return .upstreamHead(size: size)
        }
        let fetched = try await cache.immutableStream(key: key, expected: .native(digest),
                                                      request: { UpstreamRequest(url: $0.url(path), credentials: credentials) })
        // Small blobs (and HEADs) are stored and verified before the answer starts; larger
        // ones stream to this request while they are written.
        let entry: CachedEntry
        switch isHead ? .stored(try await fetched.settled()) : try await fetched.settlingSmallObjects() {
        case .stored(let stored): entry = stored
        case .streaming(let body): return .streaming(body)
        }
        try await index.cacheBlob(digest, size: entry.blob.size, in: name, from: source)
        return .stored(size: entry.blob.size)
    }

    /// Records a streamed blob once its download completed (the next request would link it too).
    func linkStreamed(_ digest: Digest, size: Int64, in name: RepositoryName) async {
        guard case .upstream(let i, let remoteName) = routing.resolve(name) else { return }
        let source = ProxySource(upstream: caches[i].upstreams[0].name, remoteName: remoteName)
        try? await index.cacheBlob(digest, size: size, in: name, from: source)
    }

    /// The size upstream reports for a blob (HEAD), or nil when it does not say.
    private func upstreamSize(_ path: String, cache: PullThroughCache, credentials: Credentials?) async throws -> Int64? {
        let answer = try await cache.forward(limit: 0) { UpstreamRequest(url: $0.url(path), method: .HEAD, credentials: credentials) }
        guard answer.status == 200 else {
            if answer.status == 404 || answer.status == 401 || answer.status == 403 { throw ProxyError.notFound(path) }
            return nil
        }
        return answer.headers.first { $0.0.lowercased() == "content-length" }.flatMap { Int64($0.1) }
    }

    /// The cache and source for `name`: nil when no upstream applies; 403 for a name that
    /// `default_action = deny` refuses (unless it is hosted or already cached).
    private func route(_ name: RepositoryName) async throws -> (PullThroughCache, ProxySource)? {
        switch routing.resolve(name) {
        case .none:
            return nil
        case .denied:
            guard try await index.origin(of: name) == .absent else { return nil }
            throw OCIError(.denied, "\(name) matches no upstream prefix or host, and the proxy's default action is deny")
        case .upstream(let i, let remoteName):
            return (caches[i], ProxySource(upstream: caches[i].upstreams[0].name, remoteName: remoteName))
        }
    }
}

extension ProxyError {
    /// Upstream trouble (as opposed to "not there"): what serve-stale covers.
    var isUpstreamFailure: Bool {
        switch self {
        case .unavailable, .unauthorized, .timedOut, .digestMismatch, .tooLarge: true
        case .notFound, .notCached: false
        }
    }

    /// The OCI error a client sees: `missing` (404) for content upstream does not have, else
    /// 502/504 with code UNKNOWN and the reason.
    func ociError(_ missing: OCIError.Code) -> OCIError {
        switch self {
        case .notFound, .notCached: OCIError(missing, description)
        case .timedOut: OCIError(.unknown, description, status: .gatewayTimeout)
        case .unavailable, .unauthorized, .digestMismatch, .tooLarge: OCIError(.unknown, description, status: .badGateway)
        }
    }
}
