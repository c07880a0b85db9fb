import NoraCore
import NoraMetadata
import SQLKit

/// `nora verify --repair`: cargo's API can only yank, and a yanked version's file is still
/// served, so the module removes its own rows that name a blob found missing or corrupt and
/// bumps the crate's revision (its index file loses the line).
extension CargoRegistry {
    public static func removeRows(naming digest: String, db: MetadataDatabase) async throws -> [String] {
        try await db.transaction { db in
            var removed: [String] = []
            for row in try await db.select().columns("name_key", "version").from("cargo_versions").where("digest", .equal, digest).all() {
                let key = try row.decode(column: "name_key", as: String.self), version = try row.decode(column: "version", as: String.self)
                try await db.delete(from: "cargo_versions").where("name_key", .equal, key).where("version", .equal, version).run()
                try await db.update("cargo_crates")
                    .set("rev", to: SQLBinaryExpression(SQLColumn("rev"), .add, SQLLiteral.numeric("1")))
                    .set("updated_at", to: Clock.nowSeconds())
                    .where("name_key", .equal, key).run()
                removed.append("\(key)@\(version)")
            }
            return removed
        }
    }
}
