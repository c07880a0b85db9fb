import Hummingbird
import NoraAuth
import NoraCore

/// `npm login` (legacy), `whoami`, `ping` and the audit endpoints.
extension NpmRegistry {
    /// `PUT /-/user/org.couchdb.user:<name>` with `{name, password}`: checks the htpasswd
    /// password and answers a new API token (role of the user) that npm writes to its npmrc.
    func login(_ user: String, _ request: Request, _ context: NoraRequestContext) async throws -> Response {
        let document = try await readDocument(request, limit: 64 * 1024)
        guard let name = document["name"]?.string, let password = document["password"]?.string else {
            throw NpmError(.invalidDocument, "login needs a name and a password")
        }
        guard name == user else { throw NpmError(.invalidDocument, "user name '\(name.prefix(100))' does not match the URL") }
        guard case .identified(let identity) = try await authenticator.authenticate(user: name, password: password, client: context.clientAddress),
              identity.credential == .password else {
            context.logger.notice("npm login failed", metadata: ["user": .string(String(name.prefix(100)))])
            throw NpmError(.unauthorized, "invalid user name or password")
        }
        let (token, secret) = try await TokenStore(db: db).create(name: "npm-login", owner: identity.name,
                                                                  role: identity.role, expiresInSeconds: nil)
        context.logger.info("npm login", metadata: ["user": .string(identity.name), "token": .string(token.id)])
        return .json(["ok": .bool(true), "id": .string("org.couchdb.user:\(identity.name)"),
                      "rev": .string("1-\(token.id)"), "token": .string(secret)] as [String: JSONValue], status: .created)
    }

    func whoami(_ request: Request, _ context: NoraRequestContext) async throws -> Response {
        guard let name = try await callerName(request, context) else {
            throw NpmError(.unauthorized, "not logged in: this registry does not know you")
        }
        return .json(["username": name])
    }

    /// Audits answer "no advisories": there is no advisory database until an upstream is
    /// configured, and `npm install` must not fail because of that.
    func audit(_ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try context.require(.read)
        // Drain the (possibly gzipped) report without keeping it.
        for try await _ in request.body {}
        if request.uri.path.hasSuffix("/advisories/bulk") { return .json([String: String]()) }
        let none = JSONValue.object(["info": .int(0), "low": .int(0), "moderate": .int(0), "high": .int(0), "critical": .int(0)])
        return .json(JSONValue.object([
            "actions": .array([]), "advisories": .object([:]), "muted": .array([]),
            "metadata": .object(["vulnerabilities": none, "dependencies": .int(0), "devDependencies": .int(0),
                                 "optionalDependencies": .int(0), "totalDependencies": .int(0)]),
        ]))
    }
}
