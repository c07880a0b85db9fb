import Hummingbird
import NoraCore
import NoraProxy
import NoraStorage

/// Go's adapter on the pull-through cache (`NORA_GO_PROXY`, a GOPROXY base URL).
///
/// `@v/list` and `@latest` change: cached as documents with `NORA_GO_METADATA_TTL`.
/// `.info`, `.mod` and `.zip` of a version never change: fetched once (zips with the longer
/// `NORA_GO_PROXY_TIMEOUT_ZIP`). The checksum database passes through `/go/sumdb/<name>/…`
/// as GOPROXY servers offer it: `supported` and `latest` as documents, lookups and tiles
/// (immutable by construction) cached forever. The go command itself checks every
/// module against the checksum database, so nora has no digest to promise for Go files.
struct GoProxy: Sendable {
    let cache: PullThroughCache
    let zipCache: PullThroughCache

    init(config: ProxyConfig, services: ProxyServices) {
        cache = PullThroughCache(format: "go", config: config.go, services: services)
        var zipPolicy = CachePolicy(config.go)
        zipPolicy.timeoutSeconds = config.goZipTimeoutSeconds
        zipPolicy.readTimeoutSeconds = max(zipPolicy.readTimeoutSeconds, config.goZipTimeoutSeconds)
        zipCache = PullThroughCache(format: "go", upstreams: cache.upstreams, policy: zipPolicy, services: services)
    }

    /// `path` is the request path after `/go/`, in the protocol's case-encoded form (`!x`).
    func entry(for route: GoRoute, path: String) async throws -> CachedEntry {
        let request: @Sendable (Upstream) -> UpstreamRequest? = { UpstreamRequest(url: $0.url("/" + path)) }
        switch route {
        case .list, .latest:
            return try await cache.document(key: path, request: request)
        case .file(_, _, .zip):
            return try await zipCache.immutable(key: path, expected: nil, request: request)
        case .file:
            return try await cache.immutable(key: path, expected: nil, maxSize: 16 * 1024 * 1024, request: request)
        case .sumdb:
            if path.contains("/lookup/") || path.contains("/tile/") {
                return try await cache.immutable(key: path, expected: nil, maxSize: 16 * 1024 * 1024, request: request)
            }
            return try await cache.document(key: path, request: request)
        }
    }

    static func contentType(_ route: GoRoute) -> String {
        switch route {
        case .file(_, _, .zip): "application/zip"
        case .file(_, _, .info), .latest: "application/json"
        case .sumdb: "application/octet-stream"
        default: "text/plain; charset=utf-8"
        }
    }
}

extension GoRegistry {
    /// A module never published here (or a checksum database request), through the proxy.
    func proxied(_ route: GoRoute, _ request: Request, proxy: GoProxy) async throws -> Response {
        let raw = String(request.uri.path.dropFirst(GoRoute.prefix.count))
        guard let path = PercentEncoding.decode(raw) else { throw GoError(.invalidRequest, "malformed percent-encoding in the path") }
        let entry: CachedEntry
        do {
            if case .file(_, _, .zip) = route, UpstreamBody.mayStream(request) {
                // Zips may be large: a miss streams to this request while it is stored.
                let source = try await proxy.zipCache.immutableStream(key: path, expected: nil) { UpstreamRequest(url: $0.url("/" + path)) }
                switch source {
                case .stored(let stored): entry = stored
                case .streaming(let body): return body.response(contentType: "application/zip")
                }
            } else {
                entry = try await proxy.entry(for: route, path: path)
            }
        } catch let error as ProxyError {
            switch error {
            case .notFound, .notCached: throw GoError(.notFound, "not found: \(path) is not hosted here (\(error.description))")
            default: throw error.appError
            }
        }
        var headers: HTTPFields = [.contentType: Self.proxiedType(route, entry), .eTag: EntityTag.quoted(entry.blob.digest.hex)]
        switch route {
        case .list, .latest: headers[.cacheControl] = "no-cache"
        case .sumdb where !(path.contains("/lookup/") || path.contains("/tile/")): headers[.cacheControl] = "no-cache"
        default: headers[.cacheControl] = "public, max-age=31536000, immutable"
        }
        if let warning = entry.warning { headers[.warning] = warning }
        return try await BlobResponse.make(store: store, blob: entry.blob, request: request, headers: headers)
    }

    private static func proxiedType(_ route: GoRoute, _ entry: CachedEntry) -> String {
        if case .sumdb = route, let type = entry.contentType { return type }
        return GoProxy.contentType(route)
    }
}
