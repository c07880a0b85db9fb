import Hummingbird
import NoraCore
import NoraMetadata
import NoraStorage

/// Raw files under `/raw/`: any path, any bytes.
///
///     PUT    /raw/<path>     store (streamed; size-limited; If-Match / If-None-Match: *)
///     GET    /raw/<path>     download (Range, ETag, Last-Modified, If-None-Match, If-Modified-Since)
///     HEAD   /raw/<path>     headers only, true Content-Length
///     DELETE /raw/<path>     remove
///     GET    /raw/<folder>/  listing: JSON when asked (Accept or ?format=json), else HTML; ?limit=&after=
public struct RawRegistry: Sendable {
    public static let prefix = "raw"
    public static let migrations = RawFileIndex.migrations + PackageCatalog.migration("raw-catalog-001", RawPackageListing.catalogSource)
    public static let blobReferences = [BlobReferenceColumn("raw_files", "digest", format: "raw", size: "size", names: ["path"])]

    let index: RawFileIndex
    let store: any BlobStore
    let maxFileSize: Int64

    public init(db: MetadataDatabase, store: any BlobStore, maxFileSize: Int64) {
        self.index = RawFileIndex(db: db)
        self.store = store
        self.maxFileSize = maxFileSize
    }

    public func register(on router: Router<NoraRequestContext>) {
        for path in [RouterPath(stringLiteral: Self.prefix), RouterPath(stringLiteral: "\(Self.prefix)/**")] {
            router.get(path) { request, context in try await get(request, context) }
            router.head(path) { request, context in try await get(request, context) }
            router.put(path) { request, context in try await put(request, context) }
            router.delete(path) { request, context in try await delete(request, context) }
        }
    }

    // MARK: Handlers

    func get(_ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try context.require(.read)
        let target = try RawTarget(request)
        guard let path = target.path, !target.isFolder else {
            return try await RawListing(index: index).respond(folder: target.path, request: request)
        }
        guard let file = try await index.file(path.path) else {
            if try await index.isDirectory(path.path, in: index.db.reader) {
                return Response(status: .movedPermanently, headers: [.location: request.uri.path + "/"])
            }
            throw AppError(.notFound, "no file at /raw/\(path.path)")
        }
        if request.method == .get { context.annotations.note(ActivityNote(.download, .raw, name: path.path)) }
        var headers: HTTPFields = [
            .contentType: file.contentType, .eTag: file.etag,
            .lastModified: Clock.httpDate(seconds: file.updatedAt),
            .cacheControl: "no-cache",
        ]
        if notModified(request, file) {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        // If-Range with a stale tag: the client's partial copy is outdated, so send everything.
        let rangeStillValid = request.headers[.ifRange].map { $0 == file.etag } ?? true
        return try await BlobResponse.make(store: store, blob: BlobInfo(digest: file.digest, size: file.size), request: request,
                                     headers: headers, allowRange: rangeStillValid)
    }

    func put(_ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try context.require(.write)
        let target = try RawTarget(request)
        guard let path = target.path, !target.isFolder else { throw AppError(.badRequest, "PUT needs a file path, not a folder") }
        if let declared = request.headers[.contentLength].flatMap(Int64.init), declared > maxFileSize {
            throw tooLarge()
        }
        // Checked before streaming to spare the upload, and again in the transaction, which decides.
        try checkPreconditions(request, existing: try await index.file(path.path))
        let blob: BlobInfo
        do {
            blob = try await store.put(request.body, algorithm: .sha256, expected: nil, limit: maxFileSize)
        } catch StorageError.tooLarge {
            throw tooLarge()
        }
        let contentType = MediaType.forFile(path.fileName)
        let uploader = context.identity?.name
        let created = try await index.db.transaction(locking: "raw:\(path.segments[0])") { db in
            let current = try await index.file(path.path, in: db)
            try checkPreconditions(request, existing: current)
            if try await index.isDirectory(path.path, in: db) {
                throw AppError(.conflict, "/raw/\(path.path) is a folder")
            }
            for depth in 1..<path.segments.count {
                let ancestor = path.segments[..<depth].joined(separator: "/")
                if try await index.file(ancestor, in: db) != nil {
                    throw AppError(.conflict, "/raw/\(ancestor) is a file, so it cannot hold /raw/\(path.path)")
                }
            }
            try await index.upsert(path, blob: blob.digest, size: blob.size, contentType: contentType,
                                   uploader: uploader, previous: current, in: db)
            return current == nil
        }
        context.logger.info("raw file stored", metadata: ["path": .string(path.path), "size": .stringConvertible(blob.size)])
        context.annotations.note(ActivityNote(.publish, .raw, name: path.path))
        return Response.json(Stored(path: "/raw/\(path.path)", size: blob.size, digest: blob.digest.description),
                             status: created ? .created : .ok,
                             headers: [.eTag: EntityTag.quoted(blob.digest.hex), .location: "/raw/\(path.path)"])
    }

    func delete(_ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try context.require(.write)
        let target = try RawTarget(request)
        guard let path = target.path, !target.isFolder else { throw AppError(.badRequest, "DELETE needs a file path") }
        let removed = try await index.db.transaction(locking: "raw:\(path.segments[0])") { db in
            if let current = try await index.file(path.path, in: db) { try checkPreconditions(request, existing: current) }
            return try await index.delete(path, in: db)
        }
        guard removed != nil else { throw AppError(.notFound, "no file at /raw/\(path.path)") }
        context.annotations.note(ActivityNote(.delete, .raw, name: path.path))
        return Response(status: .noContent)
    }

    // MARK: Helpers

    struct Stored: Encodable { let path: String; let size: Int64; let digest: String }

    func tooLarge() -> AppError {
        AppError(.payloadTooLarge, "file exceeds the raw size limit of \(maxFileSize) bytes (NORA_RAW_MAX_FILE_SIZE)")
    }

    /// `If-Match` / `If-None-Match` on writes (RFC 9110 §13.1.1-2): 412 when they fail.
    func checkPreconditions(_ request: Request, existing: RawFileIndex.File?) throws(AppError) {
        if let ifMatch = request.headers[.ifMatch], !EntityTag.list(ifMatch, matches: existing?.etag, strong: true) {
            throw AppError(.preconditionFailed, "If-Match does not match the current file")
        }
        if let ifNoneMatch = request.headers[.ifNoneMatch], EntityTag.list(ifNoneMatch, matches: existing?.etag) {
            throw AppError(.preconditionFailed, existing == nil ? "precondition failed" : "the file already exists (If-None-Match)")
        }
    }

    func notModified(_ request: Request, _ file: RawFileIndex.File) -> Bool {
        if let ifNoneMatch = request.headers[.ifNoneMatch] { return EntityTag.list(ifNoneMatch, matches: file.etag) }
        if let since = request.headers[.ifModifiedSince].flatMap(Clock.parseHTTPDate) { return file.updatedAt <= since }
        return false
    }
}

/// The path a `/raw/…` request names, decoded and validated; a trailing `/` means a folder.
struct RawTarget {
    let path: ArtifactPath?
    let isFolder: Bool

    init(_ request: Request) throws(AppError) {
        let full = request.uri.path
        let prefix = "/\(RawRegistry.prefix)"
        guard full.hasPrefix(prefix) else { throw AppError(.notFound, "not a raw path") }
        var rest = full.dropFirst(prefix.count)
        if rest.hasPrefix("/") { rest = rest.dropFirst() }
        isFolder = rest.isEmpty || rest.hasSuffix("/")
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        path = rest.isEmpty ? nil : try ArtifactPath(encoded: rest)
    }
}
