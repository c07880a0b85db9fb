/// What a NORA storage folder (or bucket) holds, read from its keys alone
/// (`../shared/NORA-STORAGE.md`, summarised in docs/operations.md). No file is opened here: the
/// importers read the files an item names when they import it.
///
/// Choices where NORA's layout leaves room:
/// - An OCI repository is everything between `docker/` and `/blobs/` or `/manifests/`, so a
///   proxied image under a namespace (`docker/docker.io/library/alpine/…`) keeps the namespace
///   in its name here (`docker.io/library/alpine`).
/// - npm versions, their tarballs and dist-tags come from `metadata.json`; `dist-tags/<tag>`
///   files (a version, plain or JSON-quoted) win over the document's `dist-tags`;
///   `versions/…` is NORA's bookkeeping and is not read.
/// - A crate's index lines come from `cargo/index/…/<name>`, else from
///   `cargo/index-entries/…/<name>/<version>.json`; `metadata.json` is not read.
/// - Maven `maven-metadata.xml` (and its checksums) is generated here, not copied;
///   `.sha1`/`.md5` files are read only to verify the file beside them.
/// - Keys matching none of these are counted as skipped.
public struct NoraLayout: Sendable, Equatable {
    public struct OCIRepository: Sendable, Equatable {
        public var name: String
        /// digest text (`sha256:…`) → key
        public var blobs: [String: String] = [:]
        /// reference (tag or digest) → key of `<ref>.json`
        public var manifests: [String: String] = [:]
    }

    public struct NpmPackage: Sendable, Equatable {
        public var name: String
        public var metadataKey: String?
        /// tarball file name (`pkg-1.0.0.tgz`) → key
        public var tarballs: [String: String] = [:]
        /// tag → key of the file holding its version
        public var distTagKeys: [String: String] = [:]
    }

    public struct PyPIFile: Sendable, Equatable {
        public var project: String
        public var filename: String
        public var key: String
    }

    public struct Crate: Sendable, Equatable {
        public var name: String
        /// version → key of the `.crate`
        public var files: [String: String] = [:]
        public var indexKey: String?
        /// version → key of `index-entries/…/<version>.json`
        public var entryKeys: [String: String] = [:]
    }

    public struct GoVersion: Sendable, Equatable {
        /// The module path as stored: case-escaped (`github.com/!foo/bar`).
        public var escapedModule: String
        public var version: String
        public var zipKey: String?
        public var modKey: String?
        public var infoKey: String?
    }

    public struct MavenFile: Sendable, Equatable {
        /// Repository path (`com/example/lib/1.0/lib-1.0.jar`).
        public var path: String
        public var key: String
        public var sha1Key: String?
        public var md5Key: String?
        public var sha256Key: String?
    }

    public struct RawFile: Sendable, Equatable {
        public var path: String
        public var key: String
    }

    public var oci: [OCIRepository] = []
    public var npm: [NpmPackage] = []
    public var pypi: [PyPIFile] = []
    public var cargo: [Crate] = []
    public var go: [GoVersion] = []
    public var maven: [MavenFile] = []
    public var raw: [RawFile] = []
    public var skipped: [String] = []

    public init() {}

    /// Sorts `keys` (paths relative to the storage root, `/`-separated) into items.
    public init<Keys: Sequence>(keys: Keys) where Keys.Element == String {
        var oci: [String: OCIRepository] = [:], npm: [String: NpmPackage] = [:], crates: [String: Crate] = [:]
        var go: [String: GoVersion] = [:], maven: [String: MavenFile] = [:], checksums: [String: String] = [:]
        for key in keys {
            let parts = key.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard parts.count >= 2, !parts.contains(""), !parts.contains(".."), !parts.contains(".") else {
                skipped.append(key); continue
            }
            let rest = Array(parts.dropFirst())
            var known = true
            switch parts[0] {
            case "docker": known = Self.docker(rest, key, into: &oci)
            case "npm": known = Self.npm(rest, key, into: &npm)
            case "pypi":
                if rest.count == 2, rest[1] != "dates.json", rest[1].hasSuffix(".whl") || rest[1].hasSuffix(".tar.gz") {
                    pypi.append(PyPIFile(project: rest[0], filename: rest[1], key: key))
                } else { known = rest.count == 2 && rest[1] == "dates.json" }
            case "cargo": known = Self.cargo(rest, key, into: &crates)
            case "go": known = Self.go(rest, key, into: &go)
            case "maven":
                let path = rest.joined(separator: "/")
                if let last = rest.last, last.hasPrefix("maven-metadata.xml") { known = true }
                else if path.hasSuffix(".sha1") || path.hasSuffix(".md5") || path.hasSuffix(".sha256") { checksums[path] = key }
                else if path.hasSuffix(".sha512") {}
                else { maven[path] = MavenFile(path: path, key: key) }
            case "raw": raw.append(RawFile(path: rest.joined(separator: "/"), key: key))
            default: known = false
            }
            if !known { skipped.append(key) }
        }
        for (path, file) in maven {
            var file = file
            file.sha1Key = checksums[path + ".sha1"]
            file.md5Key = checksums[path + ".md5"]
            file.sha256Key = checksums[path + ".sha256"]
            maven[path] = file
        }
        self.oci = oci.values.sorted { $0.name < $1.name }
        self.npm = npm.values.sorted { $0.name < $1.name }
        self.pypi.sort { ($0.project, $0.filename) < ($1.project, $1.filename) }
        self.cargo = crates.values.sorted { $0.name < $1.name }
        self.go = go.values.sorted { ($0.escapedModule, $0.version) < ($1.escapedModule, $1.version) }
        self.maven = maven.values.sorted { $0.path < $1.path }
        self.raw.sort { $0.path < $1.path }
        self.skipped.sort()
    }

    /// Drops the items of formats not in `formats` (`nora import nora --only`).
    mutating func keep(_ formats: Set<NoraImporter.Format>) {
        if !formats.contains(.docker) { oci = [] }
        if !formats.contains(.npm) { npm = [] }
        if !formats.contains(.pypi) { pypi = [] }
        if !formats.contains(.cargo) { cargo = [] }
        if !formats.contains(.go) { go = [] }
        if !formats.contains(.maven) { maven = [] }
        if !formats.contains(.raw) { raw = [] }
    }

    static func docker(_ rest: [String], _ key: String, into repos: inout [String: OCIRepository]) -> Bool {
        guard rest.count >= 3 else { return false }
        let kind = rest[rest.count - 2], file = rest[rest.count - 1]
        let name = rest.dropLast(2).joined(separator: "/")
        switch kind {
        case "blobs" where file.hasPrefix("sha256:") || file.hasPrefix("sha512:"):
            repos[name, default: OCIRepository(name: name)].blobs[file] = key
        case "manifests" where file.hasSuffix(".meta.json"):
            break
        case "manifests" where file.hasSuffix(".json"):
            repos[name, default: OCIRepository(name: name)].manifests[String(file.dropLast(5))] = key
        default:
            return false
        }
        return true
    }

    static func npm(_ rest: [String], _ key: String, into packages: inout [String: NpmPackage]) -> Bool {
        let scoped = rest[0].hasPrefix("@")
        let nameParts = scoped ? 2 : 1
        guard rest.count > nameParts else { return false }
        let name = rest.prefix(nameParts).joined(separator: "/")
        let tail = Array(rest.dropFirst(nameParts))
        switch (tail.count, tail[0]) {
        case (1, "metadata.json"): packages[name, default: NpmPackage(name: name)].metadataKey = key
        case (2, "tarballs") where tail[1].hasSuffix(".tgz"): packages[name, default: NpmPackage(name: name)].tarballs[tail[1]] = key
        case (2, "dist-tags"): packages[name, default: NpmPackage(name: name)].distTagKeys[tail[1]] = key
        case (_, "versions"): break
        default: return false
        }
        return true
    }

    static func cargo(_ rest: [String], _ key: String, into crates: inout [String: Crate]) -> Bool {
        switch rest[0] {
        case "index":
            guard rest.count >= 3 else { return false }
            crates[rest.last!, default: Crate(name: rest.last!)].indexKey = key
        case "index-entries":
            guard rest.count >= 4, rest.last!.hasSuffix(".json") else { return false }
            let name = rest[rest.count - 2]
            crates[name, default: Crate(name: name)].entryKeys[String(rest.last!.dropLast(5))] = key
        default:
            if rest.count == 2, rest[1] == "metadata.json" { return true }
            guard rest.count == 3, rest[2] == "\(rest[0])-\(rest[1]).crate" else { return false }
            crates[rest[0], default: Crate(name: rest[0])].files[rest[1]] = key
        }
        return true
    }

    static func go(_ rest: [String], _ key: String, into versions: inout [String: GoVersion]) -> Bool {
        guard rest.count >= 3, rest[rest.count - 2] == "@v" else { return false }
        let module = rest.dropLast(2).joined(separator: "/"), file = rest.last!
        if file == "list" { return true }
        for (suffix, kind) in [(".zip", 0), (".mod", 1), (".info", 2)] where file.hasSuffix(suffix) {
            let version = String(file.dropLast(suffix.count))
            let id = module + "@" + version
            var entry = versions[id] ?? GoVersion(escapedModule: module, version: version)
            switch kind {
            case 0: entry.zipKey = key
            case 1: entry.modKey = key
            default: entry.infoKey = key
            }
            versions[id] = entry
            return true
        }
        return false
    }
}
