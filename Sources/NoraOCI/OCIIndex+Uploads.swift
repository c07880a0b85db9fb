import Logging
import NoraCore
import NoraStorage
import ServiceLifecycle
import SQLKit

/// Upload sessions: the row says which repository a session belongs to and when it was
/// last written; the bytes live in the blob store's upload area. Both survive a restart.
extension OCIIndex {
    func createUpload(_ id: String, repo: RepositoryName) async throws {
        let now = Clock.nowSeconds()
        try await db.transaction { db in
            try await db.insert(into: "oci_uploads").columns("id", "repo", "size", "created_at", "updated_at")
                .values(SQLBind(id), SQLBind(repo.value), SQLBind(Int64(0)), SQLBind(now), SQLBind(now)).run()
        }
    }

    func uploadRepository(_ id: String, idleSince: Int64) async throws -> String? {
        try await db.reader.select().column("repo").from("oci_uploads")
            .where("id", .equal, id).where("updated_at", .greaterThanOrEqual, idleSince)
            .first()?.decode(column: "repo", as: String.self)
    }

    func touchUpload(_ id: String, size: Int64) async throws {
        try await db.transaction { db in
            try await db.update("oci_uploads").set("size", to: size).set("updated_at", to: Clock.nowSeconds())
                .where("id", .equal, id).run()
        }
    }

    func deleteUpload(_ id: String) async throws {
        try await db.transaction { db in try await db.delete(from: "oci_uploads").where("id", .equal, id).run() }
    }

    func activeUploads(since: Int64) async throws -> Int {
        let rows = try await db.reader.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from("oci_uploads").where("updated_at", .greaterThanOrEqual, since).all()
        return try rows.first?.decode(column: "n", as: Int.self) ?? 0
    }

    func expiredUploads(before: Int64) async throws -> [String] {
        try await db.reader.select().column("id").from("oci_uploads").where("updated_at", .lessThan, before)
            .all().map { try $0.decode(column: "id", as: String.self) }
    }
}

/// Removes upload sessions idle for longer than `OCIRegistry.uploadIdleSeconds`: their rows
/// and their bytes. Runs every five minutes.
public struct OCIUploadExpiry: Service {
    let index: OCIIndex
    let store: any BlobStore

    public func run() async throws {
        let logger = Logger(label: "nora.oci")
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let removed = try await sweep(now: Clock.nowSeconds())
                if removed > 0 { logger.info("expired upload sessions removed", metadata: ["count": .stringConvertible(removed)]) }
            } catch {
                logger.warning("upload session sweep failed", metadata: ["error": .string("\(error)")])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(300)) }
        }
    }

    public func sweep(now: Int64) async throws -> Int {
        let expired = try await index.expiredUploads(before: now - OCIRegistry.uploadIdleSeconds)
        for id in expired {
            if let upload = try? UploadID(validating: id) { try await store.cancel(upload) }
            try await index.deleteUpload(id)
        }
        return expired.count
    }
}
