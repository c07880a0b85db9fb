import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import NoraCore
import NoraServer
import Prometheus
import SQLKit
import Testing

/// Index files are cached per crate revision: hits must be indistinguishable from renders,
/// and every write must show in the next GET — also through another replica's cache.
@Suite struct CargoIndexCacheRouterTests {
    static let path = "/cargo/index/de/mo/demo"

    static func publish(_ client: any TestClientProtocol, _ vers: String) async throws {
        let crate = try CargoRouterTests.crate(["demo-\(vers)/Cargo.toml": "[package]", "demo-\(vers)/src/lib.rs": ""])
        let json = #"{"name":"demo","vers":"\#(vers)","deps":[],"features":{}}"#
        let response = try await client.execute(uri: "/cargo/api/v1/crates/new", method: .put, body: CargoRouterTests.framed(json, crate))
        #expect(response.status == .ok, "publish \(vers): \(response.text)")
    }

    static func yank(_ client: any TestClientProtocol, _ vers: String, _ yanked: Bool) async throws {
        let response = try await client.execute(uri: "/cargo/api/v1/crates/demo/\(vers)/\(yanked ? "yank" : "unyank")",
                                                method: yanked ? .delete : .put)
        #expect(response.text == #"{"ok":true}"#)
    }

    static func get(_ client: any TestClientProtocol, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await client.execute(uri: path, method: .get, headers: headers)
    }

    /// The line of `vers` in an index file.
    static func line(_ file: TestResponse, _ vers: String) -> Substring? {
        file.text.split(separator: "\n").first { $0.contains(#""vers":"\#(vers)""#) }
    }

    @Test func aSecondGetIsServedIdenticalFromTheCache() async throws {
        try await TestRegistry.run { client, parts in
            try await Self.publish(client, "1.0.0")
            let first = try await Self.get(client), second = try await Self.get(client)
            #expect(first.status == .ok && second.status == .ok)
            #expect(second.body == first.body && first.text.hasSuffix("\n"))
            for field: HTTPField.Name in [.eTag, .lastModified, .cacheControl, .contentType] {
                #expect(first.headers[field] != nil && second.headers[field] == first.headers[field], "\(field)")
            }
            #expect(first.headers[.eTag] == EntityTag.quoted(Digest.of(first.body.readableBytesView).hex))
            let etag = try #require(first.headers[.eTag]), modified = try #require(first.headers[.lastModified])

            let head = try await client.execute(uri: Self.path, method: .head)
            #expect(head.status == .ok && head.body.readableBytes == 0 && head.headers[.eTag] == etag)
            #expect(head.headers[.contentLength] == String(first.body.readableBytes))
            let byTag = try await Self.get(client, headers: [.ifNoneMatch: etag])
            #expect(byTag.status == .notModified && byTag.headers[.eTag] == etag && byTag.headers[.lastModified] == modified)
            #expect(try await Self.get(client, headers: [.ifModifiedSince: modified]).status == .notModified)
            #expect(try await Self.get(client, headers: [.ifNoneMatch: "\"other\""]).body == first.body)

            // Proof that hits skip the version rows: a row changed behind the registry's back,
            // without a new revision, is not seen...
            try await parts.db.transaction { db in
                try await db.update("cargo_versions").set("line", to: "changed").where("name_key", .equal, "demo").run()
            }
            #expect(try await Self.get(client).body == first.body)
            // ...until the revision moves, as every write that changes index lines makes it.
            try await parts.db.transaction { db in
                try await db.update("cargo_crates").set("rev", to: SQLBinaryExpression(SQLColumn("rev"), .add, SQLLiteral.numeric("1")))
                    .where("name_key", .equal, "demo").run()
            }
            #expect(try await Self.get(client).text == "changed\n")
        }
    }

    @Test func publishYankAndUnyankShowInTheNextGet() async throws {
        try await TestRegistry.run { client, _ in
            try await Self.publish(client, "1.0.0")
            let one = try await Self.get(client)
            _ = try await Self.get(client)  // now cached
            let oneTag = try #require(one.headers[.eTag])

            try await Self.publish(client, "1.1.0")
            // The old ETag no longer matches: a full answer, not a 304 from the cached file.
            let two = try await Self.get(client, headers: [.ifNoneMatch: oneTag])
            #expect(two.status == .ok && two.headers[.eTag] != oneTag)
            #expect(two.text.split(separator: "\n").count == 2 && Self.line(two, "1.1.0") != nil)
            #expect(try await Self.get(client).body == two.body)

            try await Self.yank(client, "1.0.0", true)
            let yanked = try await Self.get(client)
            #expect(Self.line(yanked, "1.0.0")?.contains(#""yanked":true"#) == true)
            #expect(Self.line(yanked, "1.1.0")?.contains(#""yanked":false"#) == true)
            #expect(yanked.headers[.eTag] != two.headers[.eTag])
            let head = try await client.execute(uri: Self.path, method: .head)
            #expect(head.headers[.eTag] == yanked.headers[.eTag] && head.headers[.contentLength] == String(yanked.body.readableBytes))

            try await Self.yank(client, "1.0.0", false)
            let unyanked = try await Self.get(client)
            #expect(!unyanked.text.contains(#""yanked":true"#))
            // Same lines as before the yank, so the same content ETag.
            #expect(unyanked.body == two.body && unyanked.headers[.eTag] == two.headers[.eTag])
        }
    }

    /// Two registries (separate processes' worth: own connections, own caches) over one
    /// database folder and one blob folder, as replicas behind a load balancer.
    static func twoReplicas(
        _ test: @escaping @Sendable (any TestClientProtocol, any TestClientProtocol) async throws -> Void
    ) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nora-replicas-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try await TestRegistry.withDatabase(root: root) { url in
            var (config, logger) = TestRegistry.setup(root: root)
            config.database.url = url
            let first = try await NoraApp.open(config: config, logger: logger, metrics: PrometheusCollectorRegistry())
            let second: NoraApp.Parts
            do {
                second = try await NoraApp.open(config: config, logger: logger, metrics: PrometheusCollectorRegistry())
            } catch {
                await first.db.close()
                throw error
            }
            let appA = Application(router: NoraApp.router(parts: first, users: TestRegistry.users), logger: logger)
            let appB = Application(router: NoraApp.router(parts: second, users: TestRegistry.users), logger: logger)
            do {
                try await appA.test(.router) { a in try await appB.test(.router) { b in try await test(a, b) } }
            } catch {
                await first.db.close(); await second.db.close()
                throw error
            }
            await first.db.close(); await second.db.close()
        }
    }

    @Test func replicasOverOneDatabaseStayConsistent() async throws {
        try await Self.twoReplicas { a, b in
            try await Self.publish(a, "1.0.0")
            let fromB = try await Self.get(b), fromA = try await Self.get(a)  // each replica caches revision 1
            #expect(fromB.status == .ok && fromB.body == fromA.body && fromB.headers[.eTag] == fromA.headers[.eTag])

            try await Self.publish(a, "1.1.0")
            let bSees = try await Self.get(b)
            #expect(Self.line(bSees, "1.1.0") != nil, "a publish through A is in B's next GET")
            #expect(try await Self.get(a).body == bSees.body)  // A caches revision 2 as well

            try await Self.yank(b, "1.0.0", true)
            let aSees = try await Self.get(a)
            #expect(Self.line(aSees, "1.0.0")?.contains(#""yanked":true"#) == true, "a yank through B is in A's next GET")
            // The ETag is the content's hash, so a tag from one replica revalidates on the other.
            let tag = try #require(aSees.headers[.eTag])
            #expect(try await Self.get(b, headers: [.ifNoneMatch: tag]).status == .notModified)

            try await Self.yank(a, "1.0.0", false)
            let unyanked = try await Self.get(b)
            #expect(unyanked.status == .ok && !unyanked.text.contains(#""yanked":true"#), "an unyank through A is in B's next GET")
            #expect(try await Self.get(a).body == unyanked.body)
        }
    }
}
