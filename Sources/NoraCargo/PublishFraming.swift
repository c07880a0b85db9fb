import NIOCore
import NoraCore

/// Reads the body of `PUT /api/v1/crates/new`:
///
///     u32 LE JSON length | JSON metadata | u32 LE crate length | .crate bytes
///
/// The JSON (bounded by `maxJSON`) is read into memory; the crate is not: `crateBody()`
/// hands on the remaining bytes as a stream, checking their count against the declared
/// length (nothing may follow) and hashing them on the way.
struct PublishFraming<Base: AsyncSequence & Sendable>: Sendable where Base.Element == ByteBuffer {
    private let source: Source

    init(_ body: Base) {
        source = Source(body.makeAsyncIterator())
    }

    /// The JSON metadata bytes.
    func readMetadata(maxJSON: Int) async throws -> [UInt8] {
        let length = Int(try await readLength("metadata"))
        guard length > 0 else { throw CargoError(.invalidFraming, "the publish metadata is empty") }
        guard length <= maxJSON else {
            throw CargoError(.tooLarge, "the publish metadata is \(length) bytes; at most \(maxJSON) are accepted")
        }
        guard let bytes = try await source.read(exactly: length) else {
            throw CargoError(.invalidFraming, "the body ends inside the metadata (declared \(length) bytes)")
        }
        return bytes
    }

    /// The crate's declared length.
    func readCrateLength(max: Int64) async throws -> Int64 {
        let length = Int64(try await readLength("crate"))
        guard length > 0 else { throw CargoError(.invalidFraming, "the .crate file is empty") }
        guard length <= max else { throw CargoError(.tooLarge, "the .crate file is \(length) bytes; at most \(max) are accepted") }
        return length
    }

    /// The crate bytes as a stream of exactly `length` bytes; read `hasher`/`count` afterwards.
    func crateBody(length: Int64) -> CrateBody {
        CrateBody(source: source, length: length)
    }

    private func readLength(_ what: String) async throws -> UInt32 {
        guard let bytes = try await source.read(exactly: 4) else {
            throw CargoError(.invalidFraming, "the body ends before the \(what) length (expected a 4-byte little-endian length)")
        }
        return UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
    }

    /// The request body iterator plus bytes read ahead. Used by one task at a time (the
    /// handler, then the blob store's append), never concurrently, hence unchecked.
    final class Source: @unchecked Sendable {
        var iterator: Base.AsyncIterator
        var pending = ByteBuffer()

        init(_ iterator: Base.AsyncIterator) { self.iterator = iterator }

        func read(exactly count: Int) async throws -> [UInt8]? {
            while pending.readableBytes < count {
                guard var chunk = try await iterator.next() else { return nil }
                pending.writeBuffer(&chunk)
            }
            return pending.readBytes(length: count)
        }

        /// The next bytes: first what was read ahead, then the body's own chunks.
        func next() async throws -> ByteBuffer? {
            if pending.readableBytes > 0 {
                defer { pending = ByteBuffer() }
                return pending
            }
            return try await iterator.next()
        }
    }

    /// The crate part of the body, as the sequence `BlobStore.append` consumes.
    final class CrateBody: AsyncSequence, @unchecked Sendable {
        typealias Element = ByteBuffer
        let source: Source
        let length: Int64
        private(set) var count: Int64 = 0
        private(set) var hasher = DigestHasher(.sha256)

        init(source: Source, length: Int64) { self.source = source; self.length = length }

        struct AsyncIterator: AsyncIteratorProtocol {
            let body: CrateBody
            mutating func next() async throws -> ByteBuffer? { try await body.nextChunk() }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(body: self) }

        func nextChunk() async throws -> ByteBuffer? {
            guard let chunk = try await source.next() else {
                guard count == length else {
                    throw CargoError(.invalidFraming, "the body ends after \(count) of the \(length) declared crate bytes")
                }
                return nil
            }
            count += Int64(chunk.readableBytes)
            guard count <= length else {
                throw CargoError(.invalidFraming, "the body has more bytes than the declared crate length \(length)")
            }
            chunk.withUnsafeReadableBytes { hasher.update($0) }
            return chunk
        }
    }
}
