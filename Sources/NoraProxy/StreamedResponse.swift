import Hummingbird
import HTTPTypes

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
    /// never sees a complete body that failed its digest.
    public func response(contentType: String, cacheControl: String = "public, max-age=31536000, immutable") -> Response {
        var headers: HTTPFields = [.contentType: contentType, .cacheControl: cacheControl]
        if let size { headers[.contentLength] = String(size) }
        return Response(status: .ok, headers: headers, body: ResponseBody { [self] writer in
            try await stream { chunk in try await writer.write(chunk) }
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
        return .stored(try await body.stream { _ in })
    }
}
