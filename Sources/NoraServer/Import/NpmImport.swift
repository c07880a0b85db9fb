import Foundation
import HTTPTypes
import NIOConcurrencyHelpers

/// NORA's `npm/<name>/…` into `/npm/<name>`: one item per version, published as `npm publish`
/// would send it (the version's manifest from NORA's `metadata.json`, its tarball attached),
/// so the handler checks `dist.shasum` and `dist.integrity` against the tarball. Dist-tags
/// are set once every version of the package is in.
struct NpmImport: Sendable {
    let source: any NoraSource
    let registry: InProcessRegistry
    /// The version manifests of the package being imported: one packument in memory at a time
    /// (a proxied packument can be megabytes), read again when its first version is imported.
    let current = NIOLockedValueBox<(name: String, manifests: [String: [UInt8]])?>(nil)

    init(source: any NoraSource, registry: InProcessRegistry) { self.source = source; self.registry = registry }

    /// What NORA's packument says about one package.
    struct Package: Sendable {
        let name: String
        /// (version, tarball file name), oldest first.
        let versions: [(String, String)]
        /// version → its manifest as JSON bytes (only when asked for).
        let manifests: [String: [UInt8]]
        let distTags: [String: String]
        /// version → its deprecation message (applied as `npm deprecate` would, after publishing).
        let deprecations: [String: String]
    }

    func items(_ packages: [NoraLayout.NpmPackage]) async throws -> [NoraImporter.Item] {
        var items: [NoraImporter.Item] = []
        for layout in packages {
            let package: Package
            do {
                package = try await read(layout, keepManifests: false)
            } catch {
                items.append(.init(format: .npm, name: layout.name) { throw error })
                continue
            }
            for (index, (version, file)) in package.versions.enumerated() {
                let last = index == package.versions.count - 1
                items.append(.init(format: .npm, name: "\(layout.name)@\(version)") {
                    let outcome = try await publish(layout, version: version, manifest: try await manifest(layout, version), file: file)
                    // The package's dist-tags and deprecations go on with its last version (and
                    // are re-applied on a re-run where they differ).
                    if last { try await finish(package) }
                    return outcome
                })
            }
        }
        return items
    }

    func manifest(_ layout: NoraLayout.NpmPackage, _ version: String) async throws -> [UInt8] {
        if let cached = current.withLockedValue({ $0 }), cached.name == layout.name, let manifest = cached.manifests[version] {
            return manifest
        }
        let package = try await read(layout, keepManifests: true)
        current.withLockedValue { $0 = (layout.name, package.manifests) }
        guard let manifest = package.manifests[version] else { throw ImportFailure("version \(version) is no longer in metadata.json") }
        return manifest
    }

    func read(_ layout: NoraLayout.NpmPackage, keepManifests: Bool) async throws -> Package {
        guard let key = layout.metadataKey else { throw ImportFailure("no metadata.json in NORA's storage") }
        let document = try LooseJSON.object(try await source.readSmall(key, limit: 64 << 20), key)
        let versions = document["versions"] as? [String: Any] ?? [:]
        let times = document["time"] as? [String: Any] ?? [:]
        let unscoped = layout.name.split(separator: "/").last.map(String.init) ?? layout.name
        var list: [(String, String, String)] = [], deprecations: [String: String] = [:], manifests: [String: [UInt8]] = [:]
        for (version, manifest) in versions {
            guard var object = manifest as? [String: Any] else { continue }
            // Published without it: a deprecation is a later change of the version, not part of it.
            if let message = object.removeValue(forKey: "deprecated") as? String, !message.isEmpty { deprecations[version] = message }
            let dist = object["dist"] as? [String: Any] ?? [:]
            let file = (dist["tarball"] as? String)?.split(separator: "/").last.map(String.init) ?? "\(unscoped)-\(version).tgz"
            object.removeValue(forKey: "_id")
            if keepManifests { manifests[version] = try LooseJSON.bytes(object) }
            list.append((version, file, times[version] as? String ?? ""))
        }
        // Publish in NORA's order (its `time` entries), so `latest` moves as it did there.
        list.sort { ($0.2, $0.0) < ($1.2, $1.0) }
        var tags: [String: String] = [:]
        for (tag, version) in document["dist-tags"] as? [String: Any] ?? [:] { tags[tag] = version as? String }
        for (tag, key) in layout.distTagKeys {
            let text = String(decoding: try await source.readSmall(key, limit: 4096), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            tags[tag] = text.hasPrefix("\"") ? text.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) : text
        }
        return Package(name: layout.name, versions: list.map { ($0.0, $0.1) }, manifests: manifests, distTags: tags,
                       deprecations: deprecations)
    }

    var pathName: (String) -> String { { $0.replacingOccurrences(of: "/", with: "%2f") } }

    func publish(_ layout: NoraLayout.NpmPackage, version: String, manifest: [UInt8], file: String) async throws -> NoraImporter.Outcome {
        let path = "/npm/\(pathName(layout.name))"
        if try await publishedVersions(path).contains(version) { return .present }
        guard let key = layout.tarballs[file] else { throw ImportFailure("tarball \(file) is not in NORA's storage") }
        // npm sends the tarball base64-encoded inside the JSON document; the registry reads it whole (body limit).
        let tarball = try await source.withFile(key) { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        let unscoped = layout.name.split(separator: "/").last.map(String.init) ?? layout.name
        let document: [String: Any] = [
            "_id": layout.name, "name": layout.name,
            "versions": [version: try JSONSerialization.jsonObject(with: Data(manifest))],
            "_attachments": ["\(unscoped)-\(version).tgz": [
                "content_type": "application/octet-stream", "data": tarball.base64EncodedString(), "length": tarball.count,
            ] as [String: Any]],
        ]
        let answer = try await registry.send(.put, path, headers: [.contentType: "application/json"], bytes: try LooseJSON.bytes(document))
        try answer.expectSuccess("publish")
        return .imported
    }

    func publishedVersions(_ path: String) async throws -> Set<String> { try await current(path).versions }

    /// The versions and dist-tags the package has here (none when it is not published).
    func current(_ path: String) async throws -> (versions: Set<String>, tags: [String: String]) {
        let answer = try await registry.send(.get, path, headers: [.accept: "application/json"])
        guard answer.ok, let document = try? LooseJSON.object(Array(answer.body.readableBytesView), "packument") else { return ([], [:]) }
        let tags = (document["dist-tags"] as? [String: Any] ?? [:]).compactMapValues { $0 as? String }
        return (Set((document["versions"] as? [String: Any] ?? [:]).keys), tags)
    }

    func finish(_ package: Package) async throws {
        try await applyTags(package)
        try await applyDeprecations(package)
    }

    /// `npm deprecate`: the version as served here, with `deprecated` set, in a whole-document PUT.
    func applyDeprecations(_ package: Package) async throws {
        let path = "/npm/\(pathName(package.name))"
        for (version, message) in package.deprecations.sorted(by: { $0.key < $1.key }) {
            let answer = try await registry.send(.get, path, headers: [.accept: "application/json"])
            guard answer.ok, let document = try? LooseJSON.object(Array(answer.body.readableBytesView), "packument"),
                  var served = (document["versions"] as? [String: Any])?[version] as? [String: Any] else { continue }
            if served["deprecated"] as? String == message { continue }
            served["deprecated"] = message
            let update: [String: Any] = ["name": package.name, "versions": [version: served]]
            let put = try await registry.send(.put, path, headers: [.contentType: "application/json"], bytes: try LooseJSON.bytes(update))
            try put.expectSuccess("deprecation of \(version)")
        }
    }

    func applyTags(_ package: Package) async throws {
        let (present, tags) = try await current("/npm/\(pathName(package.name))")
        // Only tags that differ are set, so a run with nothing new changes nothing.
        for (tag, version) in package.distTags.sorted(by: { $0.key < $1.key }) where present.contains(version) && tags[tag] != version {
            let answer = try await registry.send(.put, "/npm/-/package/\(pathName(package.name))/dist-tags/\(URLPath.segment(tag))",
                                                 headers: [.contentType: "application/json"], bytes: Array("\"\(version)\"".utf8))
            try answer.expectSuccess("dist-tag \(tag) → \(version)")
        }
    }
}
