import NIOCore
import Testing
@testable import NoraMaven

@Suite struct MavenChecksumsTests {
    @Test func knownValues() {
        let sums = MavenChecksums.of(Array("abc".utf8))
        #expect(sums.md5 == "900150983cd24fb0d6963f7d28e17f72")
        #expect(sums.sha1 == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(sums.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(sums.sha512.hasPrefix("ddaf35a193617aba"))
        #expect(sums[.sha1] == sums.sha1)
    }

    @Test func streamingMatchesOneShot() async throws {
        let chunks = (0..<5).map { i in ByteBuffer(bytes: (0..<(1000 + i)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i) }) }
        let body = HashingBody(ChunkSequence(chunks: chunks))
        var passed: [UInt8] = []
        for try await chunk in body { passed += chunk.readableBytesView }
        #expect(passed == chunks.flatMap { Array($0.readableBytesView) })
        #expect(body.checksums == MavenChecksums.of(passed))
    }

    @Test func parsesUploadedChecksums() {
        let sha1 = "a9993e364706816aba3e25717850c26c9cd0d89d"
        #expect(MavenChecksums.parseUploaded(sha1, .sha1) == sha1)
        #expect(MavenChecksums.parseUploaded(sha1.uppercased() + "  demo-1.0.jar\n", .sha1) == sha1)
        #expect(MavenChecksums.parseUploaded(sha1, .md5) == nil)
        #expect(MavenChecksums.parseUploaded("zz" + sha1.dropFirst(2), .sha1) == nil)
        #expect(MavenChecksums.parseUploaded("", .sha1) == nil)
    }
}

struct ChunkSequence: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let chunks: [ByteBuffer]
    struct AsyncIterator: AsyncIteratorProtocol {
        var rest: [ByteBuffer]
        mutating func next() async throws -> ByteBuffer? { rest.isEmpty ? nil : rest.removeFirst() }
    }
    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(rest: chunks) }
}
