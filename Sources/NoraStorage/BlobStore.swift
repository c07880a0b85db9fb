import NIOCore
import NoraCore

/// Content-addressed storage for artifact bytes. Every format stores its files here,
/// keyed by digest, so identical content is kept once whatever format uploaded it.
///
/// Bodies are streamed in and out: an implementation never holds a whole blob in memory.
/// Every backend (files now, S3 later) must pass `NoraStorageConformance`, and is used
/// behind `ValidatingBlobStore`, which checks every key before the backend sees it.
public protocol BlobStore: Sendable {
    /// Streams `body` into the store, hashing while writing. With `expected`, a different
    /// digest stores nothing and throws `digestMismatch`; beyond `limit` bytes nothing is
    /// stored and `tooLarge` is thrown. Storing content that already exists is a success.
    func put<Body: AsyncSequence & Sendable>(
        _ body: Body, algorithm: Digest.Algorithm, expected: Digest?, limit: Int64?
    ) async throws -> BlobInfo where Body.Element == ByteBuffer

    /// Size of a stored blob, or nil when absent.
    func stat(_ digest: Digest) async throws -> BlobInfo?

    /// Streams the blob (or the inclusive byte `range` of it) to `sink`, chunk by chunk,
    /// waiting for each chunk to be consumed before reading the next.
    func read(_ digest: Digest, range: ClosedRange<Int64>?,
              into sink: (ByteBuffer) async throws -> Void) async throws

    /// The blob (or `range` of it) as an open local file, for sending with `sendfile(2)`; nil
    /// when the backend keeps no local files (S3). Throws like `read` (`notFound`, …).
    /// The caller closes the file.
    func openLocalFile(_ digest: Digest, range: ClosedRange<Int64>?) async throws -> LocalBlobFile?

    /// Removes a blob; false when it was not there.
    @discardableResult
    func delete(_ digest: Digest) async throws -> Bool

    /// Every stored blob (with its size and last write time), in no particular order.
    func list(_ each: @Sendable (BlobInfo) async throws -> Void) async throws

    /// Moves a blob out of the store (`nora verify --repair` does this with corrupt content)
    /// to `quarantine/<alg>-<hex>-<unix time>`, where it is kept for inspection: never served,
    /// listed or collected. Returns the quarantine key.
    func quarantine(_ digest: Digest) async throws -> String

    // MARK: Resumable uploads

    /// Opens an empty upload area.
    func startUpload() async throws -> UploadID
    /// Appends `body` at the end of the upload and returns its new total size;
    /// beyond `limit` total bytes the append is refused and the upload keeps its old size.
    func append<Body: AsyncSequence & Sendable>(
        _ body: Body, to upload: UploadID, limit: Int64?
    ) async throws -> Int64 where Body.Element == ByteBuffer
    /// Current size of an upload, or nil when there is no such upload.
    func uploadSize(_ upload: UploadID) async throws -> Int64?
    /// Turns the upload into a blob if its content has the `expected` digest; on mismatch
    /// the upload is discarded and nothing is stored.
    func commit(_ upload: UploadID, expected: Digest) async throws -> BlobInfo
    /// Discards an upload; no error when it is already gone.
    func cancel(_ upload: UploadID) async throws
    /// Uploads (and abandoned temporary files) last written before `cutoffSeconds` ago are removed.
    func sweep(olderThan cutoffSeconds: Int64) async throws -> Int

    /// Throws when the store cannot be written (readiness probe).
    func checkHealth() async throws

    // MARK: Local files (for archive inspection: zip needs random access)

    /// Runs `body` with the path of a local, read-only file holding the blob. A remote
    /// backend downloads to a temporary file first. Do not modify or keep the path.
    func withBlobFile<T: Sendable>(_ digest: Digest, _ body: (String) async throws -> T) async throws -> T
    /// The same for an upload's current bytes: inspect content before committing it.
    func withUploadFile<T: Sendable>(_ upload: UploadID, _ body: (String) async throws -> T) async throws -> T
}

extension BlobStore {
    /// Reads a small blob (or range) whole — for bodies sent in one write or kept in memory,
    /// never for artifacts of unbounded size. Fewer than `length` bytes means the stored file
    /// does not match its record: an I/O error, not a short answer.
    public func readWhole(_ digest: Digest, range: ClosedRange<Int64>? = nil, length: Int64) async throws -> ByteBuffer {
        var body = ByteBuffer()
        try await read(digest, range: range) { chunk in
            if body.readableBytes == 0 { body = chunk } else { body.writeImmutableBuffer(chunk) }
        }
        guard body.readableBytes == length else {
            throw StorageError.io("blob \(digest) gave \(body.readableBytes) bytes, \(length) expected")
        }
        return body
    }
}

/// A stored blob's identity and size, and when it was last written (Unix seconds) where known.
public struct BlobInfo: Sendable, Hashable {
    public let digest: Digest
    public let size: Int64
    public let modifiedAt: Int64?
    public init(digest: Digest, size: Int64, modifiedAt: Int64? = nil) {
        self.digest = digest; self.size = size; self.modifiedAt = modifiedAt
    }
}

/// Names an upload area. Opaque to clients, validated like every storage key.
public struct UploadID: Sendable, Hashable, CustomStringConvertible {
    public let value: String
    public init(validating value: String) throws(StorageError) {
        guard (8...64).contains(value.utf8.count),
              value.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7a) || $0 == 0x2d })
        else { throw StorageError.invalidKey("upload id '\(value.prefix(80))'") }
        self.value = value
    }
    public var description: String { value }
}

/// What a storage backend can fail with; each format maps these to its own wire errors.
public enum StorageError: Error, Equatable, Sendable, CustomStringConvertible {
    case notFound
    case uploadUnknown
    case digestMismatch(expected: Digest, actual: Digest)
    case tooLarge(limit: Int64)
    case invalidKey(String)
    case rangeNotSatisfiable(size: Int64)
    case io(String)
    /// The storage device is full (ENOSPC, or a quota): nothing was stored.
    case full

    public var description: String {
        switch self {
        case .notFound: "blob not found"
        case .uploadUnknown: "upload not found"
        case .digestMismatch(let e, let a): "digest mismatch: expected \(e), content is \(a)"
        case .tooLarge(let limit): "content exceeds the limit of \(limit) bytes"
        case .invalidKey(let key): "invalid storage key: \(key)"
        case .rangeNotSatisfiable(let size): "range not satisfiable for \(size) bytes"
        case .io(let message): "storage I/O error: \(message)"
        case .full: "the storage is full: nothing was stored"
        }
    }
}
