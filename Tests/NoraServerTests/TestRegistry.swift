import Foundation
import Hummingbird
import HummingbirdBcrypt
import HummingbirdTesting
import Logging
import NoraAuth
import NoraCore
import NoraMetadata
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

    static func run(
        testing: TestingSetup = .router,
        configure: (inout NoraConfig) -> Void = { _ in },
        _ test: @escaping @Sendable (any TestClientProtocol, NoraApp.Parts) async throws -> Void
    ) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nora-router-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        var (config, logger) = setup(root: root)
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

    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
}
