import NoraCore
import Testing

@Suite struct DigestHasherTests {
    static func pseudoRandomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }

    @Test(arguments: Digest.Algorithm.allCases)
    func streamingEqualsOneShot(_ algorithm: Digest.Algorithm) {
        let data = Self.pseudoRandomBytes(100_003, seed: 42)
        let oneShot = Digest.of(data, algorithm: algorithm)
        for chunkSize in [1, 7, 64, 1000, 65_536, data.count] {
            var hasher = DigestHasher(algorithm)
            var offset = 0
            while offset < data.count {
                let end = min(offset + chunkSize, data.count)
                hasher.update(Array(data[offset..<end]))
                offset = end
            }
            #expect(hasher.finalize() == oneShot, "chunk size \(chunkSize)")
        }
        #expect(oneShot.algorithm == algorithm)
        #expect(oneShot.hex.count == algorithm.hexLength)
    }

    @Test func rawBufferUpdatesAndEmptyChunks() {
        let data = Array("hello, world".utf8)
        var hasher = DigestHasher(.sha256)
        hasher.update([])
        data.prefix(5).withUnsafeBytes { hasher.update($0) }
        hasher.update([])
        data.dropFirst(5).withUnsafeBytes { hasher.update($0) }
        #expect(hasher.finalize() == Digest.of(data))
    }

    @Test func finalizeDoesNotConsumeTheHasher() {
        var hasher = DigestHasher(.sha256)
        hasher.update(Array("ab".utf8))
        let partial = hasher.finalize()
        hasher.update(Array("c".utf8))
        #expect(partial == Digest.of(Array("ab".utf8)))
        #expect(hasher.finalize().hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func knownVectors() {
        #expect(Digest.of([UInt8]()).description
            == "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Digest.of(Array("abc".utf8), algorithm: .sha512).description
            == "sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")
        #expect(Digest.of(Array("".utf8), algorithm: .sha512).hex
            == "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e")
    }

    @Test func differentInputsAndAlgorithmsDiffer() {
        let a = Digest.of(Array("a".utf8)), b = Digest.of(Array("b".utf8))
        #expect(a != b)
        #expect(Digest.of(Array("a".utf8), algorithm: .sha512) != a)
        #expect(Set([a, b, Digest.of(Array("a".utf8))]).count == 2)
    }

    @Test func parsedDigestRoundTripsAndOrders() throws {
        let d = Digest.of(Array("x".utf8), algorithm: .sha512)
        #expect(try Digest(parsing: d.description) == d)
        #expect(try Digest(algorithm: .sha512, hex: d.hex) == d)
        let low = try Digest(parsing: "sha256:" + String(repeating: "0", count: 64))
        let high = try Digest(parsing: "sha256:" + String(repeating: "f", count: 64))
        #expect(low < high)
        #expect([high, low].sorted() == [low, high])
    }

    @Test func hexString() {
        #expect([UInt8]().hexString == "")
        #expect([0x00, 0x0f, 0xa0, 0xff].hexString == "000fa0ff")
    }

    @Test func invalidDigestDescriptionIsBounded() {
        let long = "sha256:" + String(repeating: "z", count: 10_000)
        let error = #expect(throws: DigestError.self) { try Digest(parsing: long) }
        #expect((error?.description.count ?? .max) < 300)
    }
}
