import Foundation
import NoraCore
import NoraProxy

/// npm's adapter on the pull-through cache: which upstream URL holds a packument, how a
/// packument is rewritten for nora, and which digest a tarball must have.
///
/// Packuments are fetched whole (`application/json`) and cached under `packument/<name>`
/// with `NORA_NPM_METADATA_TTL`; the abbreviated form is derived from them, so one cached
/// document answers both kinds of request. Tarballs are cached under `tarball/<name>/<file>`,
/// verified against `dist.integrity` (sha512/sha256) or else `dist.shasum` (sha1).
struct NpmProxy: Sendable {
    let cache: PullThroughCache
    /// Rewritten packuments by cached document digest, variant and base URL.
    let rendered = RenderedDocumentCache()

    static func packumentKey(_ name: PackageName) -> String { "packument/\(name.value)" }
    static func tarballKey(_ name: PackageName, _ file: String) -> String { "tarball/\(name.value)/\(file)" }

    /// The packument as the upstream has it, with its cache entry.
    func packument(_ name: PackageName) async throws -> (CachedEntry, JSONValue) {
        let entry = try await cache.document(key: Self.packumentKey(name)) { upstream in
            // Scoped names travel as `@scope%2fname`, as npm itself sends them.
            let path = name.value.replacingOccurrences(of: "/", with: "%2f")
            return UpstreamRequest(url: upstream.url("/" + path), headers: [("Accept", "application/json")])
        }
        guard let document = JSONValue.parse(try await cache.read(entry).readableBytesView), document.object != nil else {
            throw ProxyError.unavailable("upstream packument of '\(name)' is not a JSON object")
        }
        return (entry, document)
    }

    /// Where a tarball lives upstream and the digest its packument promises.
    static func tarball(in document: JSONValue, file: String) -> (url: String, expected: ExpectedDigest?)? {
        for (_, version) in document["versions"]?.object ?? [:] {
            guard let dist = version["dist"], let url = dist["tarball"]?.string, fileName(of: url) == file else { continue }
            let expected = dist["integrity"]?.string.flatMap(ExpectedDigest.subresourceIntegrity)
                ?? dist["shasum"]?.string.flatMap(ExpectedDigest.sha1Hex)
            return (url, expected)
        }
        return nil
    }

    /// The last path segment of a tarball URL, percent-decoded.
    static func fileName(of url: String) -> String? {
        let path = url.split(separator: "?").first.map(String.init) ?? url
        guard let last = path.split(separator: "/").last else { return nil }
        return PercentEncoding.decode(String(last))
    }

    /// The upstream document with every `dist.tarball` pointing at nora.
    static func rewritten(_ document: JSONValue, name: PackageName, base: String) -> JSONValue {
        var document = document
        guard var versions = document["versions"]?.object else { return document }
        for (number, version) in versions {
            versions[number] = rewrittenVersion(version, name: name, base: base)
        }
        document["versions"] = .object(versions)
        return document
    }

    static func rewrittenVersion(_ version: JSONValue, name: PackageName, base: String) -> JSONValue {
        guard var dist = version["dist"]?.object, let url = dist["tarball"]?.string, let file = fileName(of: url) else { return version }
        var version = version
        dist["tarball"] = .string(Packument.tarballURL(base: base, name: name, file: file))
        version["dist"] = .object(dist)
        return version
    }

    /// The install document npm asks for with `Accept: application/vnd.npm.install-v1+json`.
    static func abbreviated(_ document: JSONValue) -> JSONValue {
        var versions: [String: JSONValue] = [:]
        for (number, version) in document["versions"]?.object ?? [:] {
            versions[number] = .object((version.object ?? [:]).filter { Packument.abbreviatedFields.contains($0.key) })
        }
        var result: [String: JSONValue] = ["versions": .object(versions)]
        for key in ["name", "dist-tags"] { result[key] = document[key] }
        result["modified"] = document["time"]?["modified"] ?? document["modified"]
        return .object(result.filter { $0.value != .null })
    }
}
