import NoraCore
import NoraMetadata
import SQLKit

extension OCIRegistry {
    /// Drops blob links that no manifest of their repository references and that were made
    /// at or before `before` (abandoned pushes, layers of deleted manifests), so their blobs can be
    /// collected. Manifests themselves stay. Returns the number of links dropped.
    public static func pruneUnreferencedLinks(db: MetadataDatabase, before: Int64, dryRun: Bool) async throws -> Int {
        try await db.transaction { db in
            let orphans = try await db.select().columns("repo", "digest").from("oci_blob_links")
                .where("created_at", .lessThanOrEqual, before)
                .where(SQLRaw("NOT EXISTS (SELECT 1 FROM oci_manifest_refs r WHERE r.repo = oci_blob_links.repo AND r.child = oci_blob_links.digest)"))
                .all()
            guard !dryRun else { return orphans.count }
            for row in orphans {
                let repo = try row.decode(column: "repo", as: String.self), digest = try row.decode(column: "digest", as: String.self)
                try await db.delete(from: "oci_blob_links").where("repo", .equal, repo).where("digest", .equal, digest).run()
            }
            return orphans.count
        }
    }
}

extension OCIRegistry {
    /// `nora cache prune`: forgets what the pull-through proxy fetched before `before` (Unix
    /// seconds) in repositories that are caches — tags not confirmed upstream since, and
    /// manifests fetched before that no remaining tag or index of the repository points at.
    /// Their blob links then go with the next `nora gc` (unreferenced links), and the bytes
    /// with it. Hosted repositories are never touched. Returns the rows removed.
    public static func pruneProxyCache(db: MetadataDatabase, before: Int64) async throws -> Int {
        let proxied = SQLRaw("repo IN (SELECT name FROM oci_proxy_repositories)")
        let childOfKept: SQLQueryString = """
            NOT EXISTS (SELECT 1 FROM oci_manifest_refs r JOIN oci_manifests parent
            ON parent.repo = r.repo AND parent.digest = r.manifest
            WHERE r.repo = oci_manifests.repo AND r.child = oci_manifests.digest AND parent.created_at >= \(bind: before))
            """
        return try await db.transaction { db in
            let tags = try await db.select().columns("repo", "tag").from("oci_tags")
                .where(proxied).where("updated_at", .lessThan, before).all()
            for row in tags {
                try await db.delete(from: "oci_tags").where("repo", .equal, try row.decode(column: "repo", as: String.self))
                    .where("tag", .equal, try row.decode(column: "tag", as: String.self)).run()
            }
            let manifests = try await db.select().columns("repo", "digest").from("oci_manifests")
                .where(proxied).where("created_at", .lessThan, before)
                .where(SQLRaw("NOT EXISTS (SELECT 1 FROM oci_tags t WHERE t.repo = oci_manifests.repo AND t.digest = oci_manifests.digest)"))
                .where(childOfKept)
                .all()
            for row in manifests {
                let repo = try row.decode(column: "repo", as: String.self), digest = try row.decode(column: "digest", as: String.self)
                try await db.delete(from: "oci_manifest_refs").where("repo", .equal, repo).where("manifest", .equal, digest).run()
                try await db.delete(from: "oci_manifests").where("repo", .equal, repo).where("digest", .equal, digest).run()
            }
            return tags.count + manifests.count
        }
    }
}
