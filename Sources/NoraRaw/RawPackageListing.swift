import NoraCore
import NoraMetadata
import SQLKit

/// The raw files as the web UI and the management API see them (`PackageListing`): each file
/// is a "package" named by its path, with its one stored version.
public struct RawPackageListing: PackageListing {
    let db: MetadataDatabase
    public var format: RegistryFormat { .raw }

    public init(db: MetadataDatabase) { self.db = db }

    public func stats() async throws -> FormatStats {
        let row = try await db.reader.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .column(ListingSQL.sum(SQLColumn("size")), as: "bytes").from("raw_files").first()
        let count = Int(try ListingSQL.integer(row, "n"))
        return FormatStats(format: format, packages: count, versions: count, bytes: try ListingSQL.integer(row, "bytes"))
    }

    public func summaries(_ entries: [CatalogEntry]) async throws -> [String: PackageSummary] {
        guard !entries.isEmpty else { return [:] }
        var byName: [String: PackageSummary] = [:]
        for row in try await db.reader.select().columns("path", "size", "content_type").from("raw_files")
            .where("path", .in, entries.map(\.name)).all() {
            let path: String = try row.decode(column: "path")
            byName[path] = PackageSummary(format: format, name: path, latestVersion: nil,
                                          description: "\(try row.decode(column: "content_type", as: String.self)), \(try row.decode(column: "size", as: Int64.self)) bytes",
                                          updatedAt: 0)
        }
        return byName
    }

    /// The catalog rows: one per file.
    public static let catalogSource = CatalogSource(format: "raw", from: "raw_files", keyColumns: ["path"], updated: "updated_at", grouped: false)

    public func detail(name: String, baseURL: String) async throws -> PackageDetail? {
        guard let file = try await RawFileIndex(db: db).file(name) else { return nil }
        let url = "\(baseURL)/raw/\(name)"
        return PackageDetail(
            format: format, name: name, description: file.contentType,
            versions: [VersionDetail(version: "current", publishedAt: file.updatedAt, size: file.size, digest: file.digest.description,
                                     files: [FileEntry(name: name, size: file.size, digest: file.digest.description, kind: file.contentType)])],
            install: [InstallSnippet(label: "curl", text: "curl -fO \(url)")])
    }
}
