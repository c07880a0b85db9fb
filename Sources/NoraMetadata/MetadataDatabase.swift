import Logging
import NIOConcurrencyHelpers
import NoraCore
import SQLKit
import SQLiteKit

import Foundation

/// The metadata database: every row that names blobs, and every read-modify-write, goes here.
///
/// Embedded default: one SQLite file in WAL mode, with one writer connection (transactions
/// queue on a FIFO lock) and a few reader connections that never see uncommitted state.
/// Module code uses only SQLKit's dialect-neutral builders and standard SQL, so the same
/// code is meant to run on PostgreSQL once that driver is added.
public final class MetadataDatabase: Sendable {
    public enum Dialect: String, Sendable { case sqlite, postgres }

    public let dialect: Dialect
    public let location: String
    private let writer: SQLiteConnection
    private let readers: [SQLiteConnection]
    private let next = NIOLockedValueBox(0)
    private let writeLock = AsyncFIFOLock()
    private let logger: Logger

    private init(location: String, writer: SQLiteConnection, readers: [SQLiteConnection], logger: Logger) {
        self.dialect = .sqlite
        self.location = location
        self.writer = writer
        self.readers = readers
        self.logger = logger
    }

    /// Opens (creating when needed) the database named by `url` (`sqlite://<path>` or `sqlite://:memory:`).
    public static func open(url: String, readers readerCount: Int = 3, logger: Logger = Logger(label: "nora.metadata")) async throws -> MetadataDatabase {
        guard url.hasPrefix("sqlite://") else { throw AppError(.internalError, "unsupported database URL \(url)") }
        let path = String(url.dropFirst("sqlite://".count))
        if path == ":memory:" {
            // A shared in-memory database cannot span connections portably: use the writer for reads too.
            let connection = try await SQLiteConnection.open(storage: .memory, logger: logger)
            let db = MetadataDatabase(location: path, writer: connection, readers: [], logger: logger)
            return db
        }
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        let writer = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        for pragma in ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=10000", "PRAGMA foreign_keys=ON"] {
            _ = try await writer.query(pragma)
        }
        var readers: [SQLiteConnection] = []
        for _ in 0..<readerCount {
            let reader = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
            _ = try await reader.query("PRAGMA busy_timeout=10000")
            _ = try await reader.query("PRAGMA query_only=1")
            readers.append(reader)
        }
        return MetadataDatabase(location: path, writer: writer, readers: readers, logger: logger)
    }

    /// A connection for reads outside transactions (committed data only).
    public var reader: any SQLDatabase {
        guard !readers.isEmpty else { return writer.sql() }
        let index = next.withLockedValue { n in n = (n &+ 1) % readers.count; return n }
        return readers[index].sql()
    }

    /// Runs `body` as one transaction: committed when it returns, rolled back when it throws.
    public func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let db = writer.sql()
        let begin = dialect == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN"
        return try await writeLock.withLock {
            try await db.raw(SQLQueryString(begin)).run()
            do {
                let result = try await body(db)
                try await db.raw("COMMIT").run()
                return result
            } catch {
                do { try await db.raw("ROLLBACK").run() } catch { self.logger.error("rollback failed: \(error)") }
                throw error
            }
        }
    }

    /// Applies each migration not yet recorded, in order, each in its own transaction.
    public func migrate(_ migrations: [Migration]) async throws {
        try await transaction { db in
            try await db.create(table: "nora_migrations").ifNotExists()
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("applied_at", type: .bigint, .notNull)
                .run()
        }
        for migration in migrations {
            try await transaction { db in
                let done = try await db.select().column("id").from("nora_migrations")
                    .where("id", .equal, migration.id).first()
                guard done == nil else { return }
                try await migration.apply(db)
                try await db.insert(into: "nora_migrations").columns("id", "applied_at")
                    .values(SQLBind(migration.id), SQLBind(Clock.nowSeconds())).run()
                self.logger.info("applied migration \(migration.id)")
            }
        }
    }

    /// Readiness: answers when the database can run a query.
    public func ping() async throws {
        _ = try await reader.raw("SELECT 1").all()
    }

    public func close() async {
        for connection in readers + [writer] { try? await connection.close() }
    }
}

/// One schema step contributed by a module; `id` is recorded once applied.
public struct Migration: Sendable {
    public let id: String
    public let apply: @Sendable (any SQLDatabase) async throws -> Void
    public init(_ id: String, apply: @escaping @Sendable (any SQLDatabase) async throws -> Void) {
        self.id = id; self.apply = apply
    }
}
