import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NoraCore

/// Who is looking at a page or calling the read API, and what they may see.
///
/// The caller is the identity the auth middleware found in an `Authorization` header, else
/// the user of a live session cookie. With auth off everyone may do everything (as on the
/// registry endpoints); with auth on, reading needs a caller unless anonymous read or
/// `NORA_AUTH_PUBLIC_WEB_UI` is on, and the tokens page needs the admin role.
struct WebAccess: Sendable {
    static let sessionCookie = "nora_session"
    /// Without a session (login form, auth off), forms carry the value of this cookie instead
    /// (double submit): a SameSite=Strict cookie never comes with another site's POST.
    static let csrfCookie = "nora_csrf"

    let policy: AccessPolicy
    let publicWebUI: Bool
    let sessions: SessionStore
    /// Adds `Secure` to cookies when the registry is reached over https.
    let secureCookies: Bool

    struct Viewer: Sendable {
        var identity: Identity?
        var session: SessionStore.Session?
        var sessionCookie: String?
        /// The CSRF token forms carry: the session's, else the `nora_csrf` cookie's.
        var formToken: String = ""
        /// True when `formToken` is new and the page must set the `nora_csrf` cookie.
        var setsCSRFCookie = false
    }

    func viewer(_ request: Request, _ context: NoraRequestContext) async throws -> Viewer {
        var viewer = Viewer(identity: context.identity)
        if let cookie = Self.cookie(WebAccess.sessionCookie, in: request), let session = try await sessions.session(cookie: cookie) {
            if viewer.identity == nil {
                viewer.identity = session.identity
                context.annotations.userName = session.identity.name
            }
            viewer.session = session
            viewer.sessionCookie = cookie
            viewer.formToken = session.csrf
        } else if let token = Self.cookie(WebAccess.csrfCookie, in: request), token.utf8.count == 32 {
            viewer.formToken = token
        } else {
            viewer.formToken = SessionStore.random(16)
            viewer.setsCSRFCookie = true
        }
        return viewer
    }

    /// Throws 401/403 unless the viewer may act with `role`.
    func require(_ role: Role, _ viewer: Viewer) throws(AppError) {
        let effective = AccessPolicy(authEnabled: policy.authEnabled, anonymousRead: policy.anonymousRead || publicWebUI)
        try effective.authorize(viewer.identity, needs: role)
    }

    func may(_ role: Role, _ viewer: Viewer) -> Bool {
        (try? require(role, viewer)) != nil
    }

    static func cookie(_ name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }

    /// A `Set-Cookie` value: HttpOnly, SameSite=Strict, the whole site, and Secure over https.
    func setCookie(_ name: String, _ value: String, maxAge: Int64?) -> String {
        var text = "\(name)=\(value); Path=/; HttpOnly; SameSite=Strict"
        if let maxAge { text += "; Max-Age=\(maxAge)" }
        if secureCookies { text += "; Secure" }
        return text
    }
}
