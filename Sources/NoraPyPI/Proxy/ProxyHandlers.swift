import Hummingbird
import NoraCore
import NoraProxy
import NoraStorage

/// Projects that are not hosted here, read through the pull-through cache. A hosted
/// project never reaches these handlers (hosted wins; upstream files are not merged in).
extension PyPIRegistry {
    func proxiedPage(_ project: String, format: SimpleFormat, _ request: Request, proxy: PyPIProxy) async throws -> Response {
        let (entry, page) = try await proxyCall(project) { try await proxy.page(project) }
        let renderer = ProxiedPageRenderer(base: BaseURL.of(request, publicURL: config.server.publicURL))
        let key = RenderedDocumentCache.Key(name: project, revision: entry.blob.digest.description,
                                            variant: "\(format == .json ? "json" : "html") \(renderer.base)")
        let document: RenderedDocumentCache.Document
        if let cached = proxy.rendered.document(for: key) {
            document = cached
        } else {
            let body = format == .json ? renderer.json(page, project: project) : Array(renderer.html(page, project: project).utf8)
            document = Self.document(body, format: format)
            proxy.rendered.store(document, for: key)
        }
        var response = Self.page(document, format: format, request: request)
        if let warning = entry.warning { response.headers[.warning] = warning }
        return response
    }

    func proxiedDownload(_ project: String, _ filename: String, _ request: Request, proxy: PyPIProxy) async throws -> Response {
        let isMetadata = filename.hasSuffix(".metadata")
        let distribution = isMetadata ? String(filename.dropLast(".metadata".count)) : filename
        let key = "\(isMetadata ? "metadata" : "file")/\(project)/\(distribution)"
        let entry: CachedEntry
        if let cached = try await proxy.cachedObject(key) {
            entry = cached
        } else {
            let (_, page) = try await proxyCall(project) { try await proxy.page(project) }
            guard let file = page.file(named: distribution), !isMetadata || file.coreMetadata != .absent else {
                throw PyPIError(.fileNotFound, "'\(filename)'")
            }
            // A plain GET of a file (pip) gets the bytes while they are verified and stored;
            // HEAD and Range (uv) need the complete file first.
            if !isMetadata, UpstreamBody.mayStream(request) {
                let source = try await proxyCall(project) { try await proxy.fileStream(project, file).settlingSmallObjects() }
                switch source {
                case .stored(let stored): entry = stored
                case .streaming(let body): return body.response(contentType: MediaType.forFile(filename))
                }
            } else {
                entry = try await proxyCall(project) {
                    if isMetadata { return try await proxy.metadata(project, file) }
                    return try await proxy.file(project, file)
                }
            }
        }
        let etag = EntityTag.quoted(entry.blob.digest.hex)
        if let tag = request.headers[.ifNoneMatch], EntityTag.list(tag, matches: etag) {
            return Response(status: .notModified, headers: [.eTag: etag])
        }
        return try await BlobResponse.make(store: store, blob: entry.blob, request: request, headers: [
            .contentType: isMetadata ? "text/plain; charset=utf-8" : MediaType.forFile(filename), .eTag: etag,
            .cacheControl: "max-age=31536000, immutable",
        ])
    }

    /// "Not found upstream" is PyPI's own 404; other failures are 502/504 in PyPI's shape.
    func proxyCall<T: Sendable>(_ project: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as ProxyError {
            if case .notFound = error { throw PyPIError(.projectNotFound, "'\(project)'") }
            if case .notCached = error { throw PyPIError(.projectNotFound, "'\(project)' (\(error.description))") }
            throw error.appError
        }
    }
}
