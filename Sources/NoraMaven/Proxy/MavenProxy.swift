import Hummingbird
import NoraCore
import NoraProxy
import NoraStorage
import SQLKit

/// Maven's adapter on the pull-through cache (`NORA_MAVEN_PROXIES`, tried in order).
///
/// `maven-metadata.xml`, checksum files and plain `-SNAPSHOT` files change: cached as
/// documents under `doc/<path>` with `NORA_MAVEN_METADATA_TTL`. Every other file of the
/// layout is immutable: cached under `file/<path>`, verified against the upstream's
/// `<file>.sha1` when it has one (`NORA_MAVEN_CHECKSUM_VERIFY`). A 404 is remembered for
/// a minute, so a build probing several repositories for one artifact stays fast.
struct MavenProxy: Sendable {
    let cache: PullThroughCache
    let verify: Bool
    static let negativeSeconds: Int64 = 60

    init(config: ProxyConfig, services: ProxyServices) {
        var policy = CachePolicy(config.maven)
        policy.negativeTTL = Self.negativeSeconds
        cache = PullThroughCache(format: "maven", upstreams: config.maven.upstreams.map(Upstream.init), policy: policy, services: services)
        verify = config.mavenChecksumVerify
    }

    func document(_ path: String) async throws -> CachedEntry {
        try await cache.document(key: "doc/\(path)", maxSize: 16 * 1024 * 1024) { UpstreamRequest(url: $0.url("/" + path)) }
    }

    /// An artifact file, verified against the upstream's `.sha1` when there is one; with
    /// `streaming`, a miss comes back as the upstream's body, forwarded while it is stored.
    func file(_ file: MavenFile, streaming: Bool = false) async throws -> PullThroughCache.ImmutableSource {
        if file.isPlainSnapshot { return .stored(try await document(file.path)) }
        let key = "file/\(file.path)"
        if let cached = try await cache.cached(key: key), try await cache.services.store.stat(cached.blob.digest) != nil {
            return .stored(try await cache.immutable(key: key, expected: nil) { _ in nil })
        }
        var expected: ExpectedDigest?
        if verify {
            do {
                let sha1 = try await document(file.path + ".sha1")
                let bytes = try await cache.read(sha1)
                let text = String(decoding: bytes.readableBytesView, as: UTF8.self)
                expected = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }).first
                    .flatMap { ExpectedDigest.sha1Hex(String($0)) }
            } catch ProxyError.notFound {
                expected = nil  // an upstream without checksum files: stored as sent
            }
        }
        let request: @Sendable (Upstream) -> UpstreamRequest? = { UpstreamRequest(url: $0.url("/" + file.path)) }
        if streaming { return try await cache.immutableStream(key: key, expected: expected, request: request).settlingSmallObjects() }
        return .stored(try await cache.immutable(key: key, expected: expected, request: request))
    }
}

extension MavenRegistry {
    /// Whether requests for this path go to the proxy: a proxy is configured and nothing of the
    /// artifact it belongs to is hosted here (hosted wins, per groupId:artifactId).
    func proxies(_ route: MavenPath) async throws -> Bool {
        guard proxy != nil else { return false }
        let db = index.db.reader
        switch route {
        case .file(let file):
            return try await !index.hostsArtifact(groupId: file.groupId, artifactId: file.artifactId, in: db)
        case .checksum(of: let base, _):
            return try await proxies(base)
        case .metadata(let folder):
            guard try await index.metadata(folder: folder, in: db) == nil else { return false }
            // An artifact-level or version-level folder: the artifact is the last or second-last segment.
            for cut in [0, 1] where folder.count - cut >= 2 {
                let artifactFolder = Array(folder.dropLast(cut))
                if try await index.hostsArtifact(groupId: artifactFolder.dropLast().joined(separator: "."),
                                                 artifactId: artifactFolder.last!, in: db) { return false }
            }
            return true
        case .folder:
            return false
        }
    }

    func proxied(_ target: MavenTarget, _ request: Request) async throws -> Response {
        guard let proxy, let path = target.path?.path else { throw MavenError(.notFound, "\(target.displayPath) not found") }
        let entry: CachedEntry
        do {
            if case .file(let file) = target.route {
                switch try await proxy.file(file, streaming: UpstreamBody.mayStream(request)) {
                case .stored(let stored): entry = stored
                case .streaming(let body): return body.response(contentType: MediaType.forFile(file.fileName), cacheControl: "no-cache")
                }
            } else {
                entry = try await proxy.document(path)
            }
        } catch let error as ProxyError {
            switch error {
            case .notFound, .notCached: throw MavenError(.notFound, "\(target.displayPath) not found")
            default: throw error.appError
            }
        }
        let etag = EntityTag.quoted(entry.blob.digest.hex)
        var headers: HTTPFields = [.eTag: etag, .cacheControl: "no-cache"]
        switch target.route {
        case .metadata: headers[.contentType] = "application/xml"
        case .checksum: headers[.contentType] = "text/plain; charset=utf-8"
        case .file(let file): headers[.contentType] = MediaType.forFile(file.fileName)
        case .folder: break
        }
        if let warning = entry.warning { headers[.warning] = warning }
        if Self.notModified(request, etag: etag, modified: nil) {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        return try await BlobResponse.make(store: store, blob: entry.blob, request: request, headers: headers)
    }
}

extension MavenIndex {
    /// Whether any file of `groupId:artifactId` (trusted or quarantined) is stored here.
    func hostsArtifact(groupId: String, artifactId: String, in db: any SQLDatabase) async throws -> Bool {
        try await db.select().column("path").from("maven_files")
            .where("group_id", .equal, groupId).where("artifact_id", .equal, artifactId).limit(1).first() != nil
    }
}
