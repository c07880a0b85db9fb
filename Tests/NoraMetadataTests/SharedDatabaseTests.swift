import Foundation
import NoraCore
import NoraMetadata
import NoraMetadataTesting
import SQLKit
import Synchronization
import Testing

/// What several replicas on one database rely on, and what must read the same on both
/// dialects. Each test opens the same fresh database more than once, as replicas would.
@Suite struct SharedDatabaseTests {
    /// Two opened handles of one fresh database (two "replicas"). Replicas are a PostgreSQL
    /// deployment: on SQLite (one process owns the file; other processes would wait on its
    /// file lock) both names are the same handle, so the tests check the same guarantees
    /// within one process.
    func withReplicas(_ body: (MetadataDatabase, MetadataDatabase) async throws -> Void) async throws {
        guard TestDatabase.isPostgres else {
            try await withDatabase { db in try await body(db, db) }
            return
        }
        try await withTemporaryFolder { folder in
            try await TestDatabase.withFreshURL(folder: folder.path) { url in
                let a = try await MetadataDatabase.open(url: url), b = try await MetadataDatabase.open(url: url)
                do {
                    try await body(a, b)
                } catch {
                    await a.close(); await b.close()
                    throw error
                }
                await a.close(); await b.close()
            }
        }
    }

    @Test func dialectMatchesTheURL() async throws {
        try await withDatabase { db in
            #expect(db.dialect == (TestDatabase.isPostgres ? .postgres : .sqlite))
            #expect(!db.location.contains("***") || TestDatabase.serverURL?.contains(":") == true)
        }
    }

    /// PostgreSQL's text cannot hold U+0000: such a write is a client's bad request there, and
    /// nothing of its transaction stays. SQLite stores it.
    @Test func nulInTextIsABadRequestWhereItCannotBeStored() async throws {
        try await withDatabase { db in
            try await db.migrate([itemsMigration])
            let write = {
                try await db.transaction { sql in
                    try await sql.insert(into: "items").columns("name", "value").values(SQLBind("kept"), SQLBind(1)).run()
                    try await sql.insert(into: "items").columns("name", "value").values(SQLBind("a\u{0}b"), SQLBind(2)).run()
                }
            }
            if TestDatabase.isPostgres {
                await #expect { try await write() } throws: { ($0 as? AppError)?.kind == .badRequest }
                #expect(try await rowCount(db.reader, "items") == 0)
            } else {
                try await write()
                #expect(try await rowCount(db.reader, "items") == 2)
            }
        }
    }

    @Test func textSortsAndPagesInByteOrder() async throws {
        try await withDatabase { db in
            try await db.migrate([itemsMigration])
            let names = ["a", "B", "_x", "Z", "a-b", "a_b", "aB", "ä", "10", "9"]
            try await db.transaction { sql in
                for (i, name) in names.enumerated() {
                    try await sql.insert(into: "items").columns("name", "value").values(SQLBind(name), SQLBind(i)).run()
                }
            }
            let sorted = try await db.reader.select().column("name").from("items").orderBy("name").all()
                .map { try $0.decode(column: "name", as: String.self) }
            #expect(sorted == names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
            // Paging by `name > last` continues in the same order.
            let after = try await db.reader.select().column("name").from("items").where("name", .greaterThan, "a")
                .orderBy("name").all().map { try $0.decode(column: "name", as: String.self) }
            #expect(after == Array(sorted.drop { $0 != "a" }.dropFirst()))
        }
    }

    @Test func replicasStartingTogetherApplyEachMigrationOnce() async throws {
        try await withReplicas { a, b in
            let counter = RunCounter()
            let migrations = (1...4).map { i in
                Migration("shared-\(i)") { sql in
                    counter.hit("shared-\(i)")
                    try await sql.create(table: "shared_\(i)").column("id", type: .bigint, .primaryKey(autoIncrement: false)).run()
                }
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for db in [a, b, a, b] { group.addTask { try await db.migrate(migrations) } }
                try await group.waitForAll()
            }
            for i in 1...4 { #expect(counter.count("shared-\(i)") == 1) }
            #expect(try await rowCount(b.reader, "nora_migrations") == 4)
        }
    }

    /// Read-modify-write from two handles at once, with no lock key: the transactions are
    /// serializable, so none is lost (PostgreSQL aborts the losers of a race and they run again).
    @Test func readModifyWriteAcrossReplicasLosesNothing() async throws {
        try await withReplicas { a, b in
            try await a.migrate([itemsMigration])
            try await a.transaction { sql in
                try await sql.insert(into: "items").columns("name", "value").values(SQLBind("counter"), SQLBind(0)).run()
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<30 {
                    let db = i % 2 == 0 ? a : b
                    group.addTask {
                        try await db.transaction { sql in
                            let current = try await itemValue(sql, "counter") ?? -1000
                            try await sql.update("items").set("value", to: SQLBind(current + 1)).where("name", .equal, "counter").run()
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await itemValue(a.reader, "counter") == 30)
        }
    }

    /// The same with a lock key: writers of one key queue across replicas instead of racing.
    @Test func lockedWritersOfOneKeyQueue() async throws {
        try await withReplicas { a, b in
            try await a.migrate([itemsMigration])
            let gauge = Gauge()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<40 {
                    let db = i % 2 == 0 ? a : b
                    group.addTask {
                        try await db.transaction(locking: "items:list") { sql in
                            gauge.enter()
                            let count = try await rowCount(sql, "items")
                            try await Task.sleep(for: .milliseconds(2))
                            try await sql.insert(into: "items").columns("name", "value")
                                .values(SQLBind("item-\(count)"), SQLBind(i)).run()
                            gauge.leave()
                        }
                    }
                }
                try await group.waitForAll()
            }
            // Each writer saw every earlier one: the names item-0 … item-39 are all there.
            #expect(try await rowCount(a.reader, "items") == 40)
            #expect(try await itemValue(a.reader, "item-39") != nil)
            #expect(gauge.most == 1)
        }
    }

    @Test func uniqueConstraintHoldsAcrossReplicas() async throws {
        try await withReplicas { a, b in
            try await a.migrate([itemsMigration])
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for i in 0..<10 {
                    let db = i % 2 == 0 ? a : b
                    group.addTask {
                        do {
                            try await db.transaction { sql in
                                try await sql.insert(into: "items").columns("name", "value").values(SQLBind("once"), SQLBind(i)).run()
                            }
                            return true
                        } catch { return false }
                    }
                }
                var wins = 0
                for try await won in group where won { wins += 1 }
                return wins
            }
            #expect(outcomes == 1)
            #expect(try await rowCount(b.reader, "items") == 1)
        }
    }
}

extension SharedDatabaseTests {
    @Test func copyGoesFromSQLiteToPostgreSQLOnly() async throws {
        try await withDatabase { db in
            await #expect(throws: MetadataCopy.Failure.self) {
                _ = try await MetadataCopy(from: db, to: db).run { _, _, _ in }
            }
        }
    }
}

/// How many bodies run at once, and the most seen.
final class Gauge: Sendable {
    private let state = Mutex((now: 0, most: 0))
    func enter() { state.withLock { $0.now += 1; $0.most = max($0.most, $0.now) } }
    func leave() { state.withLock { $0.now -= 1 } }
    var most: Int { state.withLock { $0.most } }
}
