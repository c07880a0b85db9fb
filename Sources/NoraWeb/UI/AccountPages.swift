import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NoraAuth
import NoraCore

/// Login, logout and the admins' tokens page.
extension WebUI {
    func loginPage(_ request: Request, _ context: NoraRequestContext, error: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let viewer = try await web.access.viewer(request, context)
        guard web.settings.policy.authEnabled else { return Response(status: .seeOther, headers: [.location: "/ui/"]) }
        let next = WebUI.safeNext(request.uri.queryParameters["next"].map(String.init))
        return layout(viewer).page(title: "Log in", current: "login", status: status) { h in
            h.element("h1", "Log in")
            if let error { h.raw("<p class=\"notice error\" role=\"alert\">"); h.text(error); h.raw("</p>") }
            h.raw("<form method=\"post\" action=\"/ui/login?next="); h.text(URLText.query(next)); h.raw("\">")
            layout(viewer).csrfField(&h)
            h.raw("<p><label for=\"username\">User name</label><input id=\"username\" name=\"username\" autocomplete=\"username\" required></p>")
            h.raw("<p><label for=\"password\">Password or API token</label>")
            h.raw("<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required></p>")
            h.raw("<p><button type=\"submit\">Log in</button></p></form>")
        }
    }

    func login(_ request: Request, _ context: NoraRequestContext) async throws -> Response {
        let viewer = try await web.access.viewer(request, context)
        let form = try await FormData.read(request)
        try Self.checkCSRF(form, viewer)
        let user = form["username"] ?? "", password = form["password"] ?? ""
        guard web.settings.policy.authEnabled else { return Response(status: .seeOther, headers: [.location: "/ui/"]) }
        switch try await web.authenticator.authenticate(user: user, password: password, client: context.clientAddress) {
        case .identified(let identity):
            let (cookie, _) = try await web.access.sessions.create(for: identity)
            context.annotations.userName = identity.name
            let next = WebUI.safeNext(request.uri.queryParameters["next"].map(String.init))
            return Response(status: .seeOther, headers: [
                .location: next, .cacheControl: "no-store",
                .setCookie: web.access.setCookie(WebAccess.sessionCookie, cookie, maxAge: SessionStore.lifetimeSeconds),
            ])
        case .anonymous, .rejected:
            context.annotations.note(ActivityNote(.loginFailure, nil, name: String(user.prefix(100))))
            return try await loginPage(request, context, error: "Wrong user name or password.", status: .unauthorized)
        }
    }

    func logout(_ request: Request, _ context: NoraRequestContext) async throws -> Response {
        let viewer = try await web.access.viewer(request, context)
        try Self.checkCSRF(try await FormData.read(request), viewer)
        if let cookie = viewer.sessionCookie { try await web.access.sessions.delete(cookie: cookie) }
        return Response(status: .seeOther, headers: [
            .location: "/ui/", .setCookie: web.access.setCookie(WebAccess.sessionCookie, "", maxAge: 0),
        ])
    }

    /// The tokens page; `created` carries a new token's secret, shown once in this response only.
    func tokensPage(_ request: Request, _ context: NoraRequestContext, created: (name: String, secret: String)?,
                    error: String? = nil) async throws -> Response {
        let viewer = try await web.access.viewer(request, context)
        guard web.access.may(.admin, viewer) else { return refuse(request, viewer) }
        let tokens = try await web.tokens.list()
        let layout = layout(viewer)
        return layout.page(title: "Tokens", current: "tokens", status: created != nil ? .created : (error != nil ? .badRequest : .ok)) { h in
            h.element("h1", "API tokens")
            if let created {
                h.raw("<div class=\"notice\" role=\"status\"><p>Token <strong>"); h.text(created.name)
                h.raw("</strong> created. Copy it now: it is not shown again.</p><div class=\"snippet-body\"><pre data-copy id=\"new-token\"><code>")
                h.text(created.secret); h.raw("</code></pre></div></div>")
            }
            if let error { h.raw("<p class=\"notice error\" role=\"alert\">"); h.text(error); h.raw("</p>") }
            h.raw("<h2>Create a token</h2><form class=\"inline\" method=\"post\" action=\"/ui/tokens\">")
            layout.csrfField(&h)
            h.raw("<div><label for=\"token-name\">Name</label><input id=\"token-name\" name=\"name\" required maxlength=\"100\"></div>")
            h.raw("<div><label for=\"token-role\">Role</label><select id=\"token-role\" name=\"role\">")
            h.raw("<option value=\"read\">read</option><option value=\"write\">write</option><option value=\"admin\">admin</option></select></div>")
            h.raw("<div><label for=\"token-expires\">Expires after (e.g. 30d; empty: never)</label><input id=\"token-expires\" name=\"expires\" size=\"8\"></div>")
            h.raw("<button type=\"submit\">Create</button></form>")
            h.raw("<h2>Tokens</h2>")
            guard !tokens.isEmpty else { h.element("p", "No tokens yet.", [("class", "muted")]); return }
            h.raw("<div class=\"table-wrap\"><table><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Role</th>")
            h.raw("<th scope=\"col\" class=\"hide-narrow\">Owner</th><th scope=\"col\">Expires</th><th scope=\"col\" class=\"hide-narrow\">Last used</th>")
            h.raw("<th scope=\"col\"><span class=\"muted\">Action</span></th></tr></thead><tbody>")
            for token in tokens {
                h.raw("<tr>"); h.element("td", token.name); h.element("td", token.role)
                h.element("td", token.owner, [("class", "hide-narrow")])
                h.element("td", token.expiresAt.map { Display.time(seconds: $0) } ?? "never")
                h.element("td", token.lastUsedAt.map { Display.time(seconds: $0) } ?? "—", [("class", "hide-narrow")])
                h.raw("<td><form method=\"post\" action=\"/ui/tokens/revoke\">"); layout.csrfField(&h)
                h.raw("<input type=\"hidden\" name=\"id\" value=\""); h.text(token.id)
                h.raw("\"><button class=\"secondary\" type=\"submit\" aria-label=\"Revoke "); h.text(token.name); h.raw("\">Revoke</button></form></td></tr>")
            }
            h.raw("</tbody></table></div>")
        }
    }

    func createToken(_ request: Request, _ context: NoraRequestContext) async throws -> Response {
        let viewer = try await web.access.viewer(request, context)
        guard web.access.may(.admin, viewer) else { return refuse(request, viewer) }
        let form = try await FormData.read(request)
        try Self.checkCSRF(form, viewer)
        let name = (form["name"] ?? "").trimmingCharacters(in: .whitespaces)
        guard let role = Role(name: form["role"] ?? "read") else { return try await tokensPage(request, context, created: nil, error: "Unknown role.") }
        var lifetime: Int64?
        if let text = form["expires"], !text.isEmpty {
            guard let seconds = DurationText.seconds(text) else {
                return try await tokensPage(request, context, created: nil, error: "Expiry must look like 30d, 12h or 90m.")
            }
            lifetime = seconds
        }
        guard !name.isEmpty, name.utf8.count <= 100 else {
            return try await tokensPage(request, context, created: nil, error: "A token needs a name of 1 to 100 characters.")
        }
        let (token, secret) = try await web.tokens.create(name: name, owner: viewer.identity?.name ?? "anonymous", role: role,
                                                          expiresInSeconds: lifetime)
        context.annotations.note(ActivityNote(.tokenCreate, nil, name: token.name, version: token.role))
        return try await tokensPage(request, context, created: (token.name, secret))
    }

    func revokeToken(_ request: Request, _ context: NoraRequestContext) async throws -> Response {
        let viewer = try await web.access.viewer(request, context)
        guard web.access.may(.admin, viewer) else { return refuse(request, viewer) }
        let form = try await FormData.read(request)
        try Self.checkCSRF(form, viewer)
        guard let id = form["id"], !id.isEmpty, try await web.tokens.revoke(id) > 0 else {
            return try await tokensPage(request, context, created: nil, error: "No such token.")
        }
        context.annotations.note(ActivityNote(.tokenRevoke, nil, name: id))
        return Response(status: .seeOther, headers: [.location: "/ui/tokens"])
    }
}
