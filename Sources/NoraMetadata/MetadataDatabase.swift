import Logging
import NoraCore
import SQLKit

/// The metadata database: every row that names blobs, and every read-modify-write, goes here.
///
/// Two backends behind one API. Embedded default: one SQLite file (`sqlite://<path>`).
/// For several replicas: PostgreSQL (`postgres://…`), pooled. Module code uses only
/// SQLKit's dialect-neutral builders and standard SQL, and the same transactions mean the
/// same thing on both: serializable, committed when the body returns, rolled back when it
/// throws. On PostgreSQL a body may run more than once (after a serialization failure), so
/// a transaction body touches only the database.
public final class MetadataDatabase: Sendable {
    public enum Dialect: String, Sendable { case sqlite, postgres }

    private enum Backend: Sendable {
        case sqlite(SQLiteMetadataBackend)
        case postgres(PostgresMetadataBackend)
    }

    public let dialect: Dialect
    /// The SQLite file (or `:memory:`), or the PostgreSQL URL without its password.
    public let location: String
    private let backend: Backend
    private let logger: Logger

    private init(backend: Backend, location: String, logger: Logger) {
        self.backend = backend
        self.location = location
        self.logger = logger
        switch backend {
        case .sqlite: dialect = .sqlite
        case .postgres: dialect = .postgres
        }
    }

    /// Opens the database named by `url`: `sqlite://<path>`, `sqlite://:memory:`, or
    /// `postgres://user:password@host:port/database[?sslmode=…]` (also `postgresql://`).
    /// `readers` is the number of SQLite reader connections (PostgreSQL pools its own).
    public static func open(url: String, readers: Int = 3, logger: Logger = Logger(label: "nora.metadata")) async throws -> MetadataDatabase {
        if url.hasPrefix("sqlite://") {
            let path = String(url.dropFirst("sqlite://".count))
            guard !path.isEmpty else { throw AppError(.internalError, "sqlite:// needs a file path") }
            let backend = try await SQLiteMetadataBackend(path: path, readers: readers, logger: logger)
            return MetadataDatabase(backend: .sqlite(backend), location: path, logger: logger)
        }
        if PostgresURL.isPostgres(url) {
            let backend = try await PostgresMetadataBackend(url: url, logger: logger)
            return MetadataDatabase(backend: .postgres(backend), location: PostgresURL.redacted(url), logger: logger)
        }
        throw AppError(.internalError, "unsupported database URL \(url) (sqlite://<file> or postgres://…)")
    }

    /// `url` with any password replaced by `***`, for messages.
    public static func redacted(_ url: String) -> String { PostgresURL.redacted(url) }

    /// A connection for reads outside transactions (committed data only).
    public var reader: any SQLDatabase {
        switch backend {
        case .sqlite(let sqlite): sqlite.reader
        case .postgres(let postgres): postgres.reader
        }
    }

    /// Runs `body` as one serializable transaction: committed when it returns, rolled back
    /// when it throws.
    ///
    /// `locking` names what the transaction changes (`"npm:left-pad"`): transactions with the
    /// same key run one after the other on every backend and across replicas, instead of
    /// racing and being retried. Use it on publish paths that many clients hit at once.
    public func transaction<T: Sendable>(locking key: String? = nil,
                                         _ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        switch backend {
        case .sqlite(let sqlite): try await sqlite.transaction(body)
        case .postgres(let postgres): try await postgres.transaction(locking: key, body)
        }
    }

    /// Applies each migration not yet recorded, in order, each in its own transaction.
    /// On PostgreSQL the whole run holds a database-wide lock, so replicas starting at the
    /// same time apply each migration exactly once.
    public func migrate(_ migrations: [Migration]) async throws {
        switch backend {
        case .sqlite: try await applyPending(migrations)
        case .postgres(let postgres): try await postgres.withMigrationLock { try await applyPending(migrations) }
        }
    }

    private func applyPending(_ migrations: [Migration]) async throws {
        try await transaction { db in
            try await db.create(table: "nora_migrations").ifNotExists()
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("applied_at", type: .bigint, .notNull)
                .run()
        }
        // One read of what is applied: start-up then costs no transaction per known migration.
        let applied = Set(try await reader.select().column("id").from("nora_migrations").all()
            .map { try $0.decode(column: "id", as: String.self) })
        for migration in migrations where !applied.contains(migration.id) {
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
        switch backend {
        case .sqlite(let sqlite): await sqlite.close()
        case .postgres(let postgres): await postgres.close()
        }
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
