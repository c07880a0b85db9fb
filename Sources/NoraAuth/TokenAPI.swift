import Hummingbird
import NoraCore

/// `/api/tokens`: the HTTP face of `nora token` for admins.
///
///     GET    /api/tokens          list (no secrets)
///     POST   /api/tokens          {"name": "ci", "role": "write", "expires": "30d"} → 201 with "token" (shown once)
///     DELETE /api/tokens/{id}     revoke → 204
public struct TokenAPI: Sendable {
    let tokens: TokenStore

    public init(tokens: TokenStore) { self.tokens = tokens }

    struct CreateRequest: Decodable {
        let name: String
        let role: String?
        let expires: String?
    }

    struct Created: Encodable {
        let id, name, owner, role: String
        let expiresAt: Int64?
        let token: String
        enum CodingKeys: String, CodingKey { case id, name, owner, role, token; case expiresAt = "expires_at" }
    }

    public func register(on router: Router<NoraRequestContext>) {
        let group = router.group("api/tokens")
        group.get { _, context in
            try context.require(.admin)
            return Response.json(try await tokens.list().map(TokenView.init))
        }
        group.post { request, context in
            try context.require(.admin)
            let body = try await request.body.collect(upTo: 16 * 1024)
            guard let create = try? JSON.decode(CreateRequest.self, from: body.readableBytesView) else {
                throw AppError(.badRequest, "body must be JSON: {\"name\": …, \"role\": \"read|write|admin\", \"expires\": \"30d\"}")
            }
            guard let role = Role(name: create.role ?? "read") else { throw AppError(.badRequest, "role must be read, write or admin") }
            let lifetime = try create.expires.map { text throws(AppError) in
                guard let seconds = DurationText.seconds(text) else { throw AppError(.badRequest, "expires must look like 30d, 12h or 90m") }
                return seconds
            }
            let owner = context.identity?.name ?? "anonymous"
            let (token, secret) = try await tokens.create(name: create.name, owner: owner, role: role, expiresInSeconds: lifetime)
            context.annotations.note(ActivityNote(.tokenCreate, nil, name: token.name, version: token.role))
            return Response.json(Created(id: token.id, name: token.name, owner: token.owner, role: token.role,
                                         expiresAt: token.expiresAt, token: secret), status: .created)
        }
        group.delete(":id") { _, context in
            try context.require(.admin)
            let id = try context.parameters.require("id")
            guard try await tokens.revoke(id) > 0 else { throw AppError(.notFound, "no token '\(id)'") }
            context.annotations.note(ActivityNote(.tokenRevoke, nil, name: id))
            return Response(status: .noContent)
        }
    }
}

/// A token as listed: everything except the secret.
struct TokenView: Encodable {
    let id, name, owner, role: String
    let createdAt: Int64
    let expiresAt, lastUsedAt: Int64?
    init(_ t: TokenStore.Token) {
        id = t.id; name = t.name; owner = t.owner; role = t.role
        createdAt = t.createdAt; expiresAt = t.expiresAt; lastUsedAt = t.lastUsedAt
    }
    enum CodingKeys: String, CodingKey {
        case id, name, owner, role
        case createdAt = "created_at", expiresAt = "expires_at", lastUsedAt = "last_used_at"
    }
}
