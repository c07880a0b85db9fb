// Storage keys: the single choke point every backend key goes through.
public enum StorageFuzz {
    public static let targets: [(String, @Sendable ([UInt8]) -> Void)] = [("storage-key", storageKey)]

    static func storageKey(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let key = try? StorageKey(validating: text) else { return }
        // What the key promises every backend (a file path below the root, an S3 object name).
        precondition(!key.path.hasPrefix("/") && !key.path.contains("\\") && !key.path.contains("\0"), "unsafe key \(key.path)")
        for segment in key.path.split(separator: "/", omittingEmptySubsequences: false) {
            precondition(!segment.isEmpty && segment != "." && segment != "..", "unsafe segment in \(key.path)")
        }
    }
}
