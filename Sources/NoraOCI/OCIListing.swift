import NoraCore
import NoraMetadata
import NoraStorage
import SQLKit

/// The OCI repositories as the web UI and the management API see them (`PackageListing`):
/// tags newest first, each with its manifest or index (platforms), layers and referrers.
public struct OCIListing: PackageListing {
    let db: MetadataDatabase
    let store: any BlobStore
    public var format: RegistryFormat { .docker }
    /// Tags whose manifests are read for a repository page (the rest would be a page of their own).
    static let maxTags = 100
    static let manifestLimit: Int64 = 4 * 1024 * 1024
    static let helmConfig = "application/vnd.cncf.helm.config.v1+json"

    public init(db: MetadataDatabase, store: any BlobStore) { self.db = db; self.store = store }

    public func stats() async throws -> FormatStats {
        let reader = db.reader
        let repos = try await reader.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("oci_repositories").first()
        let tags = try await reader.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("oci_tags").first()
        let blobs = try await reader.select().column(ListingSQL.sum(SQLColumn("size")), as: "bytes").from("oci_blob_links").first()
        let manifests = try await reader.select().column(ListingSQL.sum(SQLColumn("size")), as: "bytes").from("oci_manifests").first()
        return FormatStats(format: format, packages: Int(try ListingSQL.integer(repos, "n")), versions: Int(try ListingSQL.integer(tags, "n")),
                           bytes: try ListingSQL.integer(blobs, "bytes") + ListingSQL.integer(manifests, "bytes"))
    }

    public func summaries(_ entries: [CatalogEntry]) async throws -> [String: PackageSummary] {
        var byName: [String: PackageSummary] = [:]
        for entry in entries {
            let latest = try await db.reader.select().column("tag").from("oci_tags").where("repo", .equal, entry.name)
                .orderBy("updated_at", .descending).orderBy("tag").limit(1).first()?.decode(column: "tag", as: String.self)
            byName[entry.name] = PackageSummary(format: format, name: entry.name, latestVersion: latest, description: nil, updatedAt: 0)
        }
        return byName
    }

    /// The catalog rows: one per repository, updated when a tag last moved (or when created).
    public static let catalogSource = CatalogSource(
        format: "docker", from: "oci_repositories", keyColumns: ["name"],
        updated: "COALESCE((SELECT MAX(t.updated_at) FROM oci_tags t WHERE t.repo = oci_repositories.name), oci_repositories.created_at)",
        grouped: false, triggers: [("oci_repositories", ["name"]), ("oci_tags", ["repo"])])

    public func detail(name: String, baseURL: String) async throws -> PackageDetail? {
        guard let repo = try? RepositoryName(name), try await OCIIndex(db: db).repositoryExists(repo) else { return nil }
        let rows = try await db.reader.select().column(SQLColumn("tag", table: "t")).column(SQLColumn("updated_at", table: "t"))
            .column(SQLColumn("digest", table: "m")).column(SQLColumn("media_type", table: "m")).column(SQLColumn("size", table: "m"))
            .from(SQLAlias(SQLIdentifier("oci_tags"), as: SQLIdentifier("t")))
            .join(SQLAlias(SQLIdentifier("oci_manifests"), as: SQLIdentifier("m")),
                  on: SQLQueryString("m.repo = t.repo AND m.digest = t.digest"))
            .where(SQLColumn("repo", table: "t"), .equal, SQLBind(name))
            .orderBy(SQLOrderBy(expression: SQLColumn("updated_at", table: "t"), direction: SQLDirection.descending))
            .orderBy(SQLColumn("tag", table: "t"))
            .limit(Self.maxTags + 1).all()
        var versions: [VersionDetail] = [], isHelm = false
        for row in rows.prefix(Self.maxTags) {
            let digest: String = try row.decode(column: "digest"), size: Int64 = try row.decode(column: "size")
            var version = VersionDetail(version: try row.decode(column: "tag"), publishedAt: try row.decode(column: "updated_at"),
                                        size: size, digest: digest)
            if let parsed = try await manifest(digest, size: size, mediaType: try row.decode(column: "media_type")) {
                isHelm = isHelm || parsed.config?.mediaType == Self.helmConfig
                version.files = Self.files(parsed, size: size, digest: digest)
                version.platforms = parsed.manifests.compactMap(Self.platform)
                if parsed.kind == ParsedManifest.Kind.image {
                    let layerBytes: Int64 = parsed.layers.reduce(0) { $0 + $1.size }
                    version.size = size + (parsed.config?.size ?? 0) + layerBytes
                }
            }
            if let subject = try? Digest(parsing: digest) {
                version.referrers = try await OCIIndex(db: db).referrers(of: subject, in: repo, artifactType: nil).map {
                    FileEntry(name: $0.digest, size: $0.size, digest: $0.digest, kind: $0.artifactType ?? $0.mediaType)
                }
            }
            versions.append(version)
        }
        let host = PackageDetail.host(of: baseURL), tag = versions.first?.version ?? "latest"
        var install = [InstallSnippet(label: "docker", text: "docker pull \(host)/\(name):\(tag)"),
                       InstallSnippet(label: "skopeo", text: "skopeo copy \(baseURL.hasPrefix("http://") ? "--src-tls-verify=false " : "")docker://\(host)/\(name):\(tag) oci:\(name.split(separator: "/").last ?? "image"):\(tag)")]
        if isHelm {
            install.insert(InstallSnippet(label: "helm", text: "helm pull oci://\(host)/\(name) --version \(tag)\(baseURL.hasPrefix("http://") ? " --plain-http" : "")"), at: 0)
        }
        return PackageDetail(format: format, name: name, versions: versions, install: install, truncated: rows.count > Self.maxTags)
    }

    /// A stored manifest parsed again for display; nil when it cannot be read or parsed.
    func manifest(_ digestText: String, size: Int64, mediaType: String) async throws -> ParsedManifest? {
        guard size <= Self.manifestLimit, let digest = try? Digest(parsing: digestText) else { return nil }
        guard let body = try? await store.readWhole(digest, length: size) else { return nil }
        return try? ParsedManifest(bytes: Array(body.readableBytesView), contentType: mediaType)
    }

    /// The manifest itself, its config, its layers (image) or its manifests (index).
    static func files(_ parsed: ParsedManifest, size: Int64, digest: String) -> [FileEntry] {
        var files = [FileEntry(name: "manifest", size: size, digest: digest, kind: parsed.mediaType)]
        if let config = parsed.config { files.append(FileEntry(name: "config", size: config.size, digest: config.digest, kind: config.mediaType)) }
        for (index, layer) in parsed.layers.enumerated() {
            files.append(FileEntry(name: "layer \(index + 1)", size: layer.size, digest: layer.digest, kind: layer.mediaType))
        }
        for child in parsed.manifests {
            files.append(FileEntry(name: platform(child) ?? "manifest", size: child.size, digest: child.digest, kind: child.mediaType))
        }
        return files
    }

    static func platform(_ descriptor: Descriptor) -> String? {
        guard let p = descriptor.platform, let os = p.os, let arch = p.architecture else { return nil }
        return [os, arch, p.variant].compactMap { $0 }.joined(separator: "/")
    }
}
