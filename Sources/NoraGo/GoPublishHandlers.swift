import Hummingbird
import NIOCore
import NoraCore
import NoraStorage

/// Publishing, which the GOPROXY protocol leaves undefined: `PUT …/@v/<version>.zip`
/// (and optionally `.mod` first). The zip streams into an upload area, is checked there by
/// the module zip rules, and only then becomes a blob; the version row is written last, in
/// one transaction, so a refused or interrupted upload leaves nothing behind.
extension GoRegistry {
    struct Published: Encodable {
        let module: String
        let version: String
        let time: String
        let zipDigest: String
        let zipSize: Int64
        /// What go.sum will record: `<module> <version> h1:…` and `<module> <version>/go.mod h1:…`.
        let h1: String
        let goModH1: String
    }

    func put(_ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try context.require(.write)
        guard case .file(let module, let version, let kind) = try GoRoute(path: request.uri.path) else {
            throw GoError(.methodNotAllowed, "PUT takes /go/<module>/@v/<version>.zip (or .mod)")
        }
        do {
            try GoModulePath.checkMajor(version: version, path: module)
        } catch {
            throw GoError(.invalidModule, error.reason)
        }
        switch kind {
        case .zip: return try await publishZip(module, version, request, context)
        case .mod: return try await uploadMod(module, version, request, context)
        case .info: throw GoError(.methodNotAllowed, "the .info is generated when the .zip is published; upload the .zip")
        }
    }

    func publishZip(_ module: String, _ version: GoSemver, _ request: Request, _ context: NoraRequestContext) async throws -> Response {
        let limit = config.go.maxZipSize
        if let declared = request.headers[.contentLength].flatMap(Int64.init), declared > limit { throw zipTooLarge(limit) }
        // Checked before streaming to spare the upload; the transaction below decides.
        if try await index.version(module, version.description) != nil { throw exists(module, version) }
        let staged = try await index.stagedMod(module, version.description, in: index.db.reader)
        let upload = try await store.startUpload()
        let checked: GoModuleZip.Checked, zip: BlobInfo
        do {
            _ = try await store.append(request.body, to: upload, limit: limit)
            let (result, digest) = try await store.withUploadFile(upload) { path in
                (try GoModuleZip.check(zipAt: path, module: module, version: version, limit: limit), try FileDigest.sha256(path: path))
            }
            let mod = result.goMod ?? GoModFile.synthesized(for: module)
            if let staged, staged.digest != Digest.of(mod) { throw modMismatch(module, version) }
            checked = result
            zip = try await store.commit(upload, expected: digest)
        } catch {
            try? await store.cancel(upload)
            switch error {
            case StorageError.tooLarge: throw zipTooLarge(limit)
            case let invalid as GoModuleZip.Invalid: throw GoError(.invalidModule, "invalid module zip: \(invalid.reason)")
            default: throw error
            }
        }
        let modBytes = checked.goMod ?? GoModFile.synthesized(for: module)
        let mod = try await store.put(InMemoryBody(modBytes), algorithm: .sha256, expected: nil, limit: nil)
        let row = GoModuleIndex.Version(module: module, version: version.description, zipDigest: zip.digest, zipSize: zip.size,
                                        modDigest: mod.digest, modSize: mod.size, createdAt: Clock.nowSeconds())
        let uploader = context.identity?.name
        try await index.db.transaction(locking: "go:\(module)") { db in
            if try await index.version(module, version.description, in: db) != nil { throw exists(module, version) }
            if let staged = try await index.stagedMod(module, version.description, in: db), staged.digest != mod.digest {
                throw modMismatch(module, version)
            }
            try await index.insert(row, uploader: uploader, in: db)
            try await index.unstage(module, version.description, in: db)
        }
        context.logger.info("go module published", metadata: ["module": .string(module), "version": .string(version.description)])
        context.annotations.note(ActivityNote(.publish, .go, name: module, version: version.description))
        let published = Published(module: module, version: version.description, time: Self.rfc3339(row.createdAt),
                                  zipDigest: zip.digest.description, zipSize: zip.size, h1: checked.h1,
                                  goModH1: GoSum.goModH1(modBytes))
        let location = "/go/\(GoModulePath.escape(module))/@v/\(GoModulePath.escape(version.description)).zip"
        return Response.json(published, status: .created, headers: [.location: location])
    }

    /// A `.mod` before its zip is kept aside (the zip must then carry the same go.mod);
    /// after it, re-sending the same file is a no-op and a different one a conflict.
    func uploadMod(_ module: String, _ version: GoSemver, _ request: Request, _ context: NoraRequestContext) async throws -> Response {
        let limit = Int(min(GoModuleZip.maxGoModSize, Int64(config.bodyLimitBytes)))
        let body = try await request.body.collect(upTo: limit)
        let bytes = Array(body.readableBytesView)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw GoError(.invalidModule, "go.mod is not valid UTF-8") }
        guard let declared = GoModFile.modulePath(text) else { throw GoError(.invalidModule, "go.mod has no module directive") }
        guard declared == module else {
            throw GoError(.invalidModule, "go.mod declares module \"\(declared)\", but the upload is for \"\(module)\"")
        }
        let digest = Digest.of(bytes)
        if let existing = try await index.version(module, version.description) {
            guard existing.modDigest == digest else { throw exists(module, version) }
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: "\(module)@\(version) already has this go.mod\n")))
        }
        let blob = try await store.put(InMemoryBody(bytes), algorithm: .sha256, expected: nil, limit: nil)
        let uploader = context.identity?.name
        try await index.db.transaction(locking: "go:\(module)") { db in
            if let existing = try await index.version(module, version.description, in: db) {
                guard existing.modDigest == blob.digest else { throw exists(module, version) }
                return
            }
            try await index.stage(module, version.description, mod: .init(digest: blob.digest, size: blob.size),
                                  uploader: uploader, in: db)
        }
        return Response(status: .accepted, headers: [.contentType: "text/plain; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: "go.mod for \(module)@\(version) accepted; now PUT the .zip\n")))
    }

    func exists(_ module: String, _ version: GoSemver) -> GoError {
        GoError(.versionExists, "\(module)@\(version) is already published; versions are immutable (publish a new version)")
    }

    func modMismatch(_ module: String, _ version: GoSemver) -> GoError {
        GoError(.invalidModule, "the zip's go.mod differs from the .mod uploaded earlier for \(module)@\(version)")
    }

    func zipTooLarge(_ limit: Int64) -> GoError {
        GoError(.tooLarge, "module zip exceeds the limit of \(limit) bytes (NORA_GO_MAX_ZIP_SIZE)")
    }
}
