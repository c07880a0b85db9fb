import Hummingbird
import NIOCore
import NoraCore
import NoraStorage

/// Reading the index: the project list, project pages and file downloads.
extension PyPIRegistry {
    func projectList(_ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try context.require(.read)
        if !request.uri.path.hasSuffix("/") { return redirect(request, to: "/simple/") }
        let format = try Self.format(request)
        let projects = try await index.projects()
        let pages = pages(request)
        let body = format == .json ? pages.projectListJSON(projects) : Array(pages.projectListHTML(projects).utf8)
        return Self.page(Self.document(body, format: format), format: format, request: request)
    }

    func projectPage(_ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try context.require(.read)
        let name = try Self.segment(context, "project")
        guard ProjectName.isValid(name) else { throw PyPIError(.projectNotFound, "'\(name.prefix(200))'") }
        let normalized = ProjectName.normalize(name)
        // PEP 503: one canonical URL per project, so caches and clients agree.
        if name != normalized || !request.uri.path.hasSuffix("/") { return redirect(request, to: "/simple/\(normalized)/") }
        let format = try Self.format(request)
        guard let head = try await index.head(normalized) else {
            if let proxy { return try await proxiedPage(normalized, format: format, request, proxy: proxy) }
            throw PyPIError(.projectNotFound, "'\(name)'")
        }
        let pages = pages(request)
        // The revision is read before the files: a page rendered from newer rows under an
        // older revision is only replaced sooner, never served stale.
        let key = RenderedDocumentCache.Key(name: normalized, revision: head.revision,
                                            variant: "\(format == .json ? "json" : "html") \(pages.base)")
        if let cached = renderedPages.document(for: key) { return Self.page(cached, format: format, request: request) }
        let files = try await index.files(normalized)
        let body = format == .json ? pages.projectPageJSON(name: normalized, files: files)
            : Array(pages.projectPageHTML(display: head.display, files: files).utf8)
        let document = Self.document(body, format: format)
        renderedPages.store(document, for: key)
        return Self.page(document, format: format, request: request)
    }

    func download(_ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try context.require(.read)
        let name = try Self.segment(context, "project")
        let filename = try Self.segment(context, "item")
        let normalized = ProjectName.normalize(name)
        if name != normalized, ProjectName.isValid(name) {
            return redirect(request, to: "/simple/\(normalized)/\(PercentEncoding.encode(filename))")
        }
        if let proxy, try await index.head(normalized) == nil {
            return try await proxiedDownload(normalized, filename, request, proxy: proxy)
        }
        if filename.hasSuffix(".metadata") {
            let distribution = String(filename.dropLast(".metadata".count))
            guard let file = try await index.file(normalized, distribution), let metadata = file.metadata else {
                throw PyPIError(.fileNotFound, "'\(filename)'")
            }
            return try await BlobResponse.make(store: store, blob: metadata, request: request, headers: [
                .contentType: "text/plain; charset=utf-8", .eTag: EntityTag.quoted(metadata.digest.hex),
                .cacheControl: "max-age=31536000, immutable",
            ])
        }
        guard let file = try await index.file(normalized, filename) else { throw PyPIError(.fileNotFound, "'\(filename)'") }
        if request.method == .get { context.annotations.note(ActivityNote(.download, .pypi, name: normalized, version: file.version)) }
        if let tag = request.headers[.ifNoneMatch], EntityTag.list(tag, matches: EntityTag.quoted(file.digest.hex)) {
            return Response(status: .notModified, headers: [.eTag: EntityTag.quoted(file.digest.hex)])
        }
        return try await BlobResponse.make(store: store, blob: BlobInfo(digest: file.digest, size: file.size), request: request, headers: [
            .contentType: MediaType.forFile(filename), .eTag: EntityTag.quoted(file.digest.hex),
            .lastModified: Clock.httpDate(seconds: file.uploadedAtMillis / 1000),
            .cacheControl: "max-age=31536000, immutable",
        ])
    }

    // MARK: Helpers

    static func format(_ request: Request) throws(PyPIError) -> SimpleFormat {
        let query = request.uri.queryParameters.get("format")
        guard let format = SimpleFormat.negotiate(accept: request.headers[.accept], format: query) else {
            throw PyPIError(.notAcceptable, "serves application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html and text/html")
        }
        return format
    }

    /// Index pages change with every upload and yank: clients must revalidate.
    static func page(_ page: RenderedDocumentCache.Document, format: SimpleFormat, request: Request) -> Response {
        var headers: HTTPFields = [.contentType: format.contentType, .vary: "Accept", .cacheControl: "max-age=0, must-revalidate",
                                   .eTag: page.etag]
        if let tag = request.headers[.ifNoneMatch], EntityTag.list(tag, matches: headers[.eTag]) {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentLength] = String(page.bytes.readableBytes)
        if request.method == .head { return Response(status: .ok, headers: headers, body: .init()) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: page.bytes))
    }

    /// A rendered page with its ETag: content-derived, per format (HTML and JSON differ).
    static func document(_ body: [UInt8], format: SimpleFormat) -> RenderedDocumentCache.Document {
        .init(bytes: body, etag: EntityTag.quoted(Digest.of(body).hex.prefix(32) + (format == .json ? "j" : "h")))
    }

    /// 301 to the canonical path, keeping the query (`?format=`).
    func redirect(_ request: Request, to path: String) -> Response {
        let query = request.uri.query.map { "?\($0)" } ?? ""
        let location = BaseURL.of(request, publicURL: config.server.publicURL) + path + query
        return Response(status: .movedPermanently, headers: [.location: location, .contentLength: "0"])
    }
}
