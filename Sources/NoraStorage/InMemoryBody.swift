import NIOCore

/// A small body already in memory (a manifest, a metadata document) as the byte
/// sequence `BlobStore.put` takes.
public struct InMemoryBody: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    let buffer: ByteBuffer?

    public init(_ bytes: [UInt8]) { buffer = bytes.isEmpty ? nil : ByteBuffer(bytes: bytes) }
    public init(_ buffer: ByteBuffer) { self.buffer = buffer.readableBytes == 0 ? nil : buffer }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var pending: ByteBuffer?
        public mutating func next() async throws -> ByteBuffer? {
            defer { pending = nil }
            return pending
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(pending: buffer) }
}
