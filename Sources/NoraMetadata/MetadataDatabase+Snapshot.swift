import Foundation
import NoraCore
import SQLiteKit

extension MetadataDatabase {
    /// Writes a consistent copy of an SQLite database to `path` while the server keeps running
    /// (`VACUUM INTO` reads one snapshot; WAL lets writers go on meanwhile). PostgreSQL
    /// databases are backed up with PostgreSQL's own tools.
    public func snapshot(to path: String) async throws {
        guard dialect == .sqlite, location != ":memory:" else {
            throw AppError(.internalError, "only an SQLite database file can be snapshot here (use pg_dump for PostgreSQL)")
        }
        let connection = try await SQLiteConnection.open(storage: .file(path: location))
        do {
            _ = try await connection.query("PRAGMA busy_timeout=10000")
            _ = try await connection.query("VACUUM INTO ?", [.text(path)])
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }
}
