import Foundation
import Hummingbird
import NIOCore
import HummingbirdBcrypt
import HummingbirdTesting
import Logging
import NoraAuth
import NoraCore
import NoraServer
import Prometheus

/// An in-process registry (production router and middleware) on a temp folder.
enum WebTest {
    static let password = "s3cret-pass"
    static let users = try! Htpasswd(contents: "admin:\(Bcrypt.hash(password, cost: 4))\n")

    static func run(configure: (inout NoraConfig) -> Void = { _ in },
                    _ test: @escaping @Sendable (any TestClientProtocol, NoraApp.Parts) async throws -> Void) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nora-web-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        var config = NoraConfig()
        config.storage.path = "\(root)/storage"
        config.rateLimit.enabled = false
        configure(&config)
        var logger = Logger(label: "nora.test")
        logger.logLevel = .warning
        let parts = try await NoraApp.open(config: config, logger: logger, metrics: PrometheusCollectorRegistry())
        let app = Application(router: NoraApp.router(parts: parts, users: users), logger: logger)
        do {
            try await app.test(.router) { client in try await test(client, parts) }
        } catch {
            await parts.db.close()
            throw error
        }
        await parts.db.close()
    }

    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    static func json(_ response: TestResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any]) ?? [:]
    }

    /// An npm publish document with `description` (a tiny gzip-looking tarball with a correct integrity).
    static func npmPublish(_ name: String, _ version: String, description: String) -> ByteBuffer {
        let tarball = Data([0x1f, 0x8b] + Array("\(name)@\(version)".utf8))
        let hex = Array(Digest.of(Array(tarball), algorithm: .sha512).hex.utf8)
        let sha512 = stride(from: 0, to: hex.count, by: 2).map { UInt8(String(decoding: hex[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
        let body: [String: Any] = [
            "name": name, "description": description, "dist-tags": ["latest": version],
            "versions": [version: ["name": name, "version": version, "description": description,
                                   "dependencies": ["left-pad": "^1.0.0"],
                                   "dist": ["integrity": "sha512-" + Data(sha512).base64EncodedString()]]],
            "readme": "# \(name)\n\n\(description)",
            "_attachments": ["\(name)-\(version).tgz": ["data": tarball.base64EncodedString(), "length": tarball.count]],
        ]
        return ByteBuffer(data: try! JSONSerialization.data(withJSONObject: body))
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
}
