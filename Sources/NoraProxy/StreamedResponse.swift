import Hummingbird
import HTTPTypes
import NoraStorage

/// The HTTP side of a streamed miss (see `immutableStream`), shared by every format.
extension UpstreamBody {
    /// Whether a miss may be answered while it is fetched: a plain GET. HEAD needs the
    /// stored object's size and ETag, a Range its bytes at an offset: both wait for the
    /// complete, verified copy.
    public static func mayStream(_ request: Request) -> Bool {
        request.method == .get && request.headers[.range] == nil
    }

    /// A 200 whose body arrives from the upstream as it is verified and stored. A
    /// verification failure after the last chunk cuts the transfer short, so the client
    /// never sees a complete body that failed its digest. At most two chunks wait for the
    /// client's connection (`WriteFlow`), however fast the upstream is.
    public func response(contentType: String, cacheControl: String = "public, max-age=31536000, immutable") -> Response {
        var headers: HTTPFields = [.contentType: contentType, .cacheControl: cacheControl]
        if let size { headers[.contentLength] = String(size) }
        let connection = ResponseConnection.current
        return Response(status: .ok, headers: headers, body: ResponseBody { [self] writer in
            var flow = WriteFlow(connection)
            try await stream { chunk in
                try await writer.write(chunk)
                try await flow.wrote()
            }
            try await writer.finish(nil)
        })
    }
}

extension PullThroughCache.ImmutableSource {
    /// Objects up to this size are not worth streaming: they are verified and stored before
    /// the answer starts, so a body failing its digest is a clean 502 in the format's error
    /// shape rather than a cut transfer.
    public static let streamAbove: Int64 = 1024 * 1024

    /// A miss whose upstream announced at most `streamAbove` bytes, fetched to the end;
    /// a larger (or unannounced) one stays a stream.
    public func settlingSmallObjects() async throws -> Self {
        guard case .streaming(let body) = self, let size = body.size, size <= Self.streamAbove else { return self }
        return .stored(try await settled())
    }

    /// The stored entry, fetching a streaming miss to the end first (for HEAD, say).
    public func settled() async throws -> CachedEntry {
        switch self {
        case .stored(let entry): entry
        case .streaming(let body): try await body.stream { _ in }
        }
    }
}
