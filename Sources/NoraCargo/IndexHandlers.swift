import Hummingbird
import NoraCore

/// The sparse index: `config.json` and one file per crate, revalidated by cargo with
/// `If-None-Match` (ETag = SHA-256 of the file) or `If-Modified-Since`. Files are rendered
/// once per crate revision (`IndexFileCache`), so a request costs one row read however many
/// versions the crate has.
extension CargoRegistry {
    struct IndexConfig: Encodable {
        let dl: String
        let api: String
        let authRequired: Bool?
        enum CodingKeys: String, CodingKey { case dl, api, authRequired = "auth-required" }
    }

    func indexFile(_ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try context.require(.read)
        let prefix = "/cargo/index/"
        let rest = String(request.uri.path.dropFirst(prefix.count))
        if rest == "config.json" { return indexConfig(request) }
        // Only the canonical path of a lowercase name names a file: anything else is simply absent.
        guard let name = rest.split(separator: "/").last.map(String.init), name == name.lowercased(),
              (try? CrateName(name)) != nil, CrateName.indexPath(name) == rest
        else { throw CargoError(.notFound, "no index file at \(prefix)\(rest.prefix(200))") }
        let key = CrateName.key(name)
        // Every request reads the crate row (with its revision), so a replica or a process
        // whose cache predates a write never serves an older file than the database holds.
        guard let head = try await index.head(key, in: index.db.reader), head.name.lowercased() == name else {
            if let proxy, try await index.crate(key, in: index.db.reader) == nil {
                return try await proxiedIndexFile(name, request, proxy: proxy)
            }
            throw CargoError(.crateNotFound, "crate '\(name)' does not exist")
        }
        let file = try await renderedIndexFile(key, name, revision: head.revision)
        // Last-Modified comes from the row read before the lines: if a write landed in between,
        // the body is newer than the date says, which only makes clients fetch again sooner.
        let headers: HTTPFields = [
            .contentType: "text/plain; charset=utf-8", .eTag: file.etag,
            .lastModified: Clock.httpDate(seconds: head.updatedAt), .cacheControl: cacheControl,
        ]
        if notModified(request, etag: file.etag, modified: head.updatedAt) {
            return Response(status: .notModified, headers: headers)
        }
        guard request.method != .head else {
            var withLength = headers
            withLength[.contentLength] = String(file.bytes.readableBytes)
            return Response(status: .ok, headers: withLength, body: .init())
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: file.bytes))
    }

    /// The index file at `revision`: cached, or rendered from the version rows and cached
    /// under the revision those rows carry (newer than `revision` if a write just landed).
    func renderedIndexFile(_ key: String, _ name: String, revision: String) async throws -> IndexFileCache.File {
        if let cached = indexFiles.file(key, revision: revision) { return cached }
        let (lines, linesRevision) = try await index.indexLines(key, in: index.db.reader)
        guard let linesRevision, !lines.isEmpty else { throw CargoError(.crateNotFound, "crate '\(name)' has no versions") }
        let body = Array((lines.joined(separator: "\n") + "\n").utf8)
        return indexFiles.store(body, etag: EntityTag.quoted(Digest.of(body).hex), for: key, revision: linesRevision)
    }

    /// Index files change on publish and yank, so caches must revalidate (cheap: 304).
    var cacheControl: String { authRequired ? "private, no-cache" : "no-cache" }

    func indexConfig(_ request: Request) -> Response {
        let base = BaseURL.of(request, publicURL: config.server.publicURL)
        let document = IndexConfig(dl: "\(base)/cargo/api/v1/crates", api: "\(base)/cargo", authRequired: authRequired ? true : nil)
        var response = Response.json(document, headers: [.cacheControl: cacheControl])
        if request.method == .head { response.body = .init() }
        return response
    }

    func notModified(_ request: Request, etag: String, modified: Int64) -> Bool {
        if let ifNoneMatch = request.headers[.ifNoneMatch] { return EntityTag.list(ifNoneMatch, matches: etag) }
        if let since = request.headers[.ifModifiedSince].flatMap(Clock.parseHTTPDate) { return modified <= since }
        return false
    }
}
