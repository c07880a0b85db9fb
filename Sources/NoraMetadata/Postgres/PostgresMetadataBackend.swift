import Logging
import NoraCore
import PostgresKit
import PostgresNIO
import SQLKit

/// PostgreSQL through PostgresNIO's connection pool, shared by every replica.
///
/// Transactions are SERIALIZABLE, so any read-modify-write behaves as it does on SQLite
/// (where one writer runs at a time): a transaction that raced another and would have
/// seen a stale world is aborted by the server (SQLSTATE 40001) and run again here.
/// A transaction may also name a lock key (a package, a repository …): it then takes a
/// PostgreSQL advisory lock on that key *before* it begins, so its snapshot is taken only
/// once earlier writers of the same key have committed. Concurrent publishes to one
/// package therefore queue instead of aborting each other; correctness does not depend on
/// the key, only the number of retries does. Locks live in the server, so they hold across
/// replicas, and a replica that dies releases them with its connections.
final class PostgresMetadataBackend: Sendable {
    let client: PostgresClient
    private let runner: Task<Void, Never>
    private let logger: Logger

    /// SQLSTATEs after which a transaction is run again: serialization failure, deadlock.
    static let retryableStates: Set<String> = ["40001", "40P01"]
    static let maxAttempts = 30
    static let connectTimeoutSeconds = 20

    init(url: String, logger: Logger) async throws {
        var configuration = try PostgresURL.configuration(url)
        configuration.options.maximumConnections = 16
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.logger = logger
        self.runner = Task { await client.run() }
        do {
            // The pool retries a server it cannot reach forever; starting up should not.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { _ = try await client.query("SELECT 1", logger: logger) }
                group.addTask {
                    try await Task.sleep(for: .seconds(Self.connectTimeoutSeconds))
                    throw AppError(.internalError, "PostgreSQL did not answer within \(Self.connectTimeoutSeconds) s")
                }
                try await group.next()
                group.cancelAll()
            }
        } catch {
            runner.cancel()
            throw error
        }
    }

    var reader: any SQLDatabase { PooledPostgres(client: client, logger: logger) }

    func transaction<T: Sendable>(locking key: String?, _ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await client.withConnection { connection in
                    let db = ByteOrderPostgres(base: connection.sql(logger: logger))
                    return try await Self.withLock(key, on: db) { try await Self.serializable(on: db, logger: logger, body) }
                }
            } catch let error where Self.isRetryable(error) && attempt < Self.maxAttempts {
                attempt += 1
                // Jittered, growing pause so the losers of a race do not collide again in step.
                let ceiling = min(5 << min(attempt, 6), 250)
                try await Task.sleep(for: .milliseconds(Int.random(in: 1...ceiling)))
            } catch let error where Self.isUnstorableText(error) {
                // SQLite stores any string; PostgreSQL's text cannot hold U+0000. A client
                // that sent one gets a clear refusal, not an internal error.
                throw AppError(.badRequest, "text containing a NUL character (U+0000) cannot be stored")
            }
        }
    }

    /// Holds the migration lock for `body`, so replicas starting together apply each migration once.
    func withMigrationLock(_ body: @Sendable () async throws -> Void) async throws {
        try await client.withConnection { connection in
            let db = ByteOrderPostgres(base: connection.sql(logger: logger))
            try await Self.withLock("nora-migrations", on: db, body)
        }
    }

    func close() async {
        runner.cancel()
        _ = await runner.value
    }

    // MARK: Pieces

    private static func serializable<T>(on db: any SQLDatabase, logger: Logger, _ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await db.raw("BEGIN ISOLATION LEVEL SERIALIZABLE").run()
        do {
            let result = try await body(db)
            try await db.raw("COMMIT").run()
            return result
        } catch {
            // After a failed COMMIT the server has already rolled back; this is then a no-op.
            do { try await db.raw("ROLLBACK").run() } catch { logger.error("rollback failed: \(error)") }
            throw error
        }
    }

    /// Runs `body` holding the session-level advisory lock of `key` (none when nil).
    private static func withLock<T>(_ key: String?, on db: any SQLDatabase, _ body: () async throws -> T) async throws -> T {
        guard let key else { return try await body() }
        try await db.raw("SELECT pg_advisory_lock(hashtextextended(\(bind: key), 0))").run()
        do {
            let result = try await body()
            try await db.raw("SELECT pg_advisory_unlock(hashtextextended(\(bind: key), 0))").run()
            return result
        } catch {
            // If this fails the connection is broken, and the server drops the lock with it.
            _ = try? await db.raw("SELECT pg_advisory_unlock(hashtextextended(\(bind: key), 0))").run()
            throw error
        }
    }

    /// SQLSTATEs of text PostgreSQL cannot hold: a NUL byte, a `\u0000` JSON escape.
    static let unstorableTextStates: Set<String> = ["22021", "22P05"]

    static func isUnstorableText(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError, let state = error.serverInfo?[.sqlState] else { return false }
        return unstorableTextStates.contains(state)
    }

    static func isRetryable(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError, let state = error.serverInfo?[.sqlState] else { return false }
        return retryableStates.contains(state)
    }
}
