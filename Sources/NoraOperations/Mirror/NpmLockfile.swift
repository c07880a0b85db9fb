import Foundation
import NoraCore
import NoraProxy

/// The registry packages a `package-lock.json` (lockfileVersion 1, 2 or 3) pins.
///
/// v2/v3 list every installed folder under `packages` ("node_modules/a/node_modules/@s/b");
/// v1 nests `dependencies`. Links, bundled packages and non-registry sources (git, file,
/// remote tarballs outside a registry) are skipped: nora cannot proxy them.
public struct NpmLockfile: Sendable, Equatable {
    public struct Package: Sendable, Hashable {
        public let name: String
        public let version: String
        /// The tarball's file name as the registry names it (`app-1.0.0.tgz` for `@acme/app`).
        public let tarball: String
        /// SRI (`sha512-…`) or, in old lockfiles, nil with `shasum` unknown.
        public let integrity: String?
    }

    public let packages: [Package]

    public init(json bytes: [UInt8], file: String = "package-lock.json") throws(MirrorInputError) {
        guard let root = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw MirrorInputError(file, "not a JSON object (is this a package-lock.json?)")
        }
        var found: [Package] = []
        if let packages = root["packages"] as? [String: Any] {
            // only installed folders: "" is the project, other keys are workspace sources
            for (folder, value) in packages where folder.hasPrefix("node_modules/") || folder.contains("/node_modules/") {
                guard let entry = value as? [String: Any] else { throw MirrorInputError(file, "packages[\"\(folder)\"] is not an object") }
                if let package = try Self.package(entry, name: Self.name(folder: folder), place: "\(file): packages[\"\(folder)\"]") {
                    found.append(package)
                }
            }
        } else if let dependencies = root["dependencies"] as? [String: Any] {
            try Self.walk(dependencies, file: file, into: &found)
        } else if root["lockfileVersion"] == nil {
            throw MirrorInputError(file, "no lockfileVersion, packages or dependencies (is this a package-lock.json?)")
        }
        var seen = Set<String>()
        packages = found.filter { seen.insert("\($0.name)@\($0.version)").inserted }
            .sorted { ($0.name, $0.version) < ($1.name, $1.version) }
    }

    /// The package name of an install folder: what follows the last `node_modules/`.
    static func name(folder: String) -> String {
        guard let range = folder.range(of: "node_modules/", options: .backwards) else { return folder }
        return String(folder[range.upperBound...])
    }

    private static func walk(_ dependencies: [String: Any], file: String, into found: inout [Package]) throws(MirrorInputError) {
        for (name, value) in dependencies {
            guard let entry = value as? [String: Any] else { throw MirrorInputError(file, "dependencies[\"\(name)\"] is not an object") }
            if let package = try package(entry, name: name, place: "\(file): dependencies[\"\(name)\"]") { found.append(package) }
            if let nested = entry["dependencies"] as? [String: Any] { try walk(nested, file: file, into: &found) }
        }
    }

    private static func package(_ entry: [String: Any], name folderName: String, place: String) throws(MirrorInputError) -> Package? {
        if entry["link"] as? Bool == true || entry["inBundle"] as? Bool == true || entry["bundled"] as? Bool == true { return nil }
        // an alias ("node_modules/alias" installing "real@1.0.0") names the real package
        var name = entry["name"] as? String ?? folderName
        guard var version = entry["version"] as? String, !version.isEmpty else {
            throw MirrorInputError(place, "no \"version\"")
        }
        if version.hasPrefix("npm:"), let at = version.lastIndex(of: "@"), at > version.index(version.startIndex, offsetBy: 5) {
            (name, version) = (String(version[version.index(version.startIndex, offsetBy: 4)..<at]), String(version[version.index(after: at)...]))
        }
        if version.hasPrefix("file:") || version.hasPrefix("git") || version.contains("://") { return nil }
        let resolved = entry["resolved"] as? String
        if let resolved, !resolved.hasPrefix("http://"), !resolved.hasPrefix("https://") { return nil }
        if let resolved, !resolved.contains("/-/") { return nil }  // a tarball URL outside any registry layout
        guard PackageNameShape.isValid(name) else { throw MirrorInputError(place, "'\(name)' is not an npm package name") }
        let tarball = resolved.flatMap { $0.split(separator: "/").last.map(String.init) }?.split(separator: "?").first.map(String.init)
            ?? "\(name.split(separator: "/").last ?? Substring(name))-\(version).tgz"
        let integrity = entry["integrity"] as? String
        if let integrity, ExpectedDigest.subresourceIntegrity(integrity) == nil, ExpectedDigest.sha1Hex(integrity) == nil,
           !integrity.hasPrefix("sha1-") {
            throw MirrorInputError(place, "integrity '\(integrity.prefix(40))' is not sha512/sha256/sha1")
        }
        return Package(name: name, version: version, tarball: tarball, integrity: integrity)
    }

    /// What nora must be asked for each package: the packument (npm install reads it) and the tarball.
    public var requests: [MirrorRequest] {
        var out: [MirrorRequest] = []
        var documents = Set<String>()
        for package in packages {
            let documentPath = "/npm/" + PathSegment.encode(package.name).replacingOccurrences(of: "%40", with: "@")
            if documents.insert(package.name).inserted {
                out.append(MirrorRequest("npm \(package.name) packument", path: documentPath, accept: "application/json"))
            }
            let check: MirrorCheck = switch package.integrity.flatMap(ExpectedDigest.subresourceIntegrity) {
            case .native(let digest): .digest(digest)
            default: package.integrity.flatMap(Self.sha1).map(MirrorCheck.sha1) ?? .none
            }
            out.append(MirrorRequest("npm \(package.name)@\(package.version)",
                                     path: "/npm/\(package.name)/-/\(PathSegment.encode(package.tarball))", check: check))
        }
        return out
    }

    /// `sha1-<base64>` as lowercase hex.
    static func sha1(_ integrity: String) -> String? {
        guard integrity.hasPrefix("sha1-"), let data = Data(base64Encoded: String(integrity.dropFirst(5))), data.count == 20 else { return nil }
        return data.hexString
    }
}

/// npm's name shape: `name` or `@scope/name`, lower-case URL-safe characters.
enum PackageNameShape {
    static func isValid(_ name: String) -> Bool {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        let allowed: (Character) -> Bool = { $0.isLetter || $0.isNumber || "-._~".contains($0) }
        switch parts.count {
        case 1: return !name.isEmpty && name.first != "." && name.allSatisfy(allowed)
        case 2: return parts[0].count > 1 && parts[0].first == "@" && parts[0].dropFirst().allSatisfy(allowed)
            && !parts[1].isEmpty && parts[1].allSatisfy(allowed)
        default: return false
        }
    }
}
