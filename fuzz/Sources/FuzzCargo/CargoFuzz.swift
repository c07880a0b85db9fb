import FuzzSupport
import NIOCore

// Cargo publishes (`PUT /api/v1/crates/new`: framing, then the JSON metadata) and index lines.
public enum CargoFuzz {
    public static let targets: [(String, @Sendable ([UInt8]) -> Void)] = [
        ("cargo-publish", publish),
        ("cargo-index-line", indexLine),
    ]

    /// The body in chunks, as the request delivers it.
    struct Chunks: AsyncSequence, Sendable {
        let chunks: [ByteBuffer]
        struct AsyncIterator: AsyncIteratorProtocol {
            var rest: ArraySlice<ByteBuffer>
            mutating func next() async -> ByteBuffer? { rest.popFirst() }
        }
        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(rest: chunks[...]) }
    }

    /// Input: a chunk size byte, then the publish body.
    static func publish(_ bytes: [UInt8]) {
        guard let sizeByte = bytes.first else { return }
        let body = bytes.dropFirst(), size = Int(sizeByte % 32) + 1
        let chunks = stride(from: body.startIndex, to: body.endIndex, by: size).map {
            ByteBuffer(bytes: body[$0..<min($0 + size, body.endIndex)])
        }
        FuzzSupport.runBlocking {
            let framing = PublishFraming(Chunks(chunks: chunks))
            guard let json = try? await framing.readMetadata(maxJSON: 1 << 20) else { return }
            if let metadata = try? PublishMetadata.parse(json), (try? metadata.identity()) != nil {
                _ = try? metadata.indexLine(cksum: String(repeating: "0", count: 64), pubtime: "2024-01-01T00:00:00Z")
            }
            guard let length = try? await framing.readCrateLength(max: 1 << 20) else { return }
            let crate = framing.crateBody(length: length)
            var seen: Int64 = 0
            do {
                for try await chunk in crate { seen += Int64(chunk.readableBytes) }
                precondition(seen == length, "crate body of \(seen) bytes accepted for a declared \(length)")
            } catch {}
        }
    }

    static func indexLine(_ bytes: [UInt8]) {
        guard let line = try? JSON.decode(IndexLine.self, from: bytes) else { return }
        let again = try? JSON.decode(IndexLine.self, from: JSON.encode(line))
        precondition(again == line, "an index line does not survive encoding")
        _ = try? CrateName(line.name)
        _ = try? SemanticVersion(line.vers)
    }
}
