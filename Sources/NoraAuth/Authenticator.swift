import Foundation
import Crypto
import NIOConcurrencyHelpers
import NoraCore

/// Turns an `Authorization` header into an identity.
///
/// Accepted: `Basic user:password` (htpasswd), `Basic anyone:<token>`, `Bearer <token>`,
/// and a bare token (cargo sends the token with no scheme).
public struct Authenticator: Sendable {
    public enum Outcome: Sendable, Equatable {
        case anonymous
        case identified(Identity)
        case rejected(String)
    }

    /// Every htpasswd user operates the registry: they get the admin role. Tokens carry their own role.
    public static let htpasswdUserRole = Role.admin

    let users: Htpasswd
    let tokens: TokenStore?
    let signedTokens: [any SignedTokenVerifier]
    /// Failed attempts per client address; an empty bucket answers 429 before any check.
    let failedLogins: RateLimiter?
    private let cache = VerifiedPasswordCache()

    public init(users: Htpasswd, tokens: TokenStore?, signedTokens: [any SignedTokenVerifier] = [],
                failedLogins: RateLimiter? = nil) {
        self.users = users
        self.tokens = tokens
        self.signedTokens = signedTokens
        self.failedLogins = failedLogins
    }

    /// Checks a user name and password (or token as password) without a header: token
    /// services and login endpoints use it. With `client`, failures draw from its bucket.
    public func authenticate(user: String, password: String, client: String? = nil) async throws -> Outcome {
        try await limited(client) {
            if password.hasPrefix(TokenStore.secretPrefix), let identity = try await token(password) { return .identified(identity) }
            return await verifyPassword(user: user, password: password)
        }
    }

    /// Checks an `Authorization` header. With `client`, failures draw from its bucket.
    public func authenticate(authorization: String?, client: String? = nil) async throws -> Outcome {
        try await limited(client) { try await check(authorization: authorization) }
    }

    /// Refuses with 429 while `client` is out of attempts, and charges it for a rejection.
    private func limited(_ client: String?, _ attempt: () async throws -> Outcome) async throws -> Outcome {
        guard let client, let failedLogins else { return try await attempt() }
        if let wait = failedLogins.retryAfter(client) {
            throw AppError(.tooManyRequests, "too many failed logins from this address; retry in \(wait)s",
                           headers: [.retryAfter: String(wait)])
        }
        let outcome = try await attempt()
        if case .rejected = outcome { _ = failedLogins.acquire(client) }
        return outcome
    }

    private func check(authorization: String?) async throws -> Outcome {
        guard let header = authorization?.trimmingCharacters(in: .whitespaces), !header.isEmpty else { return .anonymous }
        let (scheme, value) = Self.split(header)
        switch scheme?.lowercased() {
        case "basic":
            guard let decoded = Self.base64Decode(value), let colon = decoded.firstIndex(of: ":") else {
                return .rejected("malformed Basic credentials")
            }
            let user = String(decoded[..<colon]), password = String(decoded[decoded.index(after: colon)...])
            if password.hasPrefix(TokenStore.secretPrefix), let identity = try await token(password) {
                return .identified(identity)
            }
            return await verifyPassword(user: user, password: password)
        case "bearer", "token":
            if let identity = try await token(value) { return .identified(identity) }
            return .rejected("unknown or expired token")
        case nil:
            if let identity = try await token(value) { return .identified(identity) }
            return .rejected("unknown or expired token")
        default:
            return .rejected("unsupported authorization scheme")
        }
    }

    /// Whether the user or API token a refresh token was issued for still exists.
    public func isStillValid(name: String, credential: String) async throws -> Bool {
        if credential == "password" { return users.contains(name) }
        if credential.hasPrefix("token:"), let tokens {
            return try await tokens.exists(id: String(credential.dropFirst("token:".count)))
        }
        return false
    }

    private func token(_ secret: String) async throws -> Identity? {
        if secret.hasPrefix(TokenStore.secretPrefix) {
            guard let tokens else { return nil }
            return try await tokens.identity(forSecret: secret)
        }
        for verifier in signedTokens {
            if let identity = try await verifier.identity(forSignedToken: secret) { return identity }
        }
        return nil
    }

    private func verifyPassword(user: String, password: String) async -> Outcome {
        let key = SHA256.hash(data: Array("\(user)\u{0}\(password)".utf8)).hexString
        let identity = Identity(name: user, role: Self.htpasswdUserRole, credential: .password)
        if cache.contains(key) { return .identified(identity) }
        guard await users.verify(user: user, password: password) else { return .rejected("invalid user name or password") }
        cache.insert(key)
        return .identified(identity)
    }

    static func split(_ header: String) -> (scheme: String?, value: String) {
        guard let space = header.firstIndex(of: " ") else { return (nil, header) }
        return (String(header[..<space]), String(header[header.index(after: space)...]).trimmingCharacters(in: .whitespaces))
    }

    static func base64Decode(_ text: String) -> String? {
        guard let data = Data(base64Encoded: text) else { return nil }
        return String(data: data, encoding: .utf8)
    }
}

/// Remembers, for a minute, hashes of user:password pairs that bcrypt accepted, so clients
/// that send Basic credentials on every request (mvn, skopeo, pip) do not pay ~50 ms each.
/// Only successes are kept; the key is a SHA-256, never the password.
final class VerifiedPasswordCache: Sendable {
    private let entries = NIOLockedValueBox<[String: Int64]>([:])
    private let ttl: Int64 = 60
    private let capacity = 4096

    func contains(_ key: String) -> Bool {
        let now = Clock.nowSeconds()
        return entries.withLockedValue { ($0[key] ?? 0) > now }
    }

    func insert(_ key: String) {
        let expiry = Clock.nowSeconds() + ttl
        entries.withLockedValue { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = expiry
        }
    }
}

/// A format's own bearer tokens (the OCI token service's signed tokens).
public protocol SignedTokenVerifier: Sendable {
    /// The identity and scope the token stands for, or nil when it is not valid.
    func identity(forSignedToken token: String) async throws -> Identity?
}
