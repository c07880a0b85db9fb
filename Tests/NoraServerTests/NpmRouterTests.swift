import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import NoraCore
import Testing

/// npm over the in-process app: publishing, concurrency, login and the auth challenge.
@Suite struct NpmRouterTests {
    static let json: HTTPFields = [.contentType: "application/json"]

    /// A publish document for a small gzip-looking tarball with a correct integrity.
    static func publish(_ name: String, _ version: String, tags: [String: String]? = nil) -> ByteBuffer {
        let tarball = Data([0x1f, 0x8b] + Array("\(name)@\(version)".utf8))
        // No shasum: the registry computes it; the integrity must still match.
        let hex = Array(Digest.of(Array(tarball), algorithm: .sha512).hex.utf8)
        let sha512 = stride(from: 0, to: hex.count, by: 2).map { UInt8(String(decoding: hex[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
        let dist: [String: Any] = ["integrity": "sha512-" + Data(sha512).base64EncodedString()]
        let bare = name.split(separator: "/").last.map(String.init) ?? name
        let body: [String: Any] = [
            "name": name, "dist-tags": tags ?? ["latest": version],
            "versions": [version: ["name": name, "version": version, "dist": dist]],
            "_attachments": ["\(bare)-\(version).tgz": ["data": tarball.base64EncodedString(), "length": tarball.count]],
        ]
        return ByteBuffer(data: try! JSONSerialization.data(withJSONObject: body))
    }

    static func object(_ response: TestResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(response.text.utf8)) as? [String: Any]) ?? [:]
    }

    @Test func concurrentPublishesOfOnePackageAllLand() async throws {
        try await TestRegistry.run { client, _ in
            let versions = (0..<12).map { "2.0.\($0)" }
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for version in versions {
                    group.addTask {
                        try await client.execute(uri: "/npm/@team%2fcore", method: .put, headers: Self.json,
                                                 body: Self.publish("@team/core", version)).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: .created, count: versions.count))
            let doc = Self.object(try await client.execute(uri: "/npm/@team/core", method: .get))
            #expect(Set((doc["versions"] as? [String: Any])?.keys.map { $0 } ?? []) == Set(versions))
            #expect((doc["_rev"] as? String)?.hasPrefix("\(versions.count)-") == true)

            let again = try await client.execute(uri: "/npm/@team%2fcore", method: .put, headers: Self.json,
                                                 body: Self.publish("@team/core", "2.0.3"))
            #expect(again.status == .forbidden)
            #expect(Self.object(again)["error"] as? String == "You cannot publish over the previously published versions: 2.0.3.")
        }
    }

    @Test func loginIssuesAWorkingToken() async throws {
        try await TestRegistry.run(configure: { $0.auth.enabled = true }) { client, _ in
            let unauthenticated = try await client.execute(uri: "/npm/anything", method: .get)
            #expect(unauthenticated.status == .unauthorized)
            #expect(unauthenticated.headers[.wwwAuthenticate]?.hasPrefix("Basic realm=") == true)
            #expect(Self.object(unauthenticated)["error"] is String)

            let wrong = try await client.execute(uri: "/npm/-/user/org.couchdb.user:alice", method: .put, headers: Self.json,
                                                 body: ByteBuffer(string: #"{"name":"alice","password":"nope"}"#))
            #expect(wrong.status == .unauthorized)
            let body = #"{"name":"alice","password":"\#(TestRegistry.password)"}"#
            let login = try await client.execute(uri: "/npm/-/user/org.couchdb.user:alice", method: .put, headers: Self.json,
                                                 body: ByteBuffer(string: body))
            #expect(login.status == .created)
            let token = try #require(Self.object(login)["token"] as? String)
            let auth: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
            let whoami = try await client.execute(uri: "/npm/-/whoami", method: .get, headers: auth)
            #expect(Self.object(whoami)["username"] as? String == "alice")
            let published = try await client.execute(uri: "/npm/solo", method: .put, headers: auth, body: Self.publish("solo", "1.0.0"))
            #expect(published.status == .created)
            let doc = Self.object(try await client.execute(uri: "/npm/solo", method: .get, headers: auth))
            #expect((doc["maintainers"] as? [[String: Any]])?.first?["name"] as? String == "alice")
        }
    }
}
