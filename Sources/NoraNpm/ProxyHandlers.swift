import HTTPTypes
import Hummingbird
import NoraCore
import NoraProxy
import NoraStorage

/// Reads of names that are not hosted here, answered through the pull-through cache.
/// A hosted name never reaches these handlers (hosted wins; no merging with upstream).
extension NpmRegistry {
    func proxiedPackument(_ name: PackageName, abbreviated: Bool, _ request: Request, proxy: NpmProxy) async throws -> Response {
        let (entry, document) = try await proxyCall(name) { try await proxy.packument(name) }
        let base = baseURL(request)
        let variant = "\(abbreviated ? "abbreviated" : "full") \(base)"
        let key = RenderedDocumentCache.Key(name: name.value, revision: entry.blob.digest.description, variant: variant)
        let rendered: RenderedDocumentCache.Document
        if let cached = proxy.rendered.document(for: key) {
            rendered = cached
        } else {
            let full = NpmProxy.rewritten(document, name: name, base: base)
            let bytes = (abbreviated ? NpmProxy.abbreviated(full) : full).encoded
            rendered = .init(bytes: bytes, etag: EntityTag.quoted(Digest.of(bytes).hex))
            proxy.rendered.store(rendered, for: key)
        }
        var response = jsonDocument(rendered.bytes, etag: rendered.etag,
                                    contentType: abbreviated ? Packument.abbreviatedType : "application/json",
                                    modifiedMillis: entry.fetchedAt * 1000, request: request)
        if let warning = entry.warning { response.headers[.warning] = warning }
        return response
    }

    func proxiedVersion(_ name: PackageName, _ ref: String, _ request: Request, proxy: NpmProxy) async throws -> Response {
        let (entry, document) = try await proxyCall(name) { try await proxy.packument(name) }
        let number = document["dist-tags"]?[ref]?.string ?? ref
        guard let version = document["versions"]?[number] else {
            throw NpmError(.notFound, "version or tag '\(ref.prefix(100))' of '\(name)' not found")
        }
        let bytes = NpmProxy.rewrittenVersion(version, name: name, base: baseURL(request)).encoded
        return jsonDocument(ByteBuffer(bytes: bytes), etag: EntityTag.quoted(Digest.of(bytes).hex), contentType: "application/json",
                            modifiedMillis: entry.fetchedAt * 1000, request: request)
    }

    func proxiedTarball(_ name: PackageName, _ file: String, _ request: Request, proxy: NpmProxy) async throws -> Response {
        let key = NpmProxy.tarballKey(name, file)
        let entry: CachedEntry
        if let cached = try await proxy.cache.cached(key: key), try await store.stat(cached.blob.digest) != nil {
            entry = try await proxy.cache.immutable(key: key, expected: nil) { _ in nil }  // counts the hit
        } else {
            let (_, document) = try await proxyCall(name) { try await proxy.packument(name) }
            guard let source = NpmProxy.tarball(in: document, file: file) else {
                throw NpmError(.notFound, "tarball '\(file.prefix(300))' of '\(name)' not found")
            }
            let upstream: @Sendable (Upstream) -> UpstreamRequest? = { _ in UpstreamRequest(url: source.url) }
            if UpstreamBody.mayStream(request) {
                // Tarballs may be large: a miss streams to this request while it is verified and stored.
                switch try await proxyCall(name, {
                    try await proxy.cache.immutableStream(key: key, expected: source.expected, request: upstream).settlingSmallObjects()
                }) {
                case .stored(let stored): entry = stored
                case .streaming(let body): return body.response(contentType: "application/octet-stream")
                }
            } else {
                entry = try await proxyCall(name) { try await proxy.cache.immutable(key: key, expected: source.expected, request: upstream) }
            }
        }
        return try await tarballResponse(entry.blob, request)
    }

    /// `npm audit`: the report goes to the upstream's audit endpoint and its answer comes back.
    func proxiedAudit(_ request: Request, proxy: NpmProxy) async throws -> Response {
        let body = try await request.body.collect(upTo: config.bodyLimitBytes)
        let path = String(request.uri.path.dropFirst("/npm".count))
        var forwarded: [(String, String)] = [("Accept", "application/json")]
        for name in [HTTPField.Name.contentType, .contentEncoding] {
            if let value = request.headers[name] { forwarded.append((name.rawName, value)) }
        }
        let headers = forwarded
        let answer = try await proxyCall(nil) {
            try await proxy.cache.forward(limit: config.bodyLimitBytes) { upstream in
                UpstreamRequest(url: upstream.url(path), method: .POST, headers: headers, body: body)
            }
        }
        var fields: HTTPFields = [:]
        for (name, value) in answer.headers where ["content-type", "content-encoding"].contains(name.lowercased()) {
            if let field = HTTPField.Name(name) { fields[field] = value }
        }
        fields[.contentLength] = String(answer.body.readableBytes)
        return Response(status: .init(code: answer.status), headers: fields, body: .init(byteBuffer: answer.body))
    }

    /// Runs a proxy step; "not found upstream" becomes npm's own 404, other failures 502/504 in npm's shape.
    func proxyCall<T: Sendable>(_ name: PackageName?, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as ProxyError {
            if case .notFound = error, let name { throw NpmError.notFound(name) }
            if case .notCached = error { throw NpmError(.notFound, error.description) }
            throw error.appError
        }
    }
}
