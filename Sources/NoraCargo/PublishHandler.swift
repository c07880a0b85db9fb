import Hummingbird
import NoraCore
import NoraStorage
import SQLKit

/// `PUT /cargo/api/v1/crates/new`: parse the framing, check name/version/ownership before
/// taking the crate bytes, stream them into an upload area, check the archive, then commit
/// the blob and record the version in one transaction — so the index shows the version
/// before cargo gets its answer, and a refused publish leaves no row and no blob.
extension CargoRegistry {
    struct PublishWarnings: Encodable {
        struct Lists: Encodable { let invalid_categories: [String]; let invalid_badges: [String]; let other: [String] }
        let warnings: Lists
    }

    func publish(_ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try context.require(.write)
        let framing = PublishFraming(request.body)
        let metadata = try PublishMetadata.parse(try await framing.readMetadata(maxJSON: min(Self.maxMetadataBytes, config.bodyLimitBytes)))
        let (crate, version) = try metadata.identity()
        // Cargo parses `pubtime` as exactly `%Y-%m-%dT%H:%M:%SZ` (no fraction) and drops lines it cannot parse.
        let pubtime = String(Clock.iso8601(millis: Clock.nowSeconds() * 1000).prefix(19)) + "Z"
        _ = try metadata.indexLine(cksum: "", pubtime: pubtime)  // every metadata check, before the upload
        try await checkPublishable(crate, version, context, in: index.db.reader)
        let length = try await framing.readCrateLength(max: Self.maxCrateBytes)
        let upload = try await store.startUpload()
        let blob: BlobInfo
        do {
            let body = framing.crateBody(length: length)
            _ = try await store.append(body, to: upload, limit: length)
            try await store.withUploadFile(upload) { path in try CrateArchive.validate(path: path, crate: crate, version: version) }
            blob = try await store.commit(upload, expected: body.hasher.finalize())
        } catch {
            try? await store.cancel(upload)
            if let storage = error as? StorageError { throw storage.cargoError }
            throw error
        }
        let line = try metadata.indexLine(cksum: blob.digest.hex, pubtime: pubtime)
        let publisher = context.access.authEnabled ? context.identity?.name : nil
        try await index.db.transaction(locking: "cargo:\(crate.key)") { db in
            let isNew = try await checkPublishable(crate, version, context, in: db)
            try await index.insert(crate: crate, version: version, line: line, blob: BlobRef(digest: blob.digest, size: blob.size),
                                   description: metadata.description, publisher: publisher, isNew: isNew, in: db)
        }
        context.logger.info("crate published", metadata: ["crate": .string(crate.value), "version": .string(version.text)])
        context.annotations.note(ActivityNote(.publish, .cargo, name: crate.value, version: version.text))
        return .json(PublishWarnings(warnings: .init(invalid_categories: [], invalid_badges: [], other: [])))
    }

    /// Refuses a name taken up to case and `-`/`_`, a version already there, or a caller who
    /// does not own the crate. Returns true when the crate is new.
    @discardableResult
    func checkPublishable(_ crate: CrateName, _ version: SemanticVersion, _ context: NoraRequestContext,
                          in db: any SQLDatabase) async throws -> Bool {
        guard let existing = try await index.crate(crate.key, in: db) else { return true }
        guard existing.name == crate.value else {
            throw CargoError(.nameConflict, "crate name '\(crate.value)' conflicts with the existing crate '\(existing.name)' (names are compared ignoring case and '-'/'_')")
        }
        try await requireOwner(crate.key, existing.name, context, in: db)
        if try await index.hasVersion(crate.key, versionKey: version.key, in: db) {
            throw CargoError(.versionExists, "crate '\(crate.value)' version \(version.text) is already uploaded; versions cannot be replaced")
        }
        return false
    }
}
