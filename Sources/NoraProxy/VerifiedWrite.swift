import NIOConcurrencyHelpers
import NIOCore
import NoraCore
import NoraStorage

/// Streams an upstream body into the blob store, verifying it against the promised digest
/// while it passes. Memory stays bounded (the store writes chunk by chunk); a body that
/// does not match stores nothing and throws `ProxyError.digestMismatch`.
enum VerifiedWrite {
    static func store<Body: AsyncSequence & Sendable>(
        _ body: Body, expected: ExpectedDigest?, limit: Int64?, into store: any BlobStore,
        onChunk: @escaping @Sendable (Int) -> Void
    ) async throws -> BlobInfo where Body.Element == ByteBuffer {
        do {
            switch expected {
            case nil:
                return try await store.put(ObservedBody(base: body, observe: { onChunk($0.readableBytes) }),
                                           algorithm: .sha256, expected: nil, limit: limit)
            case .native(let digest):
                return try await store.put(ObservedBody(base: body, observe: { onChunk($0.readableBytes) }),
                                           algorithm: digest.algorithm, expected: digest, limit: limit)
            case .sha1(let hex):
                return try await storeCheckingSHA1(body, hex: hex, limit: limit, into: store, onChunk: onChunk)
            }
        } catch StorageError.digestMismatch(let expected, let actual) {
            throw ProxyError.digestMismatch(expected: expected.description, actual: actual.description)
        } catch StorageError.tooLarge(let limit) {
            throw ProxyError.tooLarge(limit: limit)
        }
    }

    /// sha1 is not a store key: the body goes to an upload area hashed both ways, and is
    /// committed under its sha256 only when its sha1 is the promised one.
    private static func storeCheckingSHA1<Body: AsyncSequence & Sendable>(
        _ body: Body, hex: String, limit: Int64?, into store: any BlobStore, onChunk: @escaping @Sendable (Int) -> Void
    ) async throws -> BlobInfo where Body.Element == ByteBuffer {
        let hashes = NIOLockedValueBox((SHA1Stream(), DigestHasher(.sha256)))
        let observed = ObservedBody(base: body) { chunk in
            onChunk(chunk.readableBytes)
            chunk.withUnsafeReadableBytes { bytes in hashes.withLockedValue { $0.0.update(bytes); $0.1.update(bytes) } }
        }
        let upload = try await store.startUpload()
        do {
            _ = try await store.append(observed, to: upload, limit: limit)
            let (sha1, sha256) = hashes.withLockedValue { ($0.0.finalize(), $0.1.finalize()) }
            guard sha1 == hex else { throw ProxyError.digestMismatch(expected: "sha1:\(hex)", actual: "sha1:\(sha1)") }
            return try await store.commit(upload, expected: sha256)
        } catch {
            try? await store.cancel(upload)
            throw error
        }
    }
}

/// A byte sequence that shows each chunk to `observe` as it passes (counting, extra hashing).
struct ObservedBody<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == ByteBuffer {
    typealias Element = ByteBuffer
    let base: Base
    let observe: @Sendable (ByteBuffer) -> Void

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let observe: @Sendable (ByteBuffer) -> Void
        mutating func next() async throws -> ByteBuffer? {
            guard let chunk = try await base.next() else { return nil }
            observe(chunk)
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), observe: observe) }
}
