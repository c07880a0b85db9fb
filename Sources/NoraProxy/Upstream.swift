import Foundation
import NoraCore

/// One upstream registry: its base URL (no trailing slash), its credentials, and the
/// name used in metrics and the circuit breaker.
public struct Upstream: Sendable, Hashable {
    public let url: String
    public let credentials: Credentials?
    /// Docker routing (kept for the OCI adapter; the mechanism does not read them).
    public let prefix: String?
    public let namespace: String?

    public init(url: String, credentials: Credentials? = nil, prefix: String? = nil, namespace: String? = nil) {
        var url = url
        while url.hasSuffix("/") { url.removeLast() }
        self.url = url; self.credentials = credentials; self.prefix = prefix; self.namespace = namespace
    }

    public init(_ entry: UpstreamEntry) {
        self.init(url: entry.url, credentials: entry.auth.map(Credentials.init(parsing:)), prefix: entry.prefix, namespace: entry.namespace)
    }

    /// The metric and breaker label: scheme, host and path of the base URL (never credentials).
    public var name: String { url }

    /// Host (and port) of the base URL: credentials are only ever sent there.
    public var host: String? { URLComponents(string: url).flatMap(Self.authority) }

    /// `base + "/" + path` (a path with a leading slash is not doubled).
    public func url(_ path: String) -> String {
        path.hasPrefix("/") ? url + path : url + "/" + path
    }

    static func authority(_ components: URLComponents) -> String? {
        guard let host = components.host?.lowercased() else { return nil }
        return components.port.map { "\(host):\($0)" } ?? host
    }
}

/// How nora authenticates to an upstream.
public enum Credentials: Sendable, Hashable {
    case basic(user: String, password: String)
    case bearer(String)

    /// `user:pass` is Basic; `Bearer <token>` or a bare token is Bearer.
    public init(parsing text: String) {
        if text.lowercased().hasPrefix("bearer ") {
            self = .bearer(String(text.dropFirst(7)).trimmingCharacters(in: .whitespaces))
        } else if let colon = text.firstIndex(of: ":") {
            self = .basic(user: String(text[..<colon]), password: String(text[text.index(after: colon)...]))
        } else {
            self = .bearer(text)
        }
    }

    public var authorization: String {
        switch self {
        case .basic(let user, let password): "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        case .bearer(let token): "Bearer \(token)"
        }
    }
}
