import NoraCore
import Testing

@Suite struct DigestTests {
    @Test func parsesBothAlgorithms() throws {
        let sha256 = try Digest(parsing: "sha256:" + String(repeating: "a", count: 64))
        #expect(sha256.algorithm == .sha256)
        let sha512 = try Digest(parsing: "sha512:" + String(repeating: "0", count: 128))
        #expect(sha512.description.hasPrefix("sha512:"))
    }

    @Test(arguments: ["", "sha256", "sha256:", "md5:" + String(repeating: "a", count: 32),
                      "sha256:" + String(repeating: "A", count: 64), "sha256:" + String(repeating: "a", count: 63),
                      "sha512:" + String(repeating: "a", count: 64), "sha256:../../" + String(repeating: "a", count: 58)])
    func refusesMalformed(_ text: String) {
        #expect(throws: DigestError.self) { try Digest(parsing: text) }
    }

    @Test func knownVectors() {
        #expect(Digest.of(Array("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Digest.of(Array("".utf8), algorithm: .sha512).hex.hasPrefix("cf83e1357eefb8bdf1542850d66d8007"))
    }
}
