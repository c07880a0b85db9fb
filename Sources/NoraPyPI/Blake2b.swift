import NoraCore

/// BLAKE2b (RFC 7693), unkeyed, for the `blake2_256_digest` twine and uv send with every
/// upload (PyPI's own file identity). swift-crypto has no BLAKE2, so this small streaming
/// implementation lets uploads verify it like sha256 and md5.
struct Blake2b: Sendable {
    private static let iv: [UInt64] = [
        0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
        0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
    ]
    /// The message schedule, ten rounds of sixteen indices, flat (rounds 10 and 11 reuse 0 and 1).
    private static let sigma: [UInt8] = [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
        14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3,
        11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4,
        7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8,
        9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13,
        2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9,
        12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11,
        13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10,
        6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5,
        10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0,
    ]

    private var h: [UInt64]
    private var block: [UInt8] = []
    private var counter: UInt64 = 0
    private let outputLength: Int

    init(outputLength: Int = 32) {
        precondition((1...64).contains(outputLength))
        self.outputLength = outputLength
        h = Self.iv
        h[0] ^= 0x0101_0000 ^ UInt64(outputLength)
        block.reserveCapacity(128)
    }

    mutating func update(_ bytes: [UInt8]) {
        var index = 0
        while index < bytes.count {
            // A full block is compressed only once more data arrives: the last one needs the final flag.
            if block.count == 128 {
                counter &+= 128
                compress(final: false)
                block.removeAll(keepingCapacity: true)
            }
            let take = min(128 - block.count, bytes.count - index)
            block.append(contentsOf: bytes[index..<(index + take)])
            index += take
        }
    }

    /// Lowercase hex of the digest.
    func finalize() -> String {
        var copy = self
        copy.counter &+= UInt64(copy.block.count)
        copy.block += [UInt8](repeating: 0, count: 128 - copy.block.count)
        copy.compress(final: true)
        var out: [UInt8] = []
        for word in copy.h { for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: word >> (8 * UInt64(i)))) } }
        return out.prefix(outputLength).hexString
    }

    /// One block through the compression function; pointers keep it fast in debug builds too.
    private mutating func compress(final: Bool) {
        let counter = self.counter
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 32) { scratch in
            let m = scratch.baseAddress!, v = m + 16
            block.withUnsafeBytes { raw in
                for i in 0..<16 { m[i] = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)) }
            }
            h.withUnsafeBufferPointer { state in
                for i in 0..<8 { v[i] = state[i]; v[i + 8] = Self.iv[i] }
            }
            v[12] ^= counter  // messages beyond 2^64 bytes do not occur here
            if final { v[14] = ~v[14] }
            Self.sigma.withUnsafeBufferPointer { sigma in
                for round in 0..<12 {
                    let s = sigma.baseAddress! + (round % 10) * 16
                    Self.mix(v, 0, 4, 8, 12, m[Int(s[0])], m[Int(s[1])])
                    Self.mix(v, 1, 5, 9, 13, m[Int(s[2])], m[Int(s[3])])
                    Self.mix(v, 2, 6, 10, 14, m[Int(s[4])], m[Int(s[5])])
                    Self.mix(v, 3, 7, 11, 15, m[Int(s[6])], m[Int(s[7])])
                    Self.mix(v, 0, 5, 10, 15, m[Int(s[8])], m[Int(s[9])])
                    Self.mix(v, 1, 6, 11, 12, m[Int(s[10])], m[Int(s[11])])
                    Self.mix(v, 2, 7, 8, 13, m[Int(s[12])], m[Int(s[13])])
                    Self.mix(v, 3, 4, 9, 14, m[Int(s[14])], m[Int(s[15])])
                }
            }
            h.withUnsafeMutableBufferPointer { state in
                for i in 0..<8 { state[i] ^= v[i] ^ v[i + 8] }
            }
        }
    }

    private static func mix(_ v: UnsafeMutablePointer<UInt64>, _ a: Int, _ b: Int, _ c: Int, _ d: Int, _ x: UInt64, _ y: UInt64) {
        v[a] = v[a] &+ v[b] &+ x; v[d] = rotr(v[d] ^ v[a], 32)
        v[c] = v[c] &+ v[d]; v[b] = rotr(v[b] ^ v[c], 24)
        v[a] = v[a] &+ v[b] &+ y; v[d] = rotr(v[d] ^ v[a], 16)
        v[c] = v[c] &+ v[d]; v[b] = rotr(v[b] ^ v[c], 63)
    }

    private static func rotr(_ x: UInt64, _ n: UInt64) -> UInt64 { (x >> n) | (x << (64 - n)) }
}
