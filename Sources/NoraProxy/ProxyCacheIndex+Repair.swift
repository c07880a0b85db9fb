import NoraMetadata
import SQLKit

/// `nora verify --repair`: a cached copy whose blob is missing or corrupt is forgotten, so
/// the next request fetches it from the upstream again.
extension ProxyCacheIndex {
    public static func removeRows(naming digest: String, db: MetadataDatabase) async throws -> [String] {
        try await db.transaction { db in
            let rows = try await db.select().columns("format", "key").from("proxy_cache").where("digest", .equal, digest).all()
            try await db.delete(from: "proxy_cache").where("digest", .equal, digest).run()
            return try rows.map { "\(try $0.decode(column: "format", as: String.self)) \(try $0.decode(column: "key", as: String.self))" }
        }
    }
}
