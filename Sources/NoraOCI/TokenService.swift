import Foundation
import Hummingbird
import NoraAuth
import NoraCore

/// Docker/OCI token authentication (`/v2/token`).
///
/// `GET /v2/token?service=&scope=` with Basic credentials (docker, skopeo, helm push) and
/// `POST /v2/token` with a form (`grant_type=password` or `refresh_token`: helm and oras
/// login) answer `{"token","access_token","expires_in","issued_at"}`. The token is signed
/// and grants only what the caller's role allows: pull = read, push = write, delete = write
/// (deleting is part of publishing images; admins additionally get `*`).
struct TokenService: Sendable {
    static let serviceName = "nora"
    static let accessLifetime: Int64 = 300
    static let refreshLifetime: Int64 = 30 * 86_400

    let signer: SignedTokens
    let authenticator: Authenticator
    let policy: AccessPolicy

    struct TokenResponse: Encodable {
        let token: String
        let accessToken: String
        let expiresIn: Int64
        let issuedAt: String
        let refreshToken: String?
        enum CodingKeys: String, CodingKey {
            case token, accessToken = "access_token", expiresIn = "expires_in", issuedAt = "issued_at", refreshToken = "refresh_token"
        }
    }

    func get(_ request: Request, _ context: NoraRequestContext) async throws -> Response {
        let scopes = request.uri.queryParameters.getAll("scope").flatMap { $0.split(separator: " ").map(String.init) }
        return try issue(for: context.identity, scopes: scopes, refresh: false, request: request)
    }

    func post(_ request: Request, _ context: NoraRequestContext) async throws -> Response {
        let body = try await request.body.collect(upTo: 64 * 1024)
        let form = Self.parseForm(String(buffer: body))
        let scopes = form.filter { $0.0 == "scope" }.flatMap { $0.1.split(separator: " ").map(String.init) }
        let field = { (name: String) in form.first { $0.0 == name }?.1 }
        let identity: Identity?
        switch field("grant_type") {
        case "password":
            guard let user = field("username"), let password = field("password") else {
                throw AppError(.badRequest, "password grant needs username and password")
            }
            let outcome = try await authenticator.authenticate(user: user, password: password, client: context.clientAddress)
            guard case .identified(let who) = outcome else {
                throw AppError(.unauthorized, "invalid user name or password")
            }
            identity = who
        case "refresh_token":
            guard let refresh = field("refresh_token"), let claims = signer.verify(refresh, kind: "refresh"),
                  let role = Role(name: claims.role),
                  try await authenticator.isStillValid(name: claims.sub, credential: claims.cred)
            else { throw AppError(.unauthorized, "invalid or expired refresh token") }
            identity = Identity(name: claims.sub, role: role, credential: .signed(origin: claims.cred))
        default:
            throw AppError(.badRequest, "grant_type must be password or refresh_token")
        }
        return try issue(for: identity, scopes: scopes, refresh: true, request: request)
    }

    func issue(for identity: Identity?, scopes: [String], refresh: Bool, request: Request) throws -> Response {
        if policy.authEnabled && identity == nil && !policy.anonymousRead {
            throw AppError(.unauthorized, "credentials required for a token")
        }
        let granted = scopes.flatMap { grant(scope: $0, to: identity) }
        let now = Clock.nowSeconds()
        let credential = Self.credentialTag(identity)
        let claims = SignedTokens.Claims(sub: identity?.name ?? "anonymous", role: (identity?.role ?? .read).name,
                                         scope: granted, kind: "access", cred: credential, iat: now,
                                         exp: now + Self.accessLifetime, iss: Self.serviceName)
        let token = signer.issue(claims)
        var refreshToken: String?
        if refresh, let identity {
            refreshToken = signer.issue(SignedTokens.Claims(sub: identity.name, role: identity.role.name, scope: [], kind: "refresh",
                                                            cred: credential, iat: now, exp: now + Self.refreshLifetime,
                                                            iss: Self.serviceName))
        }
        return .json(TokenResponse(token: token, accessToken: token, expiresIn: Self.accessLifetime,
                                   issuedAt: Clock.iso8601(millis: now * 1000), refreshToken: refreshToken))
    }

    /// The actions of `repository:<name>:<a,b>` (or `registry:catalog:*`) this identity may have.
    func grant(scope: String, to identity: Identity?) -> [String] {
        let parts = scope.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 3 else { return [] }
        let type = String(parts[0]), actions = parts.last!.split(separator: ",").map(String.init)
        let name = parts[1..<(parts.count - 1)].joined(separator: ":")
        let resource = "\(type):\(name)"
        func may(_ action: String, _ needed: Role) -> Bool {
            if !policy.authEnabled { return true }
            if let identity { return identity.role >= needed && identity.scopeAllows(resource, action) }
            return policy.anonymousRead && needed == .read
        }
        var allowed: [String] = []
        for action in actions {
            let needed: Role
            switch (type, action) {
            case ("repository", "pull"), ("registry", "*"): needed = .read
            case ("repository", "push"), ("repository", "delete"): needed = .write
            case ("repository", "*"):
                // skopeo/containers-image ask for `*` to delete; below admin it means the
                // concrete actions the identity may do (a write token can still delete).
                if may("*", .admin) { allowed.append("\(resource):*"); continue }
                allowed += [("pull", Role.read), ("push", .write), ("delete", .write)]
                    .filter { may($0.0, $0.1) }.map { "\(resource):\($0.0)" }
                continue
            default: continue
            }
            if may(action, needed) { allowed.append("\(resource):\(action)") }
        }
        return allowed
    }

    static func credentialTag(_ identity: Identity?) -> String {
        switch identity?.credential {
        case .password: "password"
        case .token(let id): "token:\(id)"
        case .signed(let origin): origin
        case nil: "anonymous"
        }
    }

    static func parseForm(_ body: String) -> [(String, String)] {
        body.split(separator: "&").compactMap { pair in
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = PercentEncoding.decode(kv[0].replacingOccurrences(of: "+", with: " ")) else { return nil }
            let value = kv.count > 1 ? PercentEncoding.decode(kv[1].replacingOccurrences(of: "+", with: " ")) ?? "" : ""
            return (key, value)
        }
    }
}

/// Accepts the access tokens `TokenService` issues as `Authorization: Bearer …`.
public struct OCITokenVerifier: SignedTokenVerifier {
    let signer: SignedTokens
    public init(signer: SignedTokens) { self.signer = signer }

    public func identity(forSignedToken token: String) async throws -> Identity? {
        guard let claims = signer.verify(token, kind: "access"), let role = Role(name: claims.role) else { return nil }
        return Identity(name: claims.sub, role: role, credential: .signed(origin: "oci"), scope: Set(claims.scope))
    }
}
