import Logging
import NIOCore
import NoraCore
import NoraServer
import NoraStorage
import Testing

/// A store whose listing is followed, before the collector deletes anything, by `afterList`:
/// the moment a client may store an old orphan's content again.
struct InterleavingStore: BlobStore {
    let base: any BlobStore
    let afterList: @Sendable () async throws -> Void

    func list(_ each: @Sendable (BlobInfo) async throws -> Void) async throws {
        try await base.list(each)
        try await afterList()
    }

    func put<Body: AsyncSequence & Sendable>(_ body: Body, algorithm: Digest.Algorithm, expected: Digest?, limit: Int64?)
    async throws -> BlobInfo where Body.Element == ByteBuffer {
        try await base.put(body, algorithm: algorithm, expected: expected, limit: limit)
    }
    func stat(_ digest: Digest) async throws -> BlobInfo? { try await base.stat(digest) }
    func read(_ digest: Digest, range: ClosedRange<Int64>?, into sink: (ByteBuffer) async throws -> Void) async throws {
        try await base.read(digest, range: range, into: sink)
    }
    func delete(_ digest: Digest) async throws -> Bool { try await base.delete(digest) }
    func quarantine(_ digest: Digest) async throws -> String { try await base.quarantine(digest) }
    func openLocalFile(_ digest: Digest, range: ClosedRange<Int64>?) async throws -> LocalBlobFile? {
        try await base.openLocalFile(digest, range: range)
    }
    func startUpload() async throws -> UploadID { try await base.startUpload() }
    func append<Body: AsyncSequence & Sendable>(_ body: Body, to upload: UploadID, limit: Int64?) async throws -> Int64
    where Body.Element == ByteBuffer { try await base.append(body, to: upload, limit: limit) }
    func uploadSize(_ upload: UploadID) async throws -> Int64? { try await base.uploadSize(upload) }
    func commit(_ upload: UploadID, expected: Digest) async throws -> BlobInfo { try await base.commit(upload, expected: expected) }
    func cancel(_ upload: UploadID) async throws { try await base.cancel(upload) }
    func sweep(olderThan cutoffSeconds: Int64) async throws -> Int { try await base.sweep(olderThan: cutoffSeconds) }
    func checkHealth() async throws { try await base.checkHealth() }
    func withBlobFile<T: Sendable>(_ digest: Digest, _ body: (String) async throws -> T) async throws -> T {
        try await base.withBlobFile(digest, body)
    }
    func withUploadFile<T: Sendable>(_ upload: UploadID, _ body: (String) async throws -> T) async throws -> T {
        try await base.withUploadFile(upload, body)
    }
}

@Suite struct GarbageCollectorRaceTests {
    /// An orphan past the grace period is listed for removal; before the sweep reaches it, a
    /// client uploads the same bytes again (a new push of an old layer). It must survive.
    @Test func contentStoredAgainDuringTheSweepIsKept() async throws {
        try await TestRegistry.run { _, parts in
            let old = Array("an old orphan layer".utf8), lonely = Array("a lonely orphan".utf8)
            _ = try await parts.store.put(InMemoryBody(old), algorithm: .sha256, expected: nil, limit: nil)
            _ = try await parts.store.put(InMemoryBody(lonely), algorithm: .sha256, expected: nil, limit: nil)
            try await Task.sleep(for: .milliseconds(2_100))  // both now older than a one-second grace
            let racing = InterleavingStore(base: parts.store) {
                _ = try await parts.store.put(InMemoryBody(old), algorithm: .sha256, expected: Digest.of(old), limit: nil)
            }
            let gc = GarbageCollector(db: parts.db, store: racing, logger: Logger(label: "test"))
            let report = try await gc.run(graceSeconds: 1, dryRun: false)
            #expect(report.removedBlobs == [Digest.of(lonely)])
            #expect(try await parts.store.stat(Digest.of(old)) != nil, "content stored again during the sweep was removed")
            #expect(try await parts.store.stat(Digest.of(lonely)) == nil)
        }
    }
}
