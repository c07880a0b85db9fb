/// A client-supplied artifact path (raw files, later Maven), decoded and checked.
///
/// Segments are percent-decoded one by one, and the decoded segments must be plain
/// names: no `.`/`..`, no `/` or `\` smuggled in as `%2f`/`%5c`, no NUL or control
/// characters, no empty segments, bounded lengths. So `a/%2e%2e/b` or `a%2fb` are refused
/// rather than reinterpreted.
public struct ArtifactPath: Sendable, Hashable, CustomStringConvertible {
    public static let maxLength = 1024
    public static let maxSegmentLength = 255

    public let segments: [String]
    public var path: String { segments.joined(separator: "/") }
    public var description: String { path }
    public var fileName: String { segments.last ?? "" }

    /// Parses the still-encoded URL path after the format prefix (e.g. `a/b/c.txt`).
    public init(encoded: some StringProtocol) throws(AppError) {
        guard !encoded.isEmpty else { throw AppError(.badRequest, "empty path") }
        let parts = encoded.split(separator: "/", omittingEmptySubsequences: false)
        var segments: [String] = []
        for part in parts {
            guard let decoded = PercentEncoding.decode(part) else {
                throw AppError(.badRequest, "malformed percent-encoding in path")
            }
            try Self.check(segment: decoded)
            segments.append(decoded)
        }
        try self.init(segments: segments)
    }

    public init(segments: [String]) throws(AppError) {
        guard !segments.isEmpty else { throw AppError(.badRequest, "empty path") }
        for s in segments { try Self.check(segment: s) }
        guard segments.reduce(0, { $0 + $1.utf8.count + 1 }) <= Self.maxLength else {
            throw AppError(.badRequest, "path longer than \(Self.maxLength) bytes")
        }
        self.segments = segments
    }

    static func check(segment: String) throws(AppError) {
        guard !segment.isEmpty else { throw AppError(.badRequest, "empty path segment") }
        guard segment != ".", segment != ".." else { throw AppError(.badRequest, "path traversal is not allowed") }
        guard segment.utf8.count <= maxSegmentLength else { throw AppError(.badRequest, "path segment longer than \(maxSegmentLength) bytes") }
        for scalar in segment.unicodeScalars {
            if scalar == "/" || scalar == "\\" { throw AppError(.badRequest, "encoded slash or backslash in path") }
            if scalar.value < 0x20 || scalar.value == 0x7f { throw AppError(.badRequest, "control character in path") }
        }
    }

    /// The path one level up, or nil at the top.
    public var parent: [String] { Array(segments.dropLast()) }
}

public enum PercentEncoding {
    /// Decodes `%XX` escapes; nil for a malformed escape or bytes that are not UTF-8.
    public static func decode(_ text: some StringProtocol) -> String? {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let h = iterator.next().flatMap(hexValue), let l = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(h << 4 | l)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// Encodes everything except unreserved characters (RFC 3986) and, optionally, `/`.
    public static func encode(_ text: String, keepSlash: Bool = false) -> String {
        var out = ""
        for byte in text.utf8 {
            let c = Character(UnicodeScalar(byte))
            if c.isASCII && (c.isLetter || c.isNumber || "-._~".contains(c) || (keepSlash && c == "/")) {
                out.append(c)
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
