import NoraCore
import NoraMetadata
import SQLKit

/// Reads and writes the npm tables (see `NpmSchema`). Every change runs inside a
/// transaction the caller opens, and bumps the package's revision.
struct NpmIndex: Sendable {
    let db: MetadataDatabase

    /// The whole package, or nil when it has no published versions.
    func state(_ name: PackageName, in db: any SQLDatabase) async throws -> PackageState? {
        guard let row = try await db.select().columns("rev", "created_at", "modified_at")
            .from("npm_packages").where("name", .equal, name.value).first() else { return nil }
        let versions = try await db.select()
            .columns("version", "manifest", "readme", "tarball_file", "digest", "size", "published_at", "publisher", "deprecated")
            .from("npm_versions").where("package", .equal, name.value).all()
            .map { row in
                PackageState.Version(
                    version: try row.decode(column: "version"),
                    manifest: JSONValue.parse(Array(try row.decode(column: "manifest", as: String.self).utf8)) ?? .object([:]),
                    readme: try row.decode(column: "readme", as: String?.self),
                    tarballFile: try row.decode(column: "tarball_file"),
                    digest: try Digest(parsing: try row.decode(column: "digest", as: String.self)),
                    size: try row.decode(column: "size"),
                    publishedAt: try row.decode(column: "published_at"),
                    publisher: try row.decode(column: "publisher", as: String?.self),
                    deprecated: try row.decode(column: "deprecated", as: String?.self))
            }
            .sorted { SemVer.ordered($0.version, $1.version) }
        var tags: [String: String] = [:]
        for tag in try await db.select().columns("tag", "version").from("npm_dist_tags").where("package", .equal, name.value).all() {
            tags[try tag.decode(column: "tag")] = try tag.decode(column: "version")
        }
        let maintainers = try await db.select().column("name").from("npm_maintainers")
            .where("package", .equal, name.value).orderBy("added_at").orderBy("name").all()
            .map { try $0.decode(column: "name", as: String.self) }
        return PackageState(name: name, rev: try row.decode(column: "rev"), createdAt: try row.decode(column: "created_at"),
                            modifiedAt: try row.decode(column: "modified_at"), versions: versions, distTags: tags,
                            maintainers: maintainers)
    }

    func state(_ name: PackageName) async throws -> PackageState? { try await state(name, in: db.reader) }

    /// The package's revision and modification time: one row, read before any cached document is used.
    func revision(_ name: PackageName) async throws -> (rev: Int64, modifiedAt: Int64)? {
        guard let row = try await db.reader.select().columns("rev", "modified_at").from("npm_packages")
            .where("name", .equal, name.value).first() else { return nil }
        return (try row.decode(column: "rev", as: Int64.self), try row.decode(column: "modified_at", as: Int64.self))
    }

    /// Whether this version number was ever published (even if unpublished since).
    func wasPublished(_ name: PackageName, _ version: String, in db: any SQLDatabase) async throws -> Bool {
        try await db.select().column("version").from("npm_version_history")
            .where("package", .equal, name.value).where("version", .equal, version).first() != nil
    }

    /// The version whose tarball has this file name.
    func version(_ name: PackageName, tarball file: String, in db: any SQLDatabase) async throws -> (version: String, blob: BlobInfoRow)? {
        guard let row = try await db.select().columns("version", "digest", "size").from("npm_versions")
            .where("package", .equal, name.value).where("tarball_file", .equal, file).first() else { return nil }
        return (try row.decode(column: "version"),
                BlobInfoRow(digest: try Digest(parsing: try row.decode(column: "digest", as: String.self)), size: try row.decode(column: "size")))
    }

    struct BlobInfoRow: Sendable { let digest: Digest; let size: Int64 }

    // MARK: Writes (inside a transaction)

    /// Records a validated publish whose tarball is already stored as `blob`.
    func publish(_ request: PublishRequest, blob: Digest, publisher: String?, in db: any SQLDatabase) async throws {
        let name = request.name, version = request.version.text, now = Clock.nowMillis()
        if try await wasPublished(name, version, in: db) { throw NpmError.versionExists(version) }
        let exists = try await db.select().column("name").from("npm_packages").where("name", .equal, name.value).first() != nil
        if !exists {
            try await db.insert(into: "npm_packages").columns("name", "rev", "created_at", "modified_at")
                .values(SQLBind(name.value), SQLBind(Int64(0)), SQLBind(now), SQLBind(now)).run()
        }
        try await db.insert(into: "npm_version_history").columns("package", "version", "published_at")
            .values(SQLBind(name.value), SQLBind(version), SQLBind(now)).run()
        try await db.insert(into: "npm_versions")
            .columns("package", "version", "manifest", "readme", "tarball_file", "digest", "size", "published_at", "publisher")
            .values(SQLBind(name.value), SQLBind(version), SQLBind(request.manifest.encodedString), SQLBind(request.readme),
                    SQLBind(name.tarballFile(version)), SQLBind(blob.description), SQLBind(Int64(request.tarball.count)),
                    SQLBind(now), SQLBind(publisher))
            .run()
        for tag in request.distTags { try await setTag(name, tag, version, in: db) }
        if try await db.select().column("tag").from("npm_dist_tags").where("package", .equal, name.value)
            .where("tag", .equal, "latest").first() == nil {
            try await setTag(name, "latest", version, in: db)
        }
        if let publisher {
            try await db.insert(into: "npm_maintainers").columns("package", "name", "added_at")
                .values(SQLBind(name.value), SQLBind(publisher), SQLBind(now))
                .ignoringConflicts(with: ["package", "name"]).run()
        }
        try await touch(name, in: db)
    }

    func setTag(_ name: PackageName, _ tag: String, _ version: String, in db: any SQLDatabase) async throws {
        try await db.delete(from: "npm_dist_tags").where("package", .equal, name.value).where("tag", .equal, tag).run()
        try await db.insert(into: "npm_dist_tags").columns("package", "tag", "version")
            .values(SQLBind(name.value), SQLBind(tag), SQLBind(version)).run()
    }

    func removeTag(_ name: PackageName, _ tag: String, in db: any SQLDatabase) async throws {
        try await db.delete(from: "npm_dist_tags").where("package", .equal, name.value).where("tag", .equal, tag).run()
    }

    func setDeprecated(_ name: PackageName, _ version: String, _ message: String?, in db: any SQLDatabase) async throws {
        try await db.update("npm_versions").set("deprecated", to: SQLBind(message))
            .where("package", .equal, name.value).where("version", .equal, version).run()
    }

    /// Removes versions (their blobs become garbage unless still named elsewhere) and
    /// repoints dist-tags: tags on removed versions go; `latest` moves to the highest
    /// remaining release. When no version remains, the package goes too.
    func unpublish(_ name: PackageName, versions: [String], in db: any SQLDatabase) async throws {
        for version in versions {
            try await db.delete(from: "npm_versions").where("package", .equal, name.value).where("version", .equal, version).run()
            try await db.delete(from: "npm_dist_tags").where("package", .equal, name.value).where("version", .equal, version).run()
        }
        let remaining = try await db.select().column("version").from("npm_versions").where("package", .equal, name.value).all()
            .map { try $0.decode(column: "version", as: String.self) }
        guard let latest = SemVer.preferredLatest(remaining) else {
            try await deletePackage(name, in: db)
            return
        }
        if try await db.select().column("tag").from("npm_dist_tags").where("package", .equal, name.value)
            .where("tag", .equal, "latest").first() == nil {
            try await setTag(name, "latest", latest, in: db)
        }
        try await touch(name, in: db)
    }

    /// Removes every row of the package except its version history.
    func deletePackage(_ name: PackageName, in db: any SQLDatabase) async throws {
        for table in ["npm_versions", "npm_dist_tags", "npm_maintainers"] {
            try await db.delete(from: table).where("package", .equal, name.value).run()
        }
        try await db.delete(from: "npm_packages").where("name", .equal, name.value).run()
    }

    /// Bumps the revision and modification time, and refreshes the search columns from
    /// the version `latest` points at.
    func touch(_ name: PackageName, in db: any SQLDatabase) async throws {
        var description: String?, keywords: String?, latest: String?
        if let tag = try await db.select().column("version").from("npm_dist_tags")
            .where("package", .equal, name.value).where("tag", .equal, "latest").first() {
            latest = try tag.decode(column: "version", as: String.self)
            if let row = try await db.select().column("manifest").from("npm_versions")
                .where("package", .equal, name.value).where("version", .equal, latest!).first(),
               let manifest = JSONValue.parse(Array(try row.decode(column: "manifest", as: String.self).utf8)) {
                description = manifest["description"]?.string
                let words = manifest["keywords"]?.stringList.map { $0.lowercased() } ?? []
                keywords = words.isEmpty ? nil : " " + words.joined(separator: " ") + " "
            }
        }
        try await db.update("npm_packages")
            .set("rev", to: SQLBinaryExpression(SQLColumn("rev"), .add, SQLLiteral.numeric("1")))
            .set("modified_at", to: Clock.nowMillis())
            .set("latest", to: SQLBind(latest)).set("description", to: SQLBind(description)).set("keywords", to: SQLBind(keywords))
            .where("name", .equal, name.value).run()
    }
}
