import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NoraCore
import NoraStorage

/// The suite every `BlobStore` backend must pass. A backend's test target runs each
/// check by name against a fresh store (see `NoraStorageTests`), with a `leftovers`
/// probe that reports any temporary or partial files the backend still holds.
public enum BlobStoreConformance {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        init(_ message: String) { description = message }
    }

    public struct Subject: Sendable {
        public let store: any BlobStore
        /// Names of in-flight/temporary objects left in the backend (should be empty after each check).
        public let leftovers: @Sendable () async throws -> [String]
        public init(store: any BlobStore, leftovers: @escaping @Sendable () async throws -> [String]) {
            self.store = store; self.leftovers = leftovers
        }
    }

    public typealias Check = @Sendable (Subject) async throws -> Void

    public static let checks: [String: Check] = [
        "largeBinaryRoundTrip": largeBinaryRoundTrip,
        "sha512RoundTrip": sha512RoundTrip,
        "sha512Upload": sha512Upload,
        "emptyBlob": emptyBlob,
        "byteRanges": byteRanges,
        "digestMismatchStoresNothing": digestMismatchStoresNothing,
        "sizeLimitStoresNothing": sizeLimitStoresNothing,
        "interruptedWriteLeavesNothing": interruptedWriteLeavesNothing,
        "concurrentWritersOfSameBlob": concurrentWritersOfSameBlob,
        "resumableUpload": resumableUpload,
        "uploadDigestMismatch": uploadDigestMismatch,
        "uploadLimitAndCancel": uploadLimitAndCancel,
        "interruptedAppendKeepsOldSize": interruptedAppendKeepsOldSize,
        "listAndDelete": listAndDelete,
        "quarantineMovesTheBlobOut": quarantineMovesTheBlobOut,
        "invalidKeysRefused": invalidKeysRefused,
        "sweepRemovesAbandonedUploads": sweepRemovesAbandonedUploads,
        "statReportsWriteTime": statReportsWriteTime,
        "storingAgainRefreshesWriteTime": storingAgainRefreshesWriteTime,
    ]

    public static var names: [String] { checks.keys.sorted() }

    public static func run(_ name: String, on subject: Subject) async throws {
        guard let check = checks[name] else { throw Failure("no conformance check named \(name)") }
        try await check(subject)
        let left = try await subject.leftovers()
        try expect(left.isEmpty, "\(name) left objects behind: \(left)")
    }

    // MARK: Checks

    static func largeBinaryRoundTrip(_ s: Subject) async throws {
        let content = GeneratedBytes(seed: 42, size: 12 * 1024 * 1024 + 3)
        let expected = try await content.digest()
        let info = try await s.store.put(content, algorithm: .sha256, expected: nil, limit: nil)
        try expect(info.digest == expected, "digest \(info.digest) != \(expected)")
        try expect(info.size == Int64(content.size), "size \(info.size)")
        try expect(try await s.store.stat(expected)?.size == Int64(content.size), "stat size")
        try expect(try await readDigest(s.store, expected, .sha256) == expected, "read-back digest differs")
        // A range over several read chunks, starting and ending inside one.
        let range = 1_048_570...3_200_000
        let got = try await collect(s.store, expected, Int64(range.lowerBound)...Int64(range.upperBound))
        try expect(got == (try await content.bytes(in: range)), "range \(range) of a large blob differs")
        try await s.store.delete(expected)
    }

    static func sha512RoundTrip(_ s: Subject) async throws {
        let content = GeneratedBytes(seed: 7, size: 300_001)
        let expected = try await content.digest(.sha512)
        let info = try await s.store.put(content, algorithm: .sha512, expected: expected, limit: nil)
        try expect(info.digest == expected && expected.algorithm == .sha512, "sha512 digest")
        try expect(try await readDigest(s.store, expected, .sha512) == expected, "sha512 read-back")
        try await s.store.delete(expected)
    }

    static func emptyBlob(_ s: Subject) async throws {
        let info = try await s.store.put(Chunks([]), algorithm: .sha256, expected: nil, limit: nil)
        try expect(info.size == 0 && info.digest == Digest.of([UInt8]()), "empty blob digest")
        try expect(try await collect(s.store, info.digest, nil).isEmpty, "empty read")
        try await s.store.delete(info.digest)
    }

    static func byteRanges(_ s: Subject) async throws {
        let content = GeneratedBytes(seed: 99, size: 1_000_003, chunkSize: 4099)
        let info = try await s.store.put(content, algorithm: .sha256, expected: nil, limit: nil)
        for range in [0...0, 0...9, 65_530...300_000, 999_990...1_000_002, 1_000_002...1_000_002] {
            let got = try await collect(s.store, info.digest, Int64(range.lowerBound)...Int64(range.upperBound))
            let want = try await content.bytes(in: range)
            try expect(got == want, "range \(range) content differs (\(got.count) vs \(want.count) bytes)")
        }
        do {
            _ = try await collect(s.store, info.digest, 1_000_003...1_000_010)
            throw Failure("range past the end was served")
        } catch let error as StorageError {
            try expect(error == .rangeNotSatisfiable(size: 1_000_003), "unexpected \(error)")
        }
        try await s.store.delete(info.digest)
    }

    static func digestMismatchStoresNothing(_ s: Subject) async throws {
        let content = GeneratedBytes(seed: 5, size: 200_000)
        let wrong = Digest.of(Array("something else".utf8))
        try await expectError(StorageError.self, "mismatch") {
            _ = try await s.store.put(content, algorithm: .sha256, expected: wrong, limit: nil)
        }
        try expect(try await s.store.stat(wrong) == nil, "wrong digest stored")
        try expect(try await s.store.stat(try await content.digest()) == nil, "content stored despite mismatch")
    }

    static func sizeLimitStoresNothing(_ s: Subject) async throws {
        let content = GeneratedBytes(seed: 6, size: 300_000)
        do {
            _ = try await s.store.put(content, algorithm: .sha256, expected: nil, limit: 100_000)
            throw Failure("over-limit put succeeded")
        } catch let error as StorageError {
            try expect(error == .tooLarge(limit: 100_000), "unexpected \(error)")
        }
        try expect(try await s.store.stat(try await content.digest()) == nil, "over-limit content stored")
    }

    static func interruptedWriteLeavesNothing(_ s: Subject) async throws {
        let content = GeneratedBytes(seed: 8, size: 2_000_000, failAfterBytes: 700_000)
        try await expectError(GeneratedBytes.Interrupted.self, "interruption") {
            _ = try await s.store.put(content, algorithm: .sha256, expected: nil, limit: nil)
        }
        let whole = GeneratedBytes(seed: 8, size: 2_000_000)
        try expect(try await s.store.stat(try await whole.digest()) == nil, "interrupted content stored")
    }

    static func concurrentWritersOfSameBlob(_ s: Subject) async throws {
        let content = GeneratedBytes(seed: 11, size: 1_500_000, chunkSize: 32_768)
        let expected = try await content.digest()
        try await withThrowingTaskGroup(of: BlobInfo.self) { group in
            for _ in 0..<8 { group.addTask { try await s.store.put(content, algorithm: .sha256, expected: expected, limit: nil) } }
            for try await info in group { try expect(info.digest == expected, "concurrent writer got \(info.digest)") }
        }
        try expect(try await readDigest(s.store, expected, .sha256) == expected, "content after concurrent writes")
        let all = try await listAll(s.store)
        try expect(all.filter { $0 == expected }.count == 1, "blob listed \(all.filter { $0 == expected }.count) times")
        try await s.store.delete(expected)
    }

    static func resumableUpload(_ s: Subject) async throws {
        let content = GeneratedBytes(seed: 12, size: 3_000_000)
        let bytes = try await content.bytes(in: 0...(content.size - 1))
        let id = try await s.store.startUpload()
        try expect(try await s.store.uploadSize(id) == 0, "new upload not empty")
        var offset = 0
        for part in [1_000_000, 1, 1_999_999] {
            let size = try await s.store.append(Chunks([Array(bytes[offset..<(offset + part)])]), to: id, limit: nil)
            offset += part
            try expect(size == Int64(offset), "size after append \(size) != \(offset)")
        }
        let info = try await s.store.commit(id, expected: try await content.digest())
        try expect(info.size == 3_000_000, "committed size")
        try expect(info.digest == (try await content.digest()), "committed digest")
        try expect(try await s.store.uploadSize(id) == nil, "upload survives commit")
        try expect(try await readDigest(s.store, info.digest, .sha256) == info.digest, "committed content")
        try await s.store.delete(info.digest)
    }

    static func sha512Upload(_ s: Subject) async throws {
        let id = try await s.store.startUpload()
        _ = try await s.store.append(Chunks([Array("sha".utf8)]), to: id, limit: nil)
        _ = try await s.store.append(Chunks([Array("512".utf8)]), to: id, limit: nil)
        let expected = Digest.of(Array("sha512".utf8), algorithm: .sha512)
        let info = try await s.store.commit(id, expected: expected)
        try expect(info.digest == expected && info.size == 6, "sha512 upload committed \(info)")
        try await s.store.delete(expected)
    }

    static func uploadDigestMismatch(_ s: Subject) async throws {
        let id = try await s.store.startUpload()
        _ = try await s.store.append(Chunks([Array("hello".utf8)]), to: id, limit: nil)
        let wrong = Digest.of(Array("world".utf8))
        try await expectError(StorageError.self, "upload mismatch") { _ = try await s.store.commit(id, expected: wrong) }
        try expect(try await s.store.stat(wrong) == nil, "mismatched upload stored")
        try expect(try await s.store.stat(Digest.of(Array("hello".utf8))) == nil, "mismatched content stored")
        try expect(try await s.store.uploadSize(id) == nil, "mismatched upload kept")
    }

    static func uploadLimitAndCancel(_ s: Subject) async throws {
        let id = try await s.store.startUpload()
        _ = try await s.store.append(Chunks([[UInt8](repeating: 1, count: 600)]), to: id, limit: 1000)
        do {
            _ = try await s.store.append(Chunks([[UInt8](repeating: 2, count: 600)]), to: id, limit: 1000)
            throw Failure("append past the limit succeeded")
        } catch let error as StorageError {
            try expect(error == .tooLarge(limit: 400) || error == .tooLarge(limit: 1000), "unexpected \(error)")
        }
        try expect(try await s.store.uploadSize(id) == 600, "refused append changed the size")
        try await s.store.cancel(id)
        try expect(try await s.store.uploadSize(id) == nil, "cancelled upload still there")
        try await s.store.cancel(id)  // idempotent
        do {
            _ = try await s.store.append(Chunks([[1]]), to: id, limit: nil)
            throw Failure("append to a cancelled upload succeeded")
        } catch let error as StorageError {
            try expect(error == .uploadUnknown, "unexpected \(error)")
        }
    }

    static func interruptedAppendKeepsOldSize(_ s: Subject) async throws {
        let id = try await s.store.startUpload()
        _ = try await s.store.append(Chunks([[UInt8](repeating: 3, count: 1000)]), to: id, limit: nil)
        try await expectError(GeneratedBytes.Interrupted.self, "interrupted append") {
            _ = try await s.store.append(GeneratedBytes(seed: 1, size: 500_000, failAfterBytes: 200_000), to: id, limit: nil)
        }
        try expect(try await s.store.uploadSize(id) == 1000, "interrupted append changed the size")
        // Resumed after the interruption, the upload commits to exactly the bytes kept.
        _ = try await s.store.append(Chunks([[UInt8](repeating: 4, count: 500)]), to: id, limit: nil)
        let expected = Digest.of([UInt8](repeating: 3, count: 1000) + [UInt8](repeating: 4, count: 500))
        let info = try await s.store.commit(id, expected: expected)
        try expect(info.digest == expected && info.size == 1500, "resumed upload committed \(info)")
        try expect(try await readDigest(s.store, expected, .sha256) == expected, "resumed upload content")
        try await s.store.delete(expected)
    }

    static func listAndDelete(_ s: Subject) async throws {
        var digests: [Digest] = []
        for i in 0..<3 {
            digests.append(try await s.store.put(Chunks([Array("blob \(i)".utf8)]), algorithm: .sha256, expected: nil, limit: nil).digest)
        }
        let sha512 = try await s.store.put(Chunks([Array("blob 512".utf8)]), algorithm: .sha512, expected: nil, limit: nil).digest
        let listed = Set(try await listAll(s.store))
        try expect(listed.isSuperset(of: digests + [sha512]), "list misses stored blobs")
        try expect(try await s.store.delete(digests[0]), "delete of a present blob returned false")
        try expect(try await !s.store.delete(digests[0]), "second delete returned true")
        try expect(!Set(try await listAll(s.store)).contains(digests[0]), "deleted blob listed")
        try await expectError(StorageError.self, "read of a deleted blob") { _ = try await collect(s.store, digests[0], nil) }
        for d in digests.dropFirst() + [sha512] { try await s.store.delete(d) }
    }

    /// `nora verify --repair` moves corrupt content aside: gone from the store, kept elsewhere.
    static func quarantineMovesTheBlobOut(_ s: Subject) async throws {
        let kept = try await s.store.put(Chunks([Array("kept".utf8)]), algorithm: .sha256, expected: nil, limit: nil).digest
        let bad = try await s.store.put(Chunks([Array("to quarantine".utf8)]), algorithm: .sha256, expected: nil, limit: nil).digest
        let key = try await s.store.quarantine(bad)
        try expect(key.hasPrefix("quarantine/") && key.contains(bad.hex), "quarantine key \(key) does not name the blob")
        try expect(try await s.store.stat(bad) == nil, "a quarantined blob is still in the store")
        try expect(!Set(try await listAll(s.store)).contains(bad), "a quarantined blob is still listed")
        try expect(try await s.store.stat(kept) != nil, "quarantine touched another blob")
        try await expectError(StorageError.self, "quarantine of an absent blob") { _ = try await s.store.quarantine(bad) }
        try await s.store.delete(kept)
    }

    static func invalidKeysRefused(_ s: Subject) async throws {
        for bad in ["", "/abs", "a/../b", "..", "a/./b", "a//b", "a\\b", "a\u{0}b", "tab\there", "é", String(repeating: "x", count: 2000)] {
            try await expectError(StorageError.self, "key \(bad.debugDescription)") { _ = try StorageKey(validating: bad) }
        }
        for bad in ["../../etc", "UPPER-case-id", "short", "a/b/c/d/e/f/g/h", String(repeating: "a", count: 65)] {
            try await expectError(StorageError.self, "upload id \(bad)") { _ = try UploadID(validating: bad) }
        }
        let unknown = try UploadID(validating: "0123456789abcdef")
        try expect(try await s.store.uploadSize(unknown) == nil, "unknown upload has a size")
    }

    static func sweepRemovesAbandonedUploads(_ s: Subject) async throws {
        let id = try await s.store.startUpload()
        _ = try await s.store.append(Chunks([[9, 9, 9]]), to: id, limit: nil)
        _ = try await s.store.sweep(olderThan: 3600)
        try expect(try await s.store.uploadSize(id) == 3, "sweep removed a fresh upload")
        _ = try await s.store.sweep(olderThan: 0)
        try expect(try await s.store.uploadSize(id) == nil, "sweep kept an expired upload")
    }

    /// Garbage collection spares blobs written within its grace period, so every backend must say when.
    static func statReportsWriteTime(_ s: Subject) async throws {
        let info = try await s.store.put(Chunks([Array("timed".utf8)]), algorithm: .sha256, expected: nil, limit: nil)
        let now = Int64(Date().timeIntervalSince1970)
        let stat = try await s.store.stat(info.digest)
        let written = try stat?.modifiedAt ?? { throw Failure("stat has no modification time") }()
        try expect(abs(written - now) < 300, "modification time \(written) is far from now \(now)")
        let listed = NIOLockedValueBox<Int64?>(nil)
        try await s.store.list { entry in if entry.digest == info.digest { listed.withLockedValue { $0 = entry.modifiedAt } } }
        try expect(listed.withLockedValue { $0 } != nil, "list gives no modification time")
        try await s.store.delete(info.digest)
    }

    /// Content stored again must look freshly written: otherwise an old orphan blob that a
    /// client has just uploaded again (and will name in a row a moment later) is past the
    /// garbage collector's grace period and may be deleted under it.
    static func storingAgainRefreshesWriteTime(_ s: Subject) async throws {
        let content = Array("stored twice".utf8)
        let first = try await s.store.put(Chunks([content]), algorithm: .sha256, expected: nil, limit: nil)
        let before = try await s.store.stat(first.digest)?.modifiedAt ?? 0
        try await Task.sleep(for: .milliseconds(1_100))  // write times have one-second resolution
        _ = try await s.store.put(Chunks([content]), algorithm: .sha256, expected: first.digest, limit: nil)
        let afterPut = try await s.store.stat(first.digest)?.modifiedAt ?? 0
        try expect(afterPut > before, "storing again kept the old write time \(before) (now \(afterPut))")
        try await Task.sleep(for: .milliseconds(1_100))
        let id = try await s.store.startUpload()
        _ = try await s.store.append(Chunks([content]), to: id, limit: nil)
        _ = try await s.store.commit(id, expected: first.digest)
        let afterCommit = try await s.store.stat(first.digest)?.modifiedAt ?? 0
        try expect(afterCommit > afterPut, "committing an upload of stored content kept the old write time")
        try await s.store.delete(first.digest)
    }

    // MARK: Helpers

    static func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw Failure(message()) }
    }

    static func expectError<E: Error>(_ type: E.Type, _ what: String, _ body: () async throws -> Void) async throws {
        do { try await body() } catch is E { return }
        throw Failure("\(what): expected \(E.self) to be thrown")
    }

    static func collect(_ store: any BlobStore, _ digest: Digest, _ range: ClosedRange<Int64>?) async throws -> [UInt8] {
        let out = NIOLockedValueBox<[UInt8]>([])
        try await store.read(digest, range: range) { chunk in out.withLockedValue { $0 += chunk.readableBytesView } }
        return out.withLockedValue { $0 }
    }

    static func readDigest(_ store: any BlobStore, _ digest: Digest, _ algorithm: Digest.Algorithm) async throws -> Digest {
        let hasher = NIOLockedValueBox(DigestHasher(algorithm))
        try await store.read(digest, range: nil) { chunk in
            hasher.withLockedValue { h in chunk.withUnsafeReadableBytes { h.update($0) } }
        }
        return hasher.withLockedValue { $0.finalize() }
    }

    static func listAll(_ store: any BlobStore) async throws -> [Digest] {
        let out = NIOLockedValueBox<[Digest]>([])
        try await store.list { info in out.withLockedValue { $0.append(info.digest) } }
        return out.withLockedValue { $0 }
    }
}
