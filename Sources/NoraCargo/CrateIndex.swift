import NoraCore
import NoraMetadata
import SQLKit

/// The cargo tables. A crate is keyed by its normalised name (lowercase, `-` → `_`), so
/// names that cargo would confuse cannot both exist; a version by its SemVer key (no build
/// metadata). Each version row keeps its index line as JSON text, so an index file is one
/// indexed query and the line published is the line served.
///
///     cargo_crates(name_key PK, name, description, created_at, updated_at, rev)
///     cargo_versions(name_key, version, version_key, seq, digest, size, line, yanked, published_by, created_at)
///         unique (name_key, version_key)
///     cargo_owners(name_key, login, added_by, added_at)  unique (name_key, login)
///
/// `rev` counts the changes to a crate's index file: every write that alters an index line
/// bumps it in the same transaction, so rendered index files can be cached per revision.
struct CrateIndex: Sendable {
    let db: MetadataDatabase

    static let migrations: [Migration] = [
        Migration("cargo-001-crates") { db in
            try await db.create(table: "cargo_crates")
                .column("name_key", type: .text, .primaryKey(autoIncrement: false))
                .column("name", type: .text, .notNull)
                .column("description", type: .text)
                .column("created_at", type: .bigint, .notNull)
                .column("updated_at", type: .bigint, .notNull)
                .run()
            try await db.create(table: "cargo_versions")
                .column("name_key", type: .text, .notNull)
                .column("version", type: .text, .notNull)
                .column("version_key", type: .text, .notNull)
                .column("seq", type: .bigint, .notNull)
                .column("digest", type: .text, .notNull)
                .column("size", type: .bigint, .notNull)
                .column("line", type: .text, .notNull)
                .column("yanked", type: .bigint, .notNull)
                .column("published_by", type: .text)
                .column("created_at", type: .bigint, .notNull)
                .run()
            try await db.create(index: "cargo_versions_key").unique().on("cargo_versions").column("name_key").column("version_key").run()
            try await db.create(index: "cargo_versions_digest").on("cargo_versions").column("digest").run()
            try await db.create(table: "cargo_owners")
                .column("name_key", type: .text, .notNull)
                .column("login", type: .text, .notNull)
                .column("added_by", type: .text)
                .column("added_at", type: .bigint, .notNull)
                .run()
            try await db.create(index: "cargo_owners_key").unique().on("cargo_owners").column("name_key").column("login").run()
        },
        Migration("cargo-002-crate-revision") { db in
            // Bumped by publish, yank and unyank: rendered index files are cached per revision.
            try await db.alter(table: "cargo_crates")
                .column("rev", type: .bigint, .notNull, .default(SQLLiteral.numeric("0")))
                .run()
        },
        Migration("cargo-003-listing-index") { db in
            // The web UI and /api/packages list crates by last change.
            try await db.create(index: "cargo_crates_updated").on("cargo_crates").column("updated_at").run()
        },
    ]

    struct Crate: Sendable, Equatable {
        let name: String
        let description: String?
        let updatedAt: Int64
    }

    struct Version: Sendable {
        let version: String
        let digest: Digest
        let size: Int64
        let line: String
        let yanked: Bool
    }

    /// What an index-file request reads on every hit: one row.
    struct Head: Sendable {
        let name: String
        let updatedAt: Int64
        /// `rev@created_at`: the time keeps a re-created crate (should deletion ever come)
        /// from reusing the cache entries of an old one with the same counter.
        let revision: String
    }

    func head(_ key: String, in db: any SQLDatabase) async throws -> Head? {
        guard let row = try await db.select().columns("name", "updated_at", "rev", "created_at").from("cargo_crates")
            .where("name_key", .equal, key).first() else { return nil }
        return Head(name: try row.decode(column: "name"), updatedAt: try row.decode(column: "updated_at"),
                    revision: try Self.revision(row))
    }

    /// The index lines of a crate in publish order, with the revision they belong to. One
    /// statement (a join) reads both, so lines and revision come from the same snapshot and
    /// a file cached under that revision is exactly that revision's file.
    func indexLines(_ key: String, in db: any SQLDatabase) async throws -> (lines: [String], revision: String?) {
        let rows = try await db.select()
            .column(SQLColumn("line", table: "cargo_versions"))
            .column(SQLColumn("rev", table: "cargo_crates")).column(SQLColumn("created_at", table: "cargo_crates"))
            .from("cargo_versions")
            .join("cargo_crates", on: SQLColumn("name_key", table: "cargo_crates"), .equal, SQLColumn("name_key", table: "cargo_versions"))
            .where(SQLColumn("name_key", table: "cargo_versions"), .equal, SQLBind(key))
            .orderBy(SQLColumn("seq", table: "cargo_versions"))
            .all()
        return (try rows.map { try $0.decode(column: "line", as: String.self) }, try rows.first.map(Self.revision))
    }

    static func revision(_ row: any SQLRow) throws -> String {
        "\(try row.decode(column: "rev", as: Int64.self))@\(try row.decode(column: "created_at", as: Int64.self))"
    }

    /// Marks the crate's index file as changed; the caller holds the transaction of the change.
    func bumpRevision(_ key: String, in db: any SQLDatabase) async throws {
        try await db.update("cargo_crates")
            .set("rev", to: SQLBinaryExpression(SQLColumn("rev"), .add, SQLLiteral.numeric("1")))
            .where("name_key", .equal, key).run()
    }

    func crate(_ key: String, in db: any SQLDatabase) async throws -> Crate? {
        guard let row = try await db.select().columns("name", "description", "updated_at").from("cargo_crates")
            .where("name_key", .equal, key).first() else { return nil }
        return Crate(name: try row.decode(column: "name"), description: try row.decode(column: "description", as: String?.self),
                     updatedAt: try row.decode(column: "updated_at"))
    }

    /// Every version of a crate in publish order.
    func versions(_ key: String, in db: any SQLDatabase) async throws -> [Version] {
        try await db.select().columns("version", "digest", "size", "line", "yanked").from("cargo_versions")
            .where("name_key", .equal, key).orderBy("seq").all().map { row in
                Version(version: try row.decode(column: "version"),
                        digest: try Digest(parsing: try row.decode(column: "digest", as: String.self)),
                        size: try row.decode(column: "size"), line: try row.decode(column: "line"),
                        yanked: try row.decode(column: "yanked", as: Int64.self) != 0)
            }
    }

    func version(_ key: String, _ version: String, in db: any SQLDatabase) async throws -> Version? {
        try await versions(key, in: db).first { $0.version == version }
    }

    func hasVersion(_ key: String, versionKey: String, in db: any SQLDatabase) async throws -> Bool {
        try await db.select().column("version").from("cargo_versions")
            .where("name_key", .equal, key).where("version_key", .equal, versionKey).first() != nil
    }

    func owners(_ key: String, in db: any SQLDatabase) async throws -> [String] {
        try await db.select().column("login").from("cargo_owners").where("name_key", .equal, key).orderBy("login").all()
            .map { try $0.decode(column: "login", as: String.self) }
    }

    /// Records a new version (and the crate and its first owner when new); the caller holds a
    /// transaction and has checked name, ownership and that the version is new.
    func insert(crate: CrateName, version: SemanticVersion, line: IndexLine, blob: BlobRef, description: String?,
                publisher: String?, isNew: Bool, in db: any SQLDatabase) async throws {
        let now = Clock.nowSeconds()
        if isNew {
            try await db.insert(into: "cargo_crates").columns("name_key", "name", "description", "created_at", "updated_at")
                .values(SQLBind(crate.key), SQLBind(crate.value), SQLBind(description), SQLBind(now), SQLBind(now)).run()
            if let publisher { try await addOwner(crate.key, publisher, by: publisher, in: db) }
        } else {
            try await db.update("cargo_crates").set("updated_at", to: now).set("description", to: description)
                .where("name_key", .equal, crate.key).run()
        }
        let last = try await db.select().column(SQLFunction("MAX", args: SQLColumn("seq")), as: "last").from("cargo_versions")
            .where("name_key", .equal, crate.key).first()
        let seq = (try last?.decode(column: "last", as: Int64?.self) ?? 0) + 1
        try await db.insert(into: "cargo_versions")
            .columns("name_key", "version", "version_key", "seq", "digest", "size", "line", "yanked", "published_by", "created_at")
            .values(SQLBind(crate.key), SQLBind(version.text), SQLBind(version.key), SQLBind(seq), SQLBind(blob.digest.description),
                    SQLBind(blob.size), SQLBind(String(decoding: JSON.encode(line), as: UTF8.self)), SQLBind(Int64(0)),
                    SQLBind(publisher), SQLBind(now))
            .run()
        try await bumpRevision(crate.key, in: db)
    }

    /// Sets the yanked flag in the row and in its stored index line; false when it already had that value.
    func setYanked(_ key: String, _ version: Version, _ yanked: Bool, in db: any SQLDatabase) async throws -> Bool {
        guard version.yanked != yanked else { return false }
        var line = try JSON.decode(IndexLine.self, from: Array(version.line.utf8))
        line.yanked = yanked
        try await db.update("cargo_versions").set("yanked", to: Int64(yanked ? 1 : 0))
            .set("line", to: String(decoding: JSON.encode(line), as: UTF8.self))
            .where("name_key", .equal, key).where("version", .equal, version.version).run()
        try await db.update("cargo_crates").set("updated_at", to: Clock.nowSeconds()).where("name_key", .equal, key).run()
        try await bumpRevision(key, in: db)
        return true
    }

    func addOwner(_ key: String, _ login: String, by: String?, in db: any SQLDatabase) async throws {
        try await db.insert(into: "cargo_owners").columns("name_key", "login", "added_by", "added_at")
            .values(SQLBind(key), SQLBind(login), SQLBind(by), SQLBind(Clock.nowSeconds()))
            .ignoringConflicts(with: ["name_key", "login"]).run()
    }

    func removeOwner(_ key: String, _ login: String, in db: any SQLDatabase) async throws {
        try await db.delete(from: "cargo_owners").where("name_key", .equal, key).where("login", .equal, login).run()
    }

    /// Crates whose name or description contains `query` (case-insensitive), by name, paged.
    func search(_ query: String, limit: Int, offset: Int) async throws -> (crates: [Crate], total: Int) {
        let db = self.db.reader
        let pattern = "%" + Self.escapeLike(query.lowercased()) + "%"
        let keyPattern = "%" + Self.escapeLike(CrateName.key(query)) + "%"
        func filtered(_ q: SQLSelectBuilder) -> SQLSelectBuilder {
            q.where { group in
                group.where(SQLColumn("name_key"), .like, SQLQueryString("\(bind: keyPattern) ESCAPE '\\'"))
                    .orWhere(SQLFunction("LOWER", args: SQLColumn("description")), .like, SQLQueryString("\(bind: pattern) ESCAPE '\\'"))
            }
        }
        let countRow = try await filtered(db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("cargo_crates")).first()
        let total = Int(try countRow?.decode(column: "n", as: Int64.self) ?? 0)
        // Ranked as crates.io ranks: the exact name, then names starting with the query, then
        // the rest; by name within each rank, so pages are stable.
        let key = CrateName.key(query)
        let rank = SQLQueryString("CASE WHEN name_key = \(bind: key) THEN 0 WHEN name_key LIKE \(bind: Self.escapeLike(key) + "%") ESCAPE '\\' THEN 1 ELSE 2 END")
        let rows = try await filtered(db.select().columns("name", "description", "updated_at").from("cargo_crates"))
            .orderBy(rank).orderBy("name_key").limit(limit).offset(offset).all()
        let crates = try rows.map { row in
            Crate(name: try row.decode(column: "name"), description: try row.decode(column: "description", as: String?.self),
                  updatedAt: try row.decode(column: "updated_at"))
        }
        return (crates, total)
    }

    static func escapeLike(_ text: String) -> String {
        var out = ""
        for c in text { if c == "%" || c == "_" || c == "\\" { out.append("\\") }; out.append(c) }
        return out
    }
}

/// The stored crate file a version points at.
struct BlobRef: Sendable {
    let digest: Digest
    let size: Int64
}
