import Foundation
import NoraCore
import ZIPFoundation

/// The module zip rules of `golang.org/x/mod/zip` (CheckZip), applied to an uploaded zip
/// before it may become a blob: a zip the go command would refuse to extract must never be
/// served, because a client that pinned its hash could then never build.
public enum GoModuleZip {
    /// The go command's own limits.
    public static let maxGoModSize: Int64 = 16 << 20
    public static let maxLicenseSize: Int64 = 16 << 20

    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public let reason: String
        init(_ reason: String) { self.reason = reason }
        public var description: String { reason }
    }

    public struct Checked: Sendable, Equatable {
        /// The zip's `go.mod`, nil when it has none (`+incompatible` versions).
        public let goMod: [UInt8]?
        public let fileCount: Int
        public let uncompressedSize: Int64
        /// The `h1:` hash go.sum records for this zip (dirhash Hash1 over every entry).
        public let h1: String
    }

    /// Checks every entry of the zip at `path` for `module@version`; `limit` caps the total
    /// uncompressed size. Every file is decompressed (CRC-checked), so declared sizes cannot lie.
    public static func check(zipAt path: String, module: String, version: GoSemver, limit: Int64) throws(Invalid) -> Checked {
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw Invalid("not a valid zip archive")
        }
        let prefix = "\(module)@\(version)/"
        var collisions = CollisionChecker()
        var total: Int64 = 0
        var fileCount = 0
        var goMod: [UInt8]?
        var hashes: [(name: String, sha256: String)] = []
        for entry in archive {
            let fullName = entry.path
            guard fullName.hasPrefix(prefix) else {
                throw Invalid("\(fullName): path does not have prefix \"\(prefix)\" (every entry must be under <module>@<version>/)")
            }
            var name = String(fullName.dropFirst(prefix.count))
            guard !fullName.contains("\n") else { throw Invalid("file names with newlines are not supported") }
            if name.isEmpty || name.hasSuffix("/") { hashes.append((fullName, GoSum.emptySHA256)) }
            if name.isEmpty { continue }
            let isDir = name.hasSuffix("/")
            if isDir { name.removeLast() }
            if entry.type == .symlink { throw Invalid("\(fullName): symbolic links are not allowed in module zips") }
            if entry.type == .directory && !isDir { throw Invalid("\(fullName): directory entry without a trailing slash") }
            guard isClean(name) else { throw Invalid("\(fullName): file path is not clean (no ., .. or empty elements)") }
            do { try GoModulePath.checkFile(name) } catch { throw Invalid("\(fullName): \(error.reason)") }
            if let clash = collisions.check(name, isDir: isDir) { throw Invalid("\(fullName): \(clash)") }
            if isDir { continue }
            let base = name.split(separator: "/").last.map(String.init) ?? name
            if base.lowercased() == "go.mod" {
                guard base == name else { throw Invalid("\(fullName): go.mod file not in module root directory") }
                guard name == "go.mod" else { throw Invalid("\(fullName): go.mod files must have lowercase names") }
            }
            let fileLimit = name == "go.mod" ? maxGoModSize : name == "LICENSE" ? maxLicenseSize : limit
            let wantContent = name == "go.mod"
            let (size, content, sha256) = try read(entry, of: archive, name: fullName, limit: min(fileLimit, limit - total),
                                                   keep: wantContent)
            hashes.append((fullName, sha256))
            total += size
            fileCount += 1
            if wantContent { goMod = content }
        }
        try checkGoMod(goMod, module: module, version: version)
        return Checked(goMod: goMod, fileCount: fileCount, uncompressedSize: total, h1: GoSum.h1(hashes))
    }

    /// A `go.mod`, when present, must name exactly this module; a `+incompatible` version
    /// must have none (the go command refuses `+incompatible` when there is one). Without a
    /// go.mod the go command synthesises `module <path>` — but only for paths without a
    /// `/vN` suffix (releases that predate modules, `gopkg.in/x.vN`): a `/vN` path is found
    /// through its go.mod, so it needs one.
    static func checkGoMod(_ goMod: [UInt8]?, module: String, version: GoSemver) throws(Invalid) {
        guard let goMod else {
            if let major = GoModulePath.split(module)?.major, major.hasPrefix("/") {
                throw Invalid("missing go.mod at the module root (\(module)@\(version)/go.mod): a module path with a major version suffix needs one")
            }
            return
        }
        if version.isIncompatible {
            throw Invalid("+incompatible version \(version), but the zip has a go.mod: tag a /v\(version.major) module path instead")
        }
        guard let text = String(validating: goMod, as: UTF8.self) else { throw Invalid("go.mod is not valid UTF-8") }
        guard let declared = GoModFile.modulePath(text) else { throw Invalid("go.mod has no module directive") }
        guard declared == module else {
            throw Invalid("go.mod declares module \"\(declared)\", but the upload is for \"\(module)\"")
        }
    }

    private static func read(_ entry: Entry, of archive: Archive, name: String, limit: Int64,
                             keep: Bool) throws(Invalid) -> (Int64, [UInt8]?, String) {
        if Int64(clamping: entry.uncompressedSize) > limit { throw tooLarge(name, limit: limit) }
        var size: Int64 = 0
        var content: [UInt8] = []
        var hasher = DigestHasher(.sha256)
        do {
            _ = try archive.extract(entry, skipCRC32: false) { chunk in
                size += Int64(chunk.count)
                if size > limit { throw Invalid("") }
                chunk.withUnsafeBytes { hasher.update($0) }
                if keep { content.append(contentsOf: chunk) }
            }
        } catch let error as Invalid where error.reason.isEmpty {
            throw tooLarge(name, limit: limit)
        } catch {
            throw Invalid("\(name): corrupt zip entry (\(error))")
        }
        return (size, keep ? content : nil, hasher.finalize().hex)
    }

    private static func tooLarge(_ name: String, limit: Int64) -> Invalid {
        Invalid("\(name): module contents too large (at most \(limit) more bytes allowed uncompressed; NORA_GO_MAX_ZIP_SIZE)")
    }

    /// `path.Clean(name) == name` for a relative slash path.
    static func isClean(_ name: String) -> Bool {
        !name.hasPrefix("/") && !name.split(separator: "/", omittingEmptySubsequences: false)
            .contains(where: { $0.isEmpty || $0 == "." || $0 == ".." })
    }

    /// Two names that differ only in case would overwrite each other on macOS and Windows.
    struct CollisionChecker {
        private var seen: [String: (path: String, isDir: Bool)] = [:]

        /// Nil when fine, else the reason. Parent folders are recorded as folders.
        mutating func check(_ path: String, isDir: Bool) -> String? {
            let fold = path.lowercased()
            if let other = seen[fold] {
                if other.path != path { return "case-insensitive file name collision: \"\(other.path)\" and \"\(path)\"" }
                if other.isDir != isDir { return "entry \"\(path)\" is both a file and a directory" }
                if !isDir { return "multiple entries for file \"\(path)\"" }
            } else {
                seen[fold] = (path, isDir)
            }
            guard let slash = path.lastIndex(of: "/") else { return nil }
            return check(String(path[..<slash]), isDir: true)
        }
    }
}

/// SHA-256 of a local file, read in chunks.
enum FileDigest {
    static func sha256(path: String) throws -> Digest {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CocoaError(.fileReadNoSuchFile) }
        defer { try? handle.close() }
        var hasher = DigestHasher(.sha256)
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            chunk.withUnsafeBytes { hasher.update($0) }
        }
        return hasher.finalize()
    }
}
