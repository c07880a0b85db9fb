import Crypto
import NoraCore
import NoraMetadata
import SQLKit

/// API tokens: random secrets shown once, stored only as their SHA-256.
///
/// A token secret has 256 random bits, so a plain SHA-256 is enough to make the stored
/// form useless to a thief, and lets a request find its token by an indexed lookup.
public struct TokenStore: Sendable {
    public static let secretPrefix = "nora_"
    static let lastUsedResolution: Int64 = 3600

    public struct Token: Sendable, Equatable, Codable {
        public let id: String
        public let name: String
        public let owner: String
        public let role: String
        public let createdAt: Int64
        public let expiresAt: Int64?
        public let lastUsedAt: Int64?
    }

    let db: MetadataDatabase

    public init(db: MetadataDatabase) { self.db = db }

    public static let migrations: [Migration] = [
        Migration("auth-001-api-tokens") { db in
            try await db.create(table: "api_tokens")
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("name", type: .text, .notNull)
                .column("owner", type: .text, .notNull)
                .column("role", type: .text, .notNull)
                .column("secret_hash", type: .text, .notNull, .unique)
                .column("created_at", type: .bigint, .notNull)
                .column("expires_at", type: .bigint)
                .column("last_used_at", type: .bigint)
                .run()
        }
    ]

    /// Creates a token and returns it with its secret (the only time the secret exists in clear).
    public func create(name: String, owner: String, role: Role, expiresInSeconds: Int64?) async throws -> (Token, secret: String) {
        guard !name.isEmpty, name.utf8.count <= 100 else { throw AppError(.badRequest, "token name must be 1-100 characters") }
        var generator = SystemRandomNumberGenerator()
        let secret = Self.secretPrefix + (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }.hexString
        let id = (0..<8).map { _ in UInt8.random(in: 0...255, using: &generator) }.hexString
        let now = Clock.nowSeconds()
        let token = Token(id: id, name: name, owner: owner, role: role.name, createdAt: now,
                          expiresAt: expiresInSeconds.map { now + $0 }, lastUsedAt: nil)
        try await db.transaction { db in
            try await db.insert(into: "api_tokens")
                .columns("id", "name", "owner", "role", "secret_hash", "created_at", "expires_at")
                .values(SQLBind(token.id), SQLBind(token.name), SQLBind(token.owner), SQLBind(token.role),
                        SQLBind(Self.hash(secret)), SQLBind(token.createdAt), SQLBind(token.expiresAt))
                .run()
        }
        return (token, secret)
    }

    public func list() async throws -> [Token] {
        try await db.reader.select()
            .columns("id", "name", "owner", "role", "created_at", "expires_at", "last_used_at")
            .from("api_tokens").orderBy("created_at").orderBy("id")
            .all().map { row in
                Token(id: try row.decode(column: "id"), name: try row.decode(column: "name"),
                      owner: try row.decode(column: "owner"), role: try row.decode(column: "role"),
                      createdAt: try row.decode(column: "created_at"),
                      expiresAt: try row.decode(column: "expires_at", as: Int64?.self),
                      lastUsedAt: try row.decode(column: "last_used_at", as: Int64?.self))
            }
    }

    /// Revokes by id, or by name when the name is unique. Returns how many were removed.
    public func revoke(_ idOrName: String) async throws -> Int {
        try await db.transaction { db in
            let matches = try await db.select().column("id").from("api_tokens")
                .where("id", .equal, idOrName).orWhere("name", .equal, idOrName).all()
            let ids = try matches.map { try $0.decode(column: "id", as: String.self) }
            guard ids.count <= 1 || ids.contains(idOrName) else {
                throw AppError(.conflict, "several tokens are named '\(idOrName)'; revoke by id")
            }
            let target = ids.contains(idOrName) ? [idOrName] : ids
            for id in target { try await db.delete(from: "api_tokens").where("id", .equal, id).run() }
            return target.count
        }
    }

    public func exists(id: String) async throws -> Bool {
        guard let row = try await db.reader.select().columns("expires_at").from("api_tokens").where("id", .equal, id).first() else { return false }
        if let expires = try row.decode(column: "expires_at", as: Int64?.self), expires <= Clock.nowSeconds() { return false }
        return true
    }

    /// The identity a secret stands for, or nil when it is unknown or expired.
    public func identity(forSecret secret: String) async throws -> Identity? {
        guard secret.hasPrefix(Self.secretPrefix), secret.utf8.count == Self.secretPrefix.utf8.count + 64 else { return nil }
        guard let row = try await db.reader.select()
            .columns("id", "owner", "role", "expires_at", "last_used_at").from("api_tokens")
            .where("secret_hash", .equal, Self.hash(secret)).first()
        else { return nil }
        let now = Clock.nowSeconds()
        if let expires = try row.decode(column: "expires_at", as: Int64?.self), expires <= now { return nil }
        guard let role = Role(name: try row.decode(column: "role", as: String.self)) else { return nil }
        let id = try row.decode(column: "id", as: String.self)
        // Recorded at most hourly, so a busy token costs one write an hour, not one per request.
        if (try row.decode(column: "last_used_at", as: Int64?.self) ?? 0) < now - Self.lastUsedResolution {
            try await db.transaction { db in
                try await db.update("api_tokens").set("last_used_at", to: now).where("id", .equal, id).run()
            }
        }
        return Identity(name: try row.decode(column: "owner"), role: role, credential: .token(id: id))
    }

    static func hash(_ secret: String) -> String {
        SHA256.hash(data: Array(secret.utf8)).hexString
    }
}
