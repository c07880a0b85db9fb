import Foundation
import NoraCore

/// One GET that `nora mirror` sends, exactly as the format's client would send it, so the
/// server's pull-through cache fetches and stores the object on the way.
///
/// Documents that name further objects (a PyPI project page, an OCI index, a Maven `.sha1`)
/// carry `next`: their body is read whole (they are small) and turned into more requests.
/// Artifact bodies are streamed and only hashed.
public struct MirrorRequest: Sendable, CustomStringConvertible {
    /// What the summary calls it: "npm lib@1.0.0 tarball".
    public let label: String
    /// The path on nora, percent-encoded as a client sends it (`/npm/@scope%2fname`).
    public let path: String
    public var accept: String?
    public var check: MirrorCheck
    public var next: (@Sendable ([UInt8]) throws(MirrorInputError) -> [MirrorRequest])?

    public init(_ label: String, path: String, accept: String? = nil, check: MirrorCheck = .none,
                next: (@Sendable ([UInt8]) throws(MirrorInputError) -> [MirrorRequest])? = nil) {
        self.label = label; self.path = path; self.accept = accept; self.check = check; self.next = next
    }

    public var description: String { "\(label) (\(path))" }
}

/// What the downloaded bytes must hash to; a mismatch fails the item.
public enum MirrorCheck: Sendable, Equatable {
    case none
    /// sha256 or sha512 (npm integrity, PyPI hashes, Cargo checksum, OCI digests).
    case digest(Digest)
    /// Any one of these (a requirements line may list several `--hash=` values).
    case anyOf([Digest])
    /// Lowercase hex SHA-1 (Maven `.sha1`, npm `shasum` in old lockfiles).
    case sha1(String)
    /// The go.sum `h1:` of a module's `go.mod` file.
    case goModH1(String)
    /// The go.sum `h1:` of a module zip (dirhash over every file inside).
    case goZipH1(String, module: String, version: String)
}

/// A malformed input file or document, naming where: "requirements.txt:7: …".
public struct MirrorInputError: Error, Equatable, CustomStringConvertible {
    public let place: String
    public let reason: String
    public init(_ place: String, _ reason: String) { self.place = place; self.reason = reason }
    public init(file: String, line: Int, _ reason: String) { self.init("\(file):\(line)", reason) }
    public var description: String { "\(place): \(reason)" }
}

/// Percent-encoding for one path segment (RFC 3986 unreserved characters stay).
enum PathSegment {
    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let isUnreserved = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
                || byte == 0x2d || byte == 0x2e || byte == 0x5f || byte == 0x7e
            out += isUnreserved ? String(UnicodeScalar(byte)) : String(format: "%%%02X", byte)
        }
        return out
    }
}

/// Reads non-empty, non-comment lines with their 1-based numbers.
enum InputLines {
    static func of(_ text: String, comment: Character = "#") -> [(number: Int, text: String)] {
        var lines: [(Int, String)] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.first == comment { continue }
            lines.append((index + 1, line))
        }
        return lines
    }
}
