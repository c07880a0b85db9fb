import Foundation
import NoraMetadata
import NoraMetadataTesting
import SQLKit
import Synchronization
import Testing

/// A fresh temporary folder, removed afterwards.
func withTemporaryFolder<T>(_ body: (URL) async throws -> T) async throws -> T {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nora-metadata-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    return try await body(folder)
}

/// An opened, empty database, closed and removed afterwards: SQLite in a temporary folder,
/// or a fresh PostgreSQL database when NORA_TEST_DATABASE_URL names a server.
func withDatabase<T>(readers: Int = 3, _ body: (MetadataDatabase) async throws -> T) async throws -> T {
    try await withTemporaryFolder { folder in
        try await TestDatabase.withFresh(folder: folder.path, readers: readers, body)
    }
}

/// Counts how many times each migration body ran.
final class RunCounter: Sendable {
    private let counts = Mutex<[String: Int]>([:])
    func hit(_ id: String) { counts.withLock { $0[id, default: 0] += 1 } }
    func count(_ id: String) -> Int { counts.withLock { $0[id, default: 0] } }
}

struct Boom: Error, Equatable {}

let itemsMigration = Migration("test-001-items") { db in
    try await db.create(table: "items")
        .column("name", type: .text, .primaryKey(autoIncrement: false))
        .column("value", type: .bigint, .notNull)
        .run()
}

func rowCount(_ db: any SQLDatabase, _ table: String) async throws -> Int {
    let row = try #require(try await db.raw("SELECT COUNT(*) AS n FROM \(ident: table)").first())
    return try row.decode(column: "n", as: Int.self)
}

func itemValue(_ db: any SQLDatabase, _ name: String) async throws -> Int64? {
    try await db.select().column("value").from("items").where("name", .equal, name).first()?
        .decode(column: "value", as: Int64.self)
}

@Suite struct MetadataDatabaseTests {
    // MARK: migrations

    @Test func migrationsRunOnceAndAreRecorded() async throws {
        try await withDatabase { db async throws in
            let counter = RunCounter()
            let migrations = ["m-001", "m-002"].map { id in
                Migration(id) { sql in
                    counter.hit(id)
                    try await sql.create(table: "t_\(id.replacingOccurrences(of: "-", with: "_"))")
                        .column("id", type: .int, .primaryKey).run()
                }
            }
            try await db.migrate(migrations)
            try await db.migrate(migrations)
            try await db.migrate(migrations)
            #expect(counter.count("m-001") == 1)
            #expect(counter.count("m-002") == 1)
            let ids = try await db.reader.select().column("id").from("nora_migrations").orderBy("id").all()
                .map { try $0.decode(column: "id", as: String.self) }
            #expect(ids == ["m-001", "m-002"])
            let appliedAt = try #require(try await db.reader.select().column("applied_at").from("nora_migrations").first())
                .decode(column: "applied_at", as: Int64.self)
            #expect(abs(appliedAt - Int64(Date().timeIntervalSince1970)) <= 60)
            // Both tables exist.
            #expect(try await rowCount(db.reader, "t_m_001") == 0)
            #expect(try await rowCount(db.reader, "t_m_002") == 0)
        }
    }

    @Test func laterMigrationsAreAppliedIncrementally() async throws {
        try await withDatabase { db async throws in
            let counter = RunCounter()
            let first = Migration("a") { _ in counter.hit("a") }
            let second = Migration("b") { _ in counter.hit("b") }
            try await db.migrate([first])
            try await db.migrate([first, second])
            try await db.migrate([second, first])
            #expect(counter.count("a") == 1)
            #expect(counter.count("b") == 1)
            try await db.migrate([])
            #expect(try await rowCount(db.reader, "nora_migrations") == 2)
        }
    }

    @Test func migrationsRunInOrder() async throws {
        try await withDatabase { db async throws in
            let order = Mutex<[String]>([])
            let migrations = (1...5).map { i in Migration("order-\(i)") { _ in order.withLock { $0.append("order-\(i)") } } }
            try await db.migrate(migrations)
            #expect(order.withLock { $0 } == (1...5).map { "order-\($0)" })
        }
    }

    @Test func failedMigrationIsRolledBackAndRetried() async throws {
        try await withDatabase { db async throws in
            let broken = Migration("m-broken") { sql in
                try await sql.create(table: "half_done").column("id", type: .int, .primaryKey).run()
                throw Boom()
            }
            await #expect(throws: Boom.self) { try await db.migrate([itemsMigration, broken]) }
            // The first migration stays applied; the broken one left neither its table nor its record.
            let ids = try await db.reader.select().column("id").from("nora_migrations").all()
                .map { try $0.decode(column: "id", as: String.self) }
            #expect(ids == ["test-001-items"])
            await #expect(throws: (any Error).self) { try await rowCount(db.reader, "half_done") }

            let counter = RunCounter()
            let fixed = Migration("m-broken") { sql in
                counter.hit("fixed")
                try await sql.create(table: "half_done").column("id", type: .int, .primaryKey).run()
            }
            try await db.migrate([itemsMigration, fixed])
            #expect(counter.count("fixed") == 1)
            #expect(try await rowCount(db.reader, "half_done") == 0)
        }
    }

    @Test func migrationsSurviveReopening() async throws {
        try await withTemporaryFolder { folder in
            let url = "sqlite://\(folder.path)/nested/dir/metadata.sqlite"
            let counter = RunCounter()
            let migration = Migration("persist") { sql in
                counter.hit("persist")
                try await itemsMigration.apply(sql)
            }
            let db1 = try await MetadataDatabase.open(url: url)
            try await db1.migrate([migration])
            try await db1.transaction { sql in
                try await sql.insert(into: "items").columns("name", "value").values(SQLBind("kept"), SQLBind(7)).run()
            }
            await db1.close()
            #expect(FileManager.default.fileExists(atPath: folder.path + "/nested/dir/metadata.sqlite"))

            let db2 = try await MetadataDatabase.open(url: url)
            try await db2.migrate([migration])
            #expect(counter.count("persist") == 1)
            #expect(try await itemValue(db2.reader, "kept") == 7)
            #expect(db2.location == folder.path + "/nested/dir/metadata.sqlite")
            #expect(db2.dialect == .sqlite)
            await db2.close()
        }
    }

    // MARK: transactions

    @Test func transactionCommitsAndReturnsItsValue() async throws {
        try await withDatabase { db async throws in
            try await db.migrate([itemsMigration])
            let returned = try await db.transaction { sql in
                try await sql.insert(into: "items").columns("name", "value").values(SQLBind("a"), SQLBind(1)).run()
                try await sql.insert(into: "items").columns("name", "value").values(SQLBind("b"), SQLBind(2)).run()
                return "done"
            }
            #expect(returned == "done")
            #expect(try await itemValue(db.reader, "a") == 1)
            #expect(try await itemValue(db.reader, "b") == 2)
            #expect(try await rowCount(db.reader, "items") == 2)
        }
    }

    @Test func transactionRollsBackOnThrow() async throws {
        try await withDatabase { db async throws in
            try await db.migrate([itemsMigration])
            try await db.transaction { sql in
                try await sql.insert(into: "items").columns("name", "value").values(SQLBind("before"), SQLBind(1)).run()
            }
            await #expect(throws: Boom.self) {
                try await db.transaction { sql in
                    try await sql.insert(into: "items").columns("name", "value").values(SQLBind("ghost"), SQLBind(1)).run()
                    try await sql.update("items").set("value", to: SQLBind(99)).where("name", .equal, "before").run()
                    throw Boom()
                }
            }
            #expect(try await itemValue(db.reader, "ghost") == nil)
            #expect(try await itemValue(db.reader, "before") == 1)
            // The writer connection agrees, and is usable again.
            let seen = try await db.transaction { sql in try await itemValue(sql, "ghost") }
            #expect(seen == nil)
            try await db.transaction { sql in
                try await sql.insert(into: "items").columns("name", "value").values(SQLBind("after"), SQLBind(3)).run()
            }
            #expect(try await itemValue(db.reader, "after") == 3)
        }
    }

    @Test func constraintViolationRollsBackTheWholeTransaction() async throws {
        try await withDatabase { db async throws in
            try await db.migrate([itemsMigration])
            try await db.transaction { sql in
                try await sql.insert(into: "items").columns("name", "value").values(SQLBind("x"), SQLBind(1)).run()
            }
            await #expect(throws: (any Error).self) {
                try await db.transaction { sql in
                    try await sql.insert(into: "items").columns("name", "value").values(SQLBind("y"), SQLBind(2)).run()
                    // Primary-key violation: immutability is a unique constraint.
                    try await sql.insert(into: "items").columns("name", "value").values(SQLBind("x"), SQLBind(3)).run()
                }
            }
            #expect(try await itemValue(db.reader, "y") == nil)
            #expect(try await itemValue(db.reader, "x") == 1)
        }
    }

    @Test func concurrentReadModifyWriteTransactionsAllLand() async throws {
        try await withDatabase { db async throws in
            try await db.migrate([itemsMigration])
            try await db.transaction { sql in
                try await sql.insert(into: "items").columns("name", "value").values(SQLBind("counter"), SQLBind(0)).run()
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<100 {
                    group.addTask {
                        try await db.transaction { sql in
                            let current = try await itemValue(sql, "counter") ?? -1000
                            await Task.yield()
                            try await sql.update("items").set("value", to: SQLBind(current + 1))
                                .where("name", .equal, "counter").run()
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await itemValue(db.reader, "counter") == 100)
        }
    }

    @Test func concurrentTransactionsWithFailuresKeepOnlyTheSuccessfulOnes() async throws {
        try await withDatabase { db async throws in
            try await db.migrate([itemsMigration])
            let failures = try await withThrowingTaskGroup(of: Bool.self) { group in
                for i in 0..<40 {
                    group.addTask {
                        do {
                            try await db.transaction { sql in
                                try await sql.insert(into: "items").columns("name", "value").values(SQLBind("row-\(i)"), SQLBind(i)).run()
                                if i % 4 == 0 { throw Boom() }
                            }
                            return false
                        } catch is Boom { return true }
                    }
                }
                var n = 0
                for try await failed in group where failed { n += 1 }
                return n
            }
            #expect(failures == 10)
            #expect(try await rowCount(db.reader, "items") == 30)
            #expect(try await itemValue(db.reader, "row-0") == nil)
            #expect(try await itemValue(db.reader, "row-1") == 1)
        }
    }

    // MARK: readers

    @Test func readersSeeCommittedDataOnEveryConnection() async throws {
        try await withDatabase(readers: 3) { db async throws in
            try await db.migrate([itemsMigration])
            for i in 1...5 {
                try await db.transaction { sql in
                    try await sql.insert(into: "items").columns("name", "value").values(SQLBind("r\(i)"), SQLBind(i)).run()
                }
                // Round-robin over all reader connections: each sees the row just committed.
                for _ in 0..<4 {
                    #expect(try await itemValue(db.reader, "r\(i)") == Int64(i))
                    #expect(try await rowCount(db.reader, "items") == i)
                }
            }
        }
    }

    @Test func readersDoNotSeeUncommittedData() async throws {
        try await withDatabase { db async throws in
            try await db.migrate([itemsMigration])
            try await db.transaction { sql in
                try await sql.insert(into: "items").columns("name", "value").values(SQLBind("pending"), SQLBind(1)).run()
                #expect(try await itemValue(sql, "pending") == 1)           // visible inside
                for _ in 0..<3 { #expect(try await itemValue(db.reader, "pending") == nil) }  // not outside
            }
            #expect(try await itemValue(db.reader, "pending") == 1)
        }
    }

    @Test(.enabled(if: !TestDatabase.isPostgres, "PostgreSQL readers share the pool of the writers"))
    func readersAreReadOnly() async throws {
        try await withDatabase { db async throws in
            try await db.migrate([itemsMigration])
            await #expect(throws: (any Error).self) {
                try await db.reader.insert(into: "items").columns("name", "value").values(SQLBind("sneaky"), SQLBind(1)).run()
            }
            #expect(try await itemValue(db.reader, "sneaky") == nil)
        }
    }

    @Test func pingAnswers() async throws {
        try await withDatabase { db async throws in
            try await db.ping()
            try await db.ping()
        }
        try await withDatabase(readers: 0) { db async throws in
            try await db.ping()
        }
    }

    @Test func inMemoryDatabaseWorks() async throws {
        let db = try await MetadataDatabase.open(url: "sqlite://:memory:")
        do {
            #expect(db.location == ":memory:")
            try await db.migrate([itemsMigration])
            try await db.migrate([itemsMigration])
            try await db.transaction { sql in
                try await sql.insert(into: "items").columns("name", "value").values(SQLBind("m"), SQLBind(5)).run()
            }
            await #expect(throws: Boom.self) {
                try await db.transaction { sql in
                    try await sql.insert(into: "items").columns("name", "value").values(SQLBind("gone"), SQLBind(6)).run()
                    throw Boom()
                }
            }
            #expect(try await itemValue(db.reader, "m") == 5)
            #expect(try await itemValue(db.reader, "gone") == nil)
            try await db.ping()
        } catch {
            await db.close()
            throw error
        }
        await db.close()
    }

    @Test(arguments: ["postgres://localhost/nora", "postgresql://user@/nora", "mysql://x", "metadata.sqlite", "sqlite://", ""])
    func unsupportedURLsAreRefused(_ url: String) async {
        await #expect(throws: (any Error).self) {
            let db = try await MetadataDatabase.open(url: url)
            await db.close()
        }
    }

    @Test(.enabled(if: !TestDatabase.isPostgres, "SQLite only"))
    func fileIsInWALMode() async throws {
        try await withDatabase { db async throws in
            let row = try #require(try await db.reader.raw("PRAGMA journal_mode").first())
            let mode = try row.decode(column: "journal_mode", as: String.self)
            #expect(mode.lowercased() == "wal")
        }
    }
}
