import Foundation
import Logging
import NoraCore
import NoraMetadata
import NoraStorage
import SQLKit

/// The id that ties a metadata database to its blob store, so a pair that does not belong
/// together is noticed instead of serving listings whose files are missing (or, worse, a
/// garbage collection that deletes another registry's blobs).
///
/// The database holds the id in `registry_identity`; the store holds it as a small marker
/// blob (`nora registry <id>\n`, content-addressed, so every backend keeps it the same way and
/// GC keeps it through the row that names it).
struct RegistryIdentity: Sendable, Equatable {
    let id: String
    let marker: Digest

    static let migrations: [Migration] = [
        Migration("core-001-registry-identity") { db in
            try await db.create(table: "registry_identity")
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("marker", type: .text, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .run()
        },
    ]
    static let blobReferences = [BlobReferenceColumn("registry_identity", "marker", format: "registry", names: ["id"])]

    static func markerBytes(_ id: String) -> [UInt8] { Array("nora registry \(id)\n".utf8) }

    /// Names the database and the store in messages.
    struct Places: Sendable { let database: String; let storage: String }

    /// Checks the pair on start and records the id in both on the first start.
    /// `freshDatabase`: the database had no schema before this start.
    static func establish(db: MetadataDatabase, store: any BlobStore, places: Places, freshDatabase: Bool,
                          logger: Logger) async throws -> RegistryIdentity {
        if let recorded = try await load(db) {
            guard try await store.stat(recorded.marker) != nil else {
                throw StartupError("the database \(places.database) belongs to registry \(recorded.id), but the storage "
                                   + "\(places.storage) does not hold that registry's marker (\(recorded.marker)): they are not "
                                   + "one registry's database and store; point NORA_DATABASE_URL and NORA_STORAGE_PATH at a pair "
                                   + "that belong together")
            }
            return recorded
        }
        if let referenced = try await anyReferencedDigest(db) {
            guard try await store.stat(referenced) != nil else {
                throw StartupError("the database \(places.database) names stored files, but the storage \(places.storage) "
                                   + "does not hold them (\(referenced) is missing): they are not one registry's database and store")
            }
        } else if freshDatabase, try await holdsAnyBlob(store) {
            // Replicas starting together on a new database: another one may have stored its
            // marker and be about to record it. Give it a moment before calling it a mismatch.
            for _ in 0..<20 {
                try await Task.sleep(for: .milliseconds(250))
                if let recorded = try await load(db), try await store.stat(recorded.marker) != nil { return recorded }
            }
            throw StartupError("the storage \(places.storage) holds blobs, but the database \(places.database) is new: it is "
                               + "not this store's database (start with the database that belongs to it, or with an empty "
                               + "storage folder to begin a new registry)")
        }
        let id = UUID().uuidString.lowercased()
        let marker = try await store.put(InMemoryBody(markerBytes(id)), algorithm: .sha256, expected: nil, limit: nil)
        let identity = RegistryIdentity(id: id, marker: marker.digest)
        try await db.transaction { sql in
            // Another replica starting at the same time may have won: keep the first id.
            guard try await load(sql) == nil else { return }
            try await sql.insert(into: "registry_identity").columns("id", "marker", "created_at")
                .values(SQLBind(id), SQLBind(marker.digest.description), SQLBind(Clock.nowSeconds())).run()
        }
        let recorded = try await load(db) ?? identity
        logger.info("registry id recorded in the database and the store", metadata: ["registry_id": .string(recorded.id)])
        return recorded
    }

    /// Readiness: the database still names this registry and the store still holds its marker.
    func check(db: MetadataDatabase, store: any BlobStore) async throws -> Bool {
        guard try await Self.load(db) == self else { return false }
        return try await store.stat(marker) != nil
    }

    static func load(_ db: MetadataDatabase) async throws -> RegistryIdentity? { try await load(db.reader) }

    static func load(_ sql: any SQLDatabase) async throws -> RegistryIdentity? {
        guard let row = try await sql.select().columns("id", "marker").from("registry_identity").limit(1).first() else { return nil }
        return RegistryIdentity(id: try row.decode(column: "id"), marker: try Digest(parsing: try row.decode(column: "marker", as: String.self)))
    }

    /// One digest some format's row names, if any row does.
    static func anyReferencedDigest(_ db: MetadataDatabase) async throws -> Digest? {
        for source in GarbageCollector.referenceColumns where source.table != "registry_identity" {
            let row = try await db.reader.select().column(SQLIdentifier(source.column)).from(source.table).limit(1).first()
            if let text = try row?.decode(column: source.column, as: String.self) { return try Digest(parsing: text) }
        }
        return nil
    }

    private struct Found: Error {}

    static func holdsAnyBlob(_ store: any BlobStore) async throws -> Bool {
        do { try await store.list { _ in throw Found() } } catch is Found { return true }
        return false
    }
}
