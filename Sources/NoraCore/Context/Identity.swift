/// What a caller may do. Each role includes the ones below it.
public enum Role: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    case read = 1, write = 2, admin = 3

    public init?(name: String) {
        switch name.lowercased() {
        case "read": self = .read
        case "write": self = .write
        case "admin": self = .admin
        default: return nil
        }
    }

    public var name: String {
        switch self { case .read: "read"; case .write: "write"; case .admin: "admin" }
    }
    public var description: String { name }
    public static func < (a: Role, b: Role) -> Bool { a.rawValue < b.rawValue }
}

/// The authenticated caller of a request.
public struct Identity: Sendable, Equatable {
    public enum Credential: Sendable, Equatable {
        case password
        case token(id: String)
        /// A short-lived signed token from a format's token service (the OCI `/v2/token`).
        case signed(origin: String)
    }
    public let name: String
    public let role: Role
    public let credential: Credential
    /// When set, the only actions allowed, as `<type>:<name>:<action>` strings
    /// (e.g. `repository:team/app:pull`); nil means the role alone decides.
    public let scope: Set<String>?

    public init(name: String, role: Role, credential: Credential, scope: Set<String>? = nil) {
        self.name = name; self.role = role; self.credential = credential; self.scope = scope
    }

    /// Whether the scope (if any) grants `action` on `resource` (e.g. `repository:team/app`).
    public func scopeAllows(_ resource: String, _ action: String) -> Bool {
        guard let scope else { return true }
        return scope.contains("\(resource):\(action)") || scope.contains("\(resource):*")
    }
}

/// The auth settings that decide whether a request may proceed.
public struct AccessPolicy: Sendable, Equatable {
    public let authEnabled: Bool
    public let anonymousRead: Bool

    public init(authEnabled: Bool, anonymousRead: Bool) {
        self.authEnabled = authEnabled; self.anonymousRead = anonymousRead
    }

    /// Until the auth middleware runs, nothing is allowed: forgetting it fails closed.
    public static let denyAll = AccessPolicy(authEnabled: true, anonymousRead: false)

    /// Throws 401 when credentials are missing and 403 when they are not enough.
    public func authorize(_ identity: Identity?, needs role: Role) throws(AppError) {
        guard authEnabled else { return }
        guard let identity else {
            if role == .read && anonymousRead { return }
            throw AppError(.unauthorized, "authentication required")
        }
        guard identity.role >= role else {
            throw AppError(.forbidden, "'\(identity.name)' has the \(identity.role) role; this needs \(role)")
        }
    }
}
