import Hummingbird
import NoraCore

/// Sets the caller's identity and the access policy on the context.
///
/// It rejects only credentials that are present and wrong (401); whether an anonymous
/// or under-privileged caller may proceed is decided by each handler's `require(_:)`.
/// Failed attempts draw from a per-IP bucket; an empty bucket answers 429 before any
/// password is checked, which caps brute-force guessing.
public struct AuthMiddleware: RouterMiddleware {
    public typealias Context = NoraRequestContext

    let authenticator: Authenticator
    let policy: AccessPolicy
    let failedLogins: RateLimiter?

    public init(authenticator: Authenticator, policy: AccessPolicy, failedLogins: RateLimiter?) {
        self.authenticator = authenticator
        self.policy = policy
        self.failedLogins = failedLogins
    }

    public func handle(_ request: Request, context: Context,
                       next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.access = policy
        guard policy.authEnabled, let header = request.headers[.authorization] else {
            return try await next(request, context)
        }
        if let wait = failedLogins?.retryAfter(context.clientAddress) {
            throw AppError(.tooManyRequests, "too many failed logins from this address; retry in \(wait)s",
                           headers: [.retryAfter: String(wait)])
        }
        switch try await authenticator.authenticate(authorization: header) {
        case .anonymous:
            break
        case .identified(let identity):
            context.identity = identity
            context.annotations.userName = identity.name
            context.logger[metadataKey: "user"] = .string(identity.name)
        case .rejected(let reason):
            _ = failedLogins?.acquire(context.clientAddress)
            context.logger.notice("authentication failed", metadata: ["reason": .string(reason), "client": .string(context.clientAddress)])
            throw AppError(.unauthorized, "invalid credentials")
        }
        return try await next(request, context)
    }
}
