import NoraMetadata
import SQLKit

/// `nora verify --repair`: the GOPROXY protocol has no delete, so the module removes its own
/// rows that name a blob found missing or corrupt (the version disappears from `@v/list`).
extension GoRegistry {
    /// Removes every version whose zip or go.mod is `digest`, and every staged go.mod naming it.
    public static func removeRows(naming digest: String, db: MetadataDatabase) async throws -> [String] {
        try await db.transaction { db in
            var removed: [String] = []
            for column in ["zip_digest", "mod_digest"] {
                for row in try await db.select().columns("module", "version").from("go_versions").where(SQLIdentifier(column), .equal, SQLBind(digest)).all() {
                    let module = try row.decode(column: "module", as: String.self), version = try row.decode(column: "version", as: String.self)
                    try await db.delete(from: "go_versions").where("module", .equal, module).where("version", .equal, version).run()
                    removed.append("\(module)@\(version)")
                }
            }
            for row in try await db.select().columns("module", "version").from("go_staged_mods").where("mod_digest", .equal, digest).all() {
                let module = try row.decode(column: "module", as: String.self), version = try row.decode(column: "version", as: String.self)
                try await db.delete(from: "go_staged_mods").where("module", .equal, module).where("version", .equal, version).run()
                removed.append("\(module)@\(version) (staged go.mod)")
            }
            return removed
        }
    }
}
