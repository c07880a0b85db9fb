import Foundation
import NoraCore

/// Pinned requirements (`name==version`, optional `--hash=sha256:…`), as `pip freeze` or
/// `pip-compile --generate-hashes` write them.
///
/// Which files are mirrored: with hashes, exactly the files whose sha256 is listed (what
/// `pip install --require-hashes` can install); without, every file of that version (every
/// wheel and the sdist), so any platform and Python can install later. Markers are ignored.
public struct PipRequirements: Sendable, Equatable {
    public struct Requirement: Sendable, Equatable {
        public let name: String
        public let version: String
        public let hashes: [Digest]
        public let line: Int
    }

    public let requirements: [Requirement]

    public init(text: String, file: String = "requirements.txt") throws(MirrorInputError) {
        var found: [Requirement] = []
        for (number, line) in Self.logicalLines(text) {
            if line.hasPrefix("-") {
                if line.hasPrefix("-r") || line.hasPrefix("--requirement") || line.hasPrefix("-c") || line.hasPrefix("--constraint") {
                    throw MirrorInputError(file: file, line: number, "included files are not followed: mirror '\(line)' on its own")
                }
                continue  // global options (--index-url, --find-links …)
            }
            found.append(try Self.requirement(line, place: (file, number)))
        }
        requirements = found
    }

    /// Lines joined at trailing backslashes, comments removed, numbered by their first line.
    static func logicalLines(_ text: String) -> [(Int, String)] {
        var out: [(Int, String)] = []
        var pending = "", start = 0
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = String(raw)
            if let hash = line.range(of: " #") ?? (line.hasPrefix("#") ? line.startIndex..<line.index(after: line.startIndex) : nil) {
                line = String(line[..<hash.lowerBound])
            }
            if pending.isEmpty { start = index + 1 }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasSuffix("\\") {
                pending += trimmed.dropLast() + " "
                continue
            }
            let whole = (pending + trimmed).trimmingCharacters(in: .whitespaces)
            pending = ""
            if !whole.isEmpty { out.append((start, whole)) }
        }
        return out
    }

    static func requirement(_ line: String, place: (String, Int)) throws(MirrorInputError) -> Requirement {
        let fail = { (reason: String) in MirrorInputError(file: place.0, line: place.1, reason) }
        var words = line.split(separator: " ").map(String.init)
        var hashes: [Digest] = []
        var badHash: String?
        words.removeAll { word in
            guard word.hasPrefix("--hash=") else { return false }
            let value = String(word.dropFirst("--hash=".count)).lowercased()
            if let digest = try? Digest(parsing: value) { hashes.append(digest) } else { badHash = value }
            return true
        }
        if let badHash { throw fail("--hash=\(badHash) is not sha256:<64 hex> or sha512:<128 hex>") }
        let spec = words.joined(separator: " ").split(separator: ";", maxSplits: 1).first.map(String.init)?
            .trimmingCharacters(in: .whitespaces) ?? ""
        guard let equals = spec.range(of: "==") else {
            throw fail("'\(spec)' is not pinned: write name==version (pip freeze does)")
        }
        var name = spec[..<equals.lowerBound].trimmingCharacters(in: .whitespaces)
        if let bracket = name.firstIndex(of: "[") { name = String(name[..<bracket]) }
        let version = spec[equals.upperBound...].trimmingCharacters(in: CharacterSet(charactersIn: "= "))
        guard PyPINames.isValidName(name) else { throw fail("'\(name)' is not a project name") }
        guard !version.isEmpty, !version.contains("*"), !version.contains(","), !version.contains(" ") else {
            throw fail("'\(version)' is not one exact version")
        }
        return Requirement(name: name, version: version, hashes: hashes, line: place.1)
    }

    /// One request per project page; each page's answer names the files to fetch.
    public var requests: [MirrorRequest] {
        requirements.map { requirement in
            let project = PyPINames.normalize(requirement.name)
            let pagePath = "/simple/\(project)/"
            return MirrorRequest("pypi \(requirement.name)==\(requirement.version) page", path: pagePath,
                                 accept: "application/vnd.pypi.simple.v1+json") { body throws(MirrorInputError) in
                try PyPIProjectPage.files(body, pagePath: pagePath, for: requirement)
            }
        }
    }
}

/// The part of a PEP 691 project page the mirror needs: which files a pin names.
enum PyPIProjectPage {
    static func files(_ body: [UInt8], pagePath: String, for requirement: PipRequirements.Requirement) throws(MirrorInputError) -> [MirrorRequest] {
        let place = "pypi \(requirement.name) page"
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let files = object["files"] as? [[String: Any]] else { throw MirrorInputError(place, "not a PEP 691 JSON page") }
        var out: [MirrorRequest] = []
        let project = PyPINames.normalize(requirement.name)
        for file in files {
            guard let filename = file["filename"] as? String, let href = file["url"] as? String,
                  PyPINames.version(of: filename, project: project).map({ PyPINames.sameVersion($0, requirement.version) }) == true
            else { continue }
            let hashes = file["hashes"] as? [String: String] ?? [:]
            let sha256 = hashes["sha256"].flatMap { try? Digest(algorithm: .sha256, hex: $0.lowercased()) }
            if !requirement.hashes.isEmpty {
                guard let sha256, requirement.hashes.contains(sha256) else { continue }
            }
            let path = resolve(href, pagePath: pagePath)
            let check: MirrorCheck = requirement.hashes.isEmpty ? (sha256.map(MirrorCheck.digest) ?? .none) : .anyOf(requirement.hashes)
            out.append(MirrorRequest("pypi \(filename)", path: path, check: check))
            // pip reads the PEP 658 metadata file first when the page offers one
            switch file["core-metadata"] ?? file["dist-info-metadata"] {
            case let metadataHashes as [String: String]:
                let digest = metadataHashes["sha256"].flatMap { try? Digest(algorithm: .sha256, hex: $0.lowercased()) }
                out.append(MirrorRequest("pypi \(filename).metadata", path: path + ".metadata", check: digest.map(MirrorCheck.digest) ?? .none))
            case let flag as Bool where flag:
                out.append(MirrorRequest("pypi \(filename).metadata", path: path + ".metadata"))
            default: break
            }
        }
        guard !out.isEmpty else {
            let wanted = requirement.hashes.isEmpty ? "" : " with a listed --hash"
            throw MirrorInputError(place, "no file of version \(requirement.version)\(wanted)")
        }
        return out
    }

    /// A file URL from the page as a path on the same server (fragment dropped).
    static func resolve(_ href: String, pagePath: String) -> String {
        let bare = String(href.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        if let url = URL(string: bare), url.scheme != nil {
            let query = url.query.map { "?\($0)" } ?? ""
            return (URLComponents(string: bare)?.percentEncodedPath ?? url.path) + query
        }
        if bare.hasPrefix("/") { return bare }
        return (URL(string: bare, relativeTo: URL(string: "http://nora.invalid" + pagePath))?.absoluteURL)
            .flatMap { URLComponents(url: $0, resolvingAgainstBaseURL: true)?.percentEncodedPath } ?? pagePath + bare
    }
}

/// PEP 503 names and the version inside a distribution's file name.
enum PyPINames {
    static func normalize(_ name: some StringProtocol) -> String {
        var out = "", lastWasSeparator = false
        for character in name.lowercased() {
            if character == "-" || character == "_" || character == "." {
                if !lastWasSeparator { out.append("-") }
                lastWasSeparator = true
            } else {
                out.append(character); lastWasSeparator = false
            }
        }
        return out
    }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.first, let last = name.last, first.isLetter || first.isNumber, last.isLetter || last.isNumber else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }

    /// `pkg-1.0-py3-none-any.whl` → 1.0; `pkg-1.0.tar.gz` → 1.0; nil when the name is another project's.
    static func version(of filename: String, project: String) -> String? {
        if filename.hasSuffix(".whl") {
            let parts = filename.dropLast(4).split(separator: "-")
            guard parts.count >= 5, normalize(parts[0]) == project else { return nil }
            return String(parts[1])
        }
        for suffix in [".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tgz", ".tar"] where filename.hasSuffix(suffix) {
            let stem = filename.dropLast(suffix.count)
            guard let dash = stem.lastIndex(of: "-"), normalize(stem[..<dash]) == project else { return nil }
            return String(stem[stem.index(after: dash)...])
        }
        return nil
    }

    /// PEP 440 equality, roughly: case-insensitive, `v` prefix and trailing `.0` release parts ignored.
    static func sameVersion(_ a: String, _ b: String) -> Bool { canonical(a) == canonical(b) }

    static func canonical(_ version: String) -> String {
        var text = version.lowercased()
        if text.hasPrefix("v") { text.removeFirst() }
        let releaseEnd = text.firstIndex { !($0.isNumber || $0 == ".") } ?? text.endIndex
        var release = text[..<releaseEnd].split(separator: ".").map(String.init)
        while release.count > 1, release.last.map({ Int($0) == 0 }) == true { release.removeLast() }
        return release.map { String(Int($0) ?? 0) }.joined(separator: ".") + text[releaseEnd...]
    }
}
