import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import NoraCore
import Testing

/// The cargo routes in-process; the real cargo drives them in tests/e2e/test_cargo_*.py.
@Suite struct CargoRouterTests {
    /// A `.crate`: a gzip tar made by Python's tarfile, with `files` as given.
    static func crate(_ files: [String: String]) throws -> [UInt8] {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("crate-\(UUID().uuidString).tgz").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let entries = files.map { "(\"\($0.key)\", b\"\($0.value)\")" }.joined(separator: ", ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", """
        import io, sys, tarfile
        with tarfile.open(sys.argv[1], "w:gz") as t:
            for name, data in [\(entries)]:
                i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))
        """, out]
        try process.run()
        process.waitUntilExit()
        return Array(try Data(contentsOf: URL(fileURLWithPath: out)))
    }

    static func framed(_ json: String, _ crate: [UInt8]) -> ByteBuffer {
        func le32(_ n: Int) -> [UInt8] { (0..<4).map { UInt8((n >> (8 * $0)) & 0xff) } }
        return ByteBuffer(bytes: le32(json.utf8.count) + Array(json.utf8) + le32(crate.count) + crate)
    }

    @Test func publishThenIndexDownloadYankAndSearch() async throws {
        let crate = try Self.crate(["demo-1.0.0/Cargo.toml": "[package]", "demo-1.0.0/src/lib.rs": ""])
        try await TestRegistry.run { client, _ in
            let json = #"{"name":"demo","vers":"1.0.0","deps":[],"features":{"std":[]},"description":"a demo"}"#
            let published = try await client.execute(uri: "/cargo/api/v1/crates/new", method: .put, body: Self.framed(json, crate))
            #expect(published.status == .ok)
            #expect(published.text.contains("\"warnings\""))

            let index = try await client.execute(uri: "/cargo/index/de/mo/demo", method: .get)
            #expect(index.status == .ok)
            #expect(index.text.contains(#""cksum":"\#(Digest.of(crate).hex)""#))
            #expect(index.text.contains(#""features":{"std":[]}"#) && index.text.contains(#""yanked":false"#))
            let etag = try #require(index.headers[.eTag])
            #expect(try await client.execute(uri: "/cargo/index/de/mo/demo", method: .get, headers: [.ifNoneMatch: etag]).status == .notModified)

            let download = try await client.execute(uri: "/cargo/api/v1/crates/demo/1.0.0/download", method: .get)
            #expect(Array(download.body.readableBytesView) == crate)

            #expect(try await client.execute(uri: "/cargo/api/v1/crates/demo/1.0.0/yank", method: .delete).text == #"{"ok":true}"#)
            let yanked = try await client.execute(uri: "/cargo/index/de/mo/demo", method: .get)
            #expect(yanked.text.contains(#""yanked":true"#) && yanked.headers[.eTag] != etag)

            let search = try await client.execute(uri: "/cargo/api/v1/crates?q=DEM&per_page=5", method: .get)
            #expect(search.text == #"{"crates":[{"description":"a demo","max_version":"1.0.0","name":"demo"}],"meta":{"total":1}}"#)

            let again = try await client.execute(uri: "/cargo/api/v1/crates/new", method: .put, body: Self.framed(json, crate))
            #expect(again.status == .conflict)
            #expect(again.text.contains(#"{"errors":[{"detail":"crate 'demo' version 1.0.0 is already uploaded"#))
        }
    }

    /// `cargo search serde` lists serde first: exact name, then prefix matches, then the rest
    /// (by name within each), and paging keeps that order.
    @Test func searchRanksExactThenPrefixThenOthers() async throws {
        try await TestRegistry.run { client, _ in
            for name in ["erased-serde", "serde_json", "a-serde-helper", "serde", "serde-derive", "unrelated"] {
                let crate = try Self.crate(["\(name)-1.0.0/Cargo.toml": "[package]"])
                let json = #"{"name":"\#(name)","vers":"1.0.0","deps":[],"features":{},"description":"x"}"#
                let published = try await client.execute(uri: "/cargo/api/v1/crates/new", method: .put, body: Self.framed(json, crate))
                #expect(published.status == .ok)
            }
            struct Found: Decodable { struct Crate: Decodable { let name: String }; let crates: [Crate] }
            func names(_ query: String) async throws -> [String] {
                let r = try await client.execute(uri: "/cargo/api/v1/crates?\(query)", method: .get)
                return try JSONDecoder().decode(Found.self, from: Data(r.text.utf8)).crates.map(\.name)
            }
            #expect(try await names("q=serde") == ["serde", "serde-derive", "serde_json", "a-serde-helper", "erased-serde"])
            #expect(try await names("q=SERDE&per_page=2&page=2") == ["serde_json", "a-serde-helper"])
            #expect(try await names("q=serde_derive") == ["serde-derive"])
        }
    }

    @Test func authRequiredChallengesInCargoStyle() async throws {
        try await TestRegistry.run(configure: { $0.auth.enabled = true }) { client, parts in
            let anonymous = try await client.execute(uri: "/cargo/index/config.json", method: .get)
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.headers[.wwwAuthenticate]?.hasPrefix("Cargo login_url=\"") == true)
            #expect(anonymous.headers[.wwwAuthenticate]?.hasSuffix("/cargo/me\"") == true)
            #expect(anonymous.text.hasPrefix(#"{"errors":[{"detail":"#))
            let (_, secret) = try await parts.tokens.create(name: "ci", owner: "bob", role: .read, expiresInSeconds: nil)
            let config = try await client.execute(uri: "/cargo/index/config.json", method: .get, headers: [.authorization: secret])
            #expect(config.status == .ok)
            #expect(config.text.contains(#""auth-required":true"#))
            let publish = try await client.execute(uri: "/cargo/api/v1/crates/new", method: .put,
                                                   headers: [.authorization: secret], body: ByteBuffer(bytes: [0]))
            #expect(publish.status == .forbidden)
        }
    }
}
