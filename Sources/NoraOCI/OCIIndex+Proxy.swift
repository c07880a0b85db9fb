import NoraCore
import NoraMetadata
import SQLKit

/// Rows of repositories the pull-through proxy fills. They are the same rows as hosted
/// content (manifests, references, tags, blob links), so listings and garbage collection see
/// cached images like pushed ones; `oci_proxy_repositories` marks the repository as a cache.
extension OCIIndex {
    enum Origin: Sendable, Equatable {
        case absent, hosted, proxied
    }

    /// Whether `repo` holds pushed content (hosted: never merged with upstream), cached content, or nothing.
    func origin(of repo: RepositoryName) async throws -> Origin {
        let query: SQLQueryString = """
            SELECT r.name, p.name AS proxied FROM oci_repositories r
            LEFT JOIN oci_proxy_repositories p ON p.name = r.name WHERE r.name = \(bind: repo.value)
            """
        guard let row = try await db.reader.raw(query).first() else { return .absent }
        return try row.decode(column: "proxied", as: String?.self) == nil ? .hosted : .proxied
    }

    /// Records a manifest fetched from upstream (its blobs are fetched when asked for).
    /// Does nothing when a push made the repository hosted meanwhile.
    func cacheManifest(_ manifest: ParsedManifest, digest: Digest, size: Int64, tag: String?,
                       in repo: RepositoryName, from source: ProxySource) async throws {
        try await db.transaction(locking: "oci:\(repo.value)") { db in
            guard try await claimForProxy(repo, source, db: db) else { return }
            try await writeManifest(manifest, digest: digest, size: size, tag: tag, in: repo, db: db)
        }
    }

    /// Links a blob fetched from upstream to the repository it was asked for under.
    func cacheBlob(_ digest: Digest, size: Int64, in repo: RepositoryName, from source: ProxySource) async throws {
        try await db.transaction(locking: "oci:\(repo.value)") { db in
            guard try await claimForProxy(repo, source, db: db) else { return }
            try await db.insert(into: "oci_blob_links").columns("repo", "digest", "size", "created_at")
                .values(SQLBind(repo.value), SQLBind(digest.description), SQLBind(size), SQLBind(Clock.nowSeconds()))
                .ignoringConflicts(with: ["repo", "digest"]).run()
        }
    }

    /// A tag as stored, with the time it was last set or confirmed upstream and whether its
    /// repository is a cache (else hosted) — one query, as this is the hot path of every pull.
    func storedTag(_ tag: String, in repo: RepositoryName) async throws -> (manifest: StoredManifest, checkedAt: Int64, cached: Bool)? {
        let query: SQLQueryString = """
            SELECT m.digest, m.media_type, m.size, t.updated_at, p.name AS proxied FROM oci_tags t
            JOIN oci_manifests m ON m.repo = t.repo AND m.digest = t.digest
            LEFT JOIN oci_proxy_repositories p ON p.name = t.repo
            WHERE t.repo = \(bind: repo.value) AND t.tag = \(bind: tag)
            """
        guard let row = try await db.reader.raw(query).first() else { return nil }
        let manifest = StoredManifest(digest: try Digest(parsing: try row.decode(column: "digest", as: String.self)),
                                      mediaType: try row.decode(column: "media_type"), size: try row.decode(column: "size"))
        return (manifest, try row.decode(column: "updated_at", as: Int64.self), try row.decode(column: "proxied", as: String?.self) != nil)
    }

    /// Upstream still names the same manifest: the tag is fresh again.
    func confirmTag(_ tag: String, in repo: RepositoryName) async throws {
        try await db.transaction(locking: "oci:\(repo.value)") { db in
            try await db.update("oci_tags").set("updated_at", to: SQLBind(Clock.nowSeconds()))
                .where("repo", .equal, repo.value).where("tag", .equal, tag).run()
        }
    }

    /// Creates the repository as a cache, or confirms it is one; false when it is hosted.
    private func claimForProxy(_ repo: RepositoryName, _ source: ProxySource, db: any SQLDatabase) async throws -> Bool {
        let existed = try await db.select().column("name").from("oci_repositories").where("name", .equal, repo.value).first() != nil
        if existed {
            return try await db.select().column("name").from("oci_proxy_repositories").where("name", .equal, repo.value).first() != nil
        }
        try await ensureRepository(repo, in: db)
        try await db.insert(into: "oci_proxy_repositories").columns("name", "upstream", "remote", "created_at")
            .values(SQLBind(repo.value), SQLBind(source.upstream), SQLBind(source.remoteName), SQLBind(Clock.nowSeconds()))
            .ignoringConflicts(with: "name").run()
        return true
    }
}

/// Where cached content came from: the upstream base URL and the name asked there.
struct ProxySource: Sendable, Equatable {
    let upstream: String
    let remoteName: String
}
