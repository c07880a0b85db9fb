import Hummingbird
import HTTPTypes
import NIOCore

/// How one protocol spells a generic failure: its body shape, content type and, for
/// 401, the `WWW-Authenticate` challenge its clients act on.
public protocol ErrorDialect: Sendable {
    func response(for error: AppError, request: Request) -> Response
}

/// `{"error": "…"}` with a Basic challenge: raw files, the management API, and the fallback.
public struct JSONErrorDialect: ErrorDialect {
    public let realm: String
    public init(realm: String = "nora") { self.realm = realm }

    public func response(for error: AppError, request: Request) -> Response {
        var headers = error.headers
        headers[.contentType] = "application/json"
        if error.kind == .unauthorized { headers[.wwwAuthenticate] = "Basic realm=\"\(realm)\", charset=\"UTF-8\"" }
        let body = request.method == .head ? ByteBuffer() : ByteBuffer(bytes: JSON.encode(["error": error.message]))
        if request.method == .head { headers[.contentLength] = "0" }
        return Response(status: error.status, headers: headers, body: .init(byteBuffer: body))
    }
}

