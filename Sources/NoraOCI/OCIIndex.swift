import Foundation
import NoraCore
import NoraMetadata
import SQLKit

/// Reads and writes of the OCI tables. Methods taking `in db:` run inside the caller's
/// transaction; the others read committed state.
struct OCIIndex: Sendable {
    let db: MetadataDatabase

    struct StoredManifest: Sendable {
        let digest: Digest
        let mediaType: String
        let size: Int64
    }

    // MARK: Repositories and blob links

    func ensureRepository(_ repo: RepositoryName, in db: any SQLDatabase) async throws {
        try await db.insert(into: "oci_repositories").columns("name", "created_at")
            .values(SQLBind(repo.value), SQLBind(Clock.nowSeconds())).ignoringConflicts(with: "name").run()
    }

    func repositoryExists(_ repo: RepositoryName) async throws -> Bool {
        try await db.reader.select().column("name").from("oci_repositories").where("name", .equal, repo.value).first() != nil
    }

    func link(_ digest: Digest, size: Int64, to repo: RepositoryName) async throws {
        try await db.transaction { db in
            try await ensureRepository(repo, in: db)
            try await db.insert(into: "oci_blob_links").columns("repo", "digest", "size", "created_at")
                .values(SQLBind(repo.value), SQLBind(digest.description), SQLBind(size), SQLBind(Clock.nowSeconds()))
                .ignoringConflicts(with: ["repo", "digest"]).run()
        }
    }

    /// Size of a blob the repository may serve, or nil.
    func linkedBlob(_ digest: Digest, in repo: RepositoryName) async throws -> Int64? {
        try await db.reader.select().column("size").from("oci_blob_links")
            .where("repo", .equal, repo.value).where("digest", .equal, digest.description)
            .first()?.decode(column: "size", as: Int64.self)
    }

    func unlink(_ digest: Digest, from repo: RepositoryName) async throws -> Bool {
        try await db.transaction { db in
            let present = try await db.select().column("digest").from("oci_blob_links")
                .where("repo", .equal, repo.value).where("digest", .equal, digest.description).first() != nil
            try await db.delete(from: "oci_blob_links")
                .where("repo", .equal, repo.value).where("digest", .equal, digest.description).run()
            return present
        }
    }

    // MARK: Manifests and tags

    /// Records a manifest (and its tag) once every blob it needs is linked to the repository.
    func putManifest(_ manifest: ParsedManifest, digest: Digest, size: Int64, tag: String?,
                     in repo: RepositoryName) async throws {
        let annotations = manifest.annotations.map { String(decoding: JSON.encode($0), as: UTF8.self) }
        try await db.transaction(locking: "oci:\(repo.value)") { db in
            for required in manifest.requiredBlobs {
                let linked = try await db.select().column("digest").from("oci_blob_links")
                    .where("repo", .equal, repo.value).where("digest", .equal, required.description).first()
                if linked == nil { throw OCIError(.manifestBlobUnknown, "blob \(required) is not in \(repo)") }
            }
            try await ensureRepository(repo, in: db)
            try await db.delete(from: "oci_manifests").where("repo", .equal, repo.value).where("digest", .equal, digest.description).run()
            try await db.insert(into: "oci_manifests")
                .columns("repo", "digest", "media_type", "size", "artifact_type", "subject", "annotations", "created_at")
                .values(SQLBind(repo.value), SQLBind(digest.description), SQLBind(manifest.mediaType), SQLBind(size),
                        SQLBind(manifest.effectiveArtifactType), SQLBind(manifest.subjectDigest?.description),
                        SQLBind(annotations), SQLBind(Clock.nowSeconds()))
                .run()
            try await db.delete(from: "oci_manifest_refs").where("repo", .equal, repo.value).where("manifest", .equal, digest.description).run()
            for child in Set(manifest.referencedDigests) {
                try await db.insert(into: "oci_manifest_refs").columns("repo", "manifest", "child")
                    .values(SQLBind(repo.value), SQLBind(digest.description), SQLBind(child.description)).run()
            }
            if let tag {
                try await db.delete(from: "oci_tags").where("repo", .equal, repo.value).where("tag", .equal, tag).run()
                try await db.insert(into: "oci_tags").columns("repo", "tag", "digest", "updated_at")
                    .values(SQLBind(repo.value), SQLBind(tag), SQLBind(digest.description), SQLBind(Clock.nowSeconds())).run()
            }
        }
    }

    /// One statement for either reference form: this is the hottest read of the registry, and
    /// a hand-written query skips SQLKit's per-request building and escaping of identifiers.
    func manifest(_ reference: ManifestReference, in repo: RepositoryName) async throws -> StoredManifest? {
        let query: SQLQueryString
        switch reference {
        case .digest(let d):
            query = "SELECT digest, media_type, size FROM oci_manifests WHERE repo = \(bind: repo.value) AND digest = \(bind: d.description)"
        case .tag(let tag):
            query = """
                SELECT m.digest, m.media_type, m.size FROM oci_tags t
                JOIN oci_manifests m ON m.repo = t.repo AND m.digest = t.digest
                WHERE t.repo = \(bind: repo.value) AND t.tag = \(bind: tag)
                """
        }
        guard let row = try await db.reader.raw(query).first() else { return nil }
        return StoredManifest(digest: try Digest(parsing: try row.decode(column: "digest", as: String.self)),
                              mediaType: try row.decode(column: "media_type"), size: try row.decode(column: "size"))
    }

    /// Deletes a manifest and every tag pointing at it.
    func deleteManifest(_ digest: Digest, in repo: RepositoryName) async throws -> Bool {
        try await db.transaction(locking: "oci:\(repo.value)") { db in
            let present = try await db.select().column("digest").from("oci_manifests")
                .where("repo", .equal, repo.value).where("digest", .equal, digest.description).first() != nil
            guard present else { return false }
            for table in ["oci_tags"] {
                try await db.delete(from: table).where("repo", .equal, repo.value).where("digest", .equal, digest.description).run()
            }
            try await db.delete(from: "oci_manifest_refs").where("repo", .equal, repo.value).where("manifest", .equal, digest.description).run()
            try await db.delete(from: "oci_manifests").where("repo", .equal, repo.value).where("digest", .equal, digest.description).run()
            return true
        }
    }

    func deleteTag(_ tag: String, in repo: RepositoryName) async throws -> Bool {
        try await db.transaction(locking: "oci:\(repo.value)") { db in
            let present = try await db.select().column("tag").from("oci_tags")
                .where("repo", .equal, repo.value).where("tag", .equal, tag).first() != nil
            try await db.delete(from: "oci_tags").where("repo", .equal, repo.value).where("tag", .equal, tag).run()
            return present
        }
    }

    // MARK: Listings

    func tags(in repo: RepositoryName, after last: String?, limit: Int?) async throws -> (names: [String], more: Bool) {
        var query = db.reader.select().column("tag").from("oci_tags").where("repo", .equal, repo.value)
        if let last { query = query.where("tag", .greaterThan, last) }
        query = query.orderBy("tag")
        if let limit { query = query.limit(limit + 1) }
        let names = try await query.all().map { try $0.decode(column: "tag", as: String.self) }
        guard let limit else { return (names, false) }
        return (Array(names.prefix(limit)), names.count > limit)
    }

    func repositories(after last: String?, limit: Int?) async throws -> (names: [String], more: Bool) {
        var query = db.reader.select().column("name").from("oci_repositories")
        if let last { query = query.where("name", .greaterThan, last) }
        query = query.orderBy("name")
        if let limit { query = query.limit(limit + 1) }
        let names = try await query.all().map { try $0.decode(column: "name", as: String.self) }
        guard let limit else { return (names, false) }
        return (Array(names.prefix(limit)), names.count > limit)
    }

    func referrers(of subject: Digest, in repo: RepositoryName, artifactType: String?) async throws -> [Descriptor] {
        var query = db.reader.select().columns("digest", "media_type", "size", "artifact_type", "annotations")
            .from("oci_manifests").where("repo", .equal, repo.value).where("subject", .equal, subject.description)
        if let artifactType { query = query.where("artifact_type", .equal, artifactType) }
        return try await query.orderBy("digest").all().map { row in
            let annotations = try row.decode(column: "annotations", as: String?.self)
                .flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) }
            return Descriptor(mediaType: try row.decode(column: "media_type"), digest: try row.decode(column: "digest"),
                              size: try row.decode(column: "size"), artifactType: try row.decode(column: "artifact_type", as: String?.self),
                              annotations: annotations, urls: nil, platform: nil)
        }
    }
}
