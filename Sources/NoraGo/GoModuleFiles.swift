import Foundation

/// Which files of a source folder belong to the module rooted there — the selection of
/// `golang.org/x/mod/zip.CreateFromDir`, so `nora go publish` builds the zip `go mod
/// download` would have built from the same tree:
/// - VCS folders (`.git`, `.hg`, `.svn`, `.bzr`) are left out;
/// - a sub-folder with its own `go.mod` is another module, left out with everything under it;
/// - files in sub-folders of a `vendor/` folder are left out (`vendor/modules.txt` stays);
/// - only regular files count (symbolic links and devices are skipped);
/// - order is that of the go command's walk: each folder's names byte-sorted, depth first.
public enum GoModuleFiles {
    public struct File: Sendable, Equatable {
        /// Slash-separated, relative to the module root (`go.mod`, `pkg/x.go`).
        public let path: String
        public let absolutePath: String
        public let size: Int64
    }

    public struct Failure: Error, Equatable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    public static func select(in root: String) throws(Failure) -> [File] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDir), isDir.boolValue else {
            throw Failure("\(root) is not a folder")
        }
        var files: [File] = []
        try walk(root: root, relative: "", into: &files)
        return files
    }

    static let vcsFolders: Set<String> = [".bzr", ".git", ".hg", ".svn"]

    private static func walk(root: String, relative: String, into files: inout [File]) throws(Failure) {
        let folder = relative.isEmpty ? root : root + "/" + relative
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            throw Failure("cannot read \(folder): \(error.localizedDescription)")
        }
        for name in names.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            let path = relative.isEmpty ? name : relative + "/" + name
            let absolute = root + "/" + path
            if isVendoredPackage(path) { continue }
            // attributesOfItem does not follow symbolic links, like the go command's Lstat.
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: absolute),
                  let type = attributes[.type] as? FileAttributeType else { continue }
            if type == .typeDirectory {
                if vcsFolders.contains(name) { continue }
                if isRegularFile(absolute + "/go.mod") { continue }  // a nested module
                try walk(root: root, relative: path, into: &files)
            } else if type == .typeRegular {
                let size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
                files.append(File(path: path, absolutePath: absolute, size: size))
            }
        }
    }

    static func isRegularFile(_ path: String) -> Bool {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.type] as? FileAttributeType == .typeRegular
    }

    /// `vendor/a/b.go` and `x/vendor/a/b.go` are vendored packages; `vendor/modules.txt` is
    /// not. The offset for a nested `vendor/` reproduces the go command's quirk exactly
    /// (golang.org/issue/31562): changing it would change module checksums.
    static func isVendoredPackage(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        var start: Int
        if name.hasPrefix("vendor/") {
            start = "vendor/".utf8.count
        } else if name.contains("/vendor/") {
            start = "/vendor/".utf8.count
        } else {
            return false
        }
        start = min(start, bytes.count)
        return bytes[start...].contains(UInt8(ascii: "/"))
    }
}
