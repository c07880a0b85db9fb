import Crypto
import Foundation
import Logging
import NIOCore
import NoraCore
@testable import NoraServer
import Testing

/// `NoraImporter` against an in-process registry: items land as if published by their
/// clients, a second run finds them present, and a damaged item stores nothing.
@Suite struct NoraImporterTests {
    static func folder(_ files: [String: [UInt8]]) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nora-layout-\(UUID().uuidString)").path
        for (key, bytes) in files {
            let path = root + "/" + key
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
        return root
    }

    static func hex<H: HashFunction>(_ hash: H.Type, _ bytes: [UInt8]) -> String {
        H.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    @Test func importsOnceAndNamesDamage() async throws {
        let jar = Array("jar bytes".utf8), broken = Array("other jar".utf8)
        let layer = Array("layer".utf8), config = Array("{}".utf8)
        let manifest = Array("""
        {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",\
        "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\(Digest.of(config))","size":2},\
        "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"\(Digest.of(layer))","size":5}]}
        """.utf8)
        let root = try Self.folder([
            "raw/docs/readme.txt": Array("hello".utf8),
            "maven/org/x/lib/1.0/lib-1.0.jar": jar,
            "maven/org/x/lib/1.0/lib-1.0.jar.sha1": Array(Self.hex(Insecure.SHA1.self, jar).utf8),
            "maven/org/x/bad/1.0/bad-1.0.jar": broken,
            "maven/org/x/bad/1.0/bad-1.0.jar.sha1": Array(Self.hex(Insecure.SHA1.self, jar).utf8),
            "docker/team/app/blobs/\(Digest.of(layer))": layer,
            "docker/team/app/blobs/\(Digest.of(config))": config,
            "docker/team/app/manifests/v1.json": manifest,
            "docker/team/app/manifests/v1.meta.json": Array("{}".utf8),
            "unrelated/file": [1],
        ])
        defer { try? FileManager.default.removeItem(atPath: root) }
        try await TestRegistry.run { client, parts in
            let importer = NoraImporter(source: FolderSource(root: root), parts: parts, logger: Logger(label: "test"))
            let first = try await importer.run()
            #expect(first.formats["raw"]?.imported == 1)
            #expect(first.formats["docker"]?.imported == 1)
            #expect(first.formats["maven"]?.imported == 1 && first.formats["maven"]?.failed == 1)
            #expect(first.formats["maven"]?.failures.first?.hasPrefix("org/x/bad/1.0/bad-1.0.jar: corrupt") == true)
            #expect(first.skipped == ["unrelated/file"])

            let raw = try await client.execute(uri: "/raw/docs/readme.txt", method: .get)
            #expect(raw.status == .ok && String(buffer: raw.body) == "hello")
            let pulled = try await client.execute(uri: "/v2/team/app/manifests/v1", method: .get)
            #expect(pulled.status == .ok && Array(pulled.body.readableBytesView) == manifest)
            #expect(try await client.execute(uri: "/maven2/org/x/bad/1.0/bad-1.0.jar", method: .head).status == .notFound)

            let second = try await importer.run()
            #expect(second.imported == 0 && second.failed == 1)
            #expect(second.formats["raw"]?.present == 1 && second.formats["docker"]?.present == 1 && second.formats["maven"]?.present == 1)
        }
    }
}
