/// A column whose values are blob digests (`sha256:…`) that must be kept.
///
/// Every module that stores blobs declares its columns; garbage collection keeps any blob
/// named in any of them and may remove the rest once they are older than its grace period.
/// `nora verify` also reads `size` (the column holding the blob's length, when the row keeps
/// one) and `names` (the columns that name the artifact in a report: package, version, path).
public struct BlobReferenceColumn: Sendable, Hashable {
    public let table: String
    public let column: String
    public let format: String
    public let size: String?
    public let names: [String]
    public init(_ table: String, _ column: String, format: String = "", size: String? = nil, names: [String] = []) {
        self.table = table; self.column = column; self.format = format; self.size = size; self.names = names
    }
}
