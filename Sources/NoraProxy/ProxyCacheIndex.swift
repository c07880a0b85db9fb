import NoraCore
import NoraMetadata
import SQLKit

/// The rows that say what the proxy has cached: one per (format, key), naming the blob
/// that holds the bytes and what revalidation needs.
///
///     proxy_cache(format, key, digest, size, etag, last_modified, content_type, upstream, fetched_at)   PK(format, key)
///     proxy_missing(format, key, checked_at)   PK(format, key): a remembered 404 (negative cache)
///
/// `digest` is a blob reference for garbage collection, so cached content is kept exactly
/// as long as its row (`nora cache prune` deletes rows; GC then removes the bytes).
/// Writes use `ON CONFLICT … DO UPDATE`, which SQLite and PostgreSQL both run.
public struct ProxyCacheIndex: Sendable {
    public static let migrations: [Migration] = [
        Migration("proxy-001-cache") { db in
            try await db.create(table: "proxy_cache")
                .column("format", type: .text, .notNull)
                .column("key", type: .text, .notNull)
                .column("digest", type: .text, .notNull)
                .column("size", type: .bigint, .notNull)
                .column("etag", type: .text)
                .column("last_modified", type: .text)
                .column("content_type", type: .text)
                .column("upstream", type: .text, .notNull)
                .column("fetched_at", type: .bigint, .notNull)
                .primaryKey("format", "key")
                .run()
            try await db.create(index: "proxy_cache_digest").on("proxy_cache").column("digest").run()
            try await db.create(index: "proxy_cache_fetched").on("proxy_cache").column("fetched_at").run()
            try await db.create(table: "proxy_missing")
                .column("format", type: .text, .notNull)
                .column("key", type: .text, .notNull)
                .column("checked_at", type: .bigint, .notNull)
                .primaryKey("format", "key")
                .run()
        },
    ]
    public static let blobReferences = [BlobReferenceColumn("proxy_cache", "digest", format: "proxy", size: "size", names: ["format", "key"])]

    let db: MetadataDatabase
    public init(db: MetadataDatabase) { self.db = db }

    struct Row: Codable, Sendable {
        var format: String
        var key: String
        var digest: String
        var size: Int64
        var etag: String?
        var last_modified: String?
        var content_type: String?
        var upstream: String
        var fetched_at: Int64
    }

    func find(format: String, key: String) async throws -> Row? {
        try await db.reader.select().column("*").from("proxy_cache")
            .where("format", .equal, format).where("key", .equal, key)
            .first(decoding: Row.self)
    }

    func save(_ row: Row) async throws {
        try await db.transaction { db in
            try await db.insert(into: "proxy_cache").model(row)
                .onConflict(with: ["format", "key"]) { update in
                    update.set(excludedValueOf: "digest").set(excludedValueOf: "size").set(excludedValueOf: "etag")
                        .set(excludedValueOf: "last_modified").set(excludedValueOf: "content_type")
                        .set(excludedValueOf: "upstream").set(excludedValueOf: "fetched_at")
                }
                .run()
        }
    }

    /// When every upstream last answered 404 for `key`, if that is remembered.
    func missingSince(format: String, key: String) async throws -> Int64? {
        try await db.reader.select().column("checked_at").from("proxy_missing")
            .where("format", .equal, format).where("key", .equal, key).first()?
            .decode(column: "checked_at", as: Int64.self)
    }

    func rememberMissing(format: String, key: String, at time: Int64) async throws {
        try await db.transaction { db in
            try await db.insert(into: "proxy_missing").columns("format", "key", "checked_at")
                .values(SQLBind(format), SQLBind(key), SQLBind(time))
                .onConflict(with: ["format", "key"]) { $0.set(excludedValueOf: "checked_at") }
                .run()
        }
    }

    func touch(format: String, key: String, at time: Int64) async throws {
        try await db.transaction { db in
            try await db.update("proxy_cache").set("fetched_at", to: time)
                .where("format", .equal, format).where("key", .equal, key).run()
        }
    }

    func remove(format: String, key: String) async throws {
        try await db.transaction { db in
            try await db.delete(from: "proxy_cache").where("format", .equal, format).where("key", .equal, key).run()
        }
    }

    /// Removes every row fetched (or revalidated) before `cutoff` (Unix seconds); returns how many.
    /// The bytes they named become garbage for the next collection.
    public func prune(fetchedBefore cutoff: Int64) async throws -> Int {
        try await db.transaction { db in
            let count = try await db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("proxy_cache")
                .where("fetched_at", .lessThan, cutoff).first()?.decode(column: "n", as: Int.self) ?? 0
            try await db.delete(from: "proxy_cache").where("fetched_at", .lessThan, cutoff).run()
            try await db.delete(from: "proxy_missing").where("checked_at", .lessThan, cutoff).run()
            return count
        }
    }
}
