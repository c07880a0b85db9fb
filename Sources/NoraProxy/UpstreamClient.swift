import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// The HTTP client nora uses towards upstream registries: pooled connections, TLS with the
/// system CA bundle (AsyncHTTPClient's default), connect and read timeouts, a
/// `User-Agent: nora/<version>`, and redirects followed here rather than by the client so
/// that credentials never travel to another host (registries redirect downloads to CDNs).
///
/// The underlying `HTTPClient` is made on first use, so a server whose proxies are never
/// asked (or that runs offline) opens nothing; `shutdown()` must run before the process ends.
public final class UpstreamClient: Sendable {
    public let userAgent: String
    let configuration: HTTPClient.Configuration
    private let client = NIOLockedValueBox<HTTPClient?>(nil)
    private let closed = NIOLockedValueBox(false)
    static let maxRedirects = 10

    public init(userAgent: String, connectTimeoutSeconds: Int = 10, readTimeoutSeconds: Int = 60) {
        self.userAgent = userAgent
        // No TLS configuration: AsyncHTTPClient then verifies against the system CA bundle.
        // No decompression: bytes are verified and stored exactly as the upstream sent them.
        // No retried connection attempts: a refused upstream must fail at once, so the next
        // upstream, the stale copy or a prompt 502 answers (the breaker handles flapping).
        var pool = HTTPClient.Configuration.ConnectionPool()
        pool.retryConnectionEstablishment = false
        self.configuration = HTTPClient.Configuration(
            tlsConfiguration: nil, redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(Int64(connectTimeoutSeconds)), read: .seconds(Int64(readTimeoutSeconds))),
            connectionPool: pool, proxy: nil, ignoreUncleanSSLShutdown: false, decompression: .disabled)
    }

    private var http: HTTPClient {
        get throws {
            try client.withLockedValue { (client: inout HTTPClient?) throws -> HTTPClient in
                if let client { return client }
                if closed.withLockedValue({ $0 }) { throw ProxyError.unavailable("upstream client is shut down") }
                let made = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
                client = made
                return made
            }
        }
    }

    /// Sends `request`, following redirects. `credentials` go only to `credentialHost`
    /// (the upstream's own host); a redirect elsewhere is followed anonymously.
    /// `timeout` bounds the wait for each response head; the body is bounded by the read timeout.
    public func send(_ request: UpstreamRequest, credentials: Credentials?, credentialHost: String?,
                     timeout: TimeAmount) async throws -> HTTPClientResponse {
        var url = request.url
        var method = request.method
        var body = request.body
        for _ in 0...Self.maxRedirects {
            guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
                  scheme == "http" || scheme == "https", components.host?.isEmpty == false
            else { throw ProxyError.unavailable("invalid upstream URL '\(url.prefix(300))'") }
            var outgoing = HTTPClientRequest(url: url)
            outgoing.method = method
            outgoing.headers.add(name: "User-Agent", value: userAgent)
            for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
            if let credentials, let credentialHost, Upstream.authority(components) == credentialHost {
                outgoing.headers.replaceOrAdd(name: "Authorization", value: credentials.authorization)
            }
            if let body { outgoing.body = .bytes(body) }
            let response = try await http.execute(outgoing, timeout: timeout)
            guard [301, 302, 303, 307, 308].contains(response.status.code),
                  let location = response.headers.first(name: "Location"),
                  let next = URL(string: location, relativeTo: URL(string: url))?.absoluteURL.absoluteString
            else { return response }
            if response.status.code == 303 || ((response.status.code == 301 || response.status.code == 302) && method == .POST) {
                method = .GET; body = nil
            }
            url = next
        }
        throw ProxyError.unavailable("too many redirects from '\(request.url.prefix(300))'")
    }

    public func shutdown() async throws {
        closed.withLockedValue { $0 = true }
        let existing = client.withLockedValue { (client: inout HTTPClient?) -> HTTPClient? in
            defer { client = nil }
            return client
        }
        try await existing?.shutdown()
    }
}

/// What to ask an upstream: usually a GET of `url`; `npm audit` forwards a POST with a body.
public struct UpstreamRequest: Sendable {
    public var url: String
    public var method: HTTPMethod
    public var headers: [(String, String)]
    public var body: ByteBuffer?
    /// Credentials for this request instead of the upstream's own (an OCI registry's Bearer
    /// token for one repository); like those, sent only to the upstream's host.
    public var credentials: Credentials?

    public init(url: String, method: HTTPMethod = .GET, headers: [(String, String)] = [], body: ByteBuffer? = nil,
                credentials: Credentials? = nil) {
        self.url = url; self.method = method; self.headers = headers; self.body = body; self.credentials = credentials
    }
}
