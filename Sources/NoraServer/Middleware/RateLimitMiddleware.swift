import Hummingbird
import NoraCore

/// Per-IP token buckets: writes (PUT/POST/PATCH/DELETE) draw from the upload bucket,
/// everything else from the general one. Probes (`/health`, `/ready`, `/metrics`) are exempt.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = NoraRequestContext

    let uploads: RateLimiter
    let general: RateLimiter
    static let exempt: Set<String> = ["/health", "/ready", "/metrics"]

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !Self.exempt.contains(request.uri.path) else { return try await next(request, context) }
        let bucket: RateLimiter
        switch request.method {
        case .put, .post, .patch, .delete: bucket = uploads
        default: bucket = general
        }
        if let wait = bucket.acquire(context.clientAddress) {
            throw AppError(.tooManyRequests, "rate limit exceeded; retry in \(wait)s", headers: [.retryAfter: String(wait)])
        }
        return try await next(request, context)
    }
}
