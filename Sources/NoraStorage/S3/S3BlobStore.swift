import Foundation
import NIOCore
import NoraCore

/// Blobs in an S3 bucket, laid out like `FileBlobStore`'s folders:
///
///     blobs/<algorithm>/<2 hex>/<hex>   immutable content, written once
///     tmp/<random>                      large writes in flight (multipart), copied into place
///     uploads/<id>/start                a resumable upload exists (empty marker)
///     uploads/<id>/<offset, 20 digits>  one object per append, in order
///
/// A blob that fits in one part is PUT straight to its key with `If-None-Match: *` (a 412
/// means the same content is already there); a larger one goes up as a multipart upload
/// to `tmp/`, is checked, then copied into place. Appends are objects of their own, so a
/// PATCH handled by another replica continues the same upload (the session row is in the
/// database, the bytes here); commit streams them in order through the hashers.
public final class S3BlobStore: BlobStore {
    let client: S3Client

    public init(client: S3Client) { self.client = client }

    static func blobKey(_ digest: Digest) -> String { "blobs/\(digest.algorithm.rawValue)/\(digest.hex.prefix(2))/\(digest.hex)" }
    static func uploadPrefix(_ id: UploadID) -> String { "uploads/\(id.value)/" }

    // MARK: Blobs

    public func put<Body: AsyncSequence & Sendable>(_ body: Body, algorithm: Digest.Algorithm, expected: Digest?,
                                                    limit: Int64?) async throws -> BlobInfo where Body.Element == ByteBuffer {
        let writer = S3ObjectWriter(client: client, key: "tmp/\(UUID().uuidString.lowercased())", limit: limit, hashing: [algorithm])
        do {
            for try await chunk in body { try await writer.write(chunk) }
        } catch {
            await writer.abort()
            throw error
        }
        return try await place(writer, expected: expected)
    }

    /// Puts what `writer` gathered under its digest, unless `expected` differs.
    func place(_ writer: S3ObjectWriter, expected: Digest?) async throws -> BlobInfo {
        let digest = writer.hashers[0].finalize(), size = writer.size
        if let expected, expected != digest {
            await writer.abort()
            throw StorageError.digestMismatch(expected: expected, actual: digest)
        }
        let target = Self.blobKey(digest)
        if writer.size <= Int64(S3ObjectWriter.partSize), let whole = writer.singlePart {
            if try await !client.put(target, whole, ifAbsent: true) { await refreshWriteTime(target, size: size) }
        } else {
            try await writer.finish()
            if try await client.head(target) == nil {
                try await client.copy(from: writer.key, to: target, size: size)
            } else {
                await refreshWriteTime(target, size: size)
            }
            try await client.delete(writer.key)
        }
        return BlobInfo(digest: digest, size: size, modifiedAt: Clock.nowSeconds())
    }

    /// The content was there already; make it look freshly written so that the garbage
    /// collector's grace period covers the row about to name it. The bytes are stored either
    /// way, so a failed refresh (two writers touching at once may be refused) does not fail
    /// the write: it is tried twice, then the old write time stays.
    func refreshWriteTime(_ key: String, size: Int64) async {
        for _ in 0..<2 {
            if (try? await client.touch(key, size: size)) != nil { return }
        }
    }

    public func stat(_ digest: Digest) async throws -> BlobInfo? {
        try await client.head(Self.blobKey(digest)).map { BlobInfo(digest: digest, size: $0.size, modifiedAt: $0.lastModified) }
    }

    public func read(_ digest: Digest, range: ClosedRange<Int64>?, into sink: (ByteBuffer) async throws -> Void) async throws {
        guard let info = try await stat(digest) else { throw StorageError.notFound }
        if let range, range.lowerBound < 0 || range.upperBound >= info.size || range.lowerBound > range.upperBound {
            throw StorageError.rangeNotSatisfiable(size: info.size)
        }
        if info.size == 0 { return }
        guard try await client.get(Self.blobKey(digest), range: range, into: sink) else { throw StorageError.notFound }
    }

    @discardableResult
    public func delete(_ digest: Digest) async throws -> Bool {
        guard try await client.head(Self.blobKey(digest)) != nil else { return false }
        try await client.delete(Self.blobKey(digest))
        return true
    }

    /// No local files: downloads stream through `read`.
    public func openLocalFile(_ digest: Digest, range: ClosedRange<Int64>?) async throws -> LocalBlobFile? { nil }

    public func quarantine(_ digest: Digest) async throws -> String {
        guard let info = try await client.head(Self.blobKey(digest)) else { throw StorageError.notFound }
        let key = "quarantine/\(digest.algorithm.rawValue)-\(digest.hex)-\(Clock.nowSeconds())"
        try await client.copy(from: Self.blobKey(digest), to: key, size: info.size)
        try await client.delete(Self.blobKey(digest))
        return key
    }

    public func list(_ each: @Sendable (BlobInfo) async throws -> Void) async throws {
        try await client.listAll(prefix: "blobs/") { object in
            let parts = object.key.split(separator: "/")
            guard parts.count == 4, let algorithm = Digest.Algorithm(rawValue: String(parts[1])),
                  let digest = try? Digest(algorithm: algorithm, hex: String(parts[3])) else { return }
            try await each(BlobInfo(digest: digest, size: object.size, modifiedAt: object.lastModified))
        }
    }

    // MARK: Resumable uploads

    public func startUpload() async throws -> UploadID {
        let id = try UploadID(validating: UUID().uuidString.lowercased())
        try await client.put(Self.uploadPrefix(id) + "start", ByteBuffer())
        return id
    }

    /// The upload's append objects in order, or nil when there is no such upload.
    func parts(_ upload: UploadID) async throws -> [S3Client.ObjectInfo]? {
        var objects: [S3Client.ObjectInfo] = []
        try await client.listAll(prefix: Self.uploadPrefix(upload)) { objects.append($0) }
        guard objects.contains(where: { $0.key.hasSuffix("/start") }) else { return nil }
        return objects.filter { !$0.key.hasSuffix("/start") }.sorted { $0.key < $1.key }
    }

    public func uploadSize(_ upload: UploadID) async throws -> Int64? {
        try await parts(upload).map { $0.reduce(0) { $0 + $1.size } }
    }

    public func append<Body: AsyncSequence & Sendable>(_ body: Body, to upload: UploadID, limit: Int64?) async throws -> Int64
    where Body.Element == ByteBuffer {
        guard let size = try await uploadSize(upload) else { throw StorageError.uploadUnknown }
        let key = Self.uploadPrefix(upload) + String(format: "%020lld", size)
        let writer = S3ObjectWriter(client: client, key: key, limit: limit.map { $0 - size }, hashing: [])
        do {
            for try await chunk in body { try await writer.write(chunk) }
            if writer.size == 0 { return size }
            try await writer.finish()
        } catch StorageError.tooLarge {
            throw StorageError.tooLarge(limit: limit ?? 0)
        } catch {
            await writer.abort()
            throw error
        }
        return size + writer.size
    }

    public func commit(_ upload: UploadID, expected: Digest) async throws -> BlobInfo {
        guard let parts = try await parts(upload) else { throw StorageError.uploadUnknown }
        let writer = S3ObjectWriter(client: client, key: "tmp/\(UUID().uuidString.lowercased())", limit: nil, hashing: [expected.algorithm])
        do {
            for part in parts { _ = try await client.get(part.key) { try await writer.write($0) } }
            let info = try await place(writer, expected: expected)
            try await cancel(upload)
            return info
        } catch {
            await writer.abort()
            if case StorageError.digestMismatch = error { try await cancel(upload) }
            throw error
        }
    }

    public func cancel(_ upload: UploadID) async throws {
        var keys: [String] = []
        try await client.listAll(prefix: Self.uploadPrefix(upload)) { keys.append($0.key) }
        // The marker goes last: an upload is either whole or unknown, never half-listed.
        let markers = keys.filter { $0.hasSuffix("/start") }
        for key in keys.filter({ !$0.hasSuffix("/start") }) + markers { try await client.delete(key) }
    }

    public func sweep(olderThan cutoffSeconds: Int64) async throws -> Int {
        let cutoff = Clock.nowSeconds() - cutoffSeconds
        var newest: [String: Int64] = [:]
        try await client.listAll(prefix: "uploads/") { object in
            let id = String(object.key.split(separator: "/")[1])
            newest[id] = max(newest[id] ?? .min, object.lastModified ?? 0)
        }
        var removed = 0
        for (id, written) in newest where cutoffSeconds == 0 || written < cutoff {
            guard let upload = try? UploadID(validating: id) else { continue }
            try await cancel(upload)
            removed += 1
        }
        try await client.listAll(prefix: "tmp/") { object in
            if cutoffSeconds == 0 || (object.lastModified ?? 0) < cutoff { try await client.delete(object.key) }
        }
        return removed
    }

    public func checkHealth() async throws {
        _ = try await client.list(prefix: "blobs/", maxKeys: 1)
    }

    // MARK: Local files

    public func withBlobFile<T: Sendable>(_ digest: Digest, _ body: (String) async throws -> T) async throws -> T {
        try await withDownload({ handle in try await self.read(digest, range: nil) { handle.write(Data($0.readableBytesView)) } }, body)
    }

    public func withUploadFile<T: Sendable>(_ upload: UploadID, _ body: (String) async throws -> T) async throws -> T {
        guard let parts = try await parts(upload) else { throw StorageError.uploadUnknown }
        return try await withDownload({ handle in
            for part in parts { _ = try await self.client.get(part.key) { handle.write(Data($0.readableBytesView)) } }
        }, body)
    }

    /// Downloads into a temporary file, runs `body` with its path, removes it.
    private func withDownload<T>(_ fill: (FileHandle) async throws -> Void, _ body: (String) async throws -> T) async throws -> T {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nora-s3-\(UUID().uuidString)").path
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw StorageError.io("cannot create a temporary file for an S3 download")
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            try await fill(handle)
            try handle.close()
        } catch {
            try? handle.close()
            throw error
        }
        return try await body(path)
    }
}
