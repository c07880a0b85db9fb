import NIOCore
import NoraCore

/// Streams bytes into one S3 object with bounded memory: up to one part is held; a body
/// that fits in one part is one PUT, a larger one a multipart upload (aborted on failure,
/// so no orphan parts stay behind). Every byte is fed to the hashers on the way.
final class S3ObjectWriter {
    static let partSize = 8 * 1024 * 1024

    let client: S3Client
    let key: String
    let limit: Int64?
    private(set) var size: Int64 = 0
    var hashers: [DigestHasher]
    private var pending = ByteBuffer()
    private var uploadID: String?
    private var etags: [String] = []

    init(client: S3Client, key: String, limit: Int64?, hashing algorithms: [Digest.Algorithm]) {
        self.client = client; self.key = key; self.limit = limit
        self.hashers = algorithms.map(DigestHasher.init)
        pending.reserveCapacity(Self.partSize)
    }

    /// Adds `chunk`; throws `tooLarge` (after aborting) once the limit is passed.
    func write(_ chunk: ByteBuffer) async throws {
        size += Int64(chunk.readableBytes)
        if let limit, size > limit {
            await abort()
            throw StorageError.tooLarge(limit: limit)
        }
        chunk.withUnsafeReadableBytes { bytes in for i in hashers.indices { hashers[i].update(bytes) } }
        var chunk = chunk
        while chunk.readableBytes > 0 {
            let room = Self.partSize - pending.readableBytes
            var slice = chunk.readSlice(length: min(room, chunk.readableBytes))!
            pending.writeBuffer(&slice)
            if pending.readableBytes == Self.partSize { try await flushPart() }
        }
    }

    /// The whole content, when it stayed within one part (nothing sent yet).
    var singlePart: ByteBuffer? { uploadID == nil && etags.isEmpty ? pending : nil }

    /// Stores what was written; the object exists once this returns.
    func finish() async throws {
        do {
            guard let uploadID else {
                try await client.put(key, pending)
                return
            }
            if pending.readableBytes > 0 || etags.isEmpty { try await flushPart() }
            try await client.completeMultipartUpload(key, uploadID: uploadID, etags: etags)
            self.uploadID = nil
        } catch {
            await abort()
            throw error
        }
    }

    /// Drops the multipart upload in progress, if any (nothing of it stays in the bucket).
    func abort() async {
        guard let uploadID else { return }
        self.uploadID = nil
        try? await client.abortMultipartUpload(key, uploadID: uploadID)
    }

    private func flushPart() async throws {
        do {
            if uploadID == nil { uploadID = try await client.createMultipartUpload(key) }
            etags.append(try await client.uploadPart(key, uploadID: uploadID!, number: etags.count + 1, pending))
            pending.clear()
        } catch {
            await abort()
            throw error
        }
    }
}
