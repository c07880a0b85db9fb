import Hummingbird
import NoraCore

/// DELETE (admin): one file, or every file of a version or artifact folder; the metadata of
/// the affected folders is regenerated in the same transaction. Blobs are left to `nora gc`.
extension MavenRegistry {
    func delete(_ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try context.require(.admin)
        let target = try MavenTarget(request)
        let paths: [String]
        switch target.route {
        case .file(let file):
            paths = [file.path]
        case .folder(let segments) where !segments.isEmpty:
            paths = try await index.filesUnder(folder: segments, in: index.db.reader)
        case .checksum, .metadata:
            throw MavenError(.notAllowed, "checksums and metadata are generated; delete the file or version instead")
        case .folder:
            throw MavenError(.notAllowed, "the repository root cannot be deleted")
        }
        let removed = try await index.db.transaction { db in
            var existing: [String] = []
            for path in paths where try await index.file(path, in: db) != nil { existing.append(path) }
            guard !existing.isEmpty else { return 0 }
            try await index.delete(paths: existing, in: db)
            var folders = Set<[String]>()
            for path in existing {
                let segments = path.split(separator: "/").map(String.init)
                let group = Array(segments.dropLast(3))
                folders.formUnion([Array(segments.dropLast()), Array(segments.dropLast(2)), group])
                try await index.removePluginIfGone(groupId: group.joined(separator: "."), artifactId: segments[segments.count - 3], in: db)
            }
            for folder in folders.sorted(by: { $0.count > $1.count }) where !folder.isEmpty {
                try await index.regenerate(folder: folder, in: db)
            }
            return existing.count
        }
        guard removed > 0 else { throw MavenError(.notFound, "nothing to delete at \(target.displayPath)") }
        context.logger.info("maven files deleted", metadata: ["path": .string(target.displayPath), "files": .stringConvertible(removed)])
        context.annotations.note(ActivityNote(.delete, .maven, name: target.displayPath))
        return Response(status: .noContent)
    }
}
