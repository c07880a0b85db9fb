import Crypto
import NIOCore
import NoraCore
import Synchronization

/// The checksum files Maven clients read and write next to every file.
enum ChecksumAlgorithm: String, CaseIterable, Sendable {
    case md5, sha1, sha256, sha512

    var hexLength: Int {
        switch self { case .md5: 32; case .sha1: 40; case .sha256: 64; case .sha512: 128 }
    }
}

/// The four checksums of one file, lowercase hex.
struct MavenChecksums: Equatable, Sendable {
    let md5: String
    let sha1: String
    let sha256: String
    let sha512: String

    subscript(_ algorithm: ChecksumAlgorithm) -> String {
        switch algorithm { case .md5: md5; case .sha1: sha1; case .sha256: sha256; case .sha512: sha512 }
    }

    static func of(_ bytes: some Sequence<UInt8>) -> MavenChecksums {
        var hasher = MultiHasher()
        Array(bytes).withUnsafeBytes { hasher.update($0) }
        return hasher.finalize()
    }

    /// The hex value in an uploaded checksum file: its first token (some tools append
    /// `  <file name>`), lowercased; nil unless it has the algorithm's length and only hex digits.
    static func parseUploaded(_ text: String, _ algorithm: ChecksumAlgorithm) -> String? {
        guard let token = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }).first else { return nil }
        let hex = token.lowercased()
        guard hex.utf8.count == algorithm.hexLength,
              hex.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else { return nil }
        return hex
    }
}

/// md5, sha1, sha256 and sha512 fed from one pass over the bytes.
struct MultiHasher: Sendable {
    private var md5 = Insecure.MD5()
    private var sha1 = Insecure.SHA1()
    private var sha256 = SHA256()
    private var sha512 = SHA512()

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        md5.update(bufferPointer: bytes)
        sha1.update(bufferPointer: bytes)
        sha256.update(bufferPointer: bytes)
        sha512.update(bufferPointer: bytes)
    }

    func finalize() -> MavenChecksums {
        MavenChecksums(md5: md5.finalize().hexString, sha1: sha1.finalize().hexString,
                       sha256: sha256.finalize().hexString, sha512: sha512.finalize().hexString)
    }
}

/// Passes a request body through unchanged while hashing it, so the blob store's own
/// streaming write and the four Maven checksums share one read of the upload.
final class HashingBody<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == ByteBuffer {
    typealias Element = ByteBuffer
    private let base: Base
    private let hasher = Mutex(MultiHasher())

    init(_ base: Base) { self.base = base }

    /// The checksums of everything that went through; read once the store has consumed the body.
    var checksums: MavenChecksums { hasher.withLock { $0.finalize() } }

    struct AsyncIterator: AsyncIteratorProtocol {
        var inner: Base.AsyncIterator
        let owner: HashingBody

        mutating func next() async throws -> ByteBuffer? {
            guard let chunk = try await inner.next() else { return nil }
            owner.hasher.withLock { state in
                chunk.withUnsafeReadableBytes { state.update($0) }
            }
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(inner: base.makeAsyncIterator(), owner: self) }
}
