import Hummingbird
import NoraAuth
import NoraCore
import NoraMetadata
import NoraProxy
import NoraStorage

/// The npm registry under `/npm/`: hosted packages for the npm CLI (and yarn, pnpm).
///
///     GET    /npm/<name>                         packument (full, or abbreviated by Accept); ETag/304
///     GET    /npm/<name>/<version|tag>           one version's manifest
///     GET    /npm/<name>/-/<file>.tgz            tarball (Range)
///     PUT    /npm/<name>                         publish (with _attachments) or deprecate (without)
///     PUT    /npm/<name>/-rev/<rev>              document minus versions: unpublish those versions
///     DELETE /npm/<name>/-rev/<rev>              unpublish the whole package
///     DELETE /npm/<name>/-/<file>/-rev/<rev>     last step of `npm unpublish pkg@v`
///     GET|PUT|DELETE /npm/-/package/<name>/dist-tags[/<tag>]
///     GET    /npm/-/v1/search?text=&size=&from=
///     PUT    /npm/-/user/org.couchdb.user:<name> login → token
///     GET    /npm/-/whoami, /npm/-/ping; POST /npm/-/npm/v1/security/… (audit: forwarded upstream,
///            or "no advisories" with the proxy off)
///
/// Names never published here are read through the pull-through cache (`Proxy/`).
///
/// Scoped names work as `@scope%2fname` and `@scope/name`. One route per method catches
/// `/npm/**`; `NpmRoute` parses the path, then a small handler runs.
public struct NpmRegistry: Sendable {
    public static let migrations = NpmSchema.migrations + PackageCatalog.migration("npm-catalog-001", NpmListing.catalogSource)
    /// Every published version's tarball.
    public static let blobReferences = [BlobReferenceColumn("npm_versions", "digest", format: "npm", size: "size", names: ["package", "version"])]

    let index: NpmIndex
    let db: MetadataDatabase
    let store: any BlobStore
    let config: NoraConfig
    let authenticator: Authenticator
    /// Rendered packuments by package revision.
    let packuments = RenderedDocumentCache()
    /// Names not published here are read through from `NORA_NPM_PROXY` (nil: proxy off).
    let proxy: NpmProxy?

    public init(db: MetadataDatabase, store: any BlobStore, config: NoraConfig, authenticator: Authenticator,
                proxy services: ProxyServices? = nil) {
        self.proxy = services.flatMap { services in
            config.proxy.npm.enabled ? NpmProxy(cache: PullThroughCache(format: "npm", config: config.proxy.npm, services: services)) : nil
        }
        self.index = NpmIndex(db: db)
        self.db = db
        self.store = store
        self.config = config
        self.authenticator = authenticator
    }

    /// How generic failures under `/npm/` are rendered: `{"error": …}`, Basic challenge on 401.
    public var errorDialect: any ErrorDialect { NpmErrorDialect() }

    public func register(on router: Router<NoraRequestContext>) {
        for method in [HTTPRequest.Method.get, .head, .put, .post, .delete] {
            router.on("npm/**", method: method) { request, context in try await dispatch(request, context) }
        }
    }

    func dispatch(_ request: Request, _ context: NoraRequestContext) async throws -> Response {
        do {
            return try await route(request, context)
        } catch let error as StorageError {
            throw error.npmError
        }
    }

    private func route(_ request: Request, _ context: NoraRequestContext) async throws -> Response {
        let route = try NpmRoute(path: request.uri.path)
        switch (request.method, route) {
        case (.get, .packument(let name)), (.head, .packument(let name)):
            return try await getPackument(name, request, context)
        case (.get, .version(let name, let ref)), (.head, .version(let name, let ref)):
            return try await getVersion(name, ref, request, context)
        case (.get, .tarball(let name, let file)), (.head, .tarball(let name, let file)):
            return try await getTarball(name, file, request, context)
        case (.put, .packument(let name)):
            return try await putPackument(name, rev: nil, request, context)
        case (.put, .revision(let name, let rev)):
            return try await putPackument(name, rev: rev, request, context)
        case (.delete, .revision(let name, let rev)):
            return try await deletePackage(name, rev: rev, context)
        case (.delete, .tarballRevision(let name, let file, _)), (.delete, .tarball(let name, let file)):
            return try await deleteTarball(name, file, context)
        case (.get, .distTags(let name)):
            return try await getDistTags(name, context)
        case (.get, .distTag(let name, _)):
            return try await getDistTags(name, context)
        case (.put, .distTag(let name, let tag)), (.post, .distTag(let name, let tag)):
            return try await putDistTag(name, tag, request, context)
        case (.delete, .distTag(let name, let tag)):
            return try await deleteDistTag(name, tag, context)
        case (.get, .search):
            return try await search(request, context)
        case (.put, .login(let user)):
            return try await login(user, request, context)
        case (.get, .whoami):
            return try await whoami(request, context)
        case (.get, .ping), (.head, .ping):
            try context.require(.read)
            return .json([String: String]())
        case (.post, .audit):
            if let proxy, !proxy.cache.services.offline {
                try context.require(.read)
                return try await proxiedAudit(request, proxy: proxy)
            }
            return try await audit(request, context)
        default:
            throw NpmError(.methodNotAllowed, "\(request.method) is not supported on \(request.uri.path.prefix(300))")
        }
    }

    /// The registry's own base URL for links (`NORA_PUBLIC_URL`, else the request's host).
    func baseURL(_ request: Request) -> String {
        BaseURL.of(request, publicURL: config.server.publicURL)
    }

    /// Reads a JSON document whole, under the body limit (413 beyond it).
    func readDocument(_ request: Request, limit: Int) async throws -> JSONValue {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw NpmError(.tooLarge, "request body exceeds the limit of \(limit) bytes (NORA_BODY_LIMIT_MB)")
        }
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: limit) } catch {
            throw NpmError(.tooLarge, "request body exceeds the limit of \(limit) bytes (NORA_BODY_LIMIT_MB)")
        }
        guard let document = JSONValue.parse(buffer.readableBytesView) else {
            throw NpmError(.invalidDocument, "request body is not valid JSON")
        }
        return document
    }
}
