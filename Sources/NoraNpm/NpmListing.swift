import NoraCore
import NoraMetadata
import SQLKit

/// The npm packages as the web UI and the management API see them (`PackageListing`).
public struct NpmListing: PackageListing {
    let db: MetadataDatabase
    public var format: RegistryFormat { .npm }

    public init(db: MetadataDatabase) { self.db = db }

    public func stats() async throws -> FormatStats {
        let reader = db.reader
        let packages = try await reader.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("npm_packages").first()
        let versions = try await reader.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .column(ListingSQL.sum(SQLColumn("size")), as: "bytes").from("npm_versions").first()
        return FormatStats(format: format, packages: Int(try ListingSQL.integer(packages, "n")),
                           versions: Int(try ListingSQL.integer(versions, "n")), bytes: try ListingSQL.integer(versions, "bytes"))
    }

    public func summaries(_ entries: [CatalogEntry]) async throws -> [String: PackageSummary] {
        guard !entries.isEmpty else { return [:] }
        var byName: [String: PackageSummary] = [:]
        for row in try await db.reader.select().columns("name", "latest", "description").from("npm_packages")
            .where("name", .in, entries.map(\.name)).all() {
            let name: String = try row.decode(column: "name")
            byName[name] = PackageSummary(format: format, name: name, latestVersion: try row.decode(column: "latest", as: String?.self),
                                          description: try row.decode(column: "description", as: String?.self), updatedAt: 0)
        }
        return byName
    }

    /// The catalog rows: one per package row (`modified_at` is in milliseconds).
    public static let catalogSource = CatalogSource(format: "npm", from: "npm_packages", keyColumns: ["name"],
                                                    updated: "modified_at / 1000", grouped: false)

    public func detail(name: String, baseURL: String) async throws -> PackageDetail? {
        guard let packageName = try? PackageName(name), let state = try await NpmIndex(db: db).state(packageName) else { return nil }
        let newestFirst = Array(state.versions.reversed())
        let latest = state.distTags["latest"].flatMap { tag in state.versions.first { $0.version == tag } } ?? newestFirst.first
        let versions = newestFirst.prefix(PackageDetail.maxVersions).map { v in
            VersionDetail(version: v.version, publishedAt: v.publishedAt / 1000, size: v.size, digest: v.digest.description,
                          yanked: false, note: v.deprecated.map { "deprecated: \($0)" },
                          files: [FileEntry(name: v.tarballFile, size: v.size, digest: v.digest.description, kind: "tarball")])
        }
        let registry = "\(baseURL)/npm/"
        return PackageDetail(
            format: format, name: name, description: latest?.manifest["description"]?.string,
            readme: latest?.readme, versions: versions, tags: state.distTags,
            dependencies: Self.dependencies(latest?.manifest),
            install: [InstallSnippet(label: "npm", text: "npm install \(name) --registry \(registry)"),
                      InstallSnippet(label: ".npmrc", text: name.hasPrefix("@")
                                     ? "\(name.split(separator: "/")[0]):registry=\(registry)" : "registry=\(registry)")],
            truncated: newestFirst.count > PackageDetail.maxVersions)
    }

    /// `dependencies` of a package.json as `name range` lines, sorted.
    static func dependencies(_ manifest: JSONValue?) -> [String] {
        guard let deps = manifest?["dependencies"]?.object else { return [] }
        return deps.keys.sorted().map { "\($0) \(deps[$0]?.string ?? "")" }
    }
}
