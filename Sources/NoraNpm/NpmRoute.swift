import NoraCore

/// What a `/npm/…` path asks for. Scoped names arrive as one segment (`@scope%2fname`,
/// as npm sends them) or two (`@scope/name`, as tarball URLs spell them); both parse.
enum NpmRoute: Equatable, Sendable {
    case ping
    case whoami
    case search
    case login(user: String)
    case distTags(PackageName)
    case distTag(PackageName, tag: String)
    /// `…/security/advisories/bulk`, `…/security/audits/quick`, `…/security/audits`.
    case audit
    case packument(PackageName)
    /// `/<name>/<version-or-tag>`: one version's manifest.
    case version(PackageName, String)
    case tarball(PackageName, file: String)
    /// `DELETE /<name>/-/<file>/-rev/<rev>` (the last step of `npm unpublish pkg@v`).
    case tarballRevision(PackageName, file: String, rev: String)
    /// `PUT` (document minus versions) or `DELETE` (whole package) at `/<name>/-rev/<rev>`.
    case revision(PackageName, rev: String)

    static let prefix = "/npm/"

    /// `path` is the raw (still percent-encoded) request path.
    init(path: String) throws(NpmError) {
        guard path.hasPrefix(Self.prefix) else { throw NpmError(.notFound, "not an npm path") }
        let rest = String(path.dropFirst(Self.prefix.count))
        do {
            self = try Self.parse(rest)
        } catch {
            // npm builds the tarball DELETE from the tarball URL's path, which already holds
            // the registry's `/npm/` prefix, and prepends the registry again.
            guard rest.hasPrefix("npm/"), let retried = try? Self.parse(String(rest.dropFirst(4))) else { throw error }
            self = retried
        }
    }

    private static func parse(_ rest: String) throws(NpmError) -> NpmRoute {
        var segments = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if segments.last == "" && segments.count > 1 { segments.removeLast() }
        guard let first = segments.first, !first.isEmpty else { throw NpmError(.notFound, "no package named") }
        if first == "-" { return try special(Array(segments.dropFirst())) }
        let (name, used) = try packageName(segments)
        let tail = Array(segments.dropFirst(used))
        switch tail.count {
        case 0:
            return .packument(name)
        case 1:
            return .version(name, try decoded(tail[0]))
        case 2 where tail[0] == "-":
            return .tarball(name, file: try decoded(tail[1]))
        case 2 where tail[0] == "-rev":
            return .revision(name, rev: try decoded(tail[1]))
        case 4 where tail[0] == "-" && tail[2] == "-rev":
            return .tarballRevision(name, file: try decoded(tail[1]), rev: try decoded(tail[3]))
        default:
            throw NpmError(.notFound, "unknown npm endpoint")
        }
    }

    /// `/-/…` endpoints.
    private static func special(_ s: [String]) throws(NpmError) -> NpmRoute {
        switch s.first {
        case "ping" where s.count == 1: return .ping
        case "whoami" where s.count == 1: return .whoami
        case "v1" where s == ["v1", "search"]: return .search
        case "user" where s.count == 2:
            let id = try decoded(s[1])
            guard id.hasPrefix("org.couchdb.user:"), id.count > "org.couchdb.user:".count else {
                throw NpmError(.notFound, "unknown user endpoint")
            }
            return .login(user: String(id.dropFirst("org.couchdb.user:".count)))
        case "package" where s.count >= 3:
            let (name, used) = try packageName(Array(s.dropFirst()))
            let tail = Array(s.dropFirst(1 + used))
            if tail == ["dist-tags"] { return .distTags(name) }
            if tail.count == 2 && tail[0] == "dist-tags" { return .distTag(name, tag: try decoded(tail[1])) }
        case "npm" where s.count >= 4 && s[1] == "v1" && s[2] == "security":
            let kind = s.dropFirst(3).joined(separator: "/")
            if ["advisories/bulk", "audits/quick", "audits"].contains(kind) { return .audit }
        default:
            break
        }
        throw NpmError(.notFound, "unknown npm endpoint")
    }

    /// The package name at the start of `segments` and how many segments it took.
    private static func packageName(_ segments: [String]) throws(NpmError) -> (PackageName, Int) {
        let first = try decoded(segments[0])
        if first.hasPrefix("@") && !first.contains("/") {
            guard segments.count >= 2 else { throw NpmError(.invalidName, "scoped name '\(first.prefix(214))' has no package part") }
            return (try PackageName(first + "/" + (try decoded(segments[1]))), 2)
        }
        return (try PackageName(first), 1)
    }

    private static func decoded(_ segment: String) throws(NpmError) -> String {
        guard let text = PercentEncoding.decode(segment) else { throw NpmError(.invalidDocument, "malformed percent-encoding in path") }
        return text
    }
}
