/// Pull-through proxy settings, with NORA's names and defaults (see docs and `nora serve --help`).
///
/// Every format starts with NORA's public upstream; an empty value turns that format's proxy off.
public struct ProxyConfig: Sendable, Equatable {
    /// Serve only what is cached; never contact an upstream (`NORA_OFFLINE`).
    public var offline = false
    public var circuitBreaker = CircuitBreaker()
    public var npm = FormatProxy(upstreams: [UpstreamEntry(url: "https://registry.npmjs.org")])
    public var pypi = FormatProxy(upstreams: [UpstreamEntry(url: "https://pypi.org/simple")])
    public var maven = FormatProxy(upstreams: [UpstreamEntry(url: "https://repo1.maven.org/maven2")])
    public var cargo = FormatProxy(upstreams: [UpstreamEntry(url: "https://crates.io")])
    public var go = FormatProxy(upstreams: [UpstreamEntry(url: "https://proxy.golang.org")])
    public var docker = DockerProxy()
    /// Maven: check each fetched file against the upstream's `.sha1` (`NORA_MAVEN_CHECKSUM_VERIFY`).
    public var mavenChecksumVerify = true
    /// Go: the longer timeout for module zips (`NORA_GO_PROXY_TIMEOUT_ZIP`), seconds.
    public var goZipTimeoutSeconds = 120
    public init() {}

    public struct CircuitBreaker: Sendable, Equatable {
        public var enabled = false
        /// Consecutive failures that open the circuit.
        public var threshold = 5
        /// Seconds an open circuit skips its upstream before one probe request.
        public var resetTimeoutSeconds = 30
        public init() {}
    }

    /// One format's upstreams (tried in order) and cache policy.
    public struct FormatProxy: Sendable, Equatable {
        public var upstreams: [UpstreamEntry]
        /// Seconds before the response head arrives (`NORA_<FORMAT>_PROXY_TIMEOUT`).
        public var timeoutSeconds = 30
        /// `-1` forever, `0` always revalidate, `>0` seconds (`NORA_<FORMAT>_METADATA_TTL`).
        public var metadataTTL: Int64 = 300
        /// Serve the cached copy when every upstream fails (`NORA_<FORMAT>_SERVE_STALE`).
        public var serveStale = true
        /// Conditional revalidation (`If-None-Match`) instead of full refetches (`NORA_<FORMAT>_REVALIDATE`).
        public var revalidate = true
        public init(upstreams: [UpstreamEntry]) { self.upstreams = upstreams }
        public var enabled: Bool { !upstreams.isEmpty }
    }

    /// Docker/OCI: prefix and host routing, stricter defaults (tags cached until refreshed).
    public struct DockerProxy: Sendable, Equatable {
        public enum DefaultAction: String, Sendable, Equatable { case allow, deny }
        public var upstreams = [UpstreamEntry(url: "https://registry-1.docker.io")]
        public var metadataTTL: Int64 = -1
        public var serveStale = true
        public var defaultAction = DefaultAction.allow
        /// Seconds for a whole upstream request (`NORA_DOCKER_PROXY_TIMEOUT`).
        public var timeoutSeconds = 300
        /// Seconds of silence allowed between body chunks (`NORA_DOCKER_READ_TIMEOUT`).
        public var readTimeoutSeconds = 60
        public init() {}
        public var enabled: Bool { !upstreams.isEmpty }
    }
}

/// One upstream: NORA's `url|auth|prefix` entry (TOML: `{ url, auth, prefix, namespace }`).
public struct UpstreamEntry: Sendable, Equatable {
    public var url: String
    /// `user:pass` (Basic) or `Bearer <token>`; nil for anonymous.
    public var auth: String?
    /// Docker: a path prefix that routes to this upstream (`/v2/<prefix>/…`).
    public var prefix: String?
    /// Docker: the host name clients use for this registry (`docker.io` for `registry-1.docker.io`).
    public var namespace: String?

    public init(url: String, auth: String? = nil, prefix: String? = nil, namespace: String? = nil) {
        self.url = url; self.auth = auth; self.prefix = prefix; self.namespace = namespace
    }

    /// Parses a comma-separated list of `url[|auth[|prefix[|namespace]]]`; empty text is an empty list.
    static func parseList(_ text: String) throws(ConfigError) -> [UpstreamEntry] {
        var result: [UpstreamEntry] = []
        for item in text.split(separator: ",") {
            let fields = item.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: " ") }
            guard !fields[0].isEmpty || fields.count > 1 else { continue }
            var url = fields[0]
            guard url.hasPrefix("http://") || url.hasPrefix("https://"), url.count > 8, !url.contains(" ") else {
                throw ConfigLoader.invalid(text, "upstream '\(url.prefix(200))' must be an absolute http:// or https:// URL")
            }
            while url.hasSuffix("/") { url.removeLast() }
            func field(_ i: Int) -> String? { fields.count > i && !fields[i].isEmpty ? fields[i] : nil }
            result.append(UpstreamEntry(url: url, auth: field(1), prefix: field(2), namespace: field(3)))
        }
        return result
    }
}
