import NoraCore

/// What a path under `/maven2/` names, decided from the repository layout alone
/// (`<group path>/<artifactId>/<version>/<file>`), before anything is looked up.
enum MavenPath: Equatable, Sendable {
    /// An artifact file (jar, pom, sources, signature, …).
    case file(MavenFile)
    /// `<file>.<alg>` next to a file or a metadata document.
    indirect case checksum(of: MavenPath, ChecksumAlgorithm)
    /// `<folder>/maven-metadata.xml`; which levels apply is a database question.
    case metadata(folder: [String])
    /// Anything else that is a clean path: a folder to list (GET) or a version/artifact to delete.
    case folder([String])

    static let metadataName = "maven-metadata.xml"

    /// Classifies a validated path; `isFolder` when the URL ended with `/`.
    init(_ path: ArtifactPath, isFolder: Bool) throws(MavenError) {
        let segments = path.segments
        for segment in segments { try Self.checkSegment(segment) }
        if isFolder { self = .folder(segments); return }
        let name = path.fileName
        if let algorithm = ChecksumAlgorithm.allCases.first(where: { name.hasSuffix(".\($0.rawValue)") }) {
            let base = String(name.dropLast(algorithm.rawValue.count + 1))
            // `..md5` leaves `.`, which no path may name (found by fuzzing: it used to trap).
            guard let basePath = try? ArtifactPath(segments: path.parent + [base]) else {
                throw MavenError(.invalidPath, "'\(name)' is a checksum of nothing")
            }
            let target = try MavenPath(basePath, isFolder: false)
            guard case .checksum = target else { self = .checksum(of: target, algorithm); return }
            throw MavenError(.invalidPath, "a checksum of a checksum is not stored")
        }
        if name == Self.metadataName {
            guard segments.count >= 2 else { throw MavenError(.invalidPath, "maven-metadata.xml needs a group folder") }
            self = .metadata(folder: Array(segments.dropLast()))
            return
        }
        // Not a file of the layout: only a folder to list (a PUT re-parses it for the reason).
        if let file = try? MavenFile(segments: segments) { self = .file(file); return }
        self = .folder(segments)
    }

    /// Group ids, artifact ids and versions: the characters Maven itself accepts in ids.
    static func isValidID(_ text: some StringProtocol) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a)
                || b == UInt8(ascii: "-") || b == UInt8(ascii: "_") || b == UInt8(ascii: ".")
                || b == UInt8(ascii: "+") || b == UInt8(ascii: "~")
        }
    }

    static func checkSegment(_ segment: String) throws(MavenError) {
        guard isValidID(segment) else {
            throw MavenError(.invalidPath, "'\(segment)' is not a valid Maven path segment (letters, digits, - _ . + ~)")
        }
    }
}

/// A file in a version folder, with the coordinates its name encodes.
struct MavenFile: Equatable, Sendable {
    let groupPath: [String]
    let artifactId: String
    /// The folder's version (`1.0` or `1.0-SNAPSHOT`).
    let version: String
    let fileName: String
    /// "" when the file has none.
    let classifier: String
    /// May contain dots (`tar.gz`, `jar.asc`).
    let fileExtension: String
    /// `yyyyMMdd.HHmmss` and build number of a timestamped SNAPSHOT file.
    let snapshot: SnapshotStamp?

    var groupId: String { groupPath.joined(separator: ".") }
    var folder: [String] { groupPath + [artifactId, version] }
    var path: String { (folder + [fileName]).joined(separator: "/") }
    var isSnapshot: Bool { version.hasSuffix("-SNAPSHOT") }
    /// A SNAPSHOT file named with the literal `-SNAPSHOT` (non-unique, or a request to resolve).
    var isPlainSnapshot: Bool { isSnapshot && snapshot == nil }

    /// Throws unless the path is `<group…>/<artifactId>/<version>/<artifactId>-<version>…`.
    init(segments: [String]) throws(MavenError) {
        guard segments.count >= 4 else {
            throw MavenError(.invalidPath, "a Maven file path is <group path>/<artifactId>/<version>/<file>")
        }
        let name = segments[segments.count - 1], version = segments[segments.count - 2]
        let artifactId = segments[segments.count - 3]
        let prefix = "\(artifactId)-"
        guard name.hasPrefix(prefix) else {
            throw MavenError(.invalidPath, "file '\(name)' must start with '\(artifactId)-\(version)' (its folder's artifactId and version)")
        }
        let afterArtifact = name.dropFirst(prefix.count)
        var rest: Substring
        var stamp: SnapshotStamp?
        if afterArtifact.hasPrefix(version) {
            rest = afterArtifact.dropFirst(version.count)
        } else if version.hasSuffix("-SNAPSHOT"), let parsed = SnapshotStamp.parsePrefix(afterArtifact, base: String(version.dropLast("SNAPSHOT".count))) {
            (stamp, rest) = parsed
        } else {
            throw MavenError(.invalidPath, "file '\(name)' must start with '\(artifactId)-\(version)'"
                             + (version.hasSuffix("-SNAPSHOT") ? " or a timestamped SNAPSHOT version" : ""))
        }
        var classifier = ""
        if rest.hasPrefix("-") {
            rest = rest.dropFirst()
            guard let dot = rest.firstIndex(of: "."), dot != rest.startIndex else {
                throw MavenError(.invalidPath, "file '\(name)' has a classifier but no extension")
            }
            classifier = String(rest[..<dot])
            rest = rest[dot...]
        }
        guard rest.hasPrefix("."), rest.count > 1, !rest.hasSuffix(".") else {
            throw MavenError(.invalidPath, "file '\(name)' needs an extension after '\(artifactId)-\(version)'")
        }
        self.groupPath = Array(segments.dropLast(3))
        self.artifactId = artifactId
        self.version = version
        self.fileName = name
        self.classifier = classifier
        self.fileExtension = String(rest.dropFirst())
        self.snapshot = stamp
    }

    /// The plain name a timestamped file stands for (`a-1.0-SNAPSHOT-sources.jar`).
    var plainName: String {
        "\(artifactId)-\(version)" + (classifier.isEmpty ? "" : "-\(classifier)") + ".\(fileExtension)"
    }
}

/// `20261129.135253-3` in a timestamped SNAPSHOT file name.
struct SnapshotStamp: Equatable, Sendable {
    let timestamp: String
    let buildNumber: Int

    /// The version this stamp gives a SNAPSHOT (`1.0-20261129.135253-3`).
    func version(base: String) -> String { "\(base.dropLast("SNAPSHOT".count))\(timestamp)-\(buildNumber)" }

    /// Parses `<base><yyyyMMdd.HHmmss>-<n>` at the start of `text`; `base` ends with `-`.
    static func parsePrefix(_ text: Substring, base: String) -> (SnapshotStamp, Substring)? {
        guard text.hasPrefix(base) else { return nil }
        let bytes = Array(text.dropFirst(base.count).utf8)
        guard bytes.count >= 17, bytes[8] == UInt8(ascii: "."), bytes[15] == UInt8(ascii: "-") else { return nil }
        let isDigit = { (b: UInt8) in b >= 0x30 && b <= 0x39 }
        guard bytes[0..<8].allSatisfy(isDigit), bytes[9..<15].allSatisfy(isDigit) else { return nil }
        var end = 16
        while end < bytes.count, isDigit(bytes[end]) { end += 1 }
        guard end > 16, end - 16 <= 9, let build = Int(String(decoding: bytes[16..<end], as: UTF8.self)) else { return nil }
        let stamp = SnapshotStamp(timestamp: String(decoding: bytes[0..<15], as: UTF8.self), buildNumber: build)
        let rest = text.dropFirst(base.count).utf8.dropFirst(end)
        return (stamp, Substring(rest))
    }
}
