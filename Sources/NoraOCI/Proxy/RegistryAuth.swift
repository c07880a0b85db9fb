import AsyncHTTPClient
import NIOConcurrencyHelpers
import NIOCore
import NoraCore
import NoraProxy

/// The registry token dance, done before each upstream request rather than after a 401 so
/// that the request itself can go through the shared proxy mechanism unchanged:
///
/// 1. `GET /v2/` once per upstream (as docker does) learns how it authenticates: 200 →
///    anonymous; 401 `Basic` → the configured credentials; 401 `Bearer realm,service` →
///    tokens.
/// 2. For Bearer, `GET <realm>?service=…&scope=repository:<name>:pull` — with the configured
///    `user:pass` as Basic credentials, sent to the realm's host only — gives a token, cached
///    until shortly before it expires.
/// 3. The request goes out with `Authorization: Bearer <token>`; redirects to other hosts
///    (CDNs) are followed without it (`UpstreamClient`).
///
/// A 401 on the request itself means the token or challenge went stale: `forget` drops both
/// and the next request starts over.
final class RegistryAuth: Sendable {
    enum Scheme: Sendable, Equatable {
        case anonymous
        case basic
        case bearer(AuthChallenge)
    }

    let client: UpstreamClient
    let tokens: RegistryTokens
    let timeout: TimeAmount
    private let schemes = NIOLockedValueBox([String: Scheme]())
    /// Concurrent first pulls share one `/v2/` probe and one token request.
    private let probes = SingleFlight<Scheme>()
    private let grants = SingleFlight<TokenGrant>()

    init(client: UpstreamClient, timeoutSeconds: Int, tokens: RegistryTokens = RegistryTokens()) {
        self.client = client
        self.tokens = tokens
        self.timeout = .seconds(Int64(timeoutSeconds))
    }

    /// What to send as `Authorization` when pulling `repository` from `upstream`.
    func credentials(for upstream: Upstream, repository: String) async throws -> Credentials? {
        if case .bearer = upstream.credentials { return upstream.credentials }  // a fixed token: no dance
        switch try await scheme(of: upstream) {
        case .anonymous, .basic:
            return upstream.credentials
        case .bearer(let challenge):
            guard let request = challenge.tokenURL(repository: repository) else {
                throw ProxyError.unavailable("\(upstream.name) sent a Bearer challenge without a usable realm")
            }
            let key = RegistryTokens.Key(realm: challenge.parameters["realm"] ?? "", service: request.key.service,
                                         scope: request.key.scope, credentials: upstream.credentials?.authorization)
            if let token = tokens.token(for: key) { return .bearer(token) }
            let grant = try await grants.run("\(key.realm)|\(key.service ?? "")|\(key.scope)|\(key.credentials ?? "")") {
                let grant = try await self.fetchToken(request.url, credentials: upstream.credentials, upstream: upstream)
                self.tokens.store(grant, for: key)
                return grant
            }
            return .bearer(grant.token)
        }
    }

    /// Drops what was learnt about `upstream` after it refused a request (401).
    func forget(_ upstream: Upstream) {
        let forgotten = schemes.withLockedValue { $0.removeValue(forKey: upstream.url) }
        if case .bearer(let challenge) = forgotten, let realm = challenge.parameters["realm"] { tokens.forget(realm: realm) }
    }

    private func scheme(of upstream: Upstream) async throws -> Scheme {
        if let known = schemes.withLockedValue({ $0[upstream.url] }) { return known }
        return try await probes.run(upstream.url) { try await self.probe(upstream) }
    }

    private func probe(_ upstream: Upstream) async throws -> Scheme {
        let response = try await client.send(UpstreamRequest(url: upstream.url("/v2/")), credentials: nil,
                                             credentialHost: nil, timeout: timeout)
        _ = try? await response.body.collect(upTo: 64 * 1024)
        let scheme: Scheme
        switch response.status.code {
        case 200..<300:
            scheme = .anonymous
        case 401:
            let header = response.headers["WWW-Authenticate"].joined(separator: ", ")
            if let bearer = AuthChallenge.first("bearer", in: header) {
                scheme = .bearer(bearer)
            } else if AuthChallenge.first("basic", in: header) != nil {
                scheme = .basic
            } else {
                throw ProxyError.unavailable("\(upstream.name)/v2/ answered 401 without a Bearer or Basic challenge")
            }
        default:
            throw ProxyError.unavailable("\(upstream.name)/v2/ answered \(response.status.code)")
        }
        schemes.withLockedValue { $0[upstream.url] = scheme }
        return scheme
    }

    private func fetchToken(_ url: String, credentials: Credentials?, upstream: Upstream) async throws -> TokenGrant {
        let realmHost = Upstream(url: url).host
        let response = try await client.send(UpstreamRequest(url: url, headers: [("Accept", "application/json")]),
                                             credentials: credentials, credentialHost: realmHost, timeout: timeout)
        let body = try await response.body.collect(upTo: 256 * 1024)
        guard response.status.code == 200 else {
            throw ProxyError.unavailable("the token service of \(upstream.name) answered \(response.status.code)")
        }
        guard let grant = TokenGrant(json: Array(body.readableBytesView)) else {
            throw ProxyError.unavailable("the token service of \(upstream.name) sent no token")
        }
        return grant
    }
}
