import Hummingbird
import NoraCore
import NoraStorage

extension OCIRegistry {
    func getBlob(_ name: RepositoryName, _ digestText: String, _ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try authorize(context, name, "pull")
        let digest = try Self.digest(digestText)
        // The link row carries the size: no second look at the file (as every other format).
        guard let size = try await index.linkedBlob(digest, in: name) else {
            throw OCIError(.blobUnknown, "\(name)@\(digest)")
        }
        let blob = BlobInfo(digest: digest, size: size)
        let headers: HTTPFields = [
            .contentType: "application/octet-stream", OCIHeaders.contentDigest: digest.description,
            .eTag: EntityTag.quoted(digest.description), .cacheControl: "max-age=31536000, immutable",
        ]
        do {
            return try await BlobResponse.make(store: store, blob: blob, request: request, headers: headers)
        } catch let error as AppError {
            guard error.kind == .rangeNotSatisfiable else { throw error }
            throw OCIError(.blobUnknown, error.message, status: .rangeNotSatisfiable, headers: error.headers)
        }
    }

    func deleteBlob(_ name: RepositoryName, _ digestText: String, _ context: NoraRequestContext) async throws -> Response {
        try authorize(context, name, "delete")
        let digest = try Self.digest(digestText)
        guard try await index.unlink(digest, from: name) else { throw OCIError(.blobUnknown, "\(name)@\(digest)") }
        return Response(status: .accepted)
    }

    // MARK: Uploads

    /// POST …/blobs/uploads/: cross-repository mount, monolithic upload, or a new session.
    func startUpload(_ name: RepositoryName, _ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try authorize(context, name, "push")
        let query = request.uri.queryParameters
        if let mount = query.get("mount"), let from = query.get("from"),
           let created = try await mountBlob(mount, from: from, into: name, context) {
            return created
        }
        if let digestText = query.get("digest") {
            let digest = try Self.digest(digestText)
            let blob: BlobInfo
            do { blob = try await store.put(request.body, algorithm: digest.algorithm, expected: digest, limit: nil) }
            catch let error as StorageError { throw error.ociError }
            try await index.link(blob.digest, size: blob.size, to: name)
            return blobCreated(name, blob.digest)
        }
        guard try await index.activeUploads(since: Clock.nowSeconds() - Self.uploadIdleSeconds) < Self.maxUploadSessions else {
            throw OCIError(.tooManyRequests, "too many upload sessions in progress", headers: [.retryAfter: "30"])
        }
        let id = try await store.startUpload()
        try await index.createUpload(id.value, repo: name)
        return Response(status: .accepted, headers: uploadHeaders(name, id.value, size: 0))
    }

    /// Links a blob another repository holds, when the caller may pull from there; nil falls back to an upload.
    func mountBlob(_ mount: String, from: String, into name: RepositoryName, _ context: NoraRequestContext) async throws -> Response? {
        guard let digest = try? Digest(parsing: mount), let source = try? RepositoryName(from),
              (try? authorize(context, source, "pull")) != nil,
              let size = try await index.linkedBlob(digest, in: source),
              try await store.stat(digest) != nil
        else { return nil }
        try await index.link(digest, size: size, to: name)
        context.logger.info("blob mounted", metadata: ["from": .string(source.value), "to": .string(name.value)])
        return blobCreated(name, digest)
    }

    func patchUpload(_ name: RepositoryName, _ idText: String, _ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try authorize(context, name, "push")
        let id = try await session(idText, in: name)
        try await checkChunkStart(request, of: id, in: name)
        let size = try await append(request, to: id)
        try await index.touchUpload(id.value, size: size)
        return Response(status: .accepted, headers: uploadHeaders(name, id.value, size: size))
    }

    func completeUpload(_ name: RepositoryName, _ idText: String, _ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try authorize(context, name, "push")
        let id = try await session(idText, in: name)
        guard let digestText = request.uri.queryParameters.get("digest") else { throw OCIError(.digestInvalid, "digest parameter missing") }
        let digest = try Self.digest(digestText)
        try await checkChunkStart(request, of: id, in: name)  // a closing chunk must follow on, as in PATCH
        _ = try await append(request, to: id)
        let blob: BlobInfo
        do {
            blob = try await store.commit(id, expected: digest)
        } catch let error as StorageError {
            try await index.deleteUpload(id.value)
            throw error.ociError
        }
        try await index.deleteUpload(id.value)
        try await index.link(blob.digest, size: blob.size, to: name)
        return blobCreated(name, blob.digest)
    }

    func uploadStatus(_ name: RepositoryName, _ idText: String, _ context: NoraRequestContext) async throws -> Response {
        try authorize(context, name, "push")
        let id = try await session(idText, in: name)
        let size = try await store.uploadSize(id) ?? 0
        return Response(status: .noContent, headers: uploadHeaders(name, id.value, size: size))
    }

    func cancelUpload(_ name: RepositoryName, _ idText: String, _ context: NoraRequestContext) async throws -> Response {
        try authorize(context, name, "push")
        let id = try await session(idText, in: name)
        try await store.cancel(id)
        try await index.deleteUpload(id.value)
        return Response(status: .noContent)
    }

    // MARK: Helpers

    /// The live session `idText` of repository `name`, or BLOB_UPLOAD_UNKNOWN.
    func session(_ idText: String, in name: RepositoryName) async throws -> UploadID {
        guard let id = try? UploadID(validating: idText),
              let repo = try await index.uploadRepository(id.value, idleSince: Clock.nowSeconds() - Self.uploadIdleSeconds),
              repo == name.value, try await store.uploadSize(id) != nil
        else { throw OCIError(.blobUploadUnknown, "upload \(idText.prefix(80)) is unknown or expired") }
        return id
    }

    /// A chunk that names its range must start where the upload ends: 416 otherwise, with
    /// the upload's true `Range` so the client can resume.
    func checkChunkStart(_ request: Request, of id: UploadID, in name: RepositoryName) async throws {
        guard let range = request.headers[.contentRange] else { return }
        let current = try await store.uploadSize(id) ?? 0
        guard let start = ChunkRange.start(range), start == current else {
            throw OCIError(.blobUploadInvalid, "chunk starts at \(range), upload has \(current) bytes",
                           status: .rangeNotSatisfiable, headers: uploadHeaders(name, id.value, size: current))
        }
    }

    func append(_ request: Request, to id: UploadID) async throws -> Int64 {
        do { return try await store.append(request.body, to: id, limit: nil) }
        catch let error as StorageError { throw error.ociError }
    }

    func blobCreated(_ name: RepositoryName, _ digest: Digest) -> Response {
        Response(status: .created, headers: [.location: "/v2/\(name)/blobs/\(digest)", OCIHeaders.contentDigest: digest.description])
    }

    func uploadHeaders(_ name: RepositoryName, _ id: String, size: Int64) -> HTTPFields {
        [.location: "/v2/\(name)/blobs/uploads/\(id)", OCIHeaders.uploadUUID: id,
         OCIHeaders.range: "0-\(max(0, size - 1))", .contentLength: "0"]
    }
}

/// `Content-Range` of an upload chunk: `<start>-<end>` (or `bytes <start>-<end>/*`).
enum ChunkRange {
    static func start(_ header: String) -> Int64? {
        var text = Substring(header)
        if text.hasPrefix("bytes ") { text = text.dropFirst(6) }
        if let slash = text.firstIndex(of: "/") { text = text[..<slash] }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let start = Int64(parts[0]), let end = Int64(parts[1]), start >= 0, end >= start else { return nil }
        return start
    }
}
