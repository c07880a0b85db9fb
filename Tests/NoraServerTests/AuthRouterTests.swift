import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import NoraCore
import Testing

@Suite struct AuthRouterTests {
    static func enabled(anonymousRead: Bool = false) -> (inout NoraConfig) -> Void {
        { $0.auth.enabled = true; $0.auth.anonymousRead = anonymousRead }
    }

    @Test func authOffAllowsEverything() async throws {
        try await TestRegistry.run { client, _ in
            let put = try await client.execute(uri: "/raw/x", method: .put, body: ByteBuffer(string: "x"))
            #expect(put.status == .created)
            let get = try await client.execute(uri: "/raw/x", method: .get)
            #expect(get.status == .ok)
        }
    }

    @Test func authOnNeedsCredentials() async throws {
        try await TestRegistry.run(configure: Self.enabled()) { client, _ in
            let anonymous = try await client.execute(uri: "/raw/x", method: .get)
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.headers[.wwwAuthenticate]?.hasPrefix("Basic realm=") == true)
            let wrong = try await client.execute(uri: "/raw/x", method: .put, headers: [.authorization: TestRegistry.basic("alice", "nope")],
                                                 body: ByteBuffer(string: "x"))
            #expect(wrong.status == .unauthorized)
            let good = try await client.execute(uri: "/raw/x", method: .put, headers: [.authorization: TestRegistry.basic("alice", TestRegistry.password)],
                                                body: ByteBuffer(string: "x"))
            #expect(good.status == .created)
            // Probes stay public.
            #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/ready", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/metrics", method: .get).status == .unauthorized)
        }
    }

    @Test func anonymousReadOpensReadsOnly() async throws {
        try await TestRegistry.run(configure: Self.enabled(anonymousRead: true)) { client, _ in
            _ = try await client.execute(uri: "/raw/x", method: .put, headers: [.authorization: TestRegistry.basic("alice", TestRegistry.password)],
                                         body: ByteBuffer(string: "x"))
            #expect(try await client.execute(uri: "/raw/x", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/raw/x", method: .put, body: ByteBuffer(string: "y")).status == .unauthorized)
            #expect(try await client.execute(uri: "/raw/x", method: .delete).status == .unauthorized)
        }
    }

    @Test func tokenRoles() async throws {
        try await TestRegistry.run(configure: Self.enabled()) { client, parts in
            let (_, reader) = try await parts.tokens.create(name: "ro", owner: "bob", role: .read, expiresInSeconds: nil)
            let (writerToken, writer) = try await parts.tokens.create(name: "rw", owner: "ci", role: .write, expiresInSeconds: nil)
            let denied = try await client.execute(uri: "/raw/t", method: .put, headers: [.authorization: "Bearer \(reader)"], body: ByteBuffer(string: "x"))
            #expect(denied.status == .forbidden)
            let allowed = try await client.execute(uri: "/raw/t", method: .put, headers: [.authorization: "Bearer \(writer)"], body: ByteBuffer(string: "x"))
            #expect(allowed.status == .created)
            let basicToken = try await client.execute(uri: "/raw/t", method: .get, headers: [.authorization: TestRegistry.basic("anyone", reader)])
            #expect(basicToken.status == .ok)
            // Only admins manage tokens.
            #expect(try await client.execute(uri: "/api/tokens", method: .get, headers: [.authorization: "Bearer \(writer)"]).status == .forbidden)
            _ = try await parts.tokens.revoke(writerToken.id)
            let revoked = try await client.execute(uri: "/raw/t", method: .put, headers: [.authorization: "Bearer \(writer)"], body: ByteBuffer(string: "y"))
            #expect(revoked.status == .unauthorized)
        }
    }

    @Test func tokenAPIForAdmins() async throws {
        try await TestRegistry.run(configure: Self.enabled()) { client, _ in
            let admin: HTTPFields = [.authorization: TestRegistry.basic("alice", TestRegistry.password), .contentType: "application/json"]
            let created = try await client.execute(uri: "/api/tokens", method: .post, headers: admin,
                                                   body: ByteBuffer(string: #"{"name":"deploy","role":"write","expires":"30d"}"#))
            #expect(created.status == .created)
            struct Created: Decodable { let id: String; let token: String; let role: String; let owner: String; let expires_at: Int64? }
            let token = try JSONDecoder().decode(Created.self, from: Data(created.text.utf8))
            #expect(token.token.hasPrefix("nora_") && token.role == "write" && token.owner == "alice" && token.expires_at != nil)
            let listed = try await client.execute(uri: "/api/tokens", method: .get, headers: admin)
            #expect(listed.text.contains("deploy") && !listed.text.contains(token.token))
            let bad = try await client.execute(uri: "/api/tokens", method: .post, headers: admin, body: ByteBuffer(string: #"{"name":"x","role":"root"}"#))
            #expect(bad.status == .badRequest)
            #expect(try await client.execute(uri: "/api/tokens/\(token.id)", method: .delete, headers: admin).status == .noContent)
            #expect(try await client.execute(uri: "/api/tokens/\(token.id)", method: .delete, headers: admin).status == .notFound)
        }
    }

    @Test func failedLoginsAreRateLimited() async throws {
        try await TestRegistry.run(configure: {
            $0.auth.enabled = true
            $0.rateLimit.enabled = true
            $0.rateLimit.auth = .init(rps: 0.01, burst: 2)
        }) { client, _ in
            let wrong: HTTPFields = [.authorization: TestRegistry.basic("alice", "bad")]
            #expect(try await client.execute(uri: "/raw/x", method: .get, headers: wrong).status == .unauthorized)
            #expect(try await client.execute(uri: "/raw/x", method: .get, headers: wrong).status == .unauthorized)
            let limited = try await client.execute(uri: "/raw/x", method: .get, headers: [.authorization: TestRegistry.basic("alice", TestRegistry.password)])
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter] != nil)
        }
    }
}
