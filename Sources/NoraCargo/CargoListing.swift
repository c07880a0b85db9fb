import NoraCore
import NoraMetadata
import SQLKit

/// The crates as the web UI and the management API see them (`PackageListing`).
public struct CargoListing: PackageListing {
    let db: MetadataDatabase
    public var format: RegistryFormat { .cargo }

    public init(db: MetadataDatabase) { self.db = db }

    public func stats() async throws -> FormatStats {
        let reader = db.reader
        let crates = try await reader.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("cargo_crates").first()
        let versions = try await reader.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .column(ListingSQL.sum(SQLColumn("size")), as: "bytes").from("cargo_versions").first()
        return FormatStats(format: format, packages: Int(try ListingSQL.integer(crates, "n")),
                           versions: Int(try ListingSQL.integer(versions, "n")), bytes: try ListingSQL.integer(versions, "bytes"))
    }

    public func summaries(_ entries: [CatalogEntry]) async throws -> [String: PackageSummary] {
        guard !entries.isEmpty else { return [:] }
        let reader = db.reader
        var byName: [String: PackageSummary] = [:]
        for row in try await reader.select().columns("name_key", "name", "description").from("cargo_crates")
            .where("name", .in, entries.map(\.name)).all() {
            let name: String = try row.decode(column: "name")
            let latest = try await reader.select().column("version").from("cargo_versions")
                .where("name_key", .equal, try row.decode(column: "name_key", as: String.self))
                .orderBy("seq", .descending).limit(1).first()?.decode(column: "version", as: String.self)
            byName[name] = PackageSummary(format: format, name: name, latestVersion: latest,
                                          description: try row.decode(column: "description", as: String?.self), updatedAt: 0)
        }
        return byName
    }

    /// The catalog rows: one per crate, under the name it was first published with.
    public static let catalogSource = CatalogSource(format: "cargo", from: "cargo_crates", keyColumns: ["name"],
                                                    updated: "updated_at", grouped: false)

    public func detail(name: String, baseURL: String) async throws -> PackageDetail? {
        let key = CrateName.key(name)
        let reader = db.reader
        guard let crate = try await CrateIndex(db: db).crate(key, in: reader) else { return nil }
        let rows = try await reader.select().columns("version", "digest", "size", "line", "yanked", "created_at")
            .from("cargo_versions").where("name_key", .equal, key).orderBy("seq", .descending)
            .limit(PackageDetail.maxVersions + 1).all()
        let versions = try rows.prefix(PackageDetail.maxVersions).map { row in
            let version: String = try row.decode(column: "version"), size: Int64 = try row.decode(column: "size")
            let digest: String = try row.decode(column: "digest")
            return VersionDetail(version: version, publishedAt: try row.decode(column: "created_at"), size: size, digest: digest,
                                 yanked: try row.decode(column: "yanked", as: Int64.self) != 0,
                                 files: [FileEntry(name: "\(crate.name)-\(version).crate", size: size, digest: digest, kind: "crate")])
        }
        let newestLine = try rows.first.map { try $0.decode(column: "line", as: String.self) }
        let newest = versions.first(where: { !$0.yanked }) ?? versions.first
        let addLine = "cargo add \(crate.name)\(newest.map { "@\($0.version)" } ?? "") --registry nora"
        return PackageDetail(
            format: format, name: crate.name, description: crate.description, versions: versions,
            dependencies: newestLine.map(Self.dependencies) ?? [],
            install: [InstallSnippet(label: ".cargo/config.toml", text: "[registries.nora]\nindex = \"sparse+\(baseURL)/cargo/index/\""),
                      InstallSnippet(label: "cargo", text: addLine)],
            truncated: rows.count > PackageDetail.maxVersions)
    }

    /// The dependencies of an index line as `name req (kind)` lines.
    static func dependencies(_ line: String) -> [String] {
        guard let parsed = try? JSON.decode(IndexLine.self, from: Array(line.utf8)) else { return [] }
        return parsed.deps.map { dep in
            let name = dep.package.map { "\($0) (as \(dep.name))" } ?? dep.name
            return dep.kind == "normal" ? "\(name) \(dep.req)" : "\(name) \(dep.req) (\(dep.kind))"
        }
    }
}
