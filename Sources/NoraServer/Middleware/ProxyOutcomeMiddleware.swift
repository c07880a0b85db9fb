import HTTPTypes
import Hummingbird
import NoraCore
import NoraProxy

/// Gives each request a `ProxyOutcomeLog`, answers what the pull-through caches did in
/// `X-Nora-Cache` (`hit`, `miss`, `revalidated`, `stale`; several comma-separated when one
/// request used several cached objects) and notes a `proxy_fetch` / `cache_hit` activity
/// event for a successful GET (the outer activity middleware records it, batched). Hosted
/// content carries no such header.
struct ProxyOutcomeMiddleware: RouterMiddleware {
    typealias Context = NoraRequestContext
    static let header = HTTPField.Name("X-Nora-Cache")!

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        let log = ProxyOutcomeLog()
        var response = try await ProxyOutcomeLog.$current.withValue(log) { try await next(request, context) }
        if let value = log.headerValue { response.headers[Self.header] = value }
        if request.method == .get, response.status.code < 400, let activity = log.activity {
            context.annotations.note(ActivityNote(activity.kind, RegistryFormat(rawValue: activity.format),
                                                  name: Self.name(request.uri.path), source: .proxy))
        }
        return response
    }

    /// What was asked for, without the format's prefix: `lib/-/lib-1.0.0.tgz`, `team/app/blobs/sha256:…`.
    static func name(_ path: String) -> String {
        let decoded = path.removingPercentEncoding ?? path
        let parts = decoded.split(separator: "/", maxSplits: 1)
        return String((parts.count == 2 ? String(parts[1]) : decoded).prefix(300))
    }
}
