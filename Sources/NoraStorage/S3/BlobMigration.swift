import Foundation
import NIOCore
import NoraCore

/// Copies every blob of one store into an S3 bucket (`nora migrate storage --to s3`), so a
/// single-machine registry can move its bytes without re-publishing.
///
/// Blobs already in the bucket (same digest, same size) are skipped, so an interrupted run
/// resumes where it stopped; every copy is checked against its digest on the way. Uploads
/// in progress are not moved (finish or restart them after the switch).
public struct BlobMigration: Sendable {
    public struct Report: Sendable, Equatable {
        public var copied = 0
        public var skipped = 0
        public var bytes: Int64 = 0
    }

    let source: any BlobStore
    let target: S3BlobStore

    public init(from source: any BlobStore, to target: S3BlobStore) { self.source = source; self.target = target }

    public func run(progress: @Sendable (Int, Int) -> Void) async throws -> Report {
        let listed = BlobList()
        try await source.list { await listed.add($0) }
        let blobs = await listed.items
        var report = Report()
        for (index, blob) in blobs.enumerated() {
            if let there = try await target.stat(blob.digest), there.size == blob.size {
                report.skipped += 1
            } else {
                let stored = try await source.withBlobFile(blob.digest) { path in try await target.putFile(path, expected: blob.digest) }
                report.copied += 1
                report.bytes += stored.size
            }
            progress(index + 1, blobs.count)
        }
        // The final check: every source blob is in the bucket with its size.
        for blob in blobs {
            guard let there = try await target.stat(blob.digest), there.size == blob.size else {
                throw StorageError.io("after the copy, \(blob.digest) is missing or differs in the bucket")
            }
        }
        return report
    }
}

actor BlobList {
    var items: [BlobInfo] = []
    func add(_ info: BlobInfo) { items.append(info) }
}

extension S3BlobStore {
    /// Stores a local file as the blob `expected` (checked while streaming, 1 MiB reads).
    public func putFile(_ path: String, expected: Digest) async throws -> BlobInfo {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw StorageError.io("cannot read \(path)") }
        defer { try? handle.close() }
        let writer = S3ObjectWriter(client: client, key: "tmp/\(UUID().uuidString.lowercased())", limit: nil, hashing: [expected.algorithm])
        do {
            while let data = try handle.read(upToCount: 1024 * 1024), !data.isEmpty {
                try await writer.write(ByteBuffer(bytes: data))
            }
        } catch {
            await writer.abort()
            throw error
        }
        return try await place(writer, expected: expected)
    }
}
