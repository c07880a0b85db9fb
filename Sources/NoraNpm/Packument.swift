import NoraCore

/// Everything the registry knows about one package, as loaded in one read.
struct PackageState: Sendable {
    struct Version: Sendable {
        let version: String
        /// package.json as published (without `readme` and `dist.tarball`).
        let manifest: JSONValue
        let readme: String?
        let tarballFile: String
        let digest: Digest
        let size: Int64
        let publishedAt: Int64
        let publisher: String?
        let deprecated: String?
    }

    let name: PackageName
    let rev: Int64
    let createdAt: Int64
    let modifiedAt: Int64
    let versions: [Version]
    let distTags: [String: String]
    let maintainers: [String]

    /// CouchDB-style `N-hash`: npm echoes it back on whole-document writes.
    var revision: String { Self.revision(name: name, rev: rev) }

    static func revision(name: PackageName, rev: Int64) -> String {
        "\(rev)-" + Digest.of(Array("\(name.value)@\(rev)".utf8)).hex.prefix(32)
    }

    var latest: Version? {
        guard let tagged = distTags["latest"] else { return nil }
        return versions.first { $0.version == tagged }
    }

    func version(_ text: String) -> Version? { versions.first { $0.version == text } }
}

/// Renders packuments: the full document (`application/json`) and the abbreviated install
/// document (`application/vnd.npm.install-v1+json`). Tarball URLs are built from the
/// registry's base URL at render time, so they follow `NORA_PUBLIC_URL` or the Host.
enum Packument {
    static let abbreviatedType = "application/vnd.npm.install-v1+json"

    /// The fields npm's installer reads; everything else is dropped from the abbreviated form.
    static let abbreviatedFields: Set<String> = [
        "name", "version", "bin", "directories", "dependencies", "devDependencies", "peerDependencies",
        "peerDependenciesMeta", "optionalDependencies", "bundleDependencies", "bundledDependencies",
        "acceptDependencies", "engines", "os", "cpu", "libc", "funding", "license", "deprecated",
        "_hasShrinkwrap", "hasInstallScript", "dist",
    ]

    static func tarballURL(base: String, name: PackageName, file: String) -> String {
        "\(base)/npm/\(name.value)/-/\(PercentEncoding.encode(file))"
    }

    /// One version's manifest as served: with its tarball URL and deprecation.
    static func versionDocument(_ v: PackageState.Version, name: PackageName, base: String) -> JSONValue {
        var manifest = v.manifest
        var dist = manifest["dist"]?.object ?? [:]
        dist["tarball"] = .string(tarballURL(base: base, name: name, file: v.tarballFile))
        manifest["dist"] = .object(dist)
        if let deprecated = v.deprecated { manifest["deprecated"] = .string(deprecated) }
        // npm view prints `name <email>` and shows "undefined" for a missing email; we know none.
        if let publisher = v.publisher, manifest["_npmUser"] == nil {
            manifest["_npmUser"] = .object(["name": .string(publisher), "email": .string("")])
        }
        return manifest
    }

    static func full(_ state: PackageState, base: String) -> JSONValue {
        var versions: [String: JSONValue] = [:]
        var time: [String: JSONValue] = [
            "created": .string(Clock.iso8601(millis: state.createdAt)),
            "modified": .string(Clock.iso8601(millis: state.modifiedAt)),
        ]
        for v in state.versions {
            versions[v.version] = versionDocument(v, name: state.name, base: base)
            time[v.version] = .string(Clock.iso8601(millis: v.publishedAt))
        }
        var doc: [String: JSONValue] = [
            "_id": .string(state.name.value),
            "_rev": .string(state.revision),
            "name": .string(state.name.value),
            "dist-tags": .object(state.distTags.mapValues { .string($0) }),
            "versions": .object(versions),
            "time": .object(time),
            "maintainers": .array(state.maintainers.map { .object(["name": .string($0), "email": .string("")]) }),
            "readme": .string(state.latest?.readme ?? ""),
        ]
        if let latest = state.latest?.manifest {
            for key in ["description", "keywords", "license", "homepage", "repository", "author", "bugs", "contributors"] {
                if let value = latest[key] { doc[key] = value }
            }
            if let file = latest["readmeFilename"] { doc["readmeFilename"] = file }
        }
        return .object(doc)
    }

    static func abbreviated(_ state: PackageState, base: String) -> JSONValue {
        var versions: [String: JSONValue] = [:]
        for v in state.versions {
            let document = versionDocument(v, name: state.name, base: base).object ?? [:]
            versions[v.version] = .object(document.filter { abbreviatedFields.contains($0.key) })
        }
        return .object([
            "name": .string(state.name.value),
            "modified": .string(Clock.iso8601(millis: state.modifiedAt)),
            "dist-tags": .object(state.distTags.mapValues { .string($0) }),
            "versions": .object(versions),
        ])
    }

    /// Whether the client asked for the abbreviated document.
    static func wantsAbbreviated(accept: String?) -> Bool {
        accept?.contains(abbreviatedType) ?? false
    }
}
