import Foundation
import NoraCore
import NoraMetadata
import NoraStorage
import SQLKit

/// The hosted Go modules as the web UI and the management API see them (`PackageListing`).
/// Dependencies come from the newest version's go.mod (one small blob).
public struct GoListing: PackageListing {
    let db: MetadataDatabase
    let store: any BlobStore
    public var format: RegistryFormat { .go }
    static let modLimit: Int64 = 1024 * 1024

    public init(db: MetadataDatabase, store: any BlobStore) { self.db = db; self.store = store }

    public func stats() async throws -> FormatStats {
        let reader = db.reader
        let versions = try await reader.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .column(ListingSQL.sum(SQLBinaryExpression(SQLColumn("zip_size"), .add, SQLColumn("mod_size"))), as: "bytes")
            .from("go_versions").first()
        let modules = try await reader.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from(SQLQueryString("(SELECT DISTINCT module FROM go_versions) AS m")).first()
        return FormatStats(format: format, packages: Int(try ListingSQL.integer(modules, "n")),
                           versions: Int(try ListingSQL.integer(versions, "n")), bytes: try ListingSQL.integer(versions, "bytes"))
    }

    public func summaries(_ entries: [CatalogEntry]) async throws -> [String: PackageSummary] {
        var byName: [String: PackageSummary] = [:]
        for entry in entries {
            guard let newest = try await versions(entry.name).first else { continue }
            byName[entry.name] = PackageSummary(format: format, name: entry.name, latestVersion: newest.version, description: nil, updatedAt: 0)
        }
        return byName
    }

    /// The catalog rows: one per module, updated when its newest version was.
    public static let catalogSource = CatalogSource(format: "go", from: "go_versions", keyColumns: ["module"],
                                                    updated: "MAX(created_at)", grouped: true)

    public func detail(name: String, baseURL: String) async throws -> PackageDetail? {
        let rows = try await versions(name)
        guard let newest = rows.first else { return nil }
        let details = rows.prefix(PackageDetail.maxVersions).map { v in
            VersionDetail(version: v.version, publishedAt: v.createdAt, size: v.zipSize + v.modSize, digest: v.zipDigest.description,
                          files: [FileEntry(name: "\(v.version).zip", size: v.zipSize, digest: v.zipDigest.description, kind: "zip"),
                                  FileEntry(name: "\(v.version).mod", size: v.modSize, digest: v.modDigest.description, kind: "mod")])
        }
        var requirements: [String] = []
        if newest.modSize <= Self.modLimit {
            let text = try await store.readWhole(newest.modDigest, length: newest.modSize)
            requirements = Self.requirements(String(decoding: text.readableBytesView, as: UTF8.self))
        }
        let proxy = "\(baseURL)/go"
        var env = "GOPROXY=\(proxy),https://proxy.golang.org,direct GONOSUMDB=\(name)"
        if baseURL.hasPrefix("http://") { env += " GOINSECURE=\(PackageDetail.host(of: baseURL))" }
        return PackageDetail(format: format, name: name, versions: Array(details), dependencies: requirements,
                             install: [InstallSnippet(label: "go", text: "\(env) go get \(name)@\(newest.version)")],
                             truncated: rows.count > PackageDetail.maxVersions)
    }

    /// A module's versions, newest (by semantic version) first.
    func versions(_ module: String) async throws -> [GoModuleIndex.Version] {
        try await db.reader.select().columns("module", "version", "zip_digest", "zip_size", "mod_digest", "mod_size", "created_at")
            .from("go_versions").where("module", .equal, module).all().map { row in
                GoModuleIndex.Version(module: try row.decode(column: "module"), version: try row.decode(column: "version"),
                                      zipDigest: try Digest(parsing: try row.decode(column: "zip_digest", as: String.self)),
                                      zipSize: try row.decode(column: "zip_size"),
                                      modDigest: try Digest(parsing: try row.decode(column: "mod_digest", as: String.self)),
                                      modSize: try row.decode(column: "mod_size"), createdAt: try row.decode(column: "created_at"))
            }
            .sorted { a, b in
                switch (try? GoSemver(canonical: a.version), try? GoSemver(canonical: b.version)) {
                case let (x?, y?): y < x
                default: a.version > b.version
                }
            }
    }

    /// The `require` directives of a go.mod file as `path version` lines (block and single-line forms).
    static func requirements(_ text: String) -> [String] {
        var result: [String] = [], inBlock = false
        for raw in text.split(whereSeparator: \.isNewline) {
            var line = Substring(raw)
            if let comment = line.range(of: "//") { line = line[..<comment.lowerBound] }
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let first = words.first else { continue }
            if inBlock {
                if first == ")" { inBlock = false } else if words.count >= 2 { result.append("\(words[0]) \(words[1])") }
            } else if first == "require" {
                if words.count >= 2 && words[1] == "(" { inBlock = true } else if words.count >= 3 { result.append("\(words[1]) \(words[2])") }
            }
        }
        return result
    }
}
