import NoraCore
import NoraMetadata
import SQLKit

/// The Maven artifacts (`groupId:artifactId`) as the web UI and the management API see them
/// (`PackageListing`). Only trusted files count (see `MavenIndex`).
public struct MavenPackageListing: PackageListing {
    let db: MetadataDatabase
    public var format: RegistryFormat { .maven }

    public init(db: MetadataDatabase) { self.db = db }

    public func stats() async throws -> FormatStats {
        let reader = db.reader
        let files = try await reader.select().column(ListingSQL.sum(SQLColumn("size")), as: "bytes").from("maven_files").first()
        let artifacts = try await reader.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from(SQLQueryString("(SELECT DISTINCT group_id, artifact_id FROM maven_files) AS a")).first()
        let versions = try await reader.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from(SQLQueryString("(SELECT DISTINCT group_id, artifact_id, version FROM maven_files) AS v")).first()
        return FormatStats(format: format, packages: Int(try ListingSQL.integer(artifacts, "n")),
                           versions: Int(try ListingSQL.integer(versions, "n")), bytes: try ListingSQL.integer(files, "bytes"))
    }

    public func summaries(_ entries: [CatalogEntry]) async throws -> [String: PackageSummary] {
        var byName: [String: PackageSummary] = [:]
        for entry in entries {
            let parts = entry.name.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            let latest = try await MavenIndex(db: db).versions(groupId: parts[0], artifactId: parts[1], in: db.reader)
                .map { MavenVersion($0.0) }.max()
            byName[entry.name] = PackageSummary(format: format, name: entry.name, latestVersion: latest?.description, description: nil, updatedAt: 0)
        }
        return byName
    }

    /// The catalog rows: one per `group:artifact` with trusted files.
    public static let catalogSource = CatalogSource(
        format: "maven", from: "maven_files", keyColumns: ["group_id", "artifact_id"], name: { "\($0[0]) || ':' || \($0[1])" },
        updated: "MAX(updated_at)", filter: "untrusted_by IS NULL", grouped: true)

    public func detail(name: String, baseURL: String) async throws -> PackageDetail? {
        let parts = name.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let group = String(parts[0]), artifact = String(parts[1])
        let files = try await db.reader.select().columns(MavenIndex.fileColumns).from("maven_files")
            .where("group_id", .equal, group).where("artifact_id", .equal, artifact)
            .where("untrusted_by", .is, SQLLiteral.null).all().map(MavenIndex.decode)
        guard !files.isEmpty else { return nil }
        let byVersion = Dictionary(grouping: files, by: \.version)
        let ordered = byVersion.keys.sorted { MavenVersion($1) < MavenVersion($0) }
        let versions = ordered.prefix(PackageDetail.maxVersions).map { version in
            let group = (byVersion[version] ?? []).sorted { $0.name < $1.name }
            let main = group.first { $0.classifier.isEmpty && $0.fileExtension != "pom" } ?? group.first
            return VersionDetail(version: version, publishedAt: group.map(\.updatedAt).max(), size: group.reduce(0) { $0 + $1.size },
                                 digest: main?.digest.description,
                                 files: group.map { FileEntry(name: $0.name, size: $0.size, digest: $0.digest.description, kind: $0.fileExtension) })
        }
        let newest = ordered.first ?? ""
        let packaging = byVersion[newest]?.first { $0.classifier.isEmpty && !["pom", "asc"].contains($0.fileExtension) }?.fileExtension
        let typeLine = packaging.map { $0 == "jar" ? "" : "\n  <type>\($0)</type>" } ?? ""
        let dependency = "<dependency>\n  <groupId>\(group)</groupId>\n  <artifactId>\(artifact)</artifactId>\n  <version>\(newest)</version>\(typeLine)\n</dependency>"
        let repository = "<repository>\n  <id>nora</id>\n  <url>\(baseURL)/maven2/</url>\n</repository>"
        return PackageDetail(format: format, name: name, versions: Array(versions),
                             install: [InstallSnippet(label: "pom.xml <dependency>", text: dependency),
                                       InstallSnippet(label: "pom.xml <repository>", text: repository),
                                       InstallSnippet(label: "Gradle", text: "repositories { maven { url = uri(\"\(baseURL)/maven2/\") } }\ndependencies { implementation(\"\(group):\(artifact):\(newest)\") }")],
                             truncated: ordered.count > PackageDetail.maxVersions)
    }
}
