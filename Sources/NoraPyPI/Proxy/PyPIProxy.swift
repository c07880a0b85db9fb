import Foundation
import NIOCore
import NoraCore
import NoraProxy

/// PyPI's adapter on the pull-through cache. Project pages come from the upstream indexes
/// in order (`NORA_PYPI_PROXIES`), JSON preferred (PEP 691), HTML understood (PEP 503), and
/// are cached under `page/<project>` with `NORA_PYPI_METADATA_TTL`. Files and their PEP 658
/// `.metadata` are cached under `file/<project>/<filename>` and `metadata/<project>/<filename>`,
/// verified against the page's sha256.
struct PyPIProxy: Sendable {
    let cache: PullThroughCache
    /// Rendered pages by cached page digest, format and base URL.
    let rendered = RenderedDocumentCache()

    static let accept = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"

    static func pageURL(_ upstream: Upstream, _ project: String) -> String { upstream.url("/\(project)/") }

    func page(_ project: String) async throws -> (CachedEntry, UpstreamPage) {
        let entry = try await cache.document(key: "page/\(project)") { upstream in
            UpstreamRequest(url: Self.pageURL(upstream, project), headers: [("Accept", Self.accept)])
        }
        let bytes = try await cache.read(entry)
        guard let page = UpstreamPage.parse(Array(bytes.readableBytesView), contentType: entry.contentType,
                                            pageURL: Self.pageURL(Upstream(url: entry.upstream), project), project: project)
        else { throw ProxyError.unavailable("the upstream page of '\(project)' could not be read") }
        return (entry, page)
    }

    /// A distribution file, fetched once and verified against the page's hash.
    func file(_ project: String, _ file: UpstreamFile) async throws -> CachedEntry {
        try await cache.immutable(key: "file/\(project)/\(file.filename)", expected: file.expected.map(ExpectedDigest.native)) { _ in
            UpstreamRequest(url: file.url)
        }
    }

    /// The same, streamed to the leading request while it is stored (`immutableStream`).
    func fileStream(_ project: String, _ file: UpstreamFile) async throws -> PullThroughCache.ImmutableSource {
        try await cache.immutableStream(key: "file/\(project)/\(file.filename)", expected: file.expected.map(ExpectedDigest.native)) { _ in
            UpstreamRequest(url: file.url)
        }
    }

    /// The PEP 658 metadata file next to a distribution (`<url>.metadata`).
    func metadata(_ project: String, _ file: UpstreamFile) async throws -> CachedEntry {
        try await cache.immutable(key: "metadata/\(project)/\(file.filename)", expected: file.metadataExpected.map(ExpectedDigest.native),
                                  maxSize: 16 * 1024 * 1024) { _ in
            UpstreamRequest(url: file.url + ".metadata")
        }
    }

    /// A cached immutable object without contacting anyone (nil when absent or gone from the store).
    func cachedObject(_ key: String) async throws -> CachedEntry? {
        try await cache.storedHit(key: key)
    }
}

/// A proxied page as served by nora: the upstream's attributes, links pointing at nora.
struct ProxiedPageRenderer {
    let base: String

    func fileURL(_ project: String, _ filename: String) -> String {
        "\(base)/simple/\(project)/\(PercentEncoding.encode(filename))"
    }

    struct Page: Encodable {
        struct Meta: Encodable {
            let apiVersion: String
            enum CodingKeys: String, CodingKey { case apiVersion = "api-version" }
        }
        let meta: Meta
        let name: String
        let versions: [String]?
        let files: [File]
    }

    struct File: Encodable {
        let file: UpstreamFile
        let url: String
        enum Keys: String, CodingKey {
            case filename, url, hashes, size, yanked
            case requiresPython = "requires-python", coreMetadata = "core-metadata", distInfoMetadata = "dist-info-metadata"
            case uploadTime = "upload-time"
        }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(file.filename, forKey: .filename)
            try c.encode(url, forKey: .url)
            try c.encode(file.hashes, forKey: .hashes)
            try c.encodeIfPresent(file.requiresPython, forKey: .requiresPython)
            switch file.coreMetadata {
            case .absent:
                try c.encode(false, forKey: .coreMetadata); try c.encode(false, forKey: .distInfoMetadata)
            case .available(let hashes) where hashes.isEmpty:
                try c.encode(true, forKey: .coreMetadata); try c.encode(true, forKey: .distInfoMetadata)
            case .available(let hashes):
                try c.encode(hashes, forKey: .coreMetadata); try c.encode(hashes, forKey: .distInfoMetadata)
            }
            switch file.yanked {
            case .no: try c.encode(false, forKey: .yanked)
            case .yes: try c.encode(true, forKey: .yanked)
            case .reason(let reason): try c.encode(reason, forKey: .yanked)
            }
            try c.encodeIfPresent(file.size, forKey: .size)
            try c.encodeIfPresent(file.uploadTime, forKey: .uploadTime)
        }
    }

    func json(_ page: UpstreamPage, project: String) -> [UInt8] {
        let files = page.files.map { File(file: $0, url: fileURL(project, $0.filename)) }
        return JSON.encode(Page(meta: .init(apiVersion: page.versions == nil ? "1.0" : "1.1"), name: project,
                                versions: page.versions, files: files))
    }

    func html(_ page: UpstreamPage, project: String) -> String {
        var links = ""
        for file in page.files {
            var href = fileURL(project, file.filename)
            if let hex = file.hashes["sha256"] {
                href += "#sha256=\(hex)"
            } else if let other = file.hashes.first {
                href += "#\(other.key)=\(other.value)"
            }
            var attributes = "href=\"\(HTML.escape(href))\""
            if let requires = file.requiresPython { attributes += " data-requires-python=\"\(HTML.escape(requires))\"" }
            if case .available(let hashes) = file.coreMetadata {
                let value = hashes["sha256"].map { "sha256=\($0)" } ?? hashes.first.map { "\($0.key)=\($0.value)" } ?? "true"
                attributes += " data-dist-info-metadata=\"\(HTML.escape(value))\" data-core-metadata=\"\(HTML.escape(value))\""
            }
            switch file.yanked {
            case .no: break
            case .yes: attributes += " data-yanked=\"\""
            case .reason(let reason): attributes += " data-yanked=\"\(HTML.escape(reason))\""
            }
            links += "    <a \(attributes)>\(HTML.escape(file.filename))</a><br />\n"
        }
        return """
        <!DOCTYPE html>
        <html>
          <head>
            <meta name="pypi:repository-version" content="1.0">
            <title>Links for \(HTML.escape(project))</title>
          </head>
          <body>
            <h1>Links for \(HTML.escape(project))</h1>
        \(links)  </body>
        </html>

        """
    }
}
