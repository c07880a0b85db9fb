import Foundation
@testable import NoraStorage
import NoraStorageConformance
import Testing

/// Runs the shared `BlobStore` suite against `FileBlobStore` behind the validating wrapper,
/// each check on a fresh folder, and asserts no temporary or upload file is left behind.
@Suite struct FileBlobStoreConformanceTests {
    @Test(arguments: BlobStoreConformance.names)
    func conformance(_ check: String) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nora-blobs-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = ValidatingBlobStore(try await FileBlobStore(root: root))
        let subject = BlobStoreConformance.Subject(store: store) {
            let fm = FileManager.default
            return ["tmp", "uploads"].flatMap { folder in
                ((try? fm.contentsOfDirectory(atPath: "\(root)/\(folder)")) ?? []).map { "\(folder)/\($0)" }
            }
        }
        try await BlobStoreConformance.run(check, on: subject)
    }

    @Test func blobsLandInTheDocumentedLayout() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nora-layout-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await FileBlobStore(root: root)
        let info = try await store.put(Chunks([Array("layout".utf8)]), algorithm: .sha256, expected: nil, limit: nil)
        let file = "\(root)/blobs/sha256/\(info.digest.hex.prefix(2))/\(info.digest.hex)"
        #expect(FileManager.default.contents(atPath: file) == Data("layout".utf8))
    }
}

/// Download chunks share one memory budget: large for a lone pull, smaller as pulls multiply.
@Suite struct DownloadBudgetTests {
    @Test func aLonePullGetsTheLargestChunk() {
        #expect(DownloadBudget.chunkSize(activeDownloads: 0) == DownloadBudget.largest)
        #expect(DownloadBudget.chunkSize(activeDownloads: 1) == DownloadBudget.largest)
    }

    @Test func chunksShrinkSoTheBuffersStayWithinTheBudget() {
        for active in [1, 2, 16, 17, 64, 100, 256] {
            let chunk = DownloadBudget.chunkSize(activeDownloads: active)
            #expect(chunk * 2 * active <= max(DownloadBudget.bytes, DownloadBudget.smallest * 2 * active))
            #expect(chunk & (chunk - 1) == 0, "\(chunk) is not a power of two")
        }
        #expect(DownloadBudget.chunkSize(activeDownloads: 64) < DownloadBudget.chunkSize(activeDownloads: 2))
    }

    @Test func chunksNeverShrinkBelowTheSmallest() {
        #expect(DownloadBudget.chunkSize(activeDownloads: 100_000) == DownloadBudget.smallest)
    }
}
