import Foundation
import NoraCore

/// The digest a format's metadata promises for an immutable object: npm `integrity`
/// (sha512) or `shasum` (sha1), PyPI `#sha256=`, Cargo `cksum`, Maven `.sha1`, OCI digests.
public enum ExpectedDigest: Sendable, Equatable, CustomStringConvertible {
    /// sha256 or sha512: the blob store verifies it itself while writing, and the blob is stored under it.
    case native(Digest)
    /// Lowercase hex sha1 (Maven, npm's `shasum`): checked while streaming; the blob is stored by sha256.
    case sha1(String)

    public var description: String {
        switch self {
        case .native(let digest): digest.description
        case .sha1(let hex): "sha1:\(hex)"
        }
    }

    /// Parses an SRI value (`sha512-<base64>`, `sha256-…`); nil for other algorithms.
    public static func subresourceIntegrity(_ text: String) -> ExpectedDigest? {
        for candidate in text.split(separator: " ") {
            let parts = candidate.split(separator: "-", maxSplits: 1)
            guard parts.count == 2, let algorithm = Digest.Algorithm(rawValue: String(parts[0])),
                  let raw = base64Decode(String(parts[1].split(separator: "?").first ?? ""))
            else { continue }
            if let digest = try? Digest(algorithm: algorithm, hex: raw.hexString) { return .native(digest) }
        }
        return nil
    }

    /// A sha1 hex string (40 lowercase hex digits after lowercasing), else nil.
    public static func sha1Hex(_ text: String) -> ExpectedDigest? {
        let hex = text.lowercased()
        guard hex.utf8.count == 40, hex.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else { return nil }
        return .sha1(hex)
    }

    static func base64Decode(_ text: String) -> [UInt8]? {
        var padded = text
        while padded.count % 4 != 0 { padded += "=" }
        guard let data = Data(base64Encoded: padded) else { return nil }
        return Array(data)
    }
}

