import Crypto

/// A SHA-1 hasher fed while bytes stream (Maven and npm still publish sha1 checksums).
/// Kept apart from NoraCore, whose `Digest` type shares its name with Crypto's protocol.
struct SHA1Stream: Sendable {
    private var hasher = Insecure.SHA1()
    mutating func update(_ bytes: UnsafeRawBufferPointer) { hasher.update(bufferPointer: bytes) }
    func finalize() -> String {
        let digits = Array("0123456789abcdef")
        return String(hasher.finalize().flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0f)]] })
    }
}
