import Foundation
import NoraCore
import SQLKit

/// Generated `maven-metadata.xml` documents, rewritten inside the transaction of every change.
extension MavenIndex {
    struct MetadataDocument: Sendable {
        let document: String
        let updatedAt: Int64
        var bytes: [UInt8] { Array(document.utf8) }
        var checksums: MavenChecksums { MavenChecksums.of(document.utf8) }
    }

    static func metadataPath(_ folder: [String]) -> String { (folder + [MavenPath.metadataName]).joined(separator: "/") }

    func metadata(folder: [String], in db: any SQLDatabase) async throws -> MetadataDocument? {
        guard let row = try await db.select().columns("document", "updated_at").from("maven_metadata")
            .where("path", .equal, Self.metadataPath(folder)).first() else { return nil }
        return MetadataDocument(document: try row.decode(column: "document"), updatedAt: try row.decode(column: "updated_at"))
    }

    /// Rewrites the metadata of every folder a change to `file` can affect: its version
    /// (SNAPSHOT level), its artifact (versions) and its group (plugins).
    func regenerate(after file: MavenFile, in db: any SQLDatabase) async throws {
        for folder in [file.folder, file.groupPath + [file.artifactId], file.groupPath] {
            try await regenerate(folder: folder, in: db)
        }
    }

    /// Builds the document for `folder` from the rows and stores it (or removes it when empty).
    /// Deterministic: the same rows give the same bytes, so ETags only change with content.
    func regenerate(folder: [String], in db: any SQLDatabase) async throws {
        let model = try await build(folder: folder, in: db)
        let path = Self.metadataPath(folder)
        try await db.delete(from: "maven_metadata").where("path", .equal, path).run()
        guard !model.isEmpty else { return }
        let updated = max(model.versions?.lastUpdated ?? 0, model.snapshot?.lastUpdated ?? 0)
        try await db.insert(into: "maven_metadata").columns("path", "parent", "document", "updated_at")
            .values(SQLBind(path), SQLBind(folder.joined(separator: "/")), SQLBind(model.xml()), SQLBind(updated == 0 ? Clock.nowSeconds() : updated))
            .run()
    }

    func build(folder: [String], in db: any SQLDatabase) async throws -> MavenMetadata {
        var model = MavenMetadata()
        if folder.count >= 3, let version = folder.last, version.hasSuffix("-SNAPSHOT") {
            let groupId = folder.dropLast(2).joined(separator: "."), artifactId = folder[folder.count - 2]
            let files = try await files(groupId: groupId, artifactId: artifactId, version: version, in: db)
            if !files.isEmpty {
                model.snapshot = Self.snapshot(groupId: groupId, artifactId: artifactId, version: version, files: files)
                return model
            }
        }
        if folder.count >= 2 {
            let groupId = folder.dropLast().joined(separator: "."), artifactId = folder[folder.count - 1]
            let versions = try await versions(groupId: groupId, artifactId: artifactId, in: db)
            if !versions.isEmpty {
                model.versions = .init(groupId: groupId, artifactId: artifactId, versions: versions.map(\.0),
                                       lastUpdated: versions.map(\.1).max() ?? 0)
            }
        }
        model.plugins = try await plugins(groupId: folder.joined(separator: "."), in: db)
        return model
    }

    static func snapshot(groupId: String, artifactId: String, version: String, files: [StoredFile]) -> MavenMetadata.Snapshot {
        let latest = files.compactMap(\.snapshot).max { ($0.buildNumber, $0.timestamp) < ($1.buildNumber, $1.timestamp) }
        var newest: [String: StoredFile] = [:]
        for file in files {
            let key = file.classifier + "\u{0}" + file.fileExtension
            // The same choice a GET of the plain -SNAPSHOT name makes.
            if let seen = newest[key], Self.order(seen) >= Self.order(file) { continue }
            newest[key] = file
        }
        let builds = newest.values.map { file in
            MavenMetadata.Snapshot.Build(
                classifier: file.classifier, fileExtension: file.fileExtension,
                value: file.snapshot?.version(base: version) ?? version,
                updated: file.snapshot.map { $0.timestamp.replacingOccurrences(of: ".", with: "") }
                    ?? MavenMetadata.stamp(file.updatedAt))
        }
        return .init(groupId: groupId, artifactId: artifactId, version: version, latest: latest, builds: builds,
                     lastUpdated: files.map(\.updatedAt).max() ?? 0)
    }

    /// Newer uploads first; a timestamped build beats a non-unique file of the same second.
    private static func order(_ file: StoredFile) -> (Int64, Int, Int) {
        (file.updatedMillis, file.snapshot == nil ? 0 : 1, file.snapshot?.buildNumber ?? 0)
    }

    // MARK: Plugins

    func plugins(groupId: String, in db: any SQLDatabase) async throws -> [MavenMetadata.Plugin] {
        let rows = try await db.select().columns("artifact_id", "prefix", "name").from("maven_plugins")
            .where("group_id", .equal, groupId).all()
        var result: [MavenMetadata.Plugin] = []
        for row in rows {
            let artifactId: String = try row.decode(column: "artifact_id")
            guard try await !versions(groupId: groupId, artifactId: artifactId, in: db).isEmpty else { continue }
            result.append(.init(artifactId: artifactId, prefix: try row.decode(column: "prefix"), name: try row.decode(column: "name")))
        }
        return result
    }

    /// Records a `maven-plugin` artifact. With `replace`, a declared prefix replaces the one
    /// known; a derived default never overwrites one learnt from the plugin's own metadata.
    func upsertPlugin(groupId: String, artifactId: String, prefix: String, name: String, replace: Bool,
                      in db: any SQLDatabase) async throws {
        let insert = db.insert(into: "maven_plugins").columns("group_id", "artifact_id", "prefix", "name")
            .values(SQLBind(groupId), SQLBind(artifactId), SQLBind(prefix), SQLBind(name))
        if replace {
            try await insert.onConflict(with: ["group_id", "artifact_id"]) { $0.set(excludedValueOf: "prefix").set(excludedValueOf: "name") }.run()
        } else {
            try await insert.ignoringConflicts(with: ["group_id", "artifact_id"]).run()
        }
    }

    /// A client's group metadata names the real goal prefix (from the plugin descriptor);
    /// adopt it for plugins this server already knows, ignore everything else in it.
    func adoptPlugins(from bytes: [UInt8], folder: [String], in db: any SQLDatabase) async throws -> Bool {
        guard let root = MiniXML.parse(bytes), root.name == "metadata",
              let entries = root.child("plugins")?.all("plugin"), !entries.isEmpty else { return false }
        let groupId = folder.joined(separator: ".")
        var changed = false
        for entry in entries {
            guard let artifactId = entry.child("artifactId")?.trimmedText, let prefix = entry.child("prefix")?.trimmedText,
                  MavenPath.isValidID(artifactId), MavenPath.isValidID(prefix),
                  try await db.select().column("artifact_id").from("maven_plugins").where("group_id", .equal, groupId)
                    .where("artifact_id", .equal, artifactId).first() != nil
            else { continue }
            let name = entry.child("name")?.trimmedText ?? artifactId
            try await upsertPlugin(groupId: groupId, artifactId: artifactId, prefix: prefix, name: String(name.prefix(200)),
                                   replace: true, in: db)
            changed = true
        }
        if changed { try await regenerate(folder: folder, in: db) }
        return changed
    }

    func removePluginIfGone(groupId: String, artifactId: String, in db: any SQLDatabase) async throws {
        guard try await db.select().column("path").from("maven_files").where("group_id", .equal, groupId)
            .where("artifact_id", .equal, artifactId).limit(1).first() == nil else { return }
        try await db.delete(from: "maven_plugins").where("group_id", .equal, groupId).where("artifact_id", .equal, artifactId).run()
    }
}
