import NoraCore

/// The single choke point for storage keys: every key a backend sees went through here.
///
/// Keys are relative, `/`-separated paths of printable ASCII; no empty, `.` or `..`
/// segment, no backslash, no NUL, no leading `/`, bounded length.
public struct StorageKey: Sendable, Hashable, CustomStringConvertible {
    public static let maxLength = 1024
    public static let maxSegmentLength = 255

    public let path: String

    public init(validating path: String) throws(StorageError) {
        guard !path.isEmpty, path.utf8.count <= Self.maxLength else {
            throw StorageError.invalidKey("key length must be 1...\(Self.maxLength)")
        }
        guard !path.hasPrefix("/") else { throw StorageError.invalidKey("absolute key '\(path.prefix(80))'") }
        // One pass over the bytes (this runs for every blob read): characters, then each
        // segment's length and whether it is empty, "." or "..".
        var segmentLength = 0, segmentDots = 0
        for byte in path.utf8 {
            if byte < 0x20 || byte == 0x7f || byte == UInt8(ascii: "\\") || byte >= 0x80 {
                throw StorageError.invalidKey("forbidden character in '\(path.prefix(80))'")
            }
            if byte == UInt8(ascii: "/") {
                try Self.checkSegment(length: segmentLength, dots: segmentDots, in: path)
                segmentLength = 0; segmentDots = 0
            } else {
                segmentLength += 1
                if byte == UInt8(ascii: ".") { segmentDots += 1 }
            }
        }
        try Self.checkSegment(length: segmentLength, dots: segmentDots, in: path)
        self.path = path
    }

    public var description: String { path }

    private static func checkSegment(length: Int, dots: Int, in path: String) throws(StorageError) {
        guard length > 0, length <= maxSegmentLength, !(length <= 2 && dots == length) else {
            throw StorageError.invalidKey("bad path segment in '\(path.prefix(80))'")
        }
    }

    /// `blobs/sha256/ab/abcdef…`: two-character fan-out keeps directories small.
    public static func blob(_ digest: Digest) throws(StorageError) -> StorageKey {
        try StorageKey(validating: "blobs/\(digest.algorithm.rawValue)/\(digest.hex.prefix(2))/\(digest.hex)")
    }

    /// `uploads/<id>`.
    public static func upload(_ id: UploadID) throws(StorageError) -> StorageKey {
        try StorageKey(validating: "uploads/\(id.value)")
    }
}
