import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import NoraCore
import NoraGo
import Testing

/// `GoModulePublisher` (the logic behind `nora go publish`) against a live server, and the
/// GOPROXY reads it leads to.
@Suite struct GoRouterTests {
    static func moduleFolder() throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nora-go-src-\(UUID().uuidString)").path
        let files = ["go.mod": "module example.com/Live/mod\n\ngo 1.22\n", "mod.go": "package mod\n",
                     "inner/go.mod": "module example.com/Live/mod/inner\n", "inner/i.go": "package inner\n",
                     ".git/config": "[core]\n"]
        for (path, text) in files {
            let full = root + "/" + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: full))
        }
        return root
    }

    @Test func publisherUploadsAndProxyServes() async throws {
        let folder = try Self.moduleFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await TestRegistry.run(testing: .live) { client, _ in
            let registry = "http://127.0.0.1:\(try #require(client.port))"
            let publisher = try GoModulePublisher(directory: folder, module: nil, version: "v1.0.0")
            let response = try await publisher.publish(registry: registry, token: nil)
            #expect(response.status == 201)
            let published = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
            #expect(published?["module"] as? String == "example.com/Live/mod")
            #expect((published?["h1"] as? String)?.hasPrefix("h1:") == true)

            let list = try await client.execute(uri: "/go/example.com/!live/mod/@v/list", method: .get)
            #expect(list.status == .ok)
            #expect(list.text == "v1.0.0\n")
            let mod = try await client.execute(uri: "/go/example.com/%21live/mod/@v/v1.0.0.mod", method: .get)
            #expect(mod.text == "module example.com/Live/mod\n\ngo 1.22\n")

            // Served byte-identical to what the publisher builds (deterministic zips).
            let local = FileManager.default.temporaryDirectory.appendingPathComponent("nora-go-\(UUID().uuidString).zip").path
            defer { try? FileManager.default.removeItem(atPath: local) }
            let files = try publisher.writeZip(to: local)
            #expect(files.map(\.path) == ["go.mod", "mod.go"])  // nested module and .git left out
            let zip = try await client.execute(uri: "/go/example.com/!live/mod/@v/v1.0.0.zip", method: .get)
            #expect(Array(zip.body.readableBytesView) == Array(try Data(contentsOf: URL(fileURLWithPath: local))))

            await #expect(throws: GoModulePublisher.Failure.self) {
                try await publisher.publish(registry: registry, token: nil)
            }
            do {
                _ = try await publisher.publish(registry: registry, token: nil)
            } catch {
                #expect("\(error)".contains("HTTP 409"))
                #expect("\(error)".contains("immutable"))
            }
        }
    }

    @Test func publisherSendsItsToken() async throws {
        let folder = try Self.moduleFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await TestRegistry.run(testing: .live, configure: { $0.auth.enabled = true }) { client, parts in
            let registry = "http://127.0.0.1:\(try #require(client.port))"
            let publisher = try GoModulePublisher(directory: folder, module: "example.com/Live/mod", version: "v0.1.0")
            do {
                _ = try await publisher.publish(registry: registry, token: nil)
                Issue.record("anonymous publish accepted")
            } catch {
                #expect("\(error)".contains("HTTP 401"))
            }
            let (_, reader) = try await parts.tokens.create(name: "ro", owner: "bob", role: .read, expiresInSeconds: nil)
            do {
                _ = try await publisher.publish(registry: registry, token: reader)
                Issue.record("read-only token could publish")
            } catch {
                #expect("\(error)".contains("HTTP 403"))
            }
            let (_, writer) = try await parts.tokens.create(name: "ci", owner: "ci", role: .write, expiresInSeconds: nil)
            let response = try await publisher.publish(registry: registry, token: writer)
            #expect(response.status == 201)
            let info = try await client.execute(uri: "/go/example.com/!live/mod/@v/v0.1.0.info", method: .get,
                                                headers: [.authorization: "Bearer \(writer)"])
            #expect(info.status == .ok)
            #expect(info.text.contains("\"Version\":\"v0.1.0\""))
        }
    }
}
