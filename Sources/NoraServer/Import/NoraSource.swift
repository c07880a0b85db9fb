import Foundation
import NIOCore
import NoraStorage

/// Where NORA's storage is read from: its local folder, or its S3 bucket (same keys).
public protocol NoraSource: Sendable {
    /// Every key (a path relative to the storage root, `/`-separated).
    func keys() async throws -> [String]
    /// Runs `body` with a local file holding the key's bytes (a bucket's object is downloaded
    /// to a temporary file first, so bodies always stream from disk).
    func withFile<T: Sendable>(_ key: String, _ body: (String) async throws -> T) async throws -> T
}

extension NoraSource {
    /// A small document read whole, refused beyond `limit` bytes.
    func readSmall(_ key: String, limit: Int = 16 << 20) async throws -> [UInt8] {
        try await withFile(key) { path in
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            let data = try handle.read(upToCount: limit + 1) ?? Data()
            guard data.count <= limit else { throw ImportFailure("\(key) is larger than \(limit) bytes") }
            return Array(data)
        }
    }
}

/// NORA's local storage folder (`NORA_STORAGE_PATH`).
public struct FolderSource: NoraSource {
    public let root: String
    public init(root: String) { self.root = root }

    public func keys() async throws -> [String] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isFolder), isFolder.boolValue else {
            throw ImportFailure("\(root) is not a folder")
        }
        let base = URL(fileURLWithPath: root).standardizedFileURL
        guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey]) else {
            throw ImportFailure("\(root) cannot be read")
        }
        var keys: [String] = []
        let prefix = base.path.hasSuffix("/") ? base.path : base.path + "/"
        for case let url as URL in walker {
            // Symbolic links are not followed: only the folder's own regular files are imported.
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
            let path = url.standardizedFileURL.path
            guard path.hasPrefix(prefix) else { continue }
            keys.append(String(path.dropFirst(prefix.count)))
        }
        return keys
    }

    public func withFile<T: Sendable>(_ key: String, _ body: (String) async throws -> T) async throws -> T {
        let path = root + "/" + key
        guard FileManager.default.isReadableFile(atPath: path) else { throw ImportFailure("\(key) cannot be read") }
        return try await body(path)
    }
}

/// NORA's S3 bucket (optionally under a key prefix).
public struct BucketSource: NoraSource {
    let client: S3Client
    let prefix: String
    public init(client: S3Client, prefix: String) {
        self.client = client
        self.prefix = prefix.isEmpty || prefix.hasSuffix("/") ? prefix : prefix + "/"
    }

    public func keys() async throws -> [String] {
        var keys: [String] = []
        try await client.listAll(prefix: prefix) { object in
            if !object.key.hasSuffix("/") { keys.append(String(object.key.dropFirst(prefix.count))) }
        }
        return keys
    }

    public func withFile<T: Sendable>(_ key: String, _ body: (String) async throws -> T) async throws -> T {
        let temp = FileManager.default.temporaryDirectory.appendingPathComponent("nora-import-\(UUID().uuidString)").path
        guard FileManager.default.createFile(atPath: temp, contents: nil) else { throw ImportFailure("cannot create \(temp)") }
        defer { try? FileManager.default.removeItem(atPath: temp) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temp))
        let found: Bool
        do {
            found = try await client.get(prefix + key) { chunk in try handle.write(contentsOf: Data(chunk.readableBytesView)) }
            try handle.close()
        } catch {
            try? handle.close()
            throw error
        }
        guard found else { throw ImportFailure("\(key) is not in the bucket") }
        return try await body(temp)
    }
}

/// Why one item could not be imported (named in the summary).
public struct ImportFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
