import NIOCore
import NoraCore

/// Deterministic pseudo-random binary content produced chunk by chunk, so large
/// bodies can be streamed without being held in memory. Optionally fails part-way
/// through, like a client that disconnects mid-upload.
public struct GeneratedBytes: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    public struct Interrupted: Error {}

    public let seed: UInt64
    public let size: Int
    public let chunkSize: Int
    public let failAfterBytes: Int?

    public init(seed: UInt64, size: Int, chunkSize: Int = 64 * 1024 + 7, failAfterBytes: Int? = nil) {
        self.seed = seed; self.size = size; self.chunkSize = chunkSize; self.failAfterBytes = failAfterBytes
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var state: UInt64
        var produced = 0
        let size: Int, chunkSize: Int, failAfter: Int?

        public mutating func next() async throws -> ByteBuffer? {
            if let failAfter, produced >= failAfter { throw Interrupted() }
            guard produced < size else { return nil }
            let count = Swift.min(chunkSize, size - produced)
            var buffer = ByteBufferAllocator().buffer(capacity: count)
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { raw in
                for i in 0..<count {
                    state ^= state << 13; state ^= state >> 7; state ^= state << 17
                    raw[i] = UInt8(truncatingIfNeeded: state)
                }
                return count
            }
            produced += count
            return buffer
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(state: seed | 1, size: size, chunkSize: chunkSize, failAfter: failAfterBytes)
    }

    /// Digest of the whole content, computed by streaming it once.
    public func digest(_ algorithm: Digest.Algorithm = .sha256) async throws -> Digest {
        var hasher = DigestHasher(algorithm)
        for try await chunk in GeneratedBytes(seed: seed, size: size, chunkSize: chunkSize) {
            chunk.withUnsafeReadableBytes { hasher.update($0) }
        }
        return hasher.finalize()
    }

    /// The bytes in `range`, materialised (for small ranges in tests).
    public func bytes(in range: ClosedRange<Int>) async throws -> [UInt8] {
        var out: [UInt8] = []
        var offset = 0
        for try await chunk in GeneratedBytes(seed: seed, size: size, chunkSize: chunkSize) {
            let chunkRange = offset..<(offset + chunk.readableBytes)
            let lo = Swift.max(range.lowerBound, chunkRange.lowerBound), hi = Swift.min(range.upperBound + 1, chunkRange.upperBound)
            if lo < hi { out += chunk.getBytes(at: chunk.readerIndex + lo - offset, length: hi - lo)! }
            offset += chunk.readableBytes
            if offset > range.upperBound { break }
        }
        return out
    }
}

/// A finite in-memory body, for small contents.
public struct Chunks: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    public let buffers: [ByteBuffer]
    public init(_ parts: [[UInt8]]) { buffers = parts.map { ByteBuffer(bytes: $0) } }
    public struct AsyncIterator: AsyncIteratorProtocol {
        var rest: ArraySlice<ByteBuffer>
        public mutating func next() async throws -> ByteBuffer? { rest.popFirst() }
    }
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(rest: buffers[...]) }
}
