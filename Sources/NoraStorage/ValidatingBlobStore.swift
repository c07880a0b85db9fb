import Metrics
import NIOCore
import NoraCore

/// The wrapper every backend sits behind: it derives and validates each storage key
/// (through `StorageKey`) and range before the backend is called, and counts bytes.
public struct ValidatingBlobStore: BlobStore {
    public let base: any BlobStore
    private let bytesIn: Counter
    private let bytesOut: Counter

    public init(_ base: any BlobStore, metrics: any MetricsFactory = MetricsSystem.factory) {
        self.base = base
        self.bytesIn = Counter(label: "nora_storage_bytes_written_total", factory: metrics)
        self.bytesOut = Counter(label: "nora_storage_bytes_read_total", factory: metrics)
    }

    public func put<Body: AsyncSequence & Sendable>(
        _ body: Body, algorithm: Digest.Algorithm, expected: Digest?, limit: Int64?
    ) async throws -> BlobInfo where Body.Element == ByteBuffer {
        if let expected { _ = try StorageKey.blob(expected) }
        try Self.check(limit: limit)
        let info = try await base.put(body, algorithm: algorithm, expected: expected, limit: limit)
        bytesIn.increment(by: Int64(info.size))
        return info
    }

    public func stat(_ digest: Digest) async throws -> BlobInfo? {
        _ = try StorageKey.blob(digest)
        return try await base.stat(digest)
    }

    public func read(_ digest: Digest, range: ClosedRange<Int64>?,
                     into sink: (ByteBuffer) async throws -> Void) async throws {
        _ = try StorageKey.blob(digest)
        if let range, range.lowerBound < 0 { throw StorageError.invalidKey("negative range") }
        let counter = bytesOut
        try await base.read(digest, range: range) { chunk in
            counter.increment(by: Int64(chunk.readableBytes))
            try await sink(chunk)
        }
    }

    public func openLocalFile(_ digest: Digest, range: ClosedRange<Int64>?) async throws -> LocalBlobFile? {
        _ = try StorageKey.blob(digest)
        if let range, range.lowerBound < 0 { throw StorageError.invalidKey("negative range") }
        let file = try await base.openLocalFile(digest, range: range)
        if let file { bytesOut.increment(by: file.length) }
        return file
    }

    @discardableResult
    public func delete(_ digest: Digest) async throws -> Bool {
        _ = try StorageKey.blob(digest)
        return try await base.delete(digest)
    }

    public func list(_ each: @Sendable (BlobInfo) async throws -> Void) async throws {
        try await base.list(each)
    }

    public func quarantine(_ digest: Digest) async throws -> String {
        _ = try StorageKey.blob(digest)
        return try await base.quarantine(digest)
    }

    public func startUpload() async throws -> UploadID {
        let id = try await base.startUpload()
        _ = try StorageKey.upload(id)
        return id
    }

    public func append<Body: AsyncSequence & Sendable>(
        _ body: Body, to upload: UploadID, limit: Int64?
    ) async throws -> Int64 where Body.Element == ByteBuffer {
        _ = try StorageKey.upload(upload)
        try Self.check(limit: limit)
        let before = try await base.uploadSize(upload) ?? 0
        let after = try await base.append(body, to: upload, limit: limit)
        bytesIn.increment(by: after - before)
        return after
    }

    public func uploadSize(_ upload: UploadID) async throws -> Int64? {
        _ = try StorageKey.upload(upload)
        return try await base.uploadSize(upload)
    }

    public func commit(_ upload: UploadID, expected: Digest) async throws -> BlobInfo {
        _ = try StorageKey.upload(upload)
        _ = try StorageKey.blob(expected)
        return try await base.commit(upload, expected: expected)
    }

    public func cancel(_ upload: UploadID) async throws {
        _ = try StorageKey.upload(upload)
        try await base.cancel(upload)
    }

    public func sweep(olderThan cutoffSeconds: Int64) async throws -> Int {
        try await base.sweep(olderThan: max(0, cutoffSeconds))
    }

    public func checkHealth() async throws { try await base.checkHealth() }

    public func withBlobFile<T: Sendable>(_ digest: Digest, _ body: (String) async throws -> T) async throws -> T {
        _ = try StorageKey.blob(digest)
        return try await base.withBlobFile(digest, body)
    }

    public func withUploadFile<T: Sendable>(_ upload: UploadID, _ body: (String) async throws -> T) async throws -> T {
        _ = try StorageKey.upload(upload)
        return try await base.withUploadFile(upload, body)
    }

    private static func check(limit: Int64?) throws(StorageError) {
        if let limit, limit < 0 { throw StorageError.invalidKey("negative size limit") }
    }
}
