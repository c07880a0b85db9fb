import Foundation
import NoraAuth
import NoraCore
import NoraMetadata
import NoraMetadataTesting
import SQLKit
import Testing

/// A migrated metadata database in a fresh temporary folder, removed afterwards.
func withTokenDatabase<T>(_ body: (MetadataDatabase, TokenStore) async throws -> T) async throws -> T {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nora-auth-tests-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    return try await TestDatabase.withFresh(folder: folder.path) { db in
        try await db.migrate(TokenStore.migrations)
        return try await body(db, TokenStore(db: db))
    }
}

@Suite struct TokenStoreTests {
    @Test func createReturnsPrefixedSecretAndFindsItsIdentity() async throws {
        try await withTokenDatabase { _, store async throws in
            let (token, secret) = try await store.create(name: "ci", owner: "alice", role: .write, expiresInSeconds: nil)
            #expect(secret.hasPrefix("nora_"))
            #expect(secret.hasPrefix(TokenStore.secretPrefix))
            #expect(secret.count == 5 + 64)
            #expect(secret.dropFirst(5).allSatisfy { $0.isHexDigit && !$0.isUppercase })
            #expect(token.name == "ci")
            #expect(token.owner == "alice")
            #expect(token.role == "write")
            #expect(token.expiresAt == nil)
            #expect(token.lastUsedAt == nil)
            #expect(abs(token.createdAt - Clock.nowSeconds()) <= 5)
            #expect(!token.id.isEmpty)

            let identity = try await store.identity(forSecret: secret)
            #expect(identity == Identity(name: "alice", role: .write, credential: .token(id: token.id)))
        }
    }

    @Test(arguments: Role.allCases)
    func roleIsKept(_ role: Role) async throws {
        try await withTokenDatabase { _, store async throws in
            let (_, secret) = try await store.create(name: "t-\(role)", owner: "bob", role: role, expiresInSeconds: 3600)
            #expect(try await store.identity(forSecret: secret)?.role == role)
        }
    }

    @Test func secretsAndIdsAreUnique() async throws {
        try await withTokenDatabase { _, store async throws in
            var secrets = Set<String>(), ids = Set<String>()
            for i in 0..<20 {
                let (token, secret) = try await store.create(name: "t\(i)", owner: "o", role: .read, expiresInSeconds: nil)
                secrets.insert(secret); ids.insert(token.id)
            }
            #expect(secrets.count == 20)
            #expect(ids.count == 20)
        }
    }

    @Test func unknownOrGarbledSecretsHaveNoIdentity() async throws {
        try await withTokenDatabase { _, store async throws in
            let (_, secret) = try await store.create(name: "ci", owner: "alice", role: .admin, expiresInSeconds: nil)
            let hex = String(secret.dropFirst(5))
            let flipped = String(hex.dropLast()) + (hex.last == "0" ? "1" : "0")
            let candidates = [
                "", "nora_", "nora_abc", hex, "NORA_" + hex, "nora_" + hex.uppercased(),
                "nora_" + flipped, secret + "0", String(secret.dropLast()), " " + secret,
                "nora_" + String(repeating: "0", count: 64), "nora_" + String(repeating: "z", count: 64),
                "bearer " + secret,
            ]
            for candidate in candidates {
                #expect(try await store.identity(forSecret: candidate) == nil, "\(candidate)")
            }
            // The real secret still works.
            #expect(try await store.identity(forSecret: secret) != nil)
        }
    }

    @Test func expiredTokensHaveNoIdentity() async throws {
        try await withTokenDatabase { _, store async throws in
            let (past, pastSecret) = try await store.create(name: "past", owner: "a", role: .read, expiresInSeconds: -60)
            #expect(past.expiresAt.map { $0 < Clock.nowSeconds() } == true)
            #expect(try await store.identity(forSecret: pastSecret) == nil)

            let (_, nowSecret) = try await store.create(name: "now", owner: "a", role: .read, expiresInSeconds: 0)
            #expect(try await store.identity(forSecret: nowSecret) == nil)

            let (future, futureSecret) = try await store.create(name: "future", owner: "a", role: .read, expiresInSeconds: 3600)
            #expect(future.expiresAt == future.createdAt + 3600)
            #expect(try await store.identity(forSecret: futureSecret)?.name == "a")
        }
    }

    @Test func tokenExpiresAfterItsLifetime() async throws {
        try await withTokenDatabase { _, store async throws in
            // Valid while the wall clock (whole seconds) is before created_at + 5: the first check
            // passes unless this test stalls for 4 s (a 2-s lifetime failed on a loaded CI host).
            let (token, secret) = try await store.create(name: "short", owner: "a", role: .read, expiresInSeconds: 5)
            #expect(try await store.identity(forSecret: secret)?.credential == .token(id: token.id))
            try await Task.sleep(for: .milliseconds(5100))
            #expect(try await store.identity(forSecret: secret) == nil)
            #expect(try await store.list().map(\.id) == [token.id])   // expired, not deleted
        }
    }

    @Test func listShowsTokensWithoutSecrets() async throws {
        try await withTokenDatabase { _, store async throws in
            #expect(try await store.list().isEmpty)
            let (a, secretA) = try await store.create(name: "a", owner: "alice", role: .read, expiresInSeconds: nil)
            let (b, secretB) = try await store.create(name: "b", owner: "bob", role: .admin, expiresInSeconds: 60)
            let listed = try await store.list()
            #expect(listed.count == 2)
            #expect(Set(listed.map(\.id)) == [a.id, b.id])
            #expect(listed.first { $0.id == a.id } == a)
            #expect(listed.first { $0.id == b.id } == b)
            // Sorted by creation time, then id.
            #expect(listed == listed.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) })
            let json = String(decoding: try JSONEncoder().encode(listed), as: UTF8.self)
            #expect(!json.contains(secretA))
            #expect(!json.contains(String(secretA.dropFirst(5))))
            #expect(!json.contains(String(secretB.dropFirst(5))))
        }
    }

    @Test func storedHashIsNotTheSecret() async throws {
        try await withTokenDatabase { db, store async throws in
            let (token, secret) = try await store.create(name: "ci", owner: "alice", role: .write, expiresInSeconds: nil)
            let row = try #require(try await db.reader.select().column("secret_hash").from("api_tokens")
                .where("id", .equal, token.id).first())
            let stored = try row.decode(column: "secret_hash", as: String.self)
            #expect(stored != secret)
            #expect(!stored.contains(String(secret.dropFirst(5))))
            #expect(!secret.contains(stored))
            #expect(stored == Digest.of(Array(secret.utf8)).hex)
            // No column holds the secret in clear.
            let rows = try await db.reader.raw("SELECT * FROM api_tokens").all()
            for row in rows {
                for column in row.allColumns {
                    if let text = try? row.decode(column: column, as: String?.self) {
                        #expect(!text.contains(String(secret.dropFirst(5))), "column \(column)")
                    }
                }
            }
        }
    }

    @Test func revokeById() async throws {
        try await withTokenDatabase { _, store async throws in
            let (token, secret) = try await store.create(name: "ci", owner: "alice", role: .write, expiresInSeconds: nil)
            let (_, other) = try await store.create(name: "other", owner: "alice", role: .write, expiresInSeconds: nil)
            #expect(try await store.revoke(token.id) == 1)
            #expect(try await store.identity(forSecret: secret) == nil)
            #expect(try await store.identity(forSecret: other) != nil)
            #expect(try await store.list().map(\.name) == ["other"])
            #expect(try await store.revoke(token.id) == 0)
        }
    }

    @Test func revokeByUniqueName() async throws {
        try await withTokenDatabase { _, store async throws in
            let (_, secret) = try await store.create(name: "deploy", owner: "alice", role: .write, expiresInSeconds: nil)
            #expect(try await store.revoke("deploy") == 1)
            #expect(try await store.identity(forSecret: secret) == nil)
            #expect(try await store.list().isEmpty)
        }
    }

    @Test func revokeUnknownRemovesNothing() async throws {
        try await withTokenDatabase { _, store async throws in
            _ = try await store.create(name: "keep", owner: "alice", role: .read, expiresInSeconds: nil)
            #expect(try await store.revoke("nope") == 0)
            #expect(try await store.revoke("") == 0)
            #expect(try await store.list().count == 1)
        }
    }

    @Test func revokeByAmbiguousNameIsAConflictAndRemovesNothing() async throws {
        try await withTokenDatabase { _, store async throws in
            let (first, s1) = try await store.create(name: "dup", owner: "alice", role: .read, expiresInSeconds: nil)
            let (_, s2) = try await store.create(name: "dup", owner: "bob", role: .read, expiresInSeconds: nil)
            let error = await #expect(throws: AppError.self) { try await store.revoke("dup") }
            #expect(error?.kind == .conflict)
            #expect(try await store.identity(forSecret: s1) != nil)
            #expect(try await store.identity(forSecret: s2) != nil)
            // By id, one of the two goes.
            #expect(try await store.revoke(first.id) == 1)
            #expect(try await store.identity(forSecret: s1) == nil)
            #expect(try await store.identity(forSecret: s2) != nil)
            // Now the name is unique again.
            #expect(try await store.revoke("dup") == 1)
            #expect(try await store.list().isEmpty)
        }
    }

    @Test func invalidNamesAreRefused() async throws {
        try await withTokenDatabase { _, store async throws in
            for name in ["", String(repeating: "n", count: 101)] {
                let error = await #expect(throws: AppError.self) {
                    try await store.create(name: name, owner: "alice", role: .read, expiresInSeconds: nil)
                }
                #expect(error?.kind == .badRequest)
            }
            #expect(try await store.list().isEmpty)
            _ = try await store.create(name: String(repeating: "n", count: 100), owner: "alice", role: .read, expiresInSeconds: nil)
            #expect(try await store.list().count == 1)
        }
    }

    @Test func migrationsAreIdempotent() async throws {
        try await withTokenDatabase { db, store async throws in
            let (_, secret) = try await store.create(name: "ci", owner: "alice", role: .read, expiresInSeconds: nil)
            try await db.migrate(TokenStore.migrations)
            #expect(try await store.identity(forSecret: secret) != nil)
        }
    }
}
