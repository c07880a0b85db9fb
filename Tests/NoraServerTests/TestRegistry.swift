import Foundation
import Hummingbird
import HummingbirdBcrypt
import HummingbirdTesting
import Logging
import NoraAuth
import NoraCore
import NoraMetadata
import NoraMetadataTesting
import NoraServer
import Prometheus

/// An in-process registry on a temp folder, with the production router and middleware.
struct TestRegistry {
    static let password = "s3cret-pass"
    /// One bcrypt hash per run (cost 4 keeps the suite fast).
    static let users = try! Htpasswd(contents: "alice:\(Bcrypt.hash(password, cost: 4))\n")

    /// The configuration and logger every test registry starts from: storage under `root`,
    /// no rate limits, quiet logs.
    static func setup(root: String) -> (NoraConfig, Logger) {
        var config = NoraConfig()
        config.storage.path = "\(root)/storage"
        config.rateLimit.enabled = false
        // Never reach for the public upstreams from unit tests; proxy tests turn this off.
        config.proxy.offline = true
        var logger = Logger(label: "nora.test")
        logger.logLevel = .warning
        return (config, logger)
    }

    /// Runs `test` against a registry on a fresh database, or on `databaseURL` when given
    /// (to open the same database twice, as a restart does).
    static func run(
        testing: TestingSetup = .router,
        databaseURL: String? = nil,
        configure: (inout NoraConfig) -> Void = { _ in },
        _ test: @escaping @Sendable (any TestClientProtocol, NoraApp.Parts) async throws -> Void
    ) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nora-router-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try await withDatabase(root: root, reuse: databaseURL) { url in
            var (config, logger) = setup(root: root)
            config.database.url = url
            configure(&config)
            let parts = try await NoraApp.open(config: config, logger: logger, metrics: PrometheusCollectorRegistry())
            let app = Application(router: NoraApp.router(parts: parts, users: users), logger: logger)
            do {
                try await app.test(testing) { client in try await test(client, parts) }
            } catch {
                await parts.db.close()
                throw error
            }
            await parts.db.close()
        }
    }

    /// The database URL of a test registry under `root`: its own SQLite file, or a fresh
    /// PostgreSQL database when NORA_TEST_DATABASE_URL names a server (dropped afterwards).
    static func withDatabase(root: String, reuse url: String? = nil, _ body: (String) async throws -> Void) async throws {
        if let url { return try await body(url) }
        try await TestDatabase.withFreshURL(folder: root, body)
    }

    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
}
