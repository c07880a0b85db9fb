import Hummingbird
import NoraCore

/// The sparse index: `config.json` and one file per crate, revalidated by cargo with
/// `If-None-Match` (ETag = SHA-256 of the file) or `If-Modified-Since`.
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
        let db = index.db.reader
        guard let crate = try await index.crate(key, in: db), crate.name.lowercased() == name else {
            throw CargoError(.crateNotFound, "crate '\(name)' does not exist")
        }
        let versions = try await index.versions(key, in: db)
        guard !versions.isEmpty else { throw CargoError(.crateNotFound, "crate '\(name)' has no versions") }
        let body = Array((versions.map(\.line).joined(separator: "\n") + "\n").utf8)
        let etag = EntityTag.quoted(Digest.of(body).hex)
        let headers: HTTPFields = [
            .contentType: "text/plain; charset=utf-8", .eTag: etag,
            .lastModified: Clock.httpDate(seconds: crate.updatedAt), .cacheControl: cacheControl,
        ]
        if notModified(request, etag: etag, modified: crate.updatedAt) {
            return Response(status: .notModified, headers: headers)
        }
        guard request.method != .head else {
            var withLength = headers
            withLength[.contentLength] = String(body.count)
            return Response(status: .ok, headers: withLength, body: .init())
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: .init(bytes: body)))
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
