import Hummingbird
import NIOCore

extension Response {
    /// A JSON response with a stable encoding (sorted keys).
    public static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: JSON.encode(value))))
    }
}
