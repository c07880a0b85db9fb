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
