import Hummingbird
import NoraCore
import NoraStorage

/// Download and yank/unyank of one version.
extension CargoRegistry {
    struct OK: Encodable { let ok: Bool }

    func download(_ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try context.require(.read)
        let name = try context.parameters.require("name"), vers = try context.parameters.require("version")
        let db = index.db.reader
        if let proxy, try await index.crate(CrateName.key(name), in: db) == nil, (try? CrateName(name)) != nil {
            return try await proxiedDownload(name, vers, request, proxy: proxy)
        }
        let (key, _) = try await existingCrate(name, in: db)
        guard let version = try await index.version(key, vers, in: db) else {
            throw CargoError(.versionNotFound, "crate '\(name)' has no version \(vers.prefix(80))")
        }
        let etag = EntityTag.quoted(version.digest.hex)
        if request.method == .get { context.annotations.note(ActivityNote(.download, .cargo, name: name, version: vers)) }
        // The file of a version never changes (yanking only flags the index line).
        let headers: HTTPFields = [
            .contentType: "application/gzip", .eTag: etag,
            .cacheControl: authRequired ? "private, max-age=31536000, immutable" : "public, max-age=31536000, immutable",
        ]
        if let ifNoneMatch = request.headers[.ifNoneMatch], EntityTag.list(ifNoneMatch, matches: etag) {
            return Response(status: .notModified, headers: headers)
        }
        let blob = BlobInfo(digest: version.digest, size: version.size)
        do {
            return try await BlobResponse.make(store: store, blob: blob, request: request, headers: headers)
        } catch let error as AppError where error.kind == .rangeNotSatisfiable {
            throw CargoError(.invalidRequest, error.message, status: .rangeNotSatisfiable, headers: error.headers)
        }
    }

    func setYanked(_ yanked: Bool, _ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try context.require(.write)
        let name = try context.parameters.require("name"), vers = try context.parameters.require("version")
        try await index.db.transaction(locking: "cargo:\(CrateName.key(name))") { db in
            let (key, crate) = try await existingCrate(name, in: db)
            try await requireOwner(key, crate.name, context, in: db)
            guard let version = try await index.version(key, vers, in: db) else {
                throw CargoError(.versionNotFound, "crate '\(crate.name)' has no version \(vers.prefix(80))")
            }
            _ = try await index.setYanked(key, version, yanked, in: db)
        }
        context.logger.info(yanked ? "crate yanked" : "crate unyanked", metadata: ["crate": .string(name), "version": .string(vers)])
        context.annotations.note(ActivityNote(yanked ? .yank : .unyank, .cargo, name: name, version: vers))
        return .json(OK(ok: true))
    }
}
