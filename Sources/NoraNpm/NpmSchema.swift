import NoraMetadata
import SQLKit

/// The npm tables. Tarballs live in the blob store; these rows say which version of which
/// package names which blob, and hold the document npm reads (the packument) in parts.
///
///     npm_packages(name PK, rev, created_at, modified_at, latest, description, keywords)
///     npm_versions(package, version, manifest, readme, tarball_file, digest, size,
///                  published_at, publisher, deprecated)               PK(package, version)
///     npm_version_history(package, version, published_at)           PK(package, version)
///     npm_dist_tags(package, tag, version)                           PK(package, tag)
///     npm_maintainers(package, name, added_at)                       PK(package, name)
///
/// `npm_version_history` is never deleted from: its primary key is what makes a version
/// number usable once, even after it (or the whole package) was unpublished.
/// `rev` counts changes (CouchDB's `_rev`), so whole-document writes can detect races.
/// Times are Unix milliseconds; `keywords` is ` kw1 kw2 ` (lowercase) for matching.
enum NpmSchema {
    static let migrations: [Migration] = [
        Migration("npm-001-tables") { db in
            try await db.create(table: "npm_packages")
                .column("name", type: .text, .primaryKey(autoIncrement: false))
                .column("rev", type: .bigint, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .column("modified_at", type: .bigint, .notNull)
                .column("latest", type: .text)
                .column("description", type: .text)
                .column("keywords", type: .text)
                .run()
            try await db.create(table: "npm_versions")
                .column("package", type: .text, .notNull)
                .column("version", type: .text, .notNull)
                .column("manifest", type: .text, .notNull)
                .column("readme", type: .text)
                .column("tarball_file", type: .text, .notNull)
                .column("digest", type: .text, .notNull)
                .column("size", type: .bigint, .notNull)
                .column("published_at", type: .bigint, .notNull)
                .column("publisher", type: .text)
                .column("deprecated", type: .text)
                .primaryKey("package", "version")
                .run()
            try await db.create(index: "npm_versions_tarball").unique().on("npm_versions").column("package").column("tarball_file").run()
            try await db.create(index: "npm_versions_digest").on("npm_versions").column("digest").run()
            try await db.create(table: "npm_version_history")
                .column("package", type: .text, .notNull)
                .column("version", type: .text, .notNull)
                .column("published_at", type: .bigint, .notNull)
                .primaryKey("package", "version")
                .run()
            try await db.create(table: "npm_dist_tags")
                .column("package", type: .text, .notNull)
                .column("tag", type: .text, .notNull)
                .column("version", type: .text, .notNull)
                .primaryKey("package", "tag")
                .run()
            try await db.create(table: "npm_maintainers")
                .column("package", type: .text, .notNull)
                .column("name", type: .text, .notNull)
                .column("added_at", type: .bigint, .notNull)
                .primaryKey("package", "name")
                .run()
        },
        Migration("npm-002-listing-index") { db in
            // The web UI and /api/packages list packages by last change.
            try await db.create(index: "npm_packages_modified").on("npm_packages").column("modified_at").run()
        },
    ]
}
