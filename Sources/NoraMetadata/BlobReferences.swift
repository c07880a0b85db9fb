/// A column whose values are blob digests (`sha256:…`) that must be kept.
///
/// Every module that stores blobs declares its columns; garbage collection keeps any blob
/// named in any of them and may remove the rest once they are older than its grace period.
public struct BlobReferenceColumn: Sendable, Hashable {
    public let table: String
    public let column: String
    public init(_ table: String, _ column: String) { self.table = table; self.column = column }
}
