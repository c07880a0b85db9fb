import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NoraCore
@testable import NoraServer
import NoraStorage
import Prometheus
import SQLKit
import Testing

/// A database and a store that do not belong together stop the server with a message naming
/// both; the embedded database lives inside the storage folder.
@Suite struct RegistryIdentityTests {
    let root: String
    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("nora-identity-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    func config(storage: String, database: String? = nil) -> (NoraConfig, Logger) {
        var (config, logger) = TestRegistry.setup(root: root)
        config.storage.path = "\(root)/\(storage)"
        config.database.url = database.map { "sqlite://\(root)/\($0)" }
        logger.logLevel = .critical
        return (config, logger)
    }

    /// Opens, lets `body` use the parts, closes.
    func withRegistry(storage: String, database: String? = nil, _ body: (NoraApp.Parts) async throws -> Void = { _ in }) async throws {
        let (config, logger) = config(storage: storage, database: database)
        let parts = try await NoraApp.open(config: config, logger: logger, metrics: PrometheusCollectorRegistry())
        do { try await body(parts) } catch { await parts.db.close(); throw error }
        await parts.db.close()
    }

    func startupFailure(storage: String, database: String? = nil) async -> String {
        do {
            try await withRegistry(storage: storage, database: database)
            return "started"
        } catch {
            return "\(error)"
        }
    }

    func publish(_ parts: NoraApp.Parts, _ path: String, _ text: String) async throws {
        let app = Application(router: NoraApp.router(parts: parts, users: TestRegistry.users))
        try await app.test(.router) { client in
            let put = try await client.execute(uri: path, method: .put, body: ByteBuffer(string: text))
            #expect(put.status == .created)
        }
    }

    @Test func theDatabaseLivesInsideTheStorageFolder() async throws {
        try await withRegistry(storage: "a") { parts in
            #expect(parts.databaseURL == "sqlite://\(root)/a/metadata.sqlite")
        }
        #expect(FileManager.default.fileExists(atPath: "\(root)/a/metadata.sqlite"))
        #expect(!FileManager.default.fileExists(atPath: "\(root)/metadata.sqlite"))
    }

    @Test func aDatabaseWithAnotherStoreIsRefused() async throws {
        try await withRegistry(storage: "a", database: "a.sqlite") { parts in try await publish(parts, "/raw/x.txt", "x") }
        try await withRegistry(storage: "a", database: "a.sqlite")  // the right pair starts again
        let message = await startupFailure(storage: "empty", database: "a.sqlite")
        #expect(message.contains("\(root)/a.sqlite") && message.contains("\(root)/empty"), "\(message)")
        #expect(message.contains("not one registry's"))
        // A database with files but no id yet (from before ids) and a store without them: refused too.
        try await withRegistry(storage: "b", database: "b.sqlite") { parts in
            try await publish(parts, "/raw/y.txt", "y")
            _ = try await parts.db.transaction { try await $0.delete(from: "registry_identity").run() }
        }
        let legacy = await startupFailure(storage: "empty2", database: "b.sqlite")
        #expect(legacy.contains("does not hold them"), "\(legacy)")
    }

    @Test func aNewDatabaseBesideAStoreWithBlobsIsRefused() async throws {
        try await withRegistry(storage: "a", database: "a.sqlite") { parts in try await publish(parts, "/raw/x.txt", "x") }
        let message = await startupFailure(storage: "a", database: "new.sqlite")
        #expect(message.contains("holds blobs") && message.contains("\(root)/new.sqlite"), "\(message)")
    }

    @Test func readinessNoticesALostMarker() async throws {
        try await withRegistry(storage: "a") { parts in
            let app = Application(router: NoraApp.router(parts: parts, users: TestRegistry.users))
            try await app.test(.router) { client in
                let gc = GarbageCollector(db: parts.db, store: parts.store, logger: Logger(label: "test"))
                _ = try await gc.run(graceSeconds: 0, dryRun: false, now: Clock.nowSeconds() + 10)
                let ready = try await client.execute(uri: "/ready", method: .get)
                #expect(ready.status == .ok && ready.text.contains(#""registry":"ok""#), "GC must keep the marker")
                #expect(try await parts.store.delete(parts.identity.marker))
                let notReady = try await client.execute(uri: "/ready", method: .get)
                #expect(notReady.status == .serviceUnavailable && notReady.text.contains(#""registry":"mismatch""#))
            }
        }
    }

    @Test func anOldDatabaseBesideTheStorageFolderIsStillUsed() async throws {
        try await withRegistry(storage: "data/storage", database: "data/metadata.sqlite") { parts in
            try await publish(parts, "/raw/old.txt", "old")
        }
        try await withRegistry(storage: "data/storage") { parts in
            #expect(parts.databaseURL == "sqlite://\(root)/data/metadata.sqlite")
            let app = Application(router: NoraApp.router(parts: parts, users: TestRegistry.users))
            try await app.test(.router) { client in
                let old = try await client.execute(uri: "/raw/old.txt", method: .get)
                #expect(old.text == "old")
            }
        }
        // A new storage folder beside it (same parent) gets its own database.
        try await withRegistry(storage: "data/other") { parts in
            #expect(parts.databaseURL == "sqlite://\(root)/data/other/metadata.sqlite")
        }
    }
}
