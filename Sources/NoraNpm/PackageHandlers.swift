import Hummingbird
import NoraCore
import NoraStorage

/// Reading packages: packuments, single versions, tarballs.
extension NpmRegistry {
    func getPackument(_ name: PackageName, _ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try context.require(.read)
        // `?write=true` is how npm asks for the document it will edit and send back: always full.
        let abbreviated = request.uri.queryParameters.get("write") == nil
            && Packument.wantsAbbreviated(accept: request.headers[.accept])
        let contentType = abbreviated ? Packument.abbreviatedType : "application/json"
        guard let revision = try await index.revision(name) else {
            if let proxy { return try await proxiedPackument(name, abbreviated: abbreviated, request, proxy: proxy) }
            throw NpmError.notFound(name)
        }
        let base = baseURL(request)
        let variant = "\(abbreviated ? "abbreviated" : "full") \(base)"
        let key = RenderedDocumentCache.Key(name: name.value, revision: "\(revision.rev)@\(revision.modifiedAt)", variant: variant)
        if let cached = packuments.document(for: key) {
            return jsonDocument(cached.bytes, etag: cached.etag, contentType: contentType,
                                modifiedMillis: revision.modifiedAt, request: request)
        }
        guard let state = try await index.state(name) else { throw NpmError.notFound(name) }
        let document = abbreviated ? Packument.abbreviated(state, base: base) : Packument.full(state, base: base)
        let bytes = document.encoded
        let rendered = RenderedDocumentCache.Document(bytes: bytes, etag: EntityTag.quoted(Digest.of(bytes).hex))
        // Cached under the revision the rendered state carries (a write may have landed in between).
        packuments.store(rendered, for: .init(name: name.value, revision: "\(state.rev)@\(state.modifiedAt)", variant: variant))
        return jsonDocument(rendered.bytes, etag: rendered.etag, contentType: contentType,
                            modifiedMillis: state.modifiedAt, request: request)
    }

    func getVersion(_ name: PackageName, _ ref: String, _ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try context.require(.read)
        guard let state = try await index.state(name) else {
            if let proxy { return try await proxiedVersion(name, ref, request, proxy: proxy) }
            throw NpmError.notFound(name)
        }
        guard let version = state.version(state.distTags[ref] ?? ref) else {
            throw NpmError(.notFound, "version or tag '\(ref.prefix(100))' of '\(name)' not found")
        }
        let document = Packument.versionDocument(version, name: name, base: baseURL(request))
        let bytes = document.encoded
        return jsonDocument(ByteBuffer(bytes: bytes), etag: EntityTag.quoted(Digest.of(bytes).hex), contentType: "application/json",
                            modifiedMillis: state.modifiedAt, request: request)
    }

    func getTarball(_ name: PackageName, _ file: String, _ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try context.require(.read)
        guard let found = try await index.version(name, tarball: file, in: db.reader) else {
            if let proxy, try await index.revision(name) == nil {
                return try await proxiedTarball(name, file, request, proxy: proxy)
            }
            throw NpmError(.notFound, "tarball '\(file.prefix(300))' of '\(name)' not found")
        }
        if request.method == .get { context.annotations.note(ActivityNote(.download, .npm, name: name.value, version: found.version)) }
        return try await tarballResponse(BlobInfo(digest: found.blob.digest, size: found.blob.size), request)
    }

    /// A tarball, hosted or cached: immutable, so a content ETag, 304 and `If-Range` ranges.
    func tarballResponse(_ blob: BlobInfo, _ request: Request) async throws -> Response {
        let etag = EntityTag.quoted(blob.digest.hex)
        var headers: HTTPFields = [.contentType: "application/octet-stream", .eTag: etag,
                                   .cacheControl: "public, max-age=31536000, immutable"]
        if EntityTag.list(request.headers[.ifNoneMatch], matches: etag) {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        let rangeStillValid = request.headers[.ifRange].map { $0 == etag } ?? true
        return try await BlobResponse.make(store: store, blob: blob, request: request, headers: headers, allowRange: rangeStillValid)
    }

    /// A JSON document with a content ETag: `If-None-Match` → 304; no-cache so npm
    /// revalidates and sees new publishes at once.
    func jsonDocument(_ bytes: ByteBuffer, etag: String, contentType: String, modifiedMillis: Int64,
                      request: Request) -> Response {
        var headers: HTTPFields = [
            .contentType: contentType, .eTag: etag, .vary: "Accept, Authorization", .cacheControl: "no-cache",
            .lastModified: Clock.httpDate(seconds: modifiedMillis / 1000),
        ]
        if EntityTag.list(request.headers[.ifNoneMatch], matches: etag) {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentLength] = String(bytes.readableBytes)
        let body = request.method == .head ? ByteBuffer() : bytes
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }
}
