import Foundation
import Logging
import NoraMetadata
import SQLKit

/// The database a test runs against.
///
/// By default a SQLite file in the test's temp folder. When `NORA_TEST_DATABASE_URL` names a
/// PostgreSQL server (`postgres://user@127.0.0.1:PORT/postgres`, as scripts/test.sh starts
/// one), each test gets a database of its own on that server, created here and dropped
/// afterwards, so the same suites prove both dialects.
public enum TestDatabase {
    public static let environmentKey = "NORA_TEST_DATABASE_URL"

    /// The server URL the tests were asked to use, or nil for SQLite.
    public static var serverURL: String? {
        ProcessInfo.processInfo.environment[environmentKey].flatMap { $0.isEmpty ? nil : $0 }
    }

    public static var isPostgres: Bool { serverURL != nil }

    /// Runs `body` with the URL of a fresh, empty database; `folder` holds the SQLite file.
    public static func withFreshURL<T>(folder: String, _ body: (String) async throws -> T) async throws -> T {
        guard let server = serverURL else { return try await body("sqlite://\(folder)/metadata.sqlite") }
        let name = "nora_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let admin = try await MetadataDatabase.open(url: server, logger: quietLogger)
        do {
            try await admin.reader.raw("CREATE DATABASE \(ident: name)").run()
        } catch {
            await admin.close()
            throw error
        }
        do {
            let result = try await body(databaseURL(server, name: name))
            try? await admin.reader.raw("DROP DATABASE IF EXISTS \(ident: name) WITH (FORCE)").run()
            await admin.close()
            return result
        } catch {
            try? await admin.reader.raw("DROP DATABASE IF EXISTS \(ident: name) WITH (FORCE)").run()
            await admin.close()
            throw error
        }
    }

    /// Opens a fresh database (see `withFreshURL`), closes it after `body`.
    public static func withFresh<T>(folder: String, readers: Int = 3, _ body: (MetadataDatabase) async throws -> T) async throws -> T {
        try await withFreshURL(folder: folder) { url in
            let db = try await MetadataDatabase.open(url: url, readers: readers, logger: quietLogger)
            do {
                let result = try await body(db)
                await db.close()
                return result
            } catch {
                await db.close()
                throw error
            }
        }
    }

    /// `server` with its database path replaced by `name`.
    static func databaseURL(_ server: String, name: String) -> String {
        guard var url = URLComponents(string: server) else { return server }
        url.path = "/" + name
        return url.string ?? server
    }

    static var quietLogger: Logger {
        var logger = Logger(label: "nora.test.metadata")
        logger.logLevel = .warning
        return logger
    }
}
