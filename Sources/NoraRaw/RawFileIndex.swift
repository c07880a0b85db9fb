import NoraCore
import NoraMetadata
import SQLKit

/// The raw-file tables: which path holds which blob, and the folders implied by paths.
///
///     raw_files(path PK, parent, name, digest, size, content_type, created_at, updated_at, uploader)
///     raw_dirs(path PK, parent, name)
///
/// Folders are rows so a listing is two indexed range queries, paged by name.
struct RawFileIndex: Sendable {
    let db: MetadataDatabase

    struct File: Sendable, Equatable {
        let path: String
        let digest: Digest
        let size: Int64
        let contentType: String
        let createdAt: Int64
        let updatedAt: Int64
        var etag: String { EntityTag.quoted(digest.hex) }
    }

    struct Entry: Sendable, Equatable, Encodable {
        let name: String
        let type: String  // "file" | "directory"
        let size: Int64?
        let modified: Int64?

        /// Every entry has the same keys; `size` and `modified` are null for folders.
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(type, forKey: .type)
            try c.encode(size, forKey: .size)
            try c.encode(modified, forKey: .modified)
        }
        enum CodingKeys: String, CodingKey { case name, type, size, modified }
    }

    static let migrations: [Migration] = [
        Migration("raw-001-files") { db in
            try await db.create(table: "raw_files")
                .column("path", type: .text, .primaryKey(autoIncrement: false))
                .column("parent", type: .text, .notNull)
                .column("name", type: .text, .notNull)
                .column("digest", type: .text, .notNull)
                .column("size", type: .bigint, .notNull)
                .column("content_type", type: .text, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .column("updated_at", type: .bigint, .notNull)
                .column("uploader", type: .text)
                .run()
            try await db.create(index: "raw_files_parent_name").on("raw_files").column("parent").column("name").run()
            try await db.create(index: "raw_files_digest").on("raw_files").column("digest").run()
            try await db.create(table: "raw_dirs")
                .column("path", type: .text, .primaryKey(autoIncrement: false))
                .column("parent", type: .text, .notNull)
                .column("name", type: .text, .notNull)
                .run()
            try await db.create(index: "raw_dirs_parent_name").on("raw_dirs").column("parent").column("name").run()
        },
        Migration("raw-002-listing-index") { db in
            // The web UI and /api/packages list files by last change.
            try await db.create(index: "raw_files_updated").on("raw_files").column("updated_at").run()
        },
    ]

    func file(_ path: String, in db: any SQLDatabase) async throws -> File? {
        guard let row = try await db.select().columns("path", "digest", "size", "content_type", "created_at", "updated_at")
            .from("raw_files").where("path", .equal, path).first() else { return nil }
        return File(path: try row.decode(column: "path"), digest: try Digest(parsing: try row.decode(column: "digest", as: String.self)),
                    size: try row.decode(column: "size"), contentType: try row.decode(column: "content_type"),
                    createdAt: try row.decode(column: "created_at"), updatedAt: try row.decode(column: "updated_at"))
    }

    func file(_ path: String) async throws -> File? { try await file(path, in: db.reader) }

    func isDirectory(_ path: String, in db: any SQLDatabase) async throws -> Bool {
        if path.isEmpty { return true }
        return try await db.select().column("path").from("raw_dirs").where("path", .equal, path).first() != nil
    }

    /// Records `path` → blob; the caller holds a transaction and has checked preconditions.
    func upsert(_ path: ArtifactPath, blob: Digest, size: Int64, contentType: String, uploader: String?,
                previous: File?, in db: any SQLDatabase) async throws {
        let now = Clock.nowSeconds()
        let parent = path.parent.joined(separator: "/")
        if previous != nil {
            try await db.update("raw_files")
                .set("digest", to: blob.description).set("size", to: size).set("content_type", to: contentType)
                .set("updated_at", to: now).set("uploader", to: uploader)
                .where("path", .equal, path.path).run()
        } else {
            try await db.insert(into: "raw_files")
                .columns("path", "parent", "name", "digest", "size", "content_type", "created_at", "updated_at", "uploader")
                .values(SQLBind(path.path), SQLBind(parent), SQLBind(path.fileName), SQLBind(blob.description), SQLBind(size),
                        SQLBind(contentType), SQLBind(now), SQLBind(now), SQLBind(uploader))
                .run()
        }
        for depth in stride(from: path.segments.count - 1, to: 0, by: -1) {
            let dir = path.segments[..<depth]
            try await db.insert(into: "raw_dirs").columns("path", "parent", "name")
                .values(SQLBind(dir.joined(separator: "/")), SQLBind(dir.dropLast().joined(separator: "/")), SQLBind(dir.last!))
                .ignoringConflicts(with: "path")
                .run()
        }
    }

    /// Deletes the row and prunes folders left empty; returns the removed file.
    func delete(_ path: ArtifactPath, in db: any SQLDatabase) async throws -> File? {
        guard let existing = try await file(path.path, in: db) else { return nil }
        try await db.delete(from: "raw_files").where("path", .equal, path.path).run()
        var dir = path.parent
        while !dir.isEmpty {
            let folder = dir.joined(separator: "/")
            let hasFile = try await db.select().column("path").from("raw_files").where("parent", .equal, folder).limit(1).first() != nil
            let hasDir = try await db.select().column("path").from("raw_dirs").where("parent", .equal, folder).limit(1).first() != nil
            if hasFile || hasDir { break }
            try await db.delete(from: "raw_dirs").where("path", .equal, folder).run()
            dir.removeLast()
        }
        return existing
    }

    /// Children of a folder by name, after the cursor `after`, at most `limit`, plus whether more follow.
    func list(folder: String, after: String?, limit: Int) async throws -> (entries: [Entry], more: Bool) {
        let db = self.db.reader
        var dirQuery = db.select().column("name").from("raw_dirs").where("parent", .equal, folder)
        var fileQuery = db.select().columns("name", "size", "updated_at").from("raw_files").where("parent", .equal, folder)
        if let after {
            dirQuery = dirQuery.where("name", .greaterThan, after)
            fileQuery = fileQuery.where("name", .greaterThan, after)
        }
        let dirs = try await dirQuery.orderBy("name").limit(limit + 1).all().map { row in
            Entry(name: try row.decode(column: "name"), type: "directory", size: nil, modified: nil)
        }
        let files = try await fileQuery.orderBy("name").limit(limit + 1).all().map { row in
            Entry(name: try row.decode(column: "name"), type: "file", size: try row.decode(column: "size"),
                  modified: try row.decode(column: "updated_at"))
        }
        let merged = (dirs + files).sorted { $0.name < $1.name }
        return (Array(merged.prefix(limit)), merged.count > limit)
    }
}
