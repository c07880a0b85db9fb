import Foundation
import Hummingbird
import NoraCore
import NoraProxy
import NoraStorage

/// Cargo's adapter on the pull-through cache (`NORA_CARGO_PROXY`).
///
/// Sparse index files are cached under `index/<name>` with `NORA_CARGO_METADATA_TTL` (they
/// hold no URLs: cargo builds download URLs from nora's own `config.json`, so `dl` and
/// `api` already point here). `.crate` files are cached under `crate/<name>/<version>`,
/// verified against the index line's `cksum` (sha256). URLs follow NORA's reading of the
/// setting: for crates.io the index is `index.crates.io` and files `static.crates.io`; any
/// other registry base serves `<url>/index/…` and `<url>/api/v1/crates/<name>/<v>/download`
/// (a nora upstream is `http://host/cargo`).
struct CargoProxy: Sendable {
    let cache: PullThroughCache

    static func isCratesIO(_ upstream: Upstream) -> Bool { upstream.host == "crates.io" }

    func indexFile(_ lowercaseName: String) async throws -> CachedEntry {
        let path = CrateName.indexPath(lowercaseName)
        return try await cache.document(key: "index/\(lowercaseName)") { upstream in
            UpstreamRequest(url: Self.isCratesIO(upstream) ? "https://index.crates.io/\(path)" : upstream.url("/index/\(path)"))
        }
    }

    /// The `.crate` of `version`, verified against the `cksum` of its index line; with
    /// `streaming`, a miss comes back as the upstream's body, forwarded while it is stored.
    func crate(_ name: String, _ version: String, streaming: Bool = false) async throws -> PullThroughCache.ImmutableSource {
        let key = "crate/\(name.lowercased())/\(version)"
        if let cached = try await cache.cached(key: key), try await cache.services.store.stat(cached.blob.digest) != nil {
            return .stored(try await cache.immutable(key: key, expected: nil) { _ in nil })
        }
        let index = try await indexFile(name.lowercased())
        guard let line = Self.line(in: Array(try await cache.read(index).readableBytesView), version: version),
              let cksum = line.cksum, let digest = try? Digest(algorithm: .sha256, hex: cksum.lowercased())
        else { throw ProxyError.notFound("\(name) \(version)") }
        let exactName = line.name ?? name
        let request: @Sendable (Upstream) -> UpstreamRequest? = { upstream in
            UpstreamRequest(url: Self.isCratesIO(upstream)
                ? "https://static.crates.io/crates/\(exactName)/\(exactName)-\(version).crate"
                : upstream.url("/api/v1/crates/\(exactName)/\(version)/download"))
        }
        if streaming { return try await cache.immutableStream(key: key, expected: .native(digest), request: request).settlingSmallObjects() }
        return .stored(try await cache.immutable(key: key, expected: .native(digest), request: request))
    }

    struct Line: Decodable {
        let name: String?
        let vers: String
        let cksum: String?
    }

    /// The index line (one JSON object per line) of `version`.
    static func line(in file: [UInt8], version: String) -> Line? {
        for text in String(decoding: file, as: UTF8.self).split(separator: "\n") {
            if let line = try? JSONDecoder().decode(Line.self, from: Data(text.utf8)), line.vers == version { return line }
        }
        return nil
    }
}

extension CargoRegistry {
    /// An index file of a crate not published here.
    func proxiedIndexFile(_ name: String, _ request: Request, proxy: CargoProxy) async throws -> Response {
        let entry = try await proxyCall("crate '\(name)' does not exist") { try await proxy.indexFile(name) }
        let etag = EntityTag.quoted(entry.blob.digest.hex)
        var headers: HTTPFields = [.contentType: "text/plain; charset=utf-8", .eTag: etag, .cacheControl: cacheControl]
        if let warning = entry.warning { headers[.warning] = warning }
        if let ifNoneMatch = request.headers[.ifNoneMatch], EntityTag.list(ifNoneMatch, matches: etag) {
            return Response(status: .notModified, headers: headers)
        }
        return try await BlobResponse.make(store: store, blob: entry.blob, request: request, headers: headers)
    }

    func proxiedDownload(_ name: String, _ version: String, _ request: Request, proxy: CargoProxy) async throws -> Response {
        let source = try await proxyCall("crate '\(name)' has no version \(version.prefix(80))") {
            try await proxy.crate(name, version, streaming: UpstreamBody.mayStream(request))
        }
        let entry: CachedEntry
        switch source {
        case .stored(let stored): entry = stored
        case .streaming(let body):
            return body.response(contentType: "application/gzip",
                                 cacheControl: authRequired ? "private, max-age=31536000, immutable" : "public, max-age=31536000, immutable")
        }
        let etag = EntityTag.quoted(entry.blob.digest.hex)
        let headers: HTTPFields = [.contentType: "application/gzip", .eTag: etag,
                                   .cacheControl: authRequired ? "private, max-age=31536000, immutable" : "public, max-age=31536000, immutable"]
        if let ifNoneMatch = request.headers[.ifNoneMatch], EntityTag.list(ifNoneMatch, matches: etag) {
            return Response(status: .notModified, headers: headers)
        }
        return try await BlobResponse.make(store: store, blob: entry.blob, request: request, headers: headers)
    }

    /// "Not found upstream" is cargo's own 404; other failures 502/504 in cargo's shape.
    func proxyCall<T: Sendable>(_ notFound: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as ProxyError {
            switch error {
            case .notFound, .notCached: throw CargoError(.crateNotFound, notFound)
            default: throw error.appError
            }
        }
    }
}
