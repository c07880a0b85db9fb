import NoraCore
import NoraMetadata
import SQLKit

/// The Maven tables.
///
///     maven_files(path PK, parent, name, group_id, artifact_id, version, classifier, extension,
///                 snapshot_timestamp, build_number, digest, size, md5, sha1, sha256, sha512,
///                 untrusted_by, created_at, updated_at, uploader)
///     maven_dirs(path PK, parent, name)                       folders implied by file paths
///     maven_metadata(path PK, parent, document, updated_at)   generated maven-metadata.xml
///     maven_plugins(group_id, artifact_id, prefix, name)      maven-plugin artifacts of a group
///
/// `untrusted_by` names the algorithm of an uploaded checksum that did not match the file:
/// such a file is neither served nor listed in metadata until a matching one arrives.
/// `verified_by` (maven-002) names the algorithm of the first uploaded checksum that matched:
/// from then on a conflicting checksum is refused and leaves the file as it is, and a release
/// file can no longer be replaced. A new upload of a replaceable file clears both.
struct MavenIndex: Sendable {
    let db: MetadataDatabase

    struct StoredFile: Sendable, Equatable {
        let path: String
        let name: String
        let version: String
        let classifier: String
        let fileExtension: String
        let snapshot: SnapshotStamp?
        let digest: Digest
        let size: Int64
        let checksums: MavenChecksums
        let untrustedBy: String?
        let verifiedBy: String?
        let updatedAt: Int64
        /// Orders uploads made within the same second (which one a plain -SNAPSHOT name means).
        let updatedMillis: Int64
        var etag: String { EntityTag.quoted(checksums.sha256) }
    }

    static let migrations: [Migration] = [
        Migration("maven-001-files") { db in
            try await db.create(table: "maven_files")
                .column("path", type: .text, .primaryKey(autoIncrement: false))
                .column("parent", type: .text, .notNull).column("name", type: .text, .notNull)
                .column("group_id", type: .text, .notNull).column("artifact_id", type: .text, .notNull)
                .column("version", type: .text, .notNull).column("classifier", type: .text, .notNull)
                .column("extension", type: .text, .notNull)
                .column("snapshot_timestamp", type: .text).column("build_number", type: .bigint)
                .column("digest", type: .text, .notNull).column("size", type: .bigint, .notNull)
                .column("md5", type: .text, .notNull).column("sha1", type: .text, .notNull)
                .column("sha256", type: .text, .notNull).column("sha512", type: .text, .notNull)
                .column("untrusted_by", type: .text)
                .column("created_at", type: .bigint, .notNull).column("updated_at", type: .bigint, .notNull)
                .column("updated_ms", type: .bigint, .notNull).column("uploader", type: .text)
                .run()
            try await db.create(index: "maven_files_parent_name").on("maven_files").column("parent").column("name").run()
            try await db.create(index: "maven_files_gav").on("maven_files")
                .column("group_id").column("artifact_id").column("version").run()
            try await db.create(index: "maven_files_digest").on("maven_files").column("digest").run()
            try await db.create(table: "maven_dirs")
                .column("path", type: .text, .primaryKey(autoIncrement: false))
                .column("parent", type: .text, .notNull).column("name", type: .text, .notNull)
                .run()
            try await db.create(index: "maven_dirs_parent_name").on("maven_dirs").column("parent").column("name").run()
            try await db.create(table: "maven_metadata")
                .column("path", type: .text, .primaryKey(autoIncrement: false))
                .column("parent", type: .text, .notNull)
                .column("document", type: .text, .notNull).column("updated_at", type: .bigint, .notNull)
                .run()
            try await db.create(index: "maven_metadata_parent").on("maven_metadata").column("parent").run()
            try await db.create(table: "maven_plugins")
                .column("group_id", type: .text, .notNull).column("artifact_id", type: .text, .notNull)
                .column("prefix", type: .text, .notNull).column("name", type: .text, .notNull)
                .run()
            try await db.create(index: "maven_plugins_key").unique().on("maven_plugins")
                .column("group_id").column("artifact_id").run()
        },
        // Files that were trusted before verification was recorded count as verified: a stray
        // wrong checksum must not take down a release that consumers already use.
        Migration("maven-002-verified") { db in
            try await db.alter(table: "maven_files").column("verified_by", type: .text).run()
            try await db.update("maven_files").set("verified_by", to: "before-maven-002")
                .where("untrusted_by", .is, SQLLiteral.null).run()
        },
    ]

    static let fileColumns = ["path", "name", "version", "classifier", "extension", "snapshot_timestamp", "build_number",
                              "digest", "size", "md5", "sha1", "sha256", "sha512", "untrusted_by", "verified_by", "updated_at", "updated_ms"]

    static func decode(_ row: any SQLRow) throws -> StoredFile {
        let timestamp = try row.decode(column: "snapshot_timestamp", as: String?.self)
        let build = try row.decode(column: "build_number", as: Int?.self)
        return StoredFile(
            path: try row.decode(column: "path"), name: try row.decode(column: "name"),
            version: try row.decode(column: "version"), classifier: try row.decode(column: "classifier"),
            fileExtension: try row.decode(column: "extension"),
            snapshot: timestamp.flatMap { t in build.map { SnapshotStamp(timestamp: t, buildNumber: $0) } },
            digest: try Digest(parsing: try row.decode(column: "digest", as: String.self)), size: try row.decode(column: "size"),
            checksums: MavenChecksums(md5: try row.decode(column: "md5"), sha1: try row.decode(column: "sha1"),
                                      sha256: try row.decode(column: "sha256"), sha512: try row.decode(column: "sha512")),
            untrustedBy: try row.decode(column: "untrusted_by", as: String?.self),
            verifiedBy: try row.decode(column: "verified_by", as: String?.self), updatedAt: try row.decode(column: "updated_at"),
            updatedMillis: try row.decode(column: "updated_ms"))
    }

    func file(_ path: String, in db: any SQLDatabase) async throws -> StoredFile? {
        try await db.select().columns(Self.fileColumns).from("maven_files").where("path", .equal, path).first().map(Self.decode)
    }

    /// The file a request names; a plain `-SNAPSHOT` name resolves to the newest upload of that
    /// classifier and extension, timestamped or not (a timestamped one wins a tie).
    func resolve(_ file: MavenFile, in db: any SQLDatabase) async throws -> StoredFile? {
        let exact = try await self.file(file.path, in: db)
        guard file.isPlainSnapshot else { return exact }
        let newest = try await db.select().columns(Self.fileColumns).from("maven_files")
            .where("group_id", .equal, file.groupId).where("artifact_id", .equal, file.artifactId)
            .where("version", .equal, file.version).where("classifier", .equal, file.classifier)
            .where("extension", .equal, file.fileExtension).where("build_number", .isNot, SQLLiteral.null)
            .orderBy("build_number", .descending).orderBy("snapshot_timestamp", .descending).limit(1).first().map(Self.decode)
        guard let newest else { return exact }
        guard let exact else { return newest }
        return exact.updatedMillis > newest.updatedMillis ? exact : newest
    }

    /// Trusted files of one version (metadata generation).
    func files(groupId: String, artifactId: String, version: String, in db: any SQLDatabase) async throws -> [StoredFile] {
        try await db.select().columns(Self.fileColumns).from("maven_files")
            .where("group_id", .equal, groupId).where("artifact_id", .equal, artifactId).where("version", .equal, version)
            .where("untrusted_by", .is, SQLLiteral.null).all().map(Self.decode)
    }

    /// Versions of an artifact that hold a trusted file, with their newest change.
    func versions(groupId: String, artifactId: String, in db: any SQLDatabase) async throws -> [(String, Int64)] {
        try await db.select().column("version").column(SQLFunction("MAX", args: SQLColumn("updated_at")), as: "updated")
            .from("maven_files").where("group_id", .equal, groupId).where("artifact_id", .equal, artifactId)
            .where("untrusted_by", .is, SQLLiteral.null).groupBy("version").all()
            .map { (try $0.decode(column: "version", as: String.self), try $0.decode(column: "updated", as: Int64.self)) }
    }

    /// Records `file` → blob; the caller holds a transaction and has checked immutability.
    func upsert(_ file: MavenFile, blob: BlobRef, uploader: String?, replacing: Bool, in db: any SQLDatabase) async throws {
        let nowMillis = Clock.nowMillis(), now = nowMillis / 1000
        if replacing {
            try await db.delete(from: "maven_files").where("path", .equal, file.path).run()
        }
        let parent = file.folder.joined(separator: "/")
        try await db.insert(into: "maven_files")
            .columns("path", "parent", "name", "group_id", "artifact_id", "version", "classifier", "extension",
                     "snapshot_timestamp", "build_number", "digest", "size", "md5", "sha1", "sha256", "sha512",
                     "untrusted_by", "created_at", "updated_at", "updated_ms", "uploader")
            .values(SQLBind(file.path), SQLBind(parent), SQLBind(file.fileName), SQLBind(file.groupId), SQLBind(file.artifactId),
                    SQLBind(file.version), SQLBind(file.classifier), SQLBind(file.fileExtension),
                    SQLBind(file.snapshot?.timestamp), SQLBind(file.snapshot?.buildNumber), SQLBind(blob.digest.description),
                    SQLBind(blob.size), SQLBind(blob.checksums.md5), SQLBind(blob.checksums.sha1), SQLBind(blob.checksums.sha256),
                    SQLBind(blob.checksums.sha512), SQLBind(String?.none), SQLBind(now), SQLBind(now), SQLBind(nowMillis), SQLBind(uploader))
            .run()
        let segments = file.folder
        for depth in stride(from: segments.count, to: 0, by: -1) {
            let dir = segments[..<depth]
            try await db.insert(into: "maven_dirs").columns("path", "parent", "name")
                .values(SQLBind(dir.joined(separator: "/")), SQLBind(dir.dropLast().joined(separator: "/")), SQLBind(dir.last!))
                .ignoringConflicts(with: "path").run()
        }
    }

    func setUntrusted(_ path: String, by algorithm: String?, in db: any SQLDatabase) async throws {
        try await db.update("maven_files").set("untrusted_by", to: algorithm).where("path", .equal, path).run()
    }

    func setVerified(_ path: String, by algorithm: String, in db: any SQLDatabase) async throws {
        try await db.update("maven_files").set("verified_by", to: algorithm).where("path", .equal, path).run()
    }

    /// Removes file rows and prunes the folders they leave empty.
    func delete(paths: [String], in db: any SQLDatabase) async throws {
        var folders = Set<String>()
        for path in paths {
            try await db.delete(from: "maven_files").where("path", .equal, path).run()
            folders.insert(String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]))
        }
        for folder in folders.sorted(by: >) { try await prune(folder: folder.split(separator: "/").map(String.init), in: db) }
    }

    private func prune(folder: [String], in db: any SQLDatabase) async throws {
        var dir = folder
        while !dir.isEmpty {
            let path = dir.joined(separator: "/")
            let hasFile = try await db.select().column("path").from("maven_files").where("parent", .equal, path).limit(1).first() != nil
            let hasDir = try await db.select().column("path").from("maven_dirs").where("parent", .equal, path).limit(1).first() != nil
            if hasFile || hasDir { return }
            try await db.delete(from: "maven_dirs").where("path", .equal, path).run()
            dir.removeLast()
        }
    }

    /// Paths of every file in a version folder, or else of every version of an artifact folder.
    func filesUnder(folder: [String], in db: any SQLDatabase) async throws -> [String] {
        let inVersion = try await db.select().column("path").from("maven_files")
            .where("parent", .equal, folder.joined(separator: "/")).all().map { try $0.decode(column: "path", as: String.self) }
        guard inVersion.isEmpty, folder.count >= 2 else { return inVersion }
        return try await db.select().column("path").from("maven_files")
            .where("group_id", .equal, folder.dropLast().joined(separator: ".")).where("artifact_id", .equal, folder.last!)
            .all().map { try $0.decode(column: "path", as: String.self) }
    }

    func isDirectory(_ path: String, in db: any SQLDatabase) async throws -> Bool {
        if path.isEmpty { return true }
        return try await db.select().column("path").from("maven_dirs").where("path", .equal, path).first() != nil
    }
}

/// A stored blob with the Maven checksums of its content.
struct BlobRef: Sendable {
    let digest: Digest
    let size: Int64
    let checksums: MavenChecksums
}
