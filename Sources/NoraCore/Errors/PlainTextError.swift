import Hummingbird
import HTTPTypes
import NIOCore

/// The one way a plain-text error is written (Go, Maven, PyPI speak text, not JSON):
/// `text/plain` body, true `Content-Length`, and no body for HEAD.
public enum PlainTextError {
    /// `reasonPhrase` replaces the status line's standard phrase (mvn prints it).
    public static func response(status: HTTPResponse.Status, text: String, headers: HTTPFields,
                                request: Request, reasonPhrase: String? = nil) -> Response {
        var headers = headers
        headers[.contentType] = "text/plain; charset=utf-8"
        let body = request.method == .head ? ByteBuffer() : ByteBuffer(string: text)
        headers[.contentLength] = String(body.readableBytes)
        let status = reasonPhrase.map { HTTPResponse.Status(code: status.code, reasonPhrase: $0) } ?? status
        return Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }
}
