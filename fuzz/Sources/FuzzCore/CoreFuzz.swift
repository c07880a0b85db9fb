// Fuzz targets for NoraCore's parsers: byte ranges, artifact paths, the TOML configuration.
// The parser files beside this one are symlinks into Sources/NoraCore (compiled here with
// coverage); everything else comes from the debug NoraCore module.
@testable import NoraCore

public enum CoreFuzz {
    public static let targets: [(String, @Sendable ([UInt8]) -> Void)] = [
        ("byte-range", byteRange),
        ("artifact-path", artifactPath),
        ("toml-config", tomlConfig),
    ]

    /// Input: the size as the first 8 bytes (little endian), then the Range header.
    static func byteRange(_ bytes: [UInt8]) {
        guard bytes.count >= 8 else { return }
        let size = Int64(bytes.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) } >> 1)
        let header = String(decoding: bytes.dropFirst(8), as: UTF8.self)
        guard let range = try? ByteRange.resolve(header, size: size) else { return }
        precondition(range.lowerBound >= 0 && range.upperBound < size, "range \(range) outside 0..<\(size)")
    }

    static func artifactPath(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        if let path = try? ArtifactPath(encoded: text) {
            for segment in path.segments {
                precondition(!segment.isEmpty && segment != "." && segment != ".." && !segment.contains("/"),
                             "unsafe segment \(segment) accepted from \(text)")
            }
        }
        _ = PercentEncoding.decode(text)
        _ = PercentEncoding.encode(text)
    }

    static func tomlConfig(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        _ = try? ConfigLoader.parse(toml: text, environment: [:])
    }
}
