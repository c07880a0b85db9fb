import Hummingbird
import NIOCore
import NoraCore

/// Serves a stored blob over HTTP: `Range` → 206/416, HEAD with the true length,
/// `Accept-Ranges`, and a body sent from a local file with `sendfile(2)` (no copy through
/// our memory) or streamed from the store with back-pressure (S3, `server.sendfile` off).
///
/// Bodies up to `smallBody` bytes (manifests, index documents, checksums) are read before the
/// answer starts and sent with it in one write: one trip to the event loop instead of three,
/// and a missing file becomes an error response instead of a cut-off 200.
public enum BlobResponse {
    public static let smallBody = 64 * 1024

    /// `headers` carries the format's own fields (content type, ETag, …).
    public static func make(store: any BlobStore, blob: BlobInfo, request: Request, headers: HTTPFields,
                            allowRange: Bool = true) async throws -> Response {
        var headers = headers
        headers[.acceptRanges] = "bytes"
        let range = request.method == .head || !allowRange ? nil : try ByteRange.resolve(request.headers[.range], size: blob.size)
        let length = range.map { $0.upperBound - $0.lowerBound + 1 } ?? blob.size
        headers[.contentLength] = String(length)
        var status = HTTPResponse.Status.ok
        if let range {
            status = .partialContent
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(blob.size)"
        }
        guard request.method != .head, length > 0 else { return Response(status: status, headers: headers, body: .init()) }
        let digest = blob.digest
        if length <= smallBody {
            let body = try await store.readWhole(digest, range: range, length: length)
            return Response(status: status, headers: headers, body: .init(byteBuffer: body))
        }
        let connection = ResponseConnection.current
        if let connection, connection.sendfile, let file = try await store.openLocalFile(digest, range: range) {
            guard file.length == length else {  // the stored file does not match its record
                file.close()
                throw StorageError.io("blob \(digest) has \(file.length) bytes on disk, \(length) expected")
            }
            return Response(status: status, headers: headers, body: ResponseBody(contentLength: Int(length)) { writer in
                defer { file.close() }
                if try await !connection.send(file) {
                    try await stream(store, digest, range, connection, &writer)
                }
                try await writer.finish(nil)
            })
        }
        return Response(status: status, headers: headers, body: ResponseBody(contentLength: Int(length)) { writer in
            try await stream(store, digest, range, connection, &writer)
            try await writer.finish(nil)
        })
    }

    /// The buffered path (S3, or no `sendfile`): chunks from the store, at most two in
    /// flight on the connection (`WriteFlow`).
    private static func stream(_ store: any BlobStore, _ digest: Digest, _ range: ClosedRange<Int64>?,
                               _ connection: ResponseConnection?, _ writer: inout any ResponseBodyWriter) async throws {
        var flow = WriteFlow(connection)
        try await store.read(digest, range: range) { chunk in
            try await writer.write(chunk)
            try await flow.wrote()
        }
    }
}
