import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NoraCore
import Testing

/// The token service, scopes, anonymous access, session persistence and limits.
@Suite struct OCITokenRouterTests {
    // MARK: Token service

    @Test func tokenWithBasicCredentials() async throws {
        try await TestRegistry.run(configure: OCI.auth()) { client, _ in
            let response = try await client.execute(uri: "/v2/token?service=nora&scope=repository:team/app:pull,push", method: .get,
                                                    headers: OCI.admin)
            #expect(response.status == .ok)
            let body = OCI.json(response)
            let token = try #require(body["token"] as? String)
            #expect(body["access_token"] as? String == token)
            #expect((body["expires_in"] as? Int ?? 0) > 0)
            #expect(body["issued_at"] is String)
            let scope = OCI.claims(token)["scope"] as? [String]
            #expect(Set(scope ?? []) == ["repository:team/app:pull", "repository:team/app:push"])

            let bearer: HTTPFields = [.authorization: "Bearer \(token)"]
            #expect(try await client.execute(uri: "/v2/", method: .get, headers: bearer).status == .ok)
            let manifest = try await OCI.pushImage(client, "team/app", headers: bearer)
            let put = try await OCI.putManifest(client, "team/app", "v1", manifest, headers: bearer)
            #expect(put.status == .created)
            #expect(try await client.execute(uri: "/v2/team/app/manifests/v1", method: .get, headers: bearer).status == .ok)

            // The token covers only the repository it names.
            let elsewhere = try await client.execute(uri: "/v2/other/app/blobs/uploads/", method: .post, headers: bearer)
            #expect(elsewhere.status == .unauthorized)
            #expect(OCI.error(elsewhere) == "UNAUTHORIZED")
            #expect(elsewhere.headers[.wwwAuthenticate]?.contains("scope=\"repository:other/app:pull,push\"") == true)
            // Nor the catalog unless asked for.
            #expect(try await client.execute(uri: "/v2/_catalog", method: .get, headers: bearer).status == .unauthorized)
            let catalogToken = try await client.execute(uri: "/v2/token?service=nora&scope=registry:catalog:*", method: .get, headers: OCI.admin)
            let ct = try #require(OCI.json(catalogToken)["token"] as? String)
            #expect(try await client.execute(uri: "/v2/_catalog", method: .get, headers: [.authorization: "Bearer \(ct)"]).status == .ok)

            // A forged token is rejected.
            let forged = try await client.execute(uri: "/v2/", method: .get, headers: [.authorization: "Bearer \(token.dropLast(2))xx"])
            #expect(forged.status == .unauthorized)

            let wrong = try await client.execute(uri: "/v2/token?service=nora&scope=repository:team/app:pull", method: .get,
                                                 headers: [.authorization: TestRegistry.basic("alice", "wrong")])
            #expect(wrong.status == .unauthorized)
            #expect(OCI.error(wrong) == "UNAUTHORIZED")
            let anonymous = try await client.execute(uri: "/v2/token?service=nora&scope=repository:team/app:pull", method: .get)
            #expect(anonymous.status == .unauthorized)
            #expect(OCI.error(anonymous) == "UNAUTHORIZED")
        }
    }

    @Test func readOnlyAPITokenCannotPush() async throws {
        try await TestRegistry.run(configure: OCI.auth()) { client, parts in
            let manifest = try await OCI.pushImage(client, "team/app", headers: OCI.admin)
            _ = try await OCI.putManifest(client, "team/app", "v1", manifest, headers: OCI.admin)
            let (_, reader) = try await parts.tokens.create(name: "ro", owner: "bob", role: .read, expiresInSeconds: nil)

            let response = try await client.execute(uri: "/v2/token?service=nora&scope=repository:team/app:pull,push", method: .get,
                                                    headers: [.authorization: TestRegistry.basic("bob", reader)])
            #expect(response.status == .ok)
            let token = try #require(OCI.json(response)["token"] as? String)
            #expect(OCI.claims(token)["scope"] as? [String] == ["repository:team/app:pull"])
            let bearer: HTTPFields = [.authorization: "Bearer \(token)"]
            #expect(try await client.execute(uri: "/v2/team/app/manifests/v1", method: .get, headers: bearer).status == .ok)
            let push = try await client.execute(uri: "/v2/team/app/blobs/uploads/", method: .post, headers: bearer)
            #expect(push.status == .forbidden)
            #expect(OCI.error(push) == "DENIED")
            let delete = try await client.execute(uri: "/v2/team/app/manifests/v1", method: .delete, headers: bearer)
            #expect(delete.status == .forbidden)
            // The API token used directly (Basic) is refused the same way.
            let direct = try await client.execute(uri: "/v2/team/app/blobs/uploads/", method: .post,
                                                  headers: [.authorization: TestRegistry.basic("bob", reader)])
            #expect(direct.status == .forbidden)
            #expect(OCI.error(direct) == "DENIED")
        }
    }

    @Test func tokenPostPasswordAndRefreshGrants() async throws {
        try await TestRegistry.run(configure: OCI.auth()) { client, _ in
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            let login = try await client.execute(uri: "/v2/token", method: .post, headers: form, body: OCI.form([
                ("grant_type", "password"), ("username", "alice"), ("password", TestRegistry.password),
                ("service", "nora"), ("scope", "repository:team/app:pull,push"), ("client_id", "helm"),
            ]))
            #expect(login.status == .ok)
            let body = OCI.json(login)
            let access = try #require(body["access_token"] as? String)
            let refresh = try #require(body["refresh_token"] as? String)
            #expect(body["token"] as? String == access)
            #expect(body["expires_in"] is Int)
            #expect(try await client.execute(uri: "/v2/team/app/blobs/uploads/", method: .post,
                                             headers: [.authorization: "Bearer \(access)"]).status == .accepted)
            // A refresh token is not an access token.
            #expect(try await client.execute(uri: "/v2/", method: .get, headers: [.authorization: "Bearer \(refresh)"]).status == .unauthorized)

            let renewed = try await client.execute(uri: "/v2/token", method: .post, headers: form, body: OCI.form([
                ("grant_type", "refresh_token"), ("refresh_token", refresh), ("service", "nora"),
                ("scope", "repository:team/app:pull,push"),
            ]))
            #expect(renewed.status == .ok)
            let access2 = try #require(OCI.json(renewed)["access_token"] as? String)
            let pushed = try await OCI.pushBlob(client, "team/app", "via refreshed token", headers: [.authorization: "Bearer \(access2)"])
            #expect(pushed == OCI.digest("via refreshed token"))

            let badPassword = try await client.execute(uri: "/v2/token", method: .post, headers: form, body: OCI.form([
                ("grant_type", "password"), ("username", "alice"), ("password", "wrong"), ("service", "nora"),
            ]))
            #expect(badPassword.status == .unauthorized)
            #expect(OCI.error(badPassword) == "UNAUTHORIZED")
            let badRefresh = try await client.execute(uri: "/v2/token", method: .post, headers: form, body: OCI.form([
                ("grant_type", "refresh_token"), ("refresh_token", access), ("service", "nora"),
            ]))
            #expect(badRefresh.status == .unauthorized)
            #expect(OCI.error(badRefresh) == "UNAUTHORIZED")
            let noGrant = try await client.execute(uri: "/v2/token", method: .post, headers: form, body: OCI.form([("service", "nora")]))
            #expect(noGrant.status == .badRequest)
            _ = OCI.error(noGrant)
        }
    }

    @Test func anonymousTokenGrantsPullOnly() async throws {
        try await TestRegistry.run(configure: OCI.auth(anonymousRead: true)) { client, _ in
            let manifest = try await OCI.pushImage(client, "team/app", headers: OCI.admin)
            _ = try await OCI.putManifest(client, "team/app", "v1", manifest, headers: OCI.admin)

            // `/v2/` still challenges, so clients fetch a token; reads work without one.
            let base = try await client.execute(uri: "/v2/", method: .get)
            #expect(base.status == .unauthorized)
            #expect(base.headers[.wwwAuthenticate]?.hasPrefix("Bearer realm=") == true)
            #expect(try await client.execute(uri: "/v2/team/app/manifests/v1", method: .get).status == .ok)
            let anonymousPush = try await client.execute(uri: "/v2/team/app/blobs/uploads/", method: .post)
            #expect(anonymousPush.status == .unauthorized)
            #expect(anonymousPush.headers[.wwwAuthenticate]?.hasPrefix("Bearer ") == true)

            let response = try await client.execute(uri: "/v2/token?service=nora&scope=repository:team/app:pull,push", method: .get)
            #expect(response.status == .ok)
            let token = try #require(OCI.json(response)["token"] as? String)
            #expect(OCI.claims(token)["scope"] as? [String] == ["repository:team/app:pull"])
            let bearer: HTTPFields = [.authorization: "Bearer \(token)"]
            #expect(try await client.execute(uri: "/v2/", method: .get, headers: bearer).status == .ok)
            #expect(try await client.execute(uri: "/v2/team/app/manifests/v1", method: .get, headers: bearer).status == .ok)
            let push = try await client.execute(uri: "/v2/team/app/blobs/uploads/", method: .post, headers: bearer)
            #expect(push.status == .forbidden || push.status == .unauthorized)
            let code = OCI.error(push)
            #expect(code == "DENIED" || code == "UNAUTHORIZED")
        }
    }

    /// skopeo (containers/image) asks for `repository:<name>:*` when it deletes.
    @Test func wildcardScopeMeansWhatTheIdentityMayDo() async throws {
        try await TestRegistry.run(configure: OCI.auth()) { client, parts in
            let manifest = try await OCI.pushImage(client, "team/app", headers: OCI.admin)
            _ = try await OCI.putManifest(client, "team/app", "v1", manifest, headers: OCI.admin)
            _ = try await OCI.putManifest(client, "team/app", "v2", manifest, headers: OCI.admin)
            let scope = "/v2/token?service=nora&scope=repository:team/app:*"

            let adminToken = try await client.execute(uri: scope, method: .get, headers: OCI.admin)
            let adminJWT = try #require(OCI.json(adminToken)["token"] as? String)
            #expect(OCI.claims(adminJWT)["scope"] as? [String] == ["repository:team/app:*"])

            let (_, writer) = try await parts.tokens.create(name: "rw", owner: "ci", role: .write, expiresInSeconds: nil)
            let writerToken = try await client.execute(uri: scope, method: .get, headers: [.authorization: TestRegistry.basic("ci", writer)])
            let writerJWT = try #require(OCI.json(writerToken)["token"] as? String)
            #expect(OCI.claims(writerJWT)["scope"] as? [String]
                    == ["repository:team/app:pull", "repository:team/app:push", "repository:team/app:delete"])
            let bearer: HTTPFields = [.authorization: "Bearer \(writerJWT)"]
            #expect(try await client.execute(uri: "/v2/team/app/manifests/v1", method: .get, headers: bearer).status == .ok)
            #expect(try await client.execute(uri: "/v2/team/app/manifests/v1", method: .delete, headers: bearer).status == .accepted)

            let (_, reader) = try await parts.tokens.create(name: "ro", owner: "bob", role: .read, expiresInSeconds: nil)
            let readerToken = try await client.execute(uri: scope, method: .get, headers: [.authorization: TestRegistry.basic("bob", reader)])
            let readerJWT = try #require(OCI.json(readerToken)["token"] as? String)
            #expect(OCI.claims(readerJWT)["scope"] as? [String] == ["repository:team/app:pull"])
            let denied = try await client.execute(uri: "/v2/team/app/manifests/v2", method: .delete, headers: [.authorization: "Bearer \(readerJWT)"])
            #expect(denied.status == .forbidden)
            #expect(OCI.error(denied) == "DENIED")
        }
    }

    @Test func uploadSessionSurvivesRestart() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nora-oci-restart-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let sameFolder: (inout NoraConfig) -> Void = { $0.storage.path = "\(root)/storage" }
        let box = LocationBox()
        // Both runs open the same database, as a restarted server does.
        try await TestRegistry.withDatabase(root: root) { url in
            try await TestRegistry.run(databaseURL: url, configure: sameFolder) { client, _ in
                let location = try await OCI.startSession(client, "team/app")
                let patch = try await client.execute(uri: location, method: .patch, body: ByteBuffer(string: "before restart, "))
                #expect(patch.status == .accepted)
                box.set(location)
            }
            let location = try #require(box.get())
            try await TestRegistry.run(databaseURL: url, configure: sameFolder) { client, _ in
                let status = try await client.execute(uri: location, method: .get)
                #expect(status.status == .noContent)
                #expect(status.headers[OCI.range] == "0-15")
                let d = OCI.digest("before restart, after restart")
                let done = try await client.execute(uri: "\(location)?digest=\(d)", method: .put, body: ByteBuffer(string: "after restart"))
                #expect(done.status == .created)
                #expect(try await client.execute(uri: "/v2/team/app/blobs/\(d)", method: .get).text == "before restart, after restart")
            }
        }
    }

    @Test func tooManyUploadSessions() async throws {
        try await TestRegistry.run { client, _ in
            for _ in 0..<1000 {
                let started = try await client.execute(uri: "/v2/team/app/blobs/uploads/", method: .post)
                guard started.status == .accepted else { Issue.record("session refused early: \(started.status)"); return }
            }
            let refused = try await client.execute(uri: "/v2/team/app/blobs/uploads/", method: .post)
            #expect(refused.status == .tooManyRequests)
            #expect(OCI.error(refused) == "TOOMANYREQUESTS")
            #expect(refused.headers[.retryAfter] != nil)
            // Monolithic uploads and mounts need no session.
            let d = OCI.digest("still fine")
            let mono = try await client.execute(uri: "/v2/team/app/blobs/uploads/?digest=\(d)", method: .post, body: ByteBuffer(string: "still fine"))
            #expect(mono.status == .created)
        }
    }

    @Test func anonymousPullRefusedWhenNotConfigured() async throws {
        try await TestRegistry.run(configure: OCI.auth()) { client, _ in
            let manifest = try await OCI.pushImage(client, "team/app", headers: OCI.admin)
            _ = try await OCI.putManifest(client, "team/app", "v1", manifest, headers: OCI.admin)
            let pull = try await client.execute(uri: "/v2/team/app/manifests/v1", method: .get)
            #expect(pull.status == .unauthorized)
            #expect(OCI.error(pull) == "UNAUTHORIZED")
            let blob = try await client.execute(uri: "/v2/team/app/blobs/\(OCI.digest("layer bytes 1"))", method: .get)
            #expect(blob.status == .unauthorized)
            let tags = try await client.execute(uri: "/v2/team/app/tags/list", method: .get)
            #expect(tags.status == .unauthorized)
            let catalog = try await client.execute(uri: "/v2/_catalog", method: .get)
            #expect(catalog.status == .unauthorized)
            #expect(OCI.error(catalog) == "UNAUTHORIZED")
            // Basic directly on /v2/ is accepted.
            #expect(try await client.execute(uri: "/v2/team/app/manifests/v1", method: .get, headers: OCI.admin).status == .ok)
        }
    }
}
