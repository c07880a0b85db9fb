import Crypto

/// A content digest in the OCI form `algorithm:hex` (sha256 or sha512).
/// Every stored artifact is addressed by one of these.
public struct Digest: Hashable, Sendable, CustomStringConvertible, Comparable {
    public enum Algorithm: String, Sendable, CaseIterable {
        case sha256, sha512
        /// Length of the lowercase hex encoding.
        public var hexLength: Int { self == .sha256 ? 64 : 128 }
    }

    public let algorithm: Algorithm
    /// Lowercase hex, validated to `algorithm.hexLength` characters.
    public let hex: String

    public init(algorithm: Algorithm, hex: String) throws(DigestError) {
        guard hex.utf8.count == algorithm.hexLength,
              hex.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) })
        else { throw DigestError.invalid("\(algorithm.rawValue):\(hex.prefix(140))") }
        self.algorithm = algorithm
        self.hex = hex
    }

    /// Parses `sha256:<64 hex>` or `sha512:<128 hex>`; anything else is refused.
    public init(parsing text: some StringProtocol) throws(DigestError) {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let algorithm = Algorithm(rawValue: String(parts[0])) else {
            throw DigestError.invalid(String(text.prefix(140)))
        }
        try self.init(algorithm: algorithm, hex: String(parts[1]))
    }

    public var description: String { "\(algorithm.rawValue):\(hex)" }

    public static func < (lhs: Digest, rhs: Digest) -> Bool { lhs.description < rhs.description }

    /// Digest of an in-memory buffer (small documents only; artifacts go through `DigestHasher`).
    public static func of(_ bytes: some Sequence<UInt8>, algorithm: Algorithm = .sha256) -> Digest {
        var hasher = DigestHasher(algorithm)
        hasher.update(Array(bytes))
        return hasher.finalize()
    }
}

public enum DigestError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalid(String)
    public var description: String {
        switch self { case .invalid(let text): "invalid digest '\(text)'" }
    }
}

/// Incremental hasher for either supported algorithm, fed while bytes stream through.
public struct DigestHasher: Sendable {
    private enum State: Sendable { case sha256(SHA256), sha512(SHA512) }
    private var state: State
    public let algorithm: Digest.Algorithm

    public init(_ algorithm: Digest.Algorithm) {
        self.algorithm = algorithm
        self.state = algorithm == .sha256 ? .sha256(SHA256()) : .sha512(SHA512())
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        switch state {
        case .sha256(var h): h.update(bufferPointer: bytes); state = .sha256(h)
        case .sha512(var h): h.update(bufferPointer: bytes); state = .sha512(h)
        }
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    public func finalize() -> Digest {
        let hex: String
        switch state {
        case .sha256(let h): hex = h.finalize().hexString
        case .sha512(let h): hex = h.finalize().hexString
        }
        // Force-try is safe: the hash function produces exactly hexLength lowercase hex digits.
        return try! Digest(algorithm: algorithm, hex: hex)
    }
}

extension Sequence where Element == UInt8 {
    /// Lowercase hex encoding.
    public var hexString: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
