import Foundation
import Logging
import NIOCore
import NoraCore
import NoraMetadata
import NoraStorage
import ZIPFoundation

/// `nora backup` and `nora restore`.
///
/// A backup is a zip archive (ZIPFoundation; entries stored, not compressed: blobs are mostly
/// compressed artifacts already), written while the server runs:
///
///     nora-backup.json          manifest: format, time, registry id, counts, every digest the
///                               database names, and which of them this file holds
///     metadata.sqlite           a consistent snapshot of the database (`VACUUM INTO`)
///     blobs/<alg>/<hex>         every blob the snapshot names (with `--since`: those the
///                               earlier backup does not hold)
///
/// Memory stays flat: the snapshot and every blob are copied file to file in chunks.
public enum Backup {
    public static let manifestName = "nora-backup.json"
    public static let databaseName = "metadata.sqlite"

    public struct Manifest: Codable, Sendable {
        public var format = 1
        public var createdAt: Int64
        public var registryId: String?
        /// Every blob the database snapshot names.
        public var referenced: [String]
        /// The blobs this file holds (all of `referenced`, or the new ones with `--since`).
        public var included: [String]
        public var includedBytes: Int64
        /// The manifest's `createdAt` of the backup this one is incremental to.
        public var since: Int64?
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    public typealias Progress = @Sendable (Int, Int, Int64, Int64) -> Void

    // MARK: backup

    public static func write(to path: String, parts: NoraApp.Parts, since previous: String?,
                             progress: Progress? = nil) async throws -> Manifest {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("nora-backup-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let snapshotPath = work + "/" + databaseName
        try await parts.db.snapshot(to: snapshotPath)

        // The digests the snapshot names: read from the snapshot itself, so database and blobs agree.
        let snapshot = try await MetadataDatabase.open(url: "sqlite://\(snapshotPath)", readers: 1)
        let referenced: Set<String>
        do {
            referenced = try await GarbageCollector(db: snapshot, store: parts.store, logger: Logger(label: "nora.backup"))
                .markedDigests(excludingOrphanLinksBefore: nil)
        } catch {
            await snapshot.close()
            throw error
        }
        await snapshot.close()

        var skip = Set<String>()
        var since: Int64?
        if let previous {
            let earlier = try readManifest(previous)
            skip = Set(earlier.referenced)
            since = earlier.createdAt
        }
        let included = referenced.subtracting(skip).sorted()
        var sizes: [String: Int64] = [:]
        for name in included {
            guard let info = try await parts.store.stat(try Digest(parsing: name)) else {
                throw Failure("\(name) is named by the database but missing from the store (run 'nora verify')")
            }
            sizes[name] = info.size
        }
        let total = sizes.values.reduce(0, +)
        let manifest = Manifest(createdAt: Clock.nowSeconds(), registryId: parts.identity.id, referenced: referenced.sorted(),
                                included: included, includedBytes: total, since: since)

        let partial = path + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        do {
            let archive = try Archive(url: URL(fileURLWithPath: partial), accessMode: .create)
            let manifestPath = work + "/" + manifestName
            try Data(JSON.encode(manifest)).write(to: URL(fileURLWithPath: manifestPath))
            try archive.addEntry(with: manifestName, fileURL: URL(fileURLWithPath: manifestPath), compressionMethod: .deflate)
            try archive.addEntry(with: databaseName, fileURL: URL(fileURLWithPath: snapshotPath), compressionMethod: .deflate)
            var done = 0, doneBytes: Int64 = 0
            for name in included {
                let digest = try Digest(parsing: name)
                try await parts.store.withBlobFile(digest) { file in
                    try archive.addEntry(with: entryName(digest), fileURL: URL(fileURLWithPath: file), compressionMethod: .none)
                }
                done += 1; doneBytes += sizes[name] ?? 0
                progress?(done, included.count, doneBytes, total)
            }
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.moveItem(atPath: partial, toPath: path)
        return manifest
    }

    static func entryName(_ digest: Digest) -> String { "blobs/\(digest.algorithm.rawValue)/\(digest.hex)" }

    public static func readManifest(_ path: String) throws -> Manifest {
        let archive: Archive
        do { archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read) } catch {
            throw Failure("\(path): not a nora backup (\(error))")
        }
        guard let entry = archive[manifestName] else { throw Failure("\(path): not a nora backup (no \(manifestName))") }
        var data = Data()
        _ = try archive.extract(entry) { data.append($0) }
        do { return try JSONDecoder().decode(Manifest.self, from: data) } catch {
            throw Failure("\(path): unreadable \(manifestName) (\(error))")
        }
    }

    // MARK: restore

    /// Restores `files` (a full backup, then any incremental ones, oldest first) into an
    /// empty storage folder and database file. Every blob is verified against its name while
    /// it is written; the database comes from the last file.
    public static func restore(_ files: [String], storagePath: String, databasePath: String, force: Bool,
                               progress: Progress? = nil) async throws -> (blobs: Int, bytes: Int64) {
        guard let last = files.last else { throw Failure("name at least one backup file") }
        let manifests = try files.map(readManifest)
        if !force {
            if FileManager.default.fileExists(atPath: databasePath) {
                throw Failure("\(databasePath) exists: restore into an empty location, or pass --force to replace it")
            }
            if let names = try? FileManager.default.contentsOfDirectory(atPath: storagePath + "/blobs"), !names.isEmpty {
                throw Failure("\(storagePath) already holds blobs: restore into an empty location, or pass --force")
            }
        }
        let store = try await FileBlobStore(root: storagePath)
        let work = storagePath + "/tmp/restore-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let total = manifests.reduce(Int64(0)) { $0 + $1.includedBytes }
        let count = manifests.reduce(0) { $0 + $1.included.count }
        var done = 0, doneBytes: Int64 = 0
        for (file, manifest) in zip(files, manifests) {
            let archive = try Archive(url: URL(fileURLWithPath: file), accessMode: .read)
            for name in manifest.included {
                let digest = try Digest(parsing: name)
                guard let entry = archive[entryName(digest)] else { throw Failure("\(file): \(name) is listed but not in the archive") }
                let temp = work + "/" + digest.hex
                _ = try archive.extract(entry, to: URL(fileURLWithPath: temp))
                do {
                    let info = try await store.put(FileChunks(path: temp), algorithm: digest.algorithm, expected: digest, limit: nil)
                    doneBytes += info.size
                } catch StorageError.digestMismatch {
                    throw Failure("\(file): the bytes stored as \(name) do not hash to it: the backup is damaged")
                }
                try? FileManager.default.removeItem(atPath: temp)
                done += 1
                progress?(done, count, doneBytes, total)
            }
        }
        // Every blob the final database names must now be here (an incremental file needs its base).
        for name in manifests.last!.referenced where try await store.stat(try Digest(parsing: name)) == nil {
            throw Failure("\(name) is named by \(last)'s database but in none of the files given: "
                          + "restore the full backup and every incremental one after it, in order")
        }
        let archive = try Archive(url: URL(fileURLWithPath: last), accessMode: .read)
        guard let database = archive[databaseName] else { throw Failure("\(last): no \(databaseName)") }
        let folder = (databasePath as NSString).deletingLastPathComponent
        if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: databasePath + suffix) }
        _ = try archive.extract(database, to: URL(fileURLWithPath: databasePath))
        return (done, doneBytes)
    }
}

/// A file read in 1 MiB chunks, as a request body would arrive.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let path: String

    struct AsyncIterator: AsyncIteratorProtocol {
        let handle: FileHandle?
        mutating func next() async throws -> ByteBuffer? {
            guard let handle, let data = try handle.read(upToCount: 1 << 20), !data.isEmpty else {
                try handle?.close()
                return nil
            }
            return ByteBuffer(bytes: data)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(handle: FileHandle(forReadingAtPath: path)) }
}
