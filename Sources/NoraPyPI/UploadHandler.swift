import Hummingbird
import NIOCore
import NoraCore
import NoraStorage

/// `POST /simple/` with the legacy upload form (twine, `uv publish`).
extension PyPIRegistry {
    func upload(_ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try context.require(.write)
        if let declared = request.headers[.contentLength].flatMap(Int64.init), declared > config.pypi.maxFileSize + 64 * 1024 * 1024 {
            throw PyPIError(.fileTooLarge, "the limit is \(config.pypi.maxFileSize) bytes (NORA_PYPI_MAX_FILE_SIZE)")
        }
        let received = try await UploadReceiver(store: store, maxFileSize: config.pypi.maxFileSize).receive(request)
        guard let file = received.file else { throw PyPIError(.invalidForm, "the form has no 'content' file part") }
        do {
            let stored = try await store(received, file, uploader: context.identity?.name)
            context.logger.info("pypi file uploaded", metadata: ["file": .string(stored.filename), "size": .stringConvertible(stored.size)])
            context.annotations.note(ActivityNote(.publish, .pypi, name: stored.project, version: stored.version))
            return PyPIText.response(status: .ok, message: "OK", request: request, headers: [:])
        } catch {
            // Until commit the bytes are only an upload area: dropping it leaves nothing behind.
            try? await store.cancel(file.upload)
            if let error = error as? StorageError { throw error.pypiError }
            throw error
        }
    }

    /// Validates the received upload and, only when everything holds, turns it into blobs and a row.
    private func store(_ received: ReceivedUpload, _ file: ReceivedFile, uploader: String?) async throws -> PyPIFile {
        let form = try UploadForm(received, file: file)
        let distribution = form.distribution
        let metadataBytes = try await store.withUploadFile(file.upload) { path in
            try DistributionInspector.coreMetadata(path: path, distribution: distribution)
        }
        let metadata = try CoreMetadata(metadataBytes)
        try metadata.check(project: form.project, version: form.version, file: file.filename)
        // Checked before committing so a duplicate leaves no blob; the insert re-checks in its transaction.
        if try await index.fileExists(file.filename) { throw PyPIError(.fileExists, "'\(file.filename)'") }
        let blob = try await store.commit(file.upload, expected: file.sha256)
        // Only wheels' metadata is static; an sdist's may be recomputed at build time, so it is not served.
        var metadataBlob: BlobInfo?
        if distribution.kind == .wheel {
            metadataBlob = try await store.put(InMemoryBody(metadataBytes), algorithm: .sha256, expected: nil, limit: nil)
        }
        let row = PyPIFile(
            filename: file.filename, project: form.project.normalized, version: form.version, filetype: distribution.kind.filetype,
            digest: blob.digest, size: blob.size, md5: file.md5, blake2b256: file.blake2b256,
            requiresPython: metadata.requiresPython ?? form.requiresPython, yanked: false, yankedReason: String?.none,
            uploadedAtMillis: Clock.nowMillis(), uploader: uploader, metadata: metadataBlob)
        let display = form.project.display
        try await index.db.transaction(locking: "pypi:\(row.project)") { db in try await index.insert(row, display: display, in: db) }
        return row
    }
}
