import AsyncHTTPClient
import Logging
import NIOCore
import NoraCore
import NoraStorage

/// One format's pull-through cache: the format-neutral half of the proxy read path
/// (ARCHITECTURE.md, "Proxy read path").
///
/// How a format uses it (the format keeps the protocol knowledge):
///
///     let cache = PullThroughCache(format: "npm", config: config.proxy.npm, services: proxyServices)
///     // hosted first: a name published to nora is never looked up upstream.
///     // mutable metadata, cached with the TTL and revalidated conditionally:
///     let doc = try await cache.document(key: "packument/\(name)") { upstream in
///         UpstreamRequest(url: upstream.url("/\(escapedName)"), headers: [("Accept", "application/json")])
///     }
///     let bytes = try await cache.read(doc)            // small documents; then rewrite URLs to nora
///     // immutable content, fetched once, verified while streaming into the blob store:
///     let tarball = try await cache.immutable(key: "tarball/\(name)/\(file)", expected: .native(sha512)) { upstream in
///         UpstreamRequest(url: tarballURL)             // absolute URLs are fine (CDNs)
///     }
///     return try await BlobResponse.make(store: services.store, blob: tarball.blob, …)
///
/// - Keys are the format's own names for objects; the same key always means the same object.
/// - The closure maps an upstream to a request, or nil to skip that upstream. Upstreams are
///   tried in order; a 404 or a failure falls through to the next.
/// - Errors are `ProxyError`: `.notFound` (every upstream said 404) is the format's own 404;
///   the rest render as 502/504 via `appError` in the format's dialect.
/// - Concurrent misses for one key make one upstream request (single-flight); the blob is
///   complete in the store before anyone is answered.
/// - `entry.outcome == .stale` means every upstream failed and an old copy is served:
///   add `entry.warning` to the response.
/// - Large immutable objects (OCI layers): `immutableStream` hands the leading request the
///   bytes while they are verified and stored (StreamingFetch.swift); the others wait.
public struct PullThroughCache: Sendable {
    public let format: String
    public let upstreams: [Upstream]
    public let policy: CachePolicy
    public let services: ProxyServices
    let client: UpstreamClient
    let flights = SingleFlight<CachedEntry>()

    public init(format: String, upstreams: [Upstream], policy: CachePolicy, services: ProxyServices) {
        self.format = format; self.upstreams = upstreams; self.policy = policy; self.services = services
        self.client = services.client(readTimeoutSeconds: policy.readTimeoutSeconds)
    }

    public init(format: String, config: ProxyConfig.FormatProxy, services: ProxyServices) {
        self.init(format: format, upstreams: config.upstreams.map(Upstream.init), policy: CachePolicy(config), services: services)
    }

    /// False when the format's proxy is off (no upstream configured).
    public var isEnabled: Bool { !upstreams.isEmpty }

    /// Mutable metadata: served from cache while fresh (TTL), else revalidated or refetched;
    /// on upstream failure the stale copy (if `serveStale`), else a `ProxyError`.
    public func document(key: String, ttl: Int64? = nil, maxSize: Int64? = nil,
                         request: @escaping @Sendable (Upstream) -> UpstreamRequest?) async throws -> CachedEntry {
        noted(try await lookUpDocument(key: key, ttl: ttl, maxSize: maxSize, request: request), immutable: false)
    }

    private func lookUpDocument(key: String, ttl: Int64?, maxSize: Int64?,
                                request: @escaping @Sendable (Upstream) -> UpstreamRequest?) async throws -> CachedEntry {
        let ttl = ttl ?? policy.metadataTTL
        let previous = try await services.index.find(format: format, key: key)
        let now = services.now()
        if let previous, Freshness.isFresh(fetchedAt: previous.fetched_at, now: now, ttl: ttl), let entry = entry(previous, .hit) {
            return recorded(entry)
        }
        if previous == nil, try await recentlyMissing(key) { throw ProxyError.notFound(key) }
        let cached = previous.flatMap { entry($0, .stale) }
        if services.offline {
            guard let cached else { throw ProxyError.notCached(key) }
            return recorded(cached)
        }
        return try await flights.run(key) {
            do {
                return try await fetch(key: key, previous: cached, expected: nil, limit: maxSize ?? policy.maxDocumentSize,
                                       request: request)
            } catch let error as ProxyError {
                if case .notFound = error {
                    if policy.negativeTTL > 0 { try await rememberMissing(key) } else if cached != nil { try await services.index.remove(format: format, key: key) }
                    throw error
                }
                guard policy.serveStale, let cached else { throw error }
                services.logger.warning("serving a stale copy: every upstream failed", metadata: [
                    "format": .string(format), "key": .string(key), "error": .string(error.description)])
                return recorded(cached)
            }
        }
    }

    /// Immutable content (tarballs, wheels, crates, jars, blobs by digest): fetched once,
    /// verified against `expected` while streaming into the blob store, then always local.
    public func immutable(key: String, expected: ExpectedDigest?, maxSize: Int64? = nil,
                          request: @escaping @Sendable (Upstream) -> UpstreamRequest?) async throws -> CachedEntry {
        noted(try await lookUpImmutable(key: key, expected: expected, maxSize: maxSize, request: request), immutable: true)
    }

    private func lookUpImmutable(key: String, expected: ExpectedDigest?, maxSize: Int64?,
                                 request: @escaping @Sendable (Upstream) -> UpstreamRequest?) async throws -> CachedEntry {
        let row = try await services.index.find(format: format, key: key)
        if let row, let entry = entry(row, .hit), try await services.store.stat(entry.blob.digest) != nil {
            return recorded(entry)
        }
        if row == nil, try await recentlyMissing(key) { throw ProxyError.notFound(key) }
        if services.offline { throw ProxyError.notCached(key) }
        return try await flights.run(key) {
            do {
                return try await fetch(key: key, previous: nil, expected: expected, limit: maxSize, request: request)
            } catch ProxyError.notFound(let what) {
                if policy.negativeTTL > 0 { try await rememberMissing(key) }
                throw ProxyError.notFound(what)
            }
        }
    }

    /// The cached entry for `key` without contacting any upstream (nil when absent).
    public func cached(key: String) async throws -> CachedEntry? {
        guard let row = try await services.index.find(format: format, key: key) else { return nil }
        return entry(row, .hit)
    }

    /// Reads a cached document whole (documents only: their size was capped when fetched).
    public func read(_ entry: CachedEntry) async throws -> ByteBuffer {
        try await services.store.readWhole(entry.blob.digest, length: entry.blob.size)
    }

    /// Sends a request that is not cached (npm audit) to the first upstream that answers
    /// without a server error; the body is read whole up to `limit`.
    public func forward(limit: Int, request: @escaping @Sendable (Upstream) -> UpstreamRequest?) async throws -> (status: Int, headers: [(String, String)], body: ByteBuffer) {
        if services.offline { throw ProxyError.notCached("forwarded request") }
        var lastError = ProxyError.notFound("forwarded request")
        for upstream in upstreams {
            guard let outgoing = request(upstream) else { continue }
            do {
                let response = try await send(outgoing, to: upstream)
                guard response.status.code < 500 else { lastError = .unavailable("\(upstream.name) answered \(response.status.code)"); continue }
                let body = try await response.body.collect(upTo: limit)
                return (Int(response.status.code), response.headers.map { ($0.name, $0.value) }, body)
            } catch {
                lastError = classify(error, upstream)
            }
        }
        throw lastError
    }

    // MARK: - internals

    func entry(_ row: ProxyCacheIndex.Row, _ outcome: CachedEntry.Outcome) -> CachedEntry? {
        guard let digest = try? Digest(parsing: row.digest) else { return nil }
        return CachedEntry(key: row.key, blob: BlobInfo(digest: digest, size: row.size), etag: row.etag,
                           lastModified: row.last_modified, contentType: row.content_type, upstream: row.upstream,
                           fetchedAt: row.fetched_at, outcome: outcome)
    }

    func recorded(_ entry: CachedEntry) -> CachedEntry {
        services.metrics.request(format: format, upstream: entry.upstream, result: entry.outcome.rawValue)
        return entry
    }

    /// Tells the request's `ProxyOutcomeLog` what this lookup amounted to. Noted here, in the
    /// caller's task, so a request that waited for another's fetch reports it too.
    func noted(_ entry: CachedEntry, immutable: Bool) -> CachedEntry {
        ProxyOutcomeLog.current?.note(format: format, outcome: entry.outcome.rawValue, immutable: immutable)
        return entry
    }

    func rememberMissing(_ key: String) async throws {
        try await services.index.rememberMissing(format: format, key: key, at: services.now())
    }

    /// A 404 from every upstream within the negative-cache time (`negativeTTL`).
    func recentlyMissing(_ key: String) async throws -> Bool {
        guard policy.negativeTTL > 0, let since = try await services.index.missingSince(format: format, key: key) else { return false }
        return services.now() - since < policy.negativeTTL
    }

    /// One request with this upstream's credentials (sent only to its own host), timed for the latency histogram.
    func send(_ request: UpstreamRequest, to upstream: Upstream) async throws -> HTTPClientResponse {
        let started = ContinuousClock.now
        defer {
            let elapsed = ContinuousClock.now - started
            services.metrics.latency(format: format, upstream: upstream.name,
                                     nanoseconds: elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        }
        return try await client.send(request, credentials: request.credentials ?? upstream.credentials, credentialHost: upstream.host,
                                     timeout: .seconds(Int64(policy.timeoutSeconds)))
    }
}

/// A cached object: where its bytes are and how it was obtained for this request.
public struct CachedEntry: Sendable, Equatable {
    public enum Outcome: String, Sendable, Equatable {
        /// Served from cache, no upstream contact.
        case hit
        /// Fetched from upstream now.
        case miss
        /// Upstream confirmed the cached copy (304).
        case revalidated
        /// Every upstream failed; an expired copy is served.
        case stale
    }

    public let key: String
    public let blob: BlobInfo
    public let etag: String?
    public let lastModified: String?
    public let contentType: String?
    /// The upstream base URL it came from.
    public let upstream: String
    public let fetchedAt: Int64
    public let outcome: Outcome

    /// The `Warning` header value a stale answer carries (RFC 7234 §5.5.1), else nil.
    public var warning: String? { outcome == .stale ? "110 nora \"Response is Stale\"" : nil }
}

/// The cache rules of one format (from its `ProxyConfig` section).
public struct CachePolicy: Sendable, Equatable {
    /// `-1` forever, `0` always revalidate, `>0` seconds.
    public var metadataTTL: Int64
    public var serveStale: Bool
    /// Conditional requests (`If-None-Match` / `If-Modified-Since`) when a stale copy exists.
    public var revalidate: Bool
    /// Seconds to wait for an upstream's response head.
    public var timeoutSeconds: Int
    /// Seconds of silence allowed inside a body.
    public var readTimeoutSeconds: Int
    /// Seconds a 404 is remembered (0: not remembered). Maven builds probe many repositories.
    public var negativeTTL: Int64
    /// Largest document fetched for metadata.
    public var maxDocumentSize: Int64

    public init(metadataTTL: Int64 = 300, serveStale: Bool = true, revalidate: Bool = true, timeoutSeconds: Int = 30,
                readTimeoutSeconds: Int = 60, negativeTTL: Int64 = 0, maxDocumentSize: Int64 = 256 * 1024 * 1024) {
        self.metadataTTL = metadataTTL; self.serveStale = serveStale; self.revalidate = revalidate
        self.timeoutSeconds = timeoutSeconds; self.readTimeoutSeconds = readTimeoutSeconds
        self.negativeTTL = negativeTTL; self.maxDocumentSize = maxDocumentSize
    }

    public init(_ config: ProxyConfig.FormatProxy) {
        self.init(metadataTTL: config.metadataTTL, serveStale: config.serveStale, revalidate: config.revalidate,
                  timeoutSeconds: config.timeoutSeconds, readTimeoutSeconds: max(60, config.timeoutSeconds))
    }
}

/// NORA's TTL meaning: `-1` forever, `0` always revalidate, `>0` seconds since the last fetch.
public enum Freshness {
    public static func isFresh(fetchedAt: Int64, now: Int64, ttl: Int64) -> Bool {
        ttl < 0 || (ttl > 0 && now - fetchedAt < ttl)
    }
}
