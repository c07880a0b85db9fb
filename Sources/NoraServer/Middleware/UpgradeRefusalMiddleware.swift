import HTTPTypes
import Hummingbird
import NoraCore

/// Clients that ask to upgrade (cargo sends `Upgrade: h2c` on every request) are answered
/// over HTTP/1.1 as if they had not asked, but with `Connection: close`: the HTTP/1 parser
/// stops reading a connection after an upgrade request, so a kept-alive connection would
/// hang on the client's next request. Outermost, so every answer carries it.
struct UpgradeRefusalMiddleware: RouterMiddleware {
    typealias Context = NoraRequestContext
    static let upgrade = HTTPField.Name("Upgrade")!

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.headers[Self.upgrade] != nil else { return try await next(request, context) }
        var response = try await next(request, context)
        response.headers[.connection] = "close"
        return response
    }
}
