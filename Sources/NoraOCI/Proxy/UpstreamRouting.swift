/// Which upstream registry a pulled repository name belongs to, and its name there —
/// NORA's rules, in order:
///
/// 1. the first path component equals an upstream's `prefix` → that upstream, prefix stripped;
/// 2. the first component contains a dot (a host such as `docker.io`, `ghcr.io`) → the
///    upstream whose namespace is that host, host stripped;
/// 3. otherwise the first upstream, name unchanged (also for an unknown host).
///
/// With `defaultAction == .deny`, rule 3 refuses instead. Docker Hub wants `library/` in
/// front of single-component names (`alpine` → `library/alpine`).
public struct UpstreamRouting: Sendable, Equatable {
    public struct Upstream: Sendable, Equatable {
        /// The registry base URL without `/v2` (`https://registry-1.docker.io`).
        public let url: String
        public let prefix: String?
        /// The host name clients may put first in a name to reach this upstream.
        public let namespace: String

        public init(url: String, prefix: String? = nil, namespace: String? = nil) {
            var base = url
            while base.hasSuffix("/") { base.removeLast() }
            self.url = base
            self.prefix = prefix.flatMap { $0.isEmpty ? nil : $0 }
            self.namespace = namespace.flatMap { $0.isEmpty ? nil : $0 } ?? Self.namespace(of: base)
        }

        /// The host of `url`, with Docker Hub's API hosts named `docker.io` as image names spell it.
        static func namespace(of url: String) -> String {
            var rest = Substring(url)
            if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
            let host = rest.prefix { $0 != "/" && $0 != ":" }.lowercased()
            return ["registry-1.docker.io", "index.docker.io", "registry.hub.docker.com"].contains(host) ? "docker.io" : host
        }

        public var isDockerHub: Bool { namespace == "docker.io" }
    }

    public enum DefaultAction: String, Sendable, Equatable { case allow, deny }

    /// Where a name goes.
    public enum Resolution: Sendable, Equatable {
        /// `upstream` is an index into `upstreams`; `remoteName` is the name to ask it for.
        case upstream(Int, remoteName: String)
        /// `default_action = deny` and no prefix or host matched.
        case denied
        /// No upstream is configured.
        case none
    }

    public let upstreams: [Upstream]
    public let defaultAction: DefaultAction

    public init(upstreams: [Upstream], defaultAction: DefaultAction = .allow) {
        self.upstreams = upstreams
        self.defaultAction = defaultAction
    }

    public func resolve(_ name: RepositoryName) -> Resolution {
        guard !upstreams.isEmpty else { return .none }
        let components = name.value.split(separator: "/", maxSplits: 1)
        let first = String(components[0])
        let rest = components.count > 1 ? String(components[1]) : nil
        if let rest {
            if let index = upstreams.firstIndex(where: { $0.prefix == first }) {
                return .upstream(index, remoteName: remoteName(rest, on: upstreams[index]))
            }
            if first.contains("."), let index = upstreams.firstIndex(where: { $0.namespace == first }) {
                return .upstream(index, remoteName: remoteName(rest, on: upstreams[index]))
            }
        }
        guard defaultAction == .allow else { return .denied }
        return .upstream(0, remoteName: remoteName(name.value, on: upstreams[0]))
    }

    private func remoteName(_ name: String, on upstream: Upstream) -> String {
        upstream.isDockerHub && !name.contains("/") ? "library/\(name)" : name
    }
}
