import HTTPTypes
import Hummingbird
import NIOCore
import NoraCore
import NoraStorage

/// GET and HEAD: files (with SNAPSHOT resolution), checksums, generated metadata, folders.
extension MavenRegistry {
    func get(_ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try context.require(.read)
        let target = try MavenTarget(request)
        if try await proxies(target.route) { return try await proxied(target, request) }
        switch target.route {
        case .file(let file):
            // Recorded only if the response succeeds (see ActivityMiddleware).
            if request.method == .get {
                context.annotations.note(ActivityNote(.download, .maven, name: "\(file.groupId):\(file.artifactId)", version: file.version))
            }
            return try await serveFile(file, target, request)
        case .checksum(of: let base, let algorithm):
            let (hex, etag) = try await checksum(of: base, algorithm, target)
            return Self.small(Array(hex.utf8), contentType: "text/plain; charset=utf-8", etag: etag, modified: nil, request: request)
        case .metadata(let folder):
            guard let doc = try await index.metadata(folder: folder, in: index.db.reader) else {
                throw MavenError(.notFound, "no metadata at \(target.displayPath)")
            }
            return Self.small(doc.bytes, contentType: "application/xml", etag: EntityTag.quoted(doc.checksums.sha256),
                              modified: doc.updatedAt, request: request)
        case .folder(let segments):
            return try await MavenListing(index: index).respond(folder: segments, isFolder: target.isFolder, request: request)
        }
    }

    func serveFile(_ file: MavenFile, _ target: MavenTarget, _ request: Request) async throws -> Response {
        guard let stored = try await index.resolve(file, in: index.db.reader) else {
            throw MavenError(.notFound, "\(target.displayPath) not found")
        }
        try Self.checkTrusted(stored)
        var headers: HTTPFields = [
            .contentType: MediaType.forFile(file.fileName), .eTag: stored.etag,
            .lastModified: Clock.httpDate(seconds: stored.updatedAt), .cacheControl: "no-cache",
            Self.sha1Header: stored.checksums.sha1, Self.md5Header: stored.checksums.md5, Self.sha256Header: stored.checksums.sha256,
        ]
        if Self.notModified(request, etag: stored.etag, modified: stored.updatedAt) {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        let rangeStillValid = request.headers[.ifRange].map { $0 == stored.etag } ?? true
        return try await BlobResponse.make(store: store, blob: BlobInfo(digest: stored.digest, size: stored.size),
                                     request: request, headers: headers, allowRange: rangeStillValid)
    }

    /// The checksum of a file or metadata document, with the ETag to serve it under.
    func checksum(of base: MavenPath, _ algorithm: ChecksumAlgorithm, _ target: MavenTarget) async throws -> (String, String) {
        switch base {
        case .file(let file):
            if let stored = try await index.resolve(file, in: index.db.reader) {
                try Self.checkTrusted(stored)
                return (stored.checksums[algorithm], EntityTag.quoted("\(algorithm.rawValue)-\(stored.checksums.sha256)"))
            }
        case .metadata(let folder):
            if let doc = try await index.metadata(folder: folder, in: index.db.reader) {
                let sums = doc.checksums
                return (sums[algorithm], EntityTag.quoted("\(algorithm.rawValue)-\(sums.sha256)"))
            }
        default: break
        }
        throw MavenError(.notFound, "\(target.displayPath) not found")
    }

    static func checkTrusted(_ stored: MavenIndex.StoredFile) throws(MavenError) {
        if let algorithm = stored.untrustedBy {
            throw MavenError(.untrusted, "\(stored.name) did not match its uploaded \(algorithm) checksum; "
                             + "deploy it again or upload a matching checksum")
        }
    }

    /// A small in-memory document with validators; HEAD gets the headers and true length only.
    static func small(_ bytes: [UInt8], contentType: String, etag: String, modified: Int64?, request: Request) -> Response {
        var headers: HTTPFields = [.contentType: contentType, .eTag: etag, .cacheControl: "no-cache"]
        if let modified { headers[.lastModified] = Clock.httpDate(seconds: modified) }
        if notModified(request, etag: etag, modified: modified) {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentLength] = String(bytes.count)
        let body = request.method == .head ? ByteBuffer() : ByteBuffer(bytes: bytes)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }

    static func notModified(_ request: Request, etag: String, modified: Int64?) -> Bool {
        if let ifNoneMatch = request.headers[.ifNoneMatch] { return EntityTag.list(ifNoneMatch, matches: etag) }
        if let modified, let since = request.headers[.ifModifiedSince].flatMap(Clock.parseHTTPDate) { return modified <= since }
        return false
    }

    /// The checksum headers Artifactory and Nexus send, which newer Maven resolvers read
    /// instead of fetching `.sha1` files.
    static let sha1Header = HTTPField.Name("X-Checksum-Sha1")!
    static let md5Header = HTTPField.Name("X-Checksum-Md5")!
    static let sha256Header = HTTPField.Name("X-Checksum-Sha256")!
}
