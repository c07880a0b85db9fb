import HTTPTypes
import Hummingbird
import NIOCore
import NoraAuth
import NoraCore

/// The routes of the server-rendered UI. Every page is plain HTML that works without
/// JavaScript; forms POST with the session's CSRF token.
struct WebUI {
    let web: NoraWeb

    func register(on router: Router<NoraRequestContext>) {
        // "ui" also answers "/ui/" (the router ignores a trailing slash).
        router.get("ui") { request, context in try await page(request, context) { try await dashboard($0, $1, $2) } }
        router.get("ui/static/nora.css") { _, _ in Self.asset(Assets.css, type: "text/css; charset=utf-8") }
        router.get("ui/static/nora.js") { _, _ in Self.asset(Assets.js, type: "text/javascript; charset=utf-8") }
        router.get("ui/login") { request, context in try await loginPage(request, context, error: nil) }
        router.post("ui/login") { request, context in try await login(request, context) }
        router.post("ui/logout") { request, context in try await logout(request, context) }
        router.get("ui/search") { request, context in try await page(request, context) { try await search($0, $1, $2) } }
        router.get("ui/activity") { request, context in try await page(request, context) { try await activityPage($0, $1, $2) } }
        router.get("ui/tokens") { request, context in try await tokensPage(request, context, created: nil) }
        router.post("ui/tokens") { request, context in try await createToken(request, context) }
        router.post("ui/tokens/revoke") { request, context in try await revokeToken(request, context) }
        router.get("ui/:format") { request, context in try await page(request, context) { try await browse($0, $1, $2) } }
        router.get("ui/:format/**") { request, context in try await page(request, context) { try await packagePage($0, $1, $2) } }
    }

    static func asset(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "public, max-age=3600",
                                        HTTPField.Name("X-Content-Type-Options")!: "nosniff"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    func layout(_ viewer: WebAccess.Viewer) -> Layout {
        Layout(formats: web.formats, viewer: viewer, access: web.access, version: web.settings.version)
    }

    /// A readable page: visitors who may not read are sent to the login form (or refused).
    func page(_ request: Request, _ context: NoraRequestContext,
              _ render: (Request, NoraRequestContext, Layout) async throws -> Response) async throws -> Response {
        let viewer = try await web.access.viewer(request, context)
        guard web.access.may(.read, viewer) else { return refuse(request, viewer) }
        do {
            return try await render(request, context, layout(viewer))
        } catch let error as AppError where error.status.code < 500 {
            return layout(viewer).page(title: "Error", current: "", status: error.status) { h in
                h.element("h1", error.status.code == 404 ? "Not found" : "Request refused")
                h.raw("<p class=\"notice error\" role=\"alert\">"); h.text(error.message); h.raw("</p>")
            }
        }
    }

    func refuse(_ request: Request, _ viewer: WebAccess.Viewer) -> Response {
        guard viewer.identity == nil else {
            return layout(viewer).page(title: "Forbidden", current: "", status: .forbidden) { h in
                h.element("h1", "Forbidden")
                h.element("p", "Your account may not see this page.")
            }
        }
        let next = URLText.query(request.uri.path + (request.uri.query.map { "?\($0)" } ?? ""))
        return Response(status: .seeOther, headers: [.location: "/ui/login?next=\(next)", .cacheControl: "no-store"])
    }

    /// Checks the CSRF token of a form against the session's; a POST without it changes nothing.
    static func checkCSRF(_ form: FormData, _ viewer: WebAccess.Viewer) throws(AppError) {
        guard !viewer.setsCSRFCookie, let sent = form["_csrf"], SessionStore.same(sent, viewer.formToken) else {
            throw AppError(.forbidden, "the form's CSRF token is missing or wrong; reload the page and try again")
        }
    }

    /// A safe place to return to after logging in: a path of this UI, never another site.
    static func safeNext(_ text: String?) -> String {
        guard let text, text.hasPrefix("/ui/"), !text.hasPrefix("//"), !text.contains("\\"),
              !text.contains(where: { $0.isNewline }) else { return "/ui/" }
        return text
    }
}
