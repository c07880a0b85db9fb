import NoraMetadata
import SQLKit

/// `nora verify --repair`: PyPI has no delete endpoint, so the module removes its own rows
/// that name a blob found missing or corrupt, and bumps the project's revision so no
/// cached page still lists them.
extension PyPIRegistry {
    /// Removes every file (and its core metadata) whose bytes are `digest`, and every core
    /// metadata row naming it (the file itself stays: clients fall back to the file); returns
    /// what was removed.
    public static func removeRows(naming digest: String, db: MetadataDatabase) async throws -> [String] {
        try await db.transaction { db in
            var removed: [String] = [], projects = Set<String>()
            for row in try await db.select().columns("filename", "project").from("pypi_files").where("digest", .equal, digest).all() {
                let filename = try row.decode(column: "filename", as: String.self)
                projects.insert(try row.decode(column: "project", as: String.self))
                try await db.delete(from: "pypi_files").where("filename", .equal, filename).run()
                try await db.delete(from: "pypi_core_metadata").where("filename", .equal, filename).run()
                removed.append(filename)
            }
            for row in try await db.select().columns("filename", "project").from("pypi_core_metadata").where("digest", .equal, digest).all() {
                let filename = try row.decode(column: "filename", as: String.self)
                projects.insert(try row.decode(column: "project", as: String.self))
                try await db.delete(from: "pypi_core_metadata").where("filename", .equal, filename).run()
                removed.append(filename + ".metadata")
            }
            for project in projects {
                try await db.update("pypi_projects")
                    .set("rev", to: SQLBinaryExpression(SQLColumn("rev"), .add, SQLLiteral.numeric("1")))
                    .where("name", .equal, project).run()
            }
            return removed
        }
    }
}
