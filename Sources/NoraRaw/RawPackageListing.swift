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

    public func list(_ query: ListingQuery) async throws -> ListingPage {
        var select = db.reader.select().columns("path", "size", "content_type", "updated_at").from("raw_files")
        if let pattern = query.likePattern { select = select.where(ListingSQL.nameLike("path", pattern)) }
        select = query.sort == .updated ? select.orderBy("updated_at", .descending).orderBy("path") : select.orderBy("path")
        let rows = try await select.limit(query.fetchLimit).offset(query.offset).all()
        return ListingPage(items: try rows.map { row in
            PackageSummary(format: format, name: try row.decode(column: "path"), latestVersion: nil,
                           description: "\(try row.decode(column: "content_type", as: String.self)), \(try row.decode(column: "size", as: Int64.self)) bytes",
                           updatedAt: try row.decode(column: "updated_at"))
        }, query: query)
    }

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
