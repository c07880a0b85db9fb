import Hummingbird
import NIOCore
import NoraCore
import SQLKit

/// Folder pages as Maven Central shows them: sub-folders, files, their checksum files and
/// the folder's `maven-metadata.xml`, as HTML links relative to the folder.
struct MavenListing {
    let index: MavenIndex

    struct Entry: Equatable {
        let name: String
        let isFolder: Bool
        let size: Int64?
        let modified: Int64?
    }

    func respond(folder: [String], isFolder: Bool, request: Request) async throws -> Response {
        let path = folder.joined(separator: "/")
        let db = index.db.reader
        guard try await index.isDirectory(path, in: db) else {
            throw MavenError(.notFound, "/\(MavenRegistry.prefix)/\(path) not found")
        }
        if !isFolder { return Response(status: .movedPermanently, headers: [.location: request.uri.path + "/"]) }
        let entries = try await entries(folder: path, in: db)
        let title = "/\(MavenRegistry.prefix)/" + (path.isEmpty ? "" : path + "/")
        let html = Self.html(title: title, entries: entries, isRoot: path.isEmpty)
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache"]
        headers[.contentLength] = String(html.utf8.count)
        let body = request.method == .head ? ByteBuffer() : ByteBuffer(string: html)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }

    func entries(folder: String, in db: any SQLDatabase) async throws -> [Entry] {
        var entries: [Entry] = []
        for row in try await db.select().column("name").from("maven_dirs").where("parent", .equal, folder).all() {
            entries.append(Entry(name: try row.decode(column: "name"), isFolder: true, size: nil, modified: nil))
        }
        let files = try await db.select().columns("name", "size", "updated_at").from("maven_files")
            .where("parent", .equal, folder).where("untrusted_by", .is, SQLLiteral.null).all()
        for row in files {
            let name: String = try row.decode(column: "name"), modified: Int64 = try row.decode(column: "updated_at")
            entries.append(Entry(name: name, isFolder: false, size: try row.decode(column: "size"), modified: modified))
            entries += Self.checksumEntries(of: name, modified: modified)
        }
        for row in try await db.select().columns("document", "updated_at").from("maven_metadata").where("parent", .equal, folder).all() {
            let document: String = try row.decode(column: "document"), modified: Int64 = try row.decode(column: "updated_at")
            entries.append(Entry(name: MavenPath.metadataName, isFolder: false, size: Int64(document.utf8.count), modified: modified))
            entries += Self.checksumEntries(of: MavenPath.metadataName, modified: modified)
        }
        return entries.sorted { $0.isFolder != $1.isFolder ? $0.isFolder : $0.name < $1.name }
    }

    static func checksumEntries(of name: String, modified: Int64) -> [Entry] {
        ChecksumAlgorithm.allCases.map {
            Entry(name: "\(name).\($0.rawValue)", isFolder: false, size: Int64($0.hexLength), modified: modified)
        }
    }

    static func html(title: String, entries: [Entry], isRoot: Bool) -> String {
        var rows = isRoot ? "" : "<a href=\"../\">../</a>\n"
        for entry in entries {
            let label = HTML.escape(entry.name) + (entry.isFolder ? "/" : "")
            let href = PercentEncoding.encode(entry.name) + (entry.isFolder ? "/" : "")
            let padding = String(repeating: " ", count: max(1, 60 - label.count))
            let modified = entry.modified.map { Clock.httpDate(seconds: $0) } ?? "-"
            rows += "<a href=\"\(href)\" title=\"\(label)\">\(label)</a>\(padding)\(modified)  \(entry.size.map(String.init) ?? "-")\n"
        }
        let escaped = HTML.escape(title)
        return """
        <!DOCTYPE html>
        <html><head><meta charset="utf-8"><title>Index of \(escaped)</title></head>
        <body><h1>Index of \(escaped)</h1><hr><pre>
        \(rows)</pre><hr></body></html>

        """
    }
}
