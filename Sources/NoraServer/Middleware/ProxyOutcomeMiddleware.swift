import HTTPTypes
import Hummingbird
import NoraCore
import NoraProxy

/// Gives each request a `ProxyOutcomeLog` and answers what the pull-through caches did in
/// `X-Nora-Cache` (`hit`, `miss`, `revalidated`, `stale`; several comma-separated when one
/// request used several cached objects). Hosted content carries no such header.
struct ProxyOutcomeMiddleware: RouterMiddleware {
    typealias Context = NoraRequestContext
    static let header = HTTPField.Name("X-Nora-Cache")!

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        let log = ProxyOutcomeLog()
        var response = try await ProxyOutcomeLog.$current.withValue(log) { try await next(request, context) }
        if let value = log.headerValue { response.headers[Self.header] = value }
        return response
    }
}
