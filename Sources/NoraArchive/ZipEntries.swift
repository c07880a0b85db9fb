import Foundation
import ZIPFoundation

/// Reads entries of a zip file at a local path (wheels, Go module zips) with bounded memory:
/// only the central directory and the one entry asked for are read, and an entry is
/// refused once it inflates past the caller's limit (whatever size its header claims,
/// so a zip bomb costs at most `limit` bytes).
///
///     let zip = try ZipEntries(path: file)
///     let names = zip.paths                                         // every entry, in order
///     let metadata = try zip.contents(of: "x-1.0.dist-info/METADATA", limit: 1 << 20)  // nil when absent
///
/// Every failure (not a zip, corrupt data, limits) throws `ZipEntriesError`.
public struct ZipEntries {
    private let archive: Archive

    public init(path: String) throws(ZipEntriesError) {
        // ZIPFoundation looks for the end record by seeking backwards byte by byte through the
        // whole file: on a large non-zip that takes seconds, so the tail is checked first.
        guard Self.hasEndRecord(path) else { throw .notZip }
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw .notZip
        }
    }

    /// Whether the end-of-central-directory signature (`PK\u{5}\u{6}`) is in the last
    /// 64 KiB + 22 bytes, where a zip's end record (with its comment) must be.
    static func hasEndRecord(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd(), size >= 22 else { return false }
        let tail = min(size, 65_535 + 22)
        guard (try? handle.seek(toOffset: size - tail)) != nil, let data = try? handle.read(upToCount: Int(tail)) else { return false }
        let bytes = [UInt8](data)
        var i = bytes.count - 22
        while i >= 0 {
            if bytes[i] == 0x50 && bytes[i + 1] == 0x4b && bytes[i + 2] == 0x05 && bytes[i + 3] == 0x06 { return true }
            i -= 1
        }
        return false
    }

    /// The path of every entry (folders end with `/`), in central-directory order.
    public var paths: [String] { archive.map(\.path) }

    /// The bytes of the regular-file entry named `entryPath`, or nil when there is none;
    /// throws `.entryTooLarge` when it inflates to more than `limit` bytes.
    public func contents(of entryPath: String, limit: Int) throws(ZipEntriesError) -> [UInt8]? {
        guard let entry = archive[entryPath], entry.type == .file else { return nil }
        guard entry.uncompressedSize <= UInt64(limit) else { throw .entryTooLarge(path: entryPath, limit: limit) }
        var bytes: [UInt8] = []
        do {
            _ = try archive.extract(entry, bufferSize: 64 * 1024, skipCRC32: false) { chunk in
                guard bytes.count + chunk.count <= limit else { throw ZipEntriesError.entryTooLarge(path: entryPath, limit: limit) }
                bytes.append(contentsOf: chunk)
            }
        } catch let error as ZipEntriesError {
            throw error
        } catch {
            throw .corrupt("'\(entryPath)': \(error)")
        }
        return bytes
    }
}

public enum ZipEntriesError: Error, Equatable, Sendable, CustomStringConvertible {
    case notZip
    case corrupt(String)
    case entryTooLarge(path: String, limit: Int)

    public var description: String {
        switch self {
        case .notZip: "not a zip file"
        case .corrupt(let reason): "corrupt zip data (\(reason))"
        case .entryTooLarge(let path, let limit): "'\(path)' is larger than \(limit) bytes"
        }
    }
}
