import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NoraCore
import NoraServer
import Testing

/// `StoreRepair` on a damaged registry (SQLite, or PostgreSQL when NORA_TEST_DATABASE_URL is
/// set): rows naming damaged blobs go through each format's delete or row removal, the
/// corrupt blob is quarantined, the verifier is clean after, and clients get 404.
@Suite struct StoreRepairTests {
    @Test func repairsEveryDamagedRow() async throws {
        let crate = try CargoRouterTests.crate(["fixme-1.0.0/Cargo.toml": "[package]", "fixme-1.0.0/src/lib.rs": ""])
        try await TestRegistry.run { client, parts in
            for (path, text) in [("/raw/r/bad.txt", "flip me"), ("/raw/r/ok.txt", "fine"), ("/maven2/org/r/lib/1.0/lib-1.0.jar", "jar")] {
                #expect(try await client.execute(uri: path, method: .put, body: ByteBuffer(string: text)).status == .created)
            }
            let json = #"{"name":"fixme","vers":"1.0.0","deps":[],"features":{}}"#
            #expect(try await client.execute(uri: "/cargo/api/v1/crates/new", method: .put, body: CargoRouterTests.framed(json, crate)).status == .ok)

            func path(_ text: [UInt8]) -> String { StoreVerifierTests.blobPath(parts, Digest.of(text)) }
            var flipped = try Data(contentsOf: URL(fileURLWithPath: path(Array("flip me".utf8))))
            flipped[0] ^= 0x01
            try flipped.write(to: URL(fileURLWithPath: path(Array("flip me".utf8))))
            try FileManager.default.removeItem(atPath: path(Array("jar".utf8)))
            try FileManager.default.removeItem(atPath: path(crate))

            let verifier = StoreVerifier(db: parts.db, store: parts.store)
            let plan = StoreRepair.plan(try await verifier.run(graceSeconds: 3600))
            #expect(plan.steps.count == 4 && plan.left.isEmpty)
            let outcomes = await StoreRepair(parts: parts, logger: Logger(label: "test")).apply(plan)
            #expect(outcomes.allSatisfy { $0.error == nil }, "\(outcomes.compactMap(\.error))")
            #expect(try await verifier.run(graceSeconds: 3600).clean)

            #expect(try await client.execute(uri: "/raw/r/bad.txt", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/raw/r/ok.txt", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/maven2/org/r/lib/1.0/lib-1.0.jar", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/cargo/api/v1/crates/fixme/1.0.0/download", method: .get).status == .notFound)
            let quarantined = try FileManager.default.contentsOfDirectory(atPath: parts.config.storage.path + "/quarantine")
            #expect(quarantined.count == 1 && quarantined[0].contains(Digest.of(Array("flip me".utf8)).hex))
        }
    }
}
