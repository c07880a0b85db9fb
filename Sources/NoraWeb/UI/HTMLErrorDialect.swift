import HTTPTypes
import Hummingbird
import NIOCore
import NoraCore

/// Errors under `/ui/` (a refused form, a failed lookup) as a small HTML page, so a browser
/// shows a sentence rather than JSON.
public struct HTMLErrorDialect: ErrorDialect {
    public init() {}

    public func response(for error: AppError, request: Request) -> Response {
        var h = HTMLBuilder()
        h.raw("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        h.raw("<title>Error · nora</title><link rel=\"stylesheet\" href=\"/ui/static/nora.css\"></head><body><main id=\"main\">")
        h.element("h1", "\(error.status.code) \(error.status.reasonPhrase)")
        h.raw("<p class=\"notice error\" role=\"alert\">"); h.text(error.message); h.raw("</p><p><a href=\"/ui/\">Back to the dashboard</a></p></main></body></html>")
        var headers = error.headers
        for field in Layout.securityHeaders { headers[field.name] = field.value }
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: error.status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: request.method == .head ? "" : h.html)))
    }
}
