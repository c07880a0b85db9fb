import Foundation
import NIOConcurrencyHelpers
import NoraCore

/// Bearer tokens an upstream registry's token service issued to this proxy, kept until they
/// expire so that each image pull costs one token request, not one per blob.
///
/// Keyed by realm, service, scope and the credentials used (two upstreams with different
/// accounts on one realm must not share tokens).
final class RegistryTokens: Sendable {
    struct Key: Hashable, Sendable {
        let realm: String
        let service: String?
        let scope: String
        let credentials: String?
    }

    private struct Entry { let token: String; let expiresAt: Int64 }
    private let entries = NIOLockedValueBox([Key: Entry]())
    private let now: @Sendable () -> Int64

    init(now: @escaping @Sendable () -> Int64 = Clock.nowSeconds) { self.now = now }

    func token(for key: Key) -> String? {
        let now = now()
        return entries.withLockedValue { entries in
            guard let entry = entries[key] else { return nil }
            guard entry.expiresAt > now else { entries[key] = nil; return nil }
            return entry.token
        }
    }

    func store(_ grant: TokenGrant, for key: Key) {
        // Renew a little early so a token never expires between our check and the upstream's.
        let lifetime = max(0, grant.expiresIn - max(5, grant.expiresIn / 10))
        guard lifetime > 0 else { return }
        let expiresAt = now() + lifetime
        entries.withLockedValue { entries in
            if entries.count > 10_000 { entries.removeAll() }  // bound memory; refilling is cheap
            entries[key] = Entry(token: grant.token, expiresAt: expiresAt)
        }
    }

    /// Drops every token of `realm` (the upstream refused one).
    func forget(realm: String) {
        entries.withLockedValue { entries in entries = entries.filter { $0.key.realm != realm } }
    }
}

/// A token service's answer (distribution's token spec): `token` or `access_token`, and
/// `expires_in` seconds (60 when absent, as the spec says).
struct TokenGrant: Sendable, Equatable {
    let token: String
    let expiresIn: Int64

    private struct Wire: Decodable {
        let token: String?
        let accessToken: String?
        let expiresIn: Int64?
        enum CodingKeys: String, CodingKey { case token, accessToken = "access_token", expiresIn = "expires_in" }
    }

    init(token: String, expiresIn: Int64) { self.token = token; self.expiresIn = expiresIn }

    /// nil when the body is not a token document.
    init?(json bytes: [UInt8]) {
        guard let wire = try? JSONDecoder().decode(Wire.self, from: Data(bytes)),
              let token = wire.token ?? wire.accessToken, !token.isEmpty,
              token.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f })
        else { return nil }
        self.token = token
        expiresIn = max(wire.expiresIn ?? 60, 0)
    }
}

extension AuthChallenge {
    /// The token request a Bearer challenge asks for: the realm with `service` and a pull
    /// `scope` for `repository` (the challenge's own scope when it names one). nil when the
    /// realm is not an absolute http(s) URL.
    func tokenURL(repository: String) -> (url: String, key: (service: String?, scope: String))? {
        guard scheme == "bearer", let realm = parameters["realm"],
              realm.hasPrefix("https://") || realm.hasPrefix("http://") else { return nil }
        let scope = parameters["scope"] ?? "repository:\(repository):pull"
        var query: [String] = []
        if let service = parameters["service"] { query.append("service=\(Self.encode(service))") }
        query.append("scope=\(Self.encode(scope))")
        let url = realm + (realm.contains("?") ? "&" : "?") + query.joined(separator: "&")
        return (url, (parameters["service"], scope))
    }

    private static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~:/")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
