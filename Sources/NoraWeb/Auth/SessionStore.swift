import Crypto
import NoraCore
import NoraMetadata
import SQLKit

/// Web UI login sessions, in the database so every replica honours them.
///
///     web_sessions(id_hash PK, user_name, role, csrf, created_at, expires_at)
///
/// The cookie holds a 256-bit random id; only its SHA-256 is stored. Each session has its own
/// CSRF token, which every form of the UI carries and every POST must echo.
public struct SessionStore: Sendable {
    public static let lifetimeSeconds: Int64 = 12 * 3600
    let db: MetadataDatabase

    public init(db: MetadataDatabase) { self.db = db }

    public static let migrations: [Migration] = [
        Migration("web-002-sessions") { db in
            try await db.create(table: "web_sessions")
                .column("id_hash", type: .text, .primaryKey(autoIncrement: false))
                .column("user_name", type: .text, .notNull)
                .column("role", type: .text, .notNull)
                .column("csrf", type: .text, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .column("expires_at", type: .bigint, .notNull)
                .run()
            try await db.create(index: "web_sessions_expires").on("web_sessions").column("expires_at").run()
        }
    ]

    public struct Session: Sendable, Equatable {
        public let identity: Identity
        public let csrf: String
    }

    /// Starts a session for `identity`; returns the cookie value (the only place the id exists in clear).
    public func create(for identity: Identity) async throws -> (cookie: String, session: Session) {
        let id = Self.random(32), csrf = Self.random(16), now = Clock.nowSeconds()
        try await db.transaction { db in
            try await db.delete(from: "web_sessions").where("expires_at", .lessThanOrEqual, now).run()
            try await db.insert(into: "web_sessions").columns("id_hash", "user_name", "role", "csrf", "created_at", "expires_at")
                .values(SQLBind(Self.hash(id)), SQLBind(identity.name), SQLBind(identity.role.name), SQLBind(csrf), SQLBind(now),
                        SQLBind(now + Self.lifetimeSeconds))
                .run()
        }
        return (id, Session(identity: Identity(name: identity.name, role: identity.role, credential: .password), csrf: csrf))
    }

    /// The live session a cookie names, or nil.
    public func session(cookie: String) async throws -> Session? {
        guard cookie.utf8.count == 64, cookie.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else { return nil }
        guard let row = try await db.reader.select().columns("user_name", "role", "csrf", "expires_at").from("web_sessions")
            .where("id_hash", .equal, Self.hash(cookie)).first() else { return nil }
        guard try row.decode(column: "expires_at", as: Int64.self) > Clock.nowSeconds(),
              let role = Role(name: try row.decode(column: "role", as: String.self)) else { return nil }
        return Session(identity: Identity(name: try row.decode(column: "user_name"), role: role, credential: .password),
                       csrf: try row.decode(column: "csrf"))
    }

    public func delete(cookie: String) async throws {
        try await db.transaction { db in
            try await db.delete(from: "web_sessions").where("id_hash", .equal, Self.hash(cookie)).run()
        }
    }

    static func hash(_ id: String) -> String { SHA256.hash(data: Array(id.utf8)).hexString }

    static func random(_ bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) }.hexString
    }

    /// Compares secrets in time independent of where they differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
