import NoraCore
import NoraMetadata
import SQLKit

/// The hosted module versions and the `.mod` files uploaded ahead of their zip.
///
///     go_versions(module, version, zip_digest, zip_size, mod_digest, mod_size, created_at, uploader)  PK(module, version)
///     go_staged_mods(module, version, mod_digest, mod_size, created_at, uploader)                     PK(module, version)
///
/// A version is one row, written once: the primary key makes a republish a conflict,
/// whichever replica sees it. `created_at` (Unix seconds) is the `Time` of `.info`.
struct GoModuleIndex: Sendable {
    let db: MetadataDatabase

    struct Version: Sendable, Equatable {
        let module: String
        let version: String
        let zipDigest: Digest
        let zipSize: Int64
        let modDigest: Digest
        let modSize: Int64
        let createdAt: Int64
    }

    struct StagedMod: Sendable, Equatable {
        let digest: Digest
        let size: Int64
    }

    static let migrations: [Migration] = [
        Migration("go-001-versions") { db in
            try await db.create(table: "go_versions")
                .column("module", type: .text, .notNull)
                .column("version", type: .text, .notNull)
                .column("zip_digest", type: .text, .notNull)
                .column("zip_size", type: .bigint, .notNull)
                .column("mod_digest", type: .text, .notNull)
                .column("mod_size", type: .bigint, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .column("uploader", type: .text)
                .primaryKey("module", "version")
                .run()
            try await db.create(index: "go_versions_zip_digest").on("go_versions").column("zip_digest").run()
            try await db.create(table: "go_staged_mods")
                .column("module", type: .text, .notNull)
                .column("version", type: .text, .notNull)
                .column("mod_digest", type: .text, .notNull)
                .column("mod_size", type: .bigint, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .column("uploader", type: .text)
                .primaryKey("module", "version")
                .run()
        }
    ]

    static let blobReferences = [
        BlobReferenceColumn("go_versions", "zip_digest", format: "go", size: "zip_size", names: ["module", "version"]),
        BlobReferenceColumn("go_versions", "mod_digest", format: "go", size: "mod_size", names: ["module", "version"]),
        BlobReferenceColumn("go_staged_mods", "mod_digest", format: "go", size: "mod_size", names: ["module", "version"]),
    ]

    func version(_ module: String, _ version: String, in db: (any SQLDatabase)? = nil) async throws -> Version? {
        let db = db ?? self.db.reader
        guard let row = try await db.select()
            .columns("module", "version", "zip_digest", "zip_size", "mod_digest", "mod_size", "created_at")
            .from("go_versions").where("module", .equal, module).where("version", .equal, version).first()
        else { return nil }
        return Version(module: try row.decode(column: "module"), version: try row.decode(column: "version"),
                       zipDigest: try Digest(parsing: try row.decode(column: "zip_digest", as: String.self)),
                       zipSize: try row.decode(column: "zip_size"),
                       modDigest: try Digest(parsing: try row.decode(column: "mod_digest", as: String.self)),
                       modSize: try row.decode(column: "mod_size"), createdAt: try row.decode(column: "created_at"))
    }

    /// Every hosted version of `module` (unordered; the caller sorts by semver).
    func versions(of module: String) async throws -> [String] {
        try await db.reader.select().column("version").from("go_versions").where("module", .equal, module)
            .all().map { try $0.decode(column: "version", as: String.self) }
    }

    func insert(_ v: Version, uploader: String?, in db: any SQLDatabase) async throws {
        try await db.insert(into: "go_versions")
            .columns("module", "version", "zip_digest", "zip_size", "mod_digest", "mod_size", "created_at", "uploader")
            .values(SQLBind(v.module), SQLBind(v.version), SQLBind(v.zipDigest.description), SQLBind(v.zipSize),
                    SQLBind(v.modDigest.description), SQLBind(v.modSize), SQLBind(v.createdAt), SQLBind(uploader))
            .run()
    }

    func stagedMod(_ module: String, _ version: String, in db: any SQLDatabase) async throws -> StagedMod? {
        guard let row = try await db.select().columns("mod_digest", "mod_size").from("go_staged_mods")
            .where("module", .equal, module).where("version", .equal, version).first() else { return nil }
        return StagedMod(digest: try Digest(parsing: try row.decode(column: "mod_digest", as: String.self)),
                         size: try row.decode(column: "mod_size"))
    }

    /// Records (or replaces) the `.mod` a later zip of this version must match.
    func stage(_ module: String, _ version: String, mod: StagedMod, uploader: String?, in db: any SQLDatabase) async throws {
        try await unstage(module, version, in: db)
        try await db.insert(into: "go_staged_mods")
            .columns("module", "version", "mod_digest", "mod_size", "created_at", "uploader")
            .values(SQLBind(module), SQLBind(version), SQLBind(mod.digest.description), SQLBind(mod.size),
                    SQLBind(Clock.nowSeconds()), SQLBind(uploader))
            .run()
    }

    func unstage(_ module: String, _ version: String, in db: any SQLDatabase) async throws {
        try await db.delete(from: "go_staged_mods").where("module", .equal, module).where("version", .equal, version).run()
    }
}
