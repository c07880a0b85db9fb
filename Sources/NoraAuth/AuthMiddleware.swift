import Hummingbird
import NoraCore

/// Sets the caller's identity and the access policy on the context.
///
/// It rejects only credentials that are present and wrong (401); whether an anonymous
/// or under-privileged caller may proceed is decided by each handler's `require(_:)`.
/// Failed attempts draw from the authenticator's per-IP bucket (shared with the login
/// endpoints of the formats); an empty bucket answers 429 before any password is checked.
public struct AuthMiddleware: RouterMiddleware {
    public typealias Context = NoraRequestContext

    let authenticator: Authenticator
    let policy: AccessPolicy

    public init(authenticator: Authenticator, policy: AccessPolicy) {
        self.authenticator = authenticator
        self.policy = policy
    }

    public func handle(_ request: Request, context: Context,
                       next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.access = policy
        guard policy.authEnabled, let header = request.headers[.authorization] else {
            return try await next(request, context)
        }
        switch try await authenticator.authenticate(authorization: header, client: context.clientAddress) {
        case .anonymous:
            break
        case .identified(let identity):
            context.identity = identity
            context.annotations.userName = identity.name
            context.logger[metadataKey: "user"] = .string(identity.name)
        case .rejected(let reason):
            context.logger.notice("authentication failed", metadata: ["reason": .string(reason), "client": .string(context.clientAddress)])
            context.annotations.note(ActivityNote(.loginFailure, nil, name: reason))
            throw AppError(.unauthorized, "invalid credentials")
        }
        return try await next(request, context)
    }
}
