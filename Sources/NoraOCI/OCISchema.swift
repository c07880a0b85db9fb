import NoraMetadata
import SQLKit

/// The OCI tables. Manifest bytes and blobs live in the blob store; these rows say which
/// repository may serve which digest, and which names point where.
///
///     oci_repositories(name PK, created_at)
///     oci_blob_links(repo, digest, size, created_at)            PK(repo, digest)
///     oci_manifests(repo, digest, media_type, size, artifact_type, subject, annotations, created_at)  PK(repo, digest)
///     oci_manifest_refs(repo, manifest, child)                   PK(repo, manifest, child)
///     oci_tags(repo, tag, digest, updated_at)                    PK(repo, tag)
///     oci_uploads(id PK, repo, size, created_at, updated_at)
///     oci_proxy_repositories(name PK, upstream, remote, created_at)   repositories filled by the pull-through
///                                                                      proxy (absent: hosted); a push removes the mark
enum OCISchema {
    static let migrations: [Migration] = [
        Migration("oci-001-tables") { db in
            try await db.create(table: "oci_repositories")
                .column("name", type: .text, .primaryKey(autoIncrement: false))
                .column("created_at", type: .bigint, .notNull)
                .run()
            try await db.create(table: "oci_blob_links")
                .column("repo", type: .text, .notNull)
                .column("digest", type: .text, .notNull)
                .column("size", type: .bigint, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .primaryKey("repo", "digest")
                .run()
            try await db.create(index: "oci_blob_links_digest").on("oci_blob_links").column("digest").run()
            try await db.create(table: "oci_manifests")
                .column("repo", type: .text, .notNull)
                .column("digest", type: .text, .notNull)
                .column("media_type", type: .text, .notNull)
                .column("size", type: .bigint, .notNull)
                .column("artifact_type", type: .text)
                .column("subject", type: .text)
                .column("annotations", type: .text)
                .column("created_at", type: .bigint, .notNull)
                .primaryKey("repo", "digest")
                .run()
            try await db.create(index: "oci_manifests_subject").on("oci_manifests").column("repo").column("subject").run()
            try await db.create(index: "oci_manifests_digest").on("oci_manifests").column("digest").run()
            try await db.create(table: "oci_manifest_refs")
                .column("repo", type: .text, .notNull)
                .column("manifest", type: .text, .notNull)
                .column("child", type: .text, .notNull)
                .primaryKey("repo", "manifest", "child")
                .run()
            try await db.create(index: "oci_manifest_refs_child").on("oci_manifest_refs").column("repo").column("child").run()
            try await db.create(table: "oci_tags")
                .column("repo", type: .text, .notNull)
                .column("tag", type: .text, .notNull)
                .column("digest", type: .text, .notNull)
                .column("updated_at", type: .bigint, .notNull)
                .primaryKey("repo", "tag")
                .run()
            try await db.create(index: "oci_tags_digest").on("oci_tags").column("repo").column("digest").run()
            try await db.create(table: "oci_uploads")
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("repo", type: .text, .notNull)
                .column("size", type: .bigint, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .column("updated_at", type: .bigint, .notNull)
                .run()
            try await db.create(index: "oci_uploads_updated").on("oci_uploads").column("updated_at").run()
        },
        Migration("oci-002-proxy-repositories") { db in
            try await db.create(table: "oci_proxy_repositories")
                .column("name", type: .text, .primaryKey(autoIncrement: false))
                .column("upstream", type: .text, .notNull)
                .column("remote", type: .text, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .run()
        },
    ]
}
