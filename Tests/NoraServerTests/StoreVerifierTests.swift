import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import NoraCore
import NoraServer
import Testing

/// `nora verify` finds a flipped byte, a deleted blob and a truncated file, naming the format
/// and the artifact; a healthy store is clean.
@Suite struct StoreVerifierTests {
    static func blobPath(_ parts: NoraApp.Parts, _ digest: Digest) -> String {
        "\(parts.config.storage.path)/blobs/\(digest.algorithm.rawValue)/\(digest.hex.prefix(2))/\(digest.hex)"
    }

    @Test func findsDamageAndNamesIt() async throws {
        try await TestRegistry.run { client, parts in
            let texts = ["flip": "flipped bytes", "gone": "deleted blob", "short": "truncated file", "fine": "kept intact"]
            for (name, text) in texts {
                let put = try await client.execute(uri: "/raw/team/\(name).txt", method: .put, body: ByteBuffer(string: text))
                #expect(put.status == .created)
            }
            let layer = Array("layer".utf8), config = Array("{}".utf8)
            for bytes in [layer, config] {
                let put = try await client.execute(uri: "/v2/team/app/blobs/uploads/?digest=\(Digest.of(bytes))", method: .post,
                                                   body: ByteBuffer(bytes: bytes))
                #expect(put.status == .created)
            }
            let manifest = """
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",\
            "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\(Digest.of(config))","size":2},\
            "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"\(Digest.of(layer))","size":5}]}
            """
            let stored = try await client.execute(uri: "/v2/team/app/manifests/v1", method: .put,
                                                  headers: [.contentType: "application/vnd.oci.image.manifest.v1+json"], body: ByteBuffer(string: manifest))
            #expect(stored.status == .created)

            let verifier = StoreVerifier(db: parts.db, store: parts.store)
            let healthy = try await verifier.run(graceSeconds: 3600)
            #expect(healthy.clean)
            #expect(healthy.blobsChecked == 8)  // 4 raw files, 2 OCI blobs, the manifest, the registry marker
            #expect(healthy.orphans.isEmpty)

            func digest(_ name: String) -> Digest { Digest.of(Array(texts[name]!.utf8)) }
            var flipped = try Data(contentsOf: URL(fileURLWithPath: Self.blobPath(parts, digest("flip"))))
            flipped[0] ^= 0x01
            try flipped.write(to: URL(fileURLWithPath: Self.blobPath(parts, digest("flip"))))
            try FileManager.default.removeItem(atPath: Self.blobPath(parts, digest("gone")))
            try Data("trunc".utf8).write(to: URL(fileURLWithPath: Self.blobPath(parts, digest("short"))))
            try FileManager.default.removeItem(atPath: Self.blobPath(parts, Digest.of(layer)))

            let damaged = try await verifier.run(graceSeconds: 3600)
            #expect(!damaged.clean)
            func kinds(_ artifact: String) -> Set<String> {
                Set(damaged.problems.filter { $0.artifact == artifact }.map(\.kind.rawValue))
            }
            #expect(kinds("team/flip.txt") == ["corrupt"])
            #expect(kinds("team/gone.txt") == ["missing"])
            #expect(kinds("team/short.txt") == ["corrupt"])
            #expect(kinds("team/fine.txt").isEmpty)
            // The layer is named by its link row and by the manifest that lists it.
            let layerProblems = damaged.problems.filter { $0.digest == Digest.of(layer).description }
            #expect(Set(layerProblems.map(\.artifact)).contains("team/app"))
            #expect(layerProblems.allSatisfy { $0.format == "docker" && $0.kind == .missing })
            #expect(damaged.problems.filter { $0.format == "raw" }.count == 3)
        }
    }

    @Test func listsOrphansWithoutFailing() async throws {
        try await TestRegistry.run { client, parts in
            _ = try await client.execute(uri: "/raw/a.txt", method: .put, body: ByteBuffer(string: "first"))
            _ = try await client.execute(uri: "/raw/a.txt", method: .delete)
            let report = try await StoreVerifier(db: parts.db, store: parts.store).run(graceSeconds: 0, now: Clock.nowSeconds() + 5)
            #expect(report.clean)
            #expect(report.orphans.map(\.digest) == [Digest.of(Array("first".utf8)).description])
        }
    }
}
