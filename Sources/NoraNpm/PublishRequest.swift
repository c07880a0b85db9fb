import Crypto
import Foundation
import NoraCore

/// A validated `npm publish` document: one new version with its tarball attached.
///
/// Everything the client claims is checked against the bytes before anything is stored:
/// the name against the URL, the version against semver, the attachment's length,
/// `dist.shasum` (sha1) and `dist.integrity` (SRI, sha512) against the decoded tarball.
struct PublishRequest: Sendable {
    let name: PackageName
    let version: SemVer
    /// The version's package.json as published, without `readme` and `dist.tarball`
    /// (the tarball URL is built per request from the registry's own base URL).
    let manifest: JSONValue
    let readme: String?
    let tarball: [UInt8]
    let shasum: String
    let integrity: String
    /// Tags to point at this version (`--tag`, default `latest`).
    let distTags: [String]

    /// Whether a `PUT /<name>` body is a publish (it carries attachments) rather than a
    /// metadata change such as `npm deprecate`.
    static func isPublish(_ document: JSONValue) -> Bool {
        !(document["_attachments"]?.object?.isEmpty ?? true)
    }

    init(document: JSONValue, name: PackageName) throws(NpmError) {
        guard document.object != nil else { throw NpmError(.invalidDocument, "publish body must be a JSON object") }
        guard let bodyName = document["name"]?.string else { throw NpmError(.invalidDocument, "publish body has no name") }
        guard bodyName == name.value else {
            throw NpmError(.nameMismatch, "package name '\(bodyName.prefix(214))' does not match the URL's '\(name)'")
        }
        guard let versions = document["versions"]?.object, versions.count == 1, let (versionText, manifest) = versions.first else {
            throw NpmError(.invalidDocument, "publish body must hold exactly one version")
        }
        guard let version = SemVer(versionText) else {
            throw NpmError(.invalidVersion, "invalid version '\(versionText.prefix(100))': versions must be valid semver (e.g. 1.2.3)")
        }
        guard manifest.object != nil, manifest["version"]?.string == versionText else {
            throw NpmError(.invalidDocument, "versions['\(versionText)'].version does not match its key")
        }
        guard manifest["name"]?.string == name.value else {
            throw NpmError(.nameMismatch, "versions['\(versionText)'].name does not match the URL's '\(name)'")
        }
        guard let attachments = document["_attachments"]?.object, attachments.count == 1, let (file, attachment) = attachments.first else {
            throw NpmError(.invalidDocument, "publish body must attach exactly one tarball")
        }
        guard file == "\(name.value)-\(versionText).tgz" || file == name.tarballFile(versionText) else {
            throw NpmError(.invalidDocument, "attachment '\(file.prefix(300))' is not named \(name.tarballFile(versionText))")
        }
        guard let data = attachment["data"]?.string, let bytes = Data(base64Encoded: data), !bytes.isEmpty else {
            throw NpmError(.invalidDocument, "attachment '\(file.prefix(300))' has no base64 data")
        }
        let tarball = Array(bytes)
        if let length = attachment["length"]?.int, length != Int64(tarball.count) {
            throw NpmError(.integrityMismatch, "attachment length \(length) does not match its \(tarball.count) bytes")
        }
        guard tarball.starts(with: [0x1f, 0x8b]) else { throw NpmError(.invalidDocument, "attachment is not a gzip tarball") }

        let sha1 = Insecure.SHA1.hash(data: tarball).hexString
        let sha512 = "sha512-" + Data(SHA512.hash(data: tarball)).base64EncodedString()
        let dist = manifest["dist"]?.object ?? [:]
        if let claimed = dist["shasum"]?.string, claimed.lowercased() != sha1 {
            throw NpmError(.integrityMismatch, "shasum mismatch: dist.shasum is \(claimed.prefix(80)), the tarball's sha1 is \(sha1)")
        }
        if let claimed = dist["integrity"]?.string {
            try Self.verify(integrity: claimed, of: tarball)
        }

        var tags: [String] = []
        for (tag, value) in document["dist-tags"]?.object ?? [:] {
            guard value.string == versionText else {
                throw NpmError(.invalidTag, "dist-tag '\(tag.prefix(128))' must point at the published version \(versionText)")
            }
            try DistTag.validate(tag)
            tags.append(tag)
        }

        var cleaned = manifest.object ?? [:]
        readme = cleaned.removeValue(forKey: "readme")?.string ?? document["readme"]?.string
        var cleanDist = dist
        cleanDist["tarball"] = nil
        cleanDist["shasum"] = .string(sha1)
        cleanDist["integrity"] = .string(sha512)
        cleaned["dist"] = .object(cleanDist)
        cleaned["_id"] = .string("\(name.value)@\(versionText)")
        self.name = name
        self.version = version
        self.manifest = .object(cleaned)
        self.tarball = tarball
        self.shasum = sha1
        self.integrity = sha512
        self.distTags = tags.isEmpty ? ["latest"] : tags.sorted()
    }

    /// Checks every sha1/sha256/sha512 entry of an SRI string (`alg-base64[?opts] …`);
    /// at least one must be of a known algorithm.
    static func verify(integrity: String, of bytes: [UInt8]) throws(NpmError) {
        var checked = 0
        for entry in integrity.split(whereSeparator: \.isWhitespace) {
            guard let dash = entry.firstIndex(of: "-") else { continue }
            let algorithm = entry[..<dash]
            let value = entry[entry.index(after: dash)...].split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
            let actual: String
            switch algorithm {
            case "sha512": actual = Data(SHA512.hash(data: bytes)).base64EncodedString()
            case "sha256": actual = Data(SHA256.hash(data: bytes)).base64EncodedString()
            case "sha1": actual = Data(Insecure.SHA1.hash(data: bytes)).base64EncodedString()
            default: continue
            }
            guard actual == value else {
                throw NpmError(.integrityMismatch, "integrity mismatch: dist.integrity says \(algorithm)-\(value.prefix(100)), the tarball is \(algorithm)-\(actual)")
            }
            checked += 1
        }
        guard checked > 0 else { throw NpmError(.integrityMismatch, "dist.integrity names no sha512, sha256 or sha1 hash") }
    }
}

/// Dist-tag names: not empty, URL-safe, and not something npm would read as a version or
/// range (so `npm install pkg@<tag>` stays unambiguous).
enum DistTag {
    static func validate(_ tag: String) throws(NpmError) {
        let bytes = Array(tag.utf8)
        guard (1...128).contains(bytes.count),
              bytes.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x30 && $0 <= 0x39)
                                 || $0 == 0x2d || $0 == 0x2e || $0 == 0x5f })
        else { throw NpmError(.invalidTag, "invalid dist-tag '\(tag.prefix(128))': use letters, digits, '.', '-' or '_'") }
        let first = bytes[0]
        let looksLikeVersion = (first >= 0x30 && first <= 0x39)
            || ((first == 0x76 || first == 0x56) && bytes.count > 1 && bytes[1] >= 0x30 && bytes[1] <= 0x39)
        guard !looksLikeVersion else {
            throw NpmError(.invalidTag, "invalid dist-tag '\(tag)': tags must not look like versions or ranges")
        }
    }
}
