/// What happened, as the activity log and the audit file name it.
public enum ActivityKind: String, Sendable, Codable, CaseIterable {
    case publish, download, delete, yank, unyank, tag
    case proxyFetch = "proxy_fetch", cacheHit = "cache_hit"
    case loginFailure = "login_failure"
    case tokenCreate = "token_create", tokenRevoke = "token_revoke"

    /// Write actions go to the audit file (`NORA_AUDIT_LOG`); reads do not.
    public var isWrite: Bool {
        switch self {
        case .download, .proxyFetch, .cacheHit: false
        default: true
        }
    }
}

/// Where the bytes came from: published here, or fetched from an upstream by the proxy.
public enum ActivitySource: String, Sendable, Codable {
    case local, proxy
}

/// What a handler reports about its request; the activity middleware adds the time,
/// format, identity and client address once the response succeeded.
public struct ActivityNote: Sendable, Equatable {
    public var kind: ActivityKind
    /// nil for events outside any format (logins, tokens).
    public var format: RegistryFormat?
    public var name: String
    public var version: String?
    public var source: ActivitySource

    public init(_ kind: ActivityKind, _ format: RegistryFormat?, name: String, version: String? = nil, source: ActivitySource = .local) {
        self.kind = kind; self.format = format; self.name = name; self.version = version; self.source = source
    }
}

/// One row of the activity log.
public struct ActivityEvent: Sendable, Codable, Equatable {
    public var id: Int64?
    /// Unix milliseconds.
    public var at: Int64
    public var kind: ActivityKind
    /// A `RegistryFormat` name, or empty for events outside any format (UI login, tokens).
    public var format: String
    public var name: String
    public var version: String?
    public var identity: String?
    public var client: String?
    public var source: ActivitySource

    public init(id: Int64? = nil, at: Int64, kind: ActivityKind, format: String, name: String, version: String? = nil,
                identity: String? = nil, client: String? = nil, source: ActivitySource = .local) {
        self.id = id; self.at = at; self.kind = kind; self.format = format; self.name = name; self.version = version
        self.identity = identity; self.client = client; self.source = source
    }
}

/// Takes events from anywhere in the server; the implementation batches them off the request path.
public protocol ActivityRecorder: Sendable {
    func record(_ event: ActivityEvent)
}
