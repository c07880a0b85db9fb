import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import HummingbirdTesting
import NoraCore
import NoraServer
@testable import NoraWeb
import Testing

/// The UI, the management API and the activity log over the production router.
@Suite struct WebRouterTests {
    static let json: HTTPFields = [.contentType: "application/json"]

    @Test func packagesAppearInTheAPIAndThePagesWithEverythingEscaped() async throws {
        try await WebTest.run { client, parts in
            let evil = "<script>alert(1)</script>"
            let put = try await client.execute(uri: "/npm/evil-pkg", method: .put, headers: Self.json,
                                               body: WebTest.npmPublish("evil-pkg", "1.0.0", description: evil))
            #expect(put.status == .created)
            let page = try await client.execute(uri: "/api/packages?format=npm", method: .get)
            #expect(page.status == .ok)
            let items = WebTest.json(page)["items"] as? [[String: Any]] ?? []
            #expect(items.map { $0["name"] as? String } == ["evil-pkg"])
            #expect(items.first?["description"] as? String == evil)

            let detail = WebTest.json(try await client.execute(uri: "/api/packages/npm/evil-pkg", method: .get))
            #expect((detail["dependencies"] as? [String]) == ["left-pad ^1.0.0"])
            #expect((detail["install"] as? [[String: Any]])?.first?["text"] as? String == "npm install evil-pkg --registry http://localhost/npm/")
            #expect((detail["tags"] as? [String: String]) == ["latest": "1.0.0"])

            for uri in ["/ui/npm/evil-pkg", "/ui/npm", "/ui/search?q=evil"] {
                let html = try await client.execute(uri: uri, method: .get)
                #expect(html.status == .ok, "\(uri)")
                #expect(!html.text.contains("<script>alert"), "\(uri) must escape")
                #expect(html.headers[HTTPField.Name("Content-Security-Policy")!] != nil)
            }
            let packagePage = try await client.execute(uri: "/ui/npm/evil-pkg", method: .get).text
            #expect(packagePage.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(packagePage.contains("npm install evil-pkg --registry"))

            let missing = try await client.execute(uri: "/api/packages/npm/nope", method: .get)
            #expect(missing.status == .notFound)
            #expect(WebTest.json(missing)["error"] is String)
            let badFormat = try await client.execute(uri: "/api/packages?format=nuget", method: .get)
            #expect(badFormat.status == .badRequest)
            let badLimit = try await client.execute(uri: "/api/packages?limit=abc", method: .get)
            #expect(badLimit.status == .badRequest)
            _ = parts
        }
    }

    @Test func activityIsRecordedBatchedAndListed() async throws {
        try await WebTest.run { client, parts in
            let body = ByteBuffer(string: "hello")
            #expect(try await client.execute(uri: "/raw/docs/a.txt", method: .put, body: body).status == .created)
            for _ in 0..<3 { #expect(try await client.execute(uri: "/raw/docs/a.txt", method: .get).status == .ok) }
            #expect(try await client.execute(uri: "/raw/docs/missing.txt", method: .get).status == .notFound)
            await parts.activity.flush()
            let events = WebTest.json(try await client.execute(uri: "/api/activity?format=raw", method: .get))["items"] as? [[String: Any]] ?? []
            // Newest first; three downloads from one client in one hour are one event; the 404 is none.
            #expect(events.map { $0["kind"] as? String } == ["download", "publish"])
            #expect(events.allSatisfy { $0["name"] as? String == "docs/a.txt" })
            let stats = WebTest.json(try await client.execute(uri: "/api/stats", method: .get))
            let raw = (stats["formats"] as? [[String: Any]])?.first { $0["format"] as? String == "raw" }
            #expect(raw?["packages"] as? Int == 1)
            #expect(raw?["bytes"] as? Int == 5)
            let dashboard = try await client.execute(uri: "/ui/", method: .get)
            #expect(dashboard.status == .ok)
            #expect(dashboard.text.contains("docs/a.txt"))
        }
    }

    @Test func retentionKeepsTheNewestEvents() async throws {
        try await WebTest.run { _, parts in
            let store = ActivityStore(db: parts.db)
            let now = Clock.nowMillis()
            try await store.insert((0..<10).map { ActivityEvent(at: now - Int64(10 - $0) * 1000, kind: .publish, format: "raw", name: "f\($0)") }
                + [ActivityEvent(at: now - 90 * 86_400_000, kind: .publish, format: "raw", name: "ancient")])
            let removed = try await store.prune(nowMillis: now, maxAgeMillis: 86_400_000, maxCount: 4)
            #expect(removed == 7)
            #expect(try await store.recent(format: nil, before: nil, limit: 50).map(\.name) == ["f9", "f8", "f7", "f6"])
        }
    }

    @Test func loginSessionCSRFAndTokens() async throws {
        try await WebTest.run(configure: { $0.auth.enabled = true }) { client, _ in
            // Anonymous: the UI sends to the login form, the API answers 401 in its JSON shape.
            let home = try await client.execute(uri: "/ui/npm", method: .get)
            #expect(home.status == .seeOther)
            #expect(home.headers[.location] == "/ui/login?next=%2Fui%2Fnpm")
            #expect(try await client.execute(uri: "/api/packages", method: .get).status == .unauthorized)
            let form = try await client.execute(uri: "/ui/login", method: .get)
            let csrfCookie = try #require(form.headers[values: .setCookie].first { $0.hasPrefix("nora_csrf=") })
            #expect(csrfCookie.contains("HttpOnly") && csrfCookie.contains("SameSite=Strict"))
            let csrf = String(csrfCookie.dropFirst("nora_csrf=".count).prefix(32))
            let formType: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .cookie: "nora_csrf=\(csrf)"]
            // Without the token: refused, and no session.
            let forged = try await client.execute(uri: "/ui/login", method: .post, headers: formType,
                                                  body: ByteBuffer(string: "username=admin&password=\(WebTest.password)"))
            #expect(forged.status == .forbidden)
            #expect(forged.headers[.setCookie] == nil)
            let wrong = try await client.execute(uri: "/ui/login", method: .post, headers: formType,
                                                 body: ByteBuffer(string: "_csrf=\(csrf)&username=admin&password=nope"))
            #expect(wrong.status == .unauthorized)
            let ok = try await client.execute(uri: "/ui/login?next=%2Fui%2Ftokens", method: .post, headers: formType,
                                              body: ByteBuffer(string: "_csrf=\(csrf)&username=admin&password=\(WebTest.password)"))
            #expect(ok.status == .seeOther)
            #expect(ok.headers[.location] == "/ui/tokens")
            let sessionCookie = try #require(ok.headers[.setCookie])
            #expect(sessionCookie.contains("HttpOnly") && sessionCookie.contains("SameSite=Strict") && sessionCookie.contains("Path=/"))
            let session = String(sessionCookie.split(separator: ";")[0])
            let tokensPage = try await client.execute(uri: "/ui/tokens", method: .get, headers: [.cookie: session])
            #expect(tokensPage.status == .ok)
            let token = try #require(tokensPage.text.range(of: "name=\"_csrf\" value=\"").map { tokensPage.text[$0.upperBound...].prefix(32) })
            let sessionForm: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .cookie: session]
            let noToken = try await client.execute(uri: "/ui/tokens", method: .post, headers: sessionForm, body: ByteBuffer(string: "name=ci&role=read"))
            #expect(noToken.status == .forbidden)
            let created = try await client.execute(uri: "/ui/tokens", method: .post, headers: sessionForm,
                                                   body: ByteBuffer(string: "_csrf=\(token)&name=ci&role=write&expires=1d"))
            #expect(created.status == .created)
            #expect(created.text.contains("nora_"))
            // The session reads the API too (GET only); the token list shows the new token.
            let list = try await client.execute(uri: "/api/packages", method: .get, headers: [.cookie: session])
            #expect(list.status == .ok)
            let tokens = try await client.execute(uri: "/api/tokens", method: .get,
                                                  headers: [.authorization: WebTest.basic("admin", WebTest.password)])
            let id = try #require((try JSONSerialization.jsonObject(with: Data(tokens.text.utf8)) as? [[String: Any]])?.first?["id"] as? String)
            let revoked = try await client.execute(uri: "/ui/tokens/revoke", method: .post, headers: sessionForm,
                                                   body: ByteBuffer(string: "_csrf=\(token)&id=\(id)"))
            #expect(revoked.status == .seeOther)
            #expect(!(try await client.execute(uri: "/ui/tokens", method: .get, headers: [.cookie: session]).text.contains(">ci<")))
        }
    }

    @Test func publicWebUILetsVisitorsRead() async throws {
        try await WebTest.run(configure: { $0.auth.enabled = true; $0.auth.publicWebUI = true }) { client, _ in
            let browse = try await client.execute(uri: "/ui/npm", method: .get)
            let stats = try await client.execute(uri: "/api/stats", method: .get)
            let tokens = try await client.execute(uri: "/ui/tokens", method: .get)
            #expect(browse.status == .ok)
            #expect(stats.status == .ok)
            #expect(tokens.status == .seeOther)
        }
    }

    @Test func openAPIDocumentMatchesTheRouter() async throws {
        try await WebTest.run { client, parts in
            let router = NoraApp.router(parts: parts, users: WebTest.users)
            let routes = Set(router.routes.map { "\($0.method) \(Self.normalized("\($0.path)"))" })
            let documented = Set(OpenAPIDocument.operations.map { "\($0.method) \(Self.normalized($0.route))" })
            #expect(routes.subtracting(documented).sorted() == [], "routes missing from the OpenAPI document")
            #expect(documented.subtracting(routes).sorted() == [], "documented operations with no route")
            let doc = try await client.execute(uri: "/api-docs/openapi.json", method: .get)
            let object = WebTest.json(doc)
            #expect(object["openapi"] as? String == "3.1.0")
            #expect((object["paths"] as? [String: Any])?["/api/packages/{format}/{name}"] != nil)
            let explorer = try await client.execute(uri: "/swagger-ui/", method: .get)
            #expect(explorer.status == .ok)
            #expect(explorer.text.contains("/api/activity"))
        }
    }

    /// `/a/:x/**/` and `/a/{x}/**` compare equal.
    static func normalized(_ path: String) -> String {
        "/" + path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
    }
}
