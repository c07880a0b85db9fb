import HTTPTypes
import Hummingbird
import NIOCore
import NoraCore

/// The frame around every page: skip link, header with navigation, main, footer.
struct Layout {
    let formats: [RegistryFormat]
    let viewer: WebAccess.Viewer
    let access: WebAccess
    let version: String

    /// A whole page; `current` marks the navigation entry of this page.
    func page(title: String, current: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:],
              _ body: (inout HTMLBuilder) -> Void) -> Response {
        var h = HTMLBuilder()
        h.raw("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">")
        h.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        h.raw("<title>"); h.text(title); h.raw(" · nora</title>")
        h.raw("<link rel=\"stylesheet\" href=\"/ui/static/nora.css\"><link rel=\"icon\" href=\"data:,\"></head><body>")
        h.raw("<a class=\"skip\" href=\"#main\">Skip to content</a>")
        h.raw("<header class=\"site\"><div class=\"bar\"><a class=\"brand\" href=\"/ui/\">nora</a>")
        h.raw("<nav aria-label=\"Main\"><ul>")
        var entries: [(String, String, String)] = [("dashboard", "/ui/", "Dashboard")]
        entries += formats.map { ($0.rawValue, "/ui/\($0.rawValue)", Display.formatName($0)) }
        entries += [("search", "/ui/search", "Search"), ("activity", "/ui/activity", "Activity")]
        if access.may(.admin, viewer) && (viewer.identity != nil || !access.policy.authEnabled) {
            entries.append(("tokens", "/ui/tokens", "Tokens"))
        }
        entries.append(("api", "/api-docs/", "API"))
        for (key, href, label) in entries {
            h.raw("<li>")
            h.link(href, label, key == current ? [("aria-current", "page")] : [])
            h.raw("</li>")
        }
        h.raw("</ul></nav>")
        if let identity = viewer.identity, viewer.session != nil {
            h.raw("<form class=\"inline\" method=\"post\" action=\"/ui/logout\"><span class=\"muted\">")
            h.text(identity.name)
            h.raw("</span>")
            csrfField(&h)
            h.raw("<button class=\"secondary\" type=\"submit\">Log out</button></form>")
        } else if access.policy.authEnabled && viewer.identity == nil {
            h.link("/ui/login", "Log in")
        }
        h.raw("</div></header><main id=\"main\">")
        body(&h)
        h.raw("</main><footer class=\"site\">nora ")
        h.text(version)
        h.raw(" · <a href=\"/api-docs/\">API</a> · <a href=\"/metrics\">metrics</a></footer>")
        h.raw("<script src=\"/ui/static/nora.js\" defer></script></body></html>")
        var headers = headers
        if viewer.setsCSRFCookie {
            headers.append(HTTPField(name: .setCookie, value: access.setCookie(WebAccess.csrfCookie, viewer.formToken, maxAge: nil)))
        }
        return Self.htmlResponse(h.html, status: status, headers: headers)
    }

    func csrfField(_ h: inout HTMLBuilder) {
        h.raw("<input type=\"hidden\" name=\"_csrf\" value=\""); h.text(viewer.formToken); h.raw("\">")
    }

    static let securityHeaders: HTTPFields = [
        HTTPField.Name("Content-Security-Policy")!: "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "same-origin",
        .cacheControl: "no-store",
    ]

    static func htmlResponse(_ html: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = securityHeaders
        fields[.contentType] = "text/html; charset=utf-8"
        for field in headers { fields.append(field) }
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
