import Hummingbird
import NoraCore
import NoraStorage


extension OCIRegistry {
    func getManifest(_ name: RepositoryName, _ ref: String, _ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try authorize(context, name, "pull")
        // A tag that could never have been pushed names no manifest: 404, as distribution and
        // the conformance suite expect (a PUT with it is still 400).
        guard let reference = try? ManifestReference(ref) else {
            if ref.contains(":") { _ = try ManifestReference(ref) }  // a malformed digest keeps DIGEST_INVALID
            throw OCIError(.manifestUnknown, "\(name):\(ref.prefix(140))")
        }
        guard let manifest = try await index.manifest(reference, in: name) else {
            throw OCIError(.manifestUnknown, "\(name):\(reference)")
        }
        // A pull by tag is a download; the child manifests an index pull fetches by digest are not counted again.
        if request.method == .get, !ref.contains(":") { context.annotations.note(ActivityNote(.download, .docker, name: name.value, version: ref)) }
        var headers: HTTPFields = [
            .contentType: manifest.mediaType, OCIHeaders.contentDigest: manifest.digest.description,
            .eTag: EntityTag.quoted(manifest.digest.description),
        ]
        guard request.method == .get, manifest.size <= ManifestBodyCache.largestBody else {
            return try await BlobResponse.make(store: store, blob: BlobInfo(digest: manifest.digest, size: manifest.size),
                                               request: request, headers: headers, allowRange: false)
        }
        let body = try await cachedBody(of: manifest)
        headers[.contentLength] = String(body.readableBytes)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }

    /// The body of a small manifest, from memory or read once from the store.
    private func cachedBody(of manifest: OCIIndex.StoredManifest) async throws -> ByteBuffer {
        if let body = manifestBodies.body(manifest.digest) { return body }
        let body = try await store.readWhole(manifest.digest, length: manifest.size)
        manifestBodies.store(body, for: manifest.digest)
        return body
    }

    func putManifest(_ name: RepositoryName, _ ref: String, _ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try authorize(context, name, "push")
        let reference = try ManifestReference(ref)
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > Self.maxManifestSize {
            throw OCIError(.sizeInvalid, "manifest exceeds \(Self.maxManifestSize) bytes", status: .contentTooLarge)
        }
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: Self.maxManifestSize) } catch {
            throw OCIError(.sizeInvalid, "manifest exceeds \(Self.maxManifestSize) bytes", status: .contentTooLarge)
        }
        let bytes = Array(body.readableBytesView)
        var digest = Digest.of(bytes)
        var tag: String?
        switch reference {
        case .digest(let expected):
            digest = Digest.of(bytes, algorithm: expected.algorithm)
            guard digest == expected else { throw OCIError(.digestInvalid, "manifest digest is \(digest), not \(expected)") }
        case .tag(let name):
            tag = name
        }
        let manifest = try ParsedManifest(bytes: bytes, contentType: request.headers[.contentType])
        // Checked here to avoid storing bytes for a manifest that will be refused; the
        // transaction in putManifest checks again and decides.
        for required in manifest.requiredBlobs where try await index.linkedBlob(required, in: name) == nil {
            throw OCIError(.manifestBlobUnknown, "blob \(required) is not in \(name)")
        }
        _ = try await store.put(InMemoryBody(bytes), algorithm: digest.algorithm, expected: digest, limit: nil)
        try await index.putManifest(manifest, digest: digest, size: Int64(bytes.count), tag: tag, in: name)
        manifestBodies.store(body, for: digest)
        var headers: HTTPFields = [.location: "/v2/\(name)/manifests/\(digest)", OCIHeaders.contentDigest: digest.description]
        if let subject = manifest.subjectDigest { headers[OCIHeaders.subject] = subject.description }
        context.logger.info("manifest stored", metadata: ["repository": .string(name.value), "reference": .string(ref)])
        context.annotations.note(ActivityNote(.publish, .docker, name: name.value, version: ref))
        return Response(status: .created, headers: headers)
    }

    func deleteManifest(_ name: RepositoryName, _ ref: String, _ context: NoraRequestContext) async throws -> Response {
        try authorize(context, name, "delete")
        switch try ManifestReference(ref) {
        case .digest(let digest):
            guard try await index.deleteManifest(digest, in: name) else { throw OCIError(.manifestUnknown, "\(name)@\(digest)") }
        case .tag(let tag):
            guard try await index.deleteTag(tag, in: name) else { throw OCIError(.manifestUnknown, "\(name):\(tag)") }
        }
        context.annotations.note(ActivityNote(.delete, .docker, name: name.value, version: ref))
        return Response(status: .accepted)
    }
}
