import NIOCore
import NIOHTTP1
import NoraCore
import NoraProxy
import NoraStorage

extension OCIPullThrough {
    /// Every manifest kind nora stores: images and indexes, OCI and Docker schema 2.
    static let manifestAccept = [ManifestMediaType.ociManifest, ManifestMediaType.ociIndex,
                                 ManifestMediaType.dockerManifest, ManifestMediaType.dockerList].joined(separator: ", ")

    /// One upstream fetch per (name, reference) at a time; failures in OCI's words.
    func fetchManifest(_ reference: String, expected: Digest?, tag: String?, into name: RepositoryName,
                       from source: ProxySource, cache: PullThroughCache) async throws -> OCIIndex.StoredManifest {
        do {
            if services.offline { throw ProxyError.notCached("\(name):\(reference)") }
            return try await flights.run("manifest|\(name)|\(reference)") {
                try await download(reference, expected: expected, tag: tag, into: name, from: source, cache: cache)
            }
        } catch let error as ProxyError {
            if error.isUpstreamFailure { services.record(format: Self.format, upstream: source.upstream, result: "error") }
            throw error.ociError(.manifestUnknown)
        }
    }

    /// A stale tag: HEAD tells the digest upstream names now; unchanged → confirmed, moved →
    /// the new manifest is fetched by digest. Throws `ProxyError` (the caller may serve stale).
    func revalidate(_ tag: String, cached: OCIIndex.StoredManifest, in name: RepositoryName,
                    from source: ProxySource, cache: PullThroughCache) async throws -> OCIIndex.StoredManifest {
        try await flights.run("tag|\(name)|\(tag)") {
            let head = try await send(.HEAD, manifest: tag, from: source, cache: cache)
            guard head.status == 200 else { throw Self.failure(head.status, "\(source.remoteName):\(tag)", source) }
            guard let now = head.header("Docker-Content-Digest").flatMap({ try? Digest(parsing: $0) }) else {
                return try await download(tag, expected: nil, tag: tag, into: name, from: source, cache: cache)
            }
            guard now != cached.digest else {
                try await index.confirmTag(tag, in: name)
                services.record(format: Self.format, upstream: source.upstream, result: "revalidated")
                return cached
            }
            return try await download(now.description, expected: now, tag: tag, into: name, from: source, cache: cache)
        }
    }

    /// GET, verify (the digest asked for, else the one upstream declares), parse, store, record.
    private func download(_ reference: String, expected: Digest?, tag: String?, into name: RepositoryName,
                          from source: ProxySource, cache: PullThroughCache) async throws -> OCIIndex.StoredManifest {
        let answer = try await send(.GET, manifest: reference, from: source, cache: cache)
        guard answer.status == 200 else { throw Self.failure(answer.status, "\(source.remoteName):\(reference)", source) }
        let bytes = Array(answer.body.readableBytesView)
        let declared = answer.header("Docker-Content-Digest").flatMap { try? Digest(parsing: $0) }
        let promised = expected ?? declared
        let digest = Digest.of(bytes, algorithm: promised?.algorithm ?? .sha256)
        if let promised, promised != digest {
            throw ProxyError.digestMismatch(expected: promised.description, actual: digest.description)
        }
        // Content-Type only counts when it names a manifest type (some registries say application/json).
        let contentType = answer.header("Content-Type").flatMap { type in
            ManifestMediaType.images.union(ManifestMediaType.indexes).contains { type.hasPrefix($0) } ? type : nil
        }
        let manifest: ParsedManifest
        do { manifest = try ParsedManifest(bytes: bytes, contentType: contentType) } catch {
            throw ProxyError.unavailable("\(source.upstream) sent a manifest nora cannot serve: \(error.description)")
        }
        _ = try await services.store.put(InMemoryBody(bytes), algorithm: digest.algorithm, expected: digest, limit: nil)
        try await index.cacheManifest(manifest, digest: digest, size: Int64(bytes.count), tag: tag, in: name, from: source)
        services.record(format: Self.format, upstream: source.upstream, result: "miss")
        return OCIIndex.StoredManifest(digest: digest, mediaType: manifest.mediaType, size: Int64(bytes.count))
    }

    /// One manifest request with the registry's credentials; a 401 drops what the token dance
    /// learnt and tries once more (an expired token, a rotated realm).
    private func send(_ method: HTTPMethod, manifest reference: String, from source: ProxySource,
                      cache: PullThroughCache) async throws -> Answer {
        let upstream = cache.upstreams[0]
        var attempt = 0
        while true {
            let credentials = try await auth.credentials(for: upstream, repository: source.remoteName)
            let answer = try await cache.forward(limit: OCIRegistry.maxManifestSize) { upstream in
                UpstreamRequest(url: upstream.url("/v2/\(source.remoteName)/manifests/\(reference)"), method: method,
                                headers: [("Accept", Self.manifestAccept)], credentials: credentials)
            }
            attempt += 1
            guard answer.status == 401, attempt < 2 else { return Answer(answer) }
            auth.forget(upstream)
        }
    }

    /// Not-found answers (401 and 403 included: Docker Hub answers 401 for names it does not
    /// have) are 404s; anything else is an upstream failure.
    static func failure(_ status: Int, _ what: String, _ source: ProxySource) -> ProxyError {
        switch status {
        case 404, 410: .notFound(what)
        case 401, 403: .notFound("\(what) (\(source.upstream) refused access: \(status))")
        default: .unavailable("\(source.upstream) answered \(status) for \(what)")
        }
    }

    struct Answer: Sendable {
        let status: Int
        let headers: [(String, String)]
        let body: ByteBuffer
        init(_ answer: (status: Int, headers: [(String, String)], body: ByteBuffer)) {
            status = answer.status; headers = answer.headers; body = answer.body
        }
        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }
}
