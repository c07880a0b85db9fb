import Hummingbird
import NIOCore
import NoraCore

/// Folder listings: JSON for tools (`Accept: application/json` or `?format=json`),
/// HTML for browsers; paged by name with `?limit=` (1-1000, default 200) and `?after=`.
struct RawListing {
    let index: RawFileIndex

    struct Page: Encodable {
        let path: String
        let entries: [RawFileIndex.Entry]
        let next: String?

        /// `next` is always present (null on the last page), so clients can test it without a key check.
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(path, forKey: .path)
            try c.encode(entries, forKey: .entries)
            try c.encode(next, forKey: .next)
        }
        enum CodingKeys: String, CodingKey { case path, entries, next }
    }

    func respond(folder: ArtifactPath?, request: Request) async throws -> Response {
        let folderPath = folder?.path ?? ""
        guard try await index.isDirectory(folderPath, in: index.db.reader) else {
            throw AppError(.notFound, "no folder at /raw/\(folderPath)")
        }
        let query = request.uri.queryParameters
        let limit = try Self.limit(query.get("limit"))
        let after = query.get("after").flatMap { $0.isEmpty ? nil : $0 }
        let (entries, more) = try await index.list(folder: folderPath, after: after, limit: limit)
        let page = Page(path: "/raw/" + (folderPath.isEmpty ? "" : folderPath + "/"), entries: entries,
                        next: more ? entries.last?.name : nil)
        if wantsJSON(request) { return .json(page) }
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: html(page, limit: limit))))
    }

    static func limit(_ text: String?) throws(AppError) -> Int {
        guard let text else { return 200 }
        guard let n = Int(text), (1...1000).contains(n) else { throw AppError(.badRequest, "limit must be 1-1000") }
        return n
    }

    func wantsJSON(_ request: Request) -> Bool {
        if let format = request.uri.queryParameters.get("format") { return format == "json" }
        let accept = request.headers[.accept] ?? ""
        return accept.contains("application/json") && !accept.contains("text/html")
    }

    func html(_ page: Page, limit: Int) -> String {
        var rows = ""
        if page.path != "/raw/" { rows += "<tr><td><a href=\"../\">../</a></td><td></td><td></td></tr>\n" }
        for entry in page.entries {
            let href = PercentEncoding.encode(entry.name) + (entry.type == "directory" ? "/" : "")
            let label = HTML.escape(entry.name) + (entry.type == "directory" ? "/" : "")
            let size = entry.size.map(String.init) ?? "-"
            let modified = entry.modified.map { Clock.httpDate(seconds: $0) } ?? ""
            rows += "<tr><td><a href=\"\(href)\">\(label)</a></td><td>\(size)</td><td>\(modified)</td></tr>\n"
        }
        var next = ""
        if let cursor = page.next {
            next = "<p><a href=\"?limit=\(limit)&amp;after=\(PercentEncoding.encode(cursor))\">next page</a></p>"
        }
        let title = HTML.escape(page.path)
        return """
        <!DOCTYPE html>
        <html><head><meta charset="utf-8"><title>Index of \(title)</title></head>
        <body><h1>Index of \(title)</h1>
        <table><thead><tr><th>Name</th><th>Size</th><th>Modified</th></tr></thead><tbody>
        \(rows)</tbody></table>\(next)
        </body></html>

        """
    }
}
