import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NoraCore
import NoraServer
import Testing

@Suite struct GarbageCollectorTests {
    @Test func removesOnlyUnreferencedBlobsPastTheGracePeriod() async throws {
        try await TestRegistry.run { client, parts in
            let config = Array("{}".utf8), layer = Array("layer-bytes".utf8), lonely = Array("lonely".utf8)
            let configDigest = Digest.of(config), layerDigest = Digest.of(layer), lonelyDigest = Digest.of(lonely)
            for (bytes, digest) in [(config, configDigest), (layer, layerDigest), (lonely, lonelyDigest)] {
                let put = try await client.execute(uri: "/v2/team/app/blobs/uploads/?digest=\(digest)", method: .post, body: ByteBuffer(bytes: bytes))
                #expect(put.status == .created)
            }
            let manifest = """
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",\
            "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\(configDigest)","size":2},\
            "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"\(layerDigest)","size":\(layer.count)}]}
            """
            let stored = try await client.execute(uri: "/v2/team/app/manifests/v1", method: .put,
                                                  headers: [.contentType: "application/vnd.oci.image.manifest.v1+json"], body: ByteBuffer(string: manifest))
            #expect(stored.status == .created)
            _ = try await client.execute(uri: "/raw/gone.txt", method: .put, body: ByteBuffer(string: "deleted raw"))
            _ = try await client.execute(uri: "/raw/gone.txt", method: .delete)
            _ = try await client.execute(uri: "/raw/kept.txt", method: .put, body: ByteBuffer(string: "kept raw"))

            let gc = GarbageCollector(db: parts.db, store: parts.store, logger: Logger(label: "test"))
            let young = try await gc.run(graceSeconds: 3600, dryRun: false)
            #expect(young.removedBlobs.isEmpty, "fresh blobs must survive the grace period")

            let dry = try await gc.run(graceSeconds: 0, dryRun: true, now: Clock.nowSeconds() + 10)
            #expect(Set(dry.removedBlobs) == [lonelyDigest, Digest.of(Array("deleted raw".utf8))])
            #expect(try await parts.store.stat(lonelyDigest) != nil, "a dry run removes nothing")

            let real = try await gc.run(graceSeconds: 0, dryRun: false, now: Clock.nowSeconds() + 10)
            #expect(Set(real.removedBlobs) == Set(dry.removedBlobs))
            #expect(real.prunedLinks == 1)
            #expect(try await parts.store.stat(lonelyDigest) == nil)
            for kept in [configDigest, layerDigest, Digest.of(Array("kept raw".utf8))] {
                #expect(try await parts.store.stat(kept) != nil, "\(kept) must be kept")
            }
            let pulled = try await client.execute(uri: "/v2/team/app/manifests/v1", method: .get)
            #expect(pulled.status == .ok)
            let lonelyGet = try await client.execute(uri: "/v2/team/app/blobs/\(lonelyDigest)", method: .get)
            #expect(lonelyGet.status == .notFound)
        }
    }
}
