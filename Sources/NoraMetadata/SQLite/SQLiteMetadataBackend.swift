import Foundation
import Logging
import NIOConcurrencyHelpers
import NoraCore
import SQLKit
import SQLiteKit

/// The embedded default: one SQLite file in WAL mode, with one writer connection
/// (transactions queue on a FIFO lock) and a few reader connections that never see
/// uncommitted state. One writer at a time makes every transaction serializable, so lock
/// keys need no work here.
final class SQLiteMetadataBackend: Sendable {
    let location: String
    private let writer: SQLiteConnection
    private let readers: [SQLiteConnection]
    private let next = NIOLockedValueBox(0)
    private let writeLock = AsyncFIFOLock()
    private let logger: Logger

    /// Opens (creating when needed) `path`, or an in-memory database for `:memory:`.
    init(path: String, readers readerCount: Int, logger: Logger) async throws {
        self.location = path
        self.logger = logger
        if path == ":memory:" {
            // A shared in-memory database cannot span connections portably: use the writer for reads too.
            self.writer = try await SQLiteConnection.open(storage: .memory, logger: logger)
            self.readers = []
            return
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
        self.writer = writer
        self.readers = readers
    }

    var reader: any SQLDatabase {
        guard !readers.isEmpty else { return writer.sql() }
        let index = next.withLockedValue { n in n = (n &+ 1) % readers.count; return n }
        return readers[index].sql()
    }

    func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let db = writer.sql()
        return try await writeLock.withLock {
            try await db.raw("BEGIN IMMEDIATE").run()
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

    func close() async {
        for connection in readers + [writer] { try? await connection.close() }
    }
}
