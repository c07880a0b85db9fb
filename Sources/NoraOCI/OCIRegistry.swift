import Hummingbird
import NoraAuth
import NoraCore
import NoraMetadata
import NoraProxy
import NoraStorage

/// The OCI Distribution 1.1 registry under `/v2/`: Docker images, Helm charts, any OCI artifact.
///
/// One route per method catches `/v2/**`; `OCIRoute` parses the path from the right
/// (repository names may contain `blobs`, `manifests`, `tags`), then a small handler runs.
public struct OCIRegistry: Sendable {
    public static let migrations = OCISchema.migrations + PackageCatalog.migration("oci-catalog-001", OCIListing.catalogSource)
    /// Manifests are blobs too; blob links keep layers a repository may serve.
    public static let blobReferences = [
        BlobReferenceColumn("oci_manifests", "digest", format: "docker", size: "size", names: ["repo"]),
        BlobReferenceColumn("oci_blob_links", "digest", format: "docker", size: "size", names: ["repo"]),
    ]
    /// Idle upload sessions expire after this long.
    public static let uploadIdleSeconds: Int64 = 30 * 60
    /// Concurrent (non-expired) upload sessions allowed before 429.
    public static let maxUploadSessions = 1000
    /// Manifests larger than this are refused (the spec suggests 4 MiB).
    public static let maxManifestSize = 4 * 1024 * 1024

    let index: OCIIndex
    let store: any BlobStore
    let tokens: TokenService
    let publicURL: String?
    let manifestBodies = ManifestBodyCache()
    /// The pull-through cache for names that are not hosted; nil when no upstream is configured.
    let proxy: OCIPullThrough?

    /// `proxyConfig` and `proxyServices`: the Docker upstreams (`NORA_DOCKER_PROXIES`); without
    /// both, or with no upstream, nora serves hosted content only.
    public init(db: MetadataDatabase, store: any BlobStore, signer: SignedTokens, authenticator: Authenticator,
                policy: AccessPolicy, publicURL: String?, proxyConfig: ProxyConfig.DockerProxy? = nil,
                proxyServices: ProxyServices? = nil) {
        self.index = OCIIndex(db: db)
        self.store = store
        self.tokens = TokenService(signer: signer, authenticator: authenticator, policy: policy)
        self.publicURL = publicURL
        if let proxyConfig, let proxyServices, proxyConfig.enabled {
            proxy = OCIPullThrough(config: proxyConfig, services: proxyServices, db: db)
        } else {
            proxy = nil
        }
    }

    /// Renders generic failures under `/v2/` in OCI's shape, with the Bearer challenge.
    public var errorDialect: any ErrorDialect { OCIErrorDialect(publicURL: publicURL) }

    /// The service that sweeps expired upload sessions (rows and bytes).
    public static func uploadExpiry(db: MetadataDatabase, store: any BlobStore) -> OCIUploadExpiry {
        OCIUploadExpiry(index: OCIIndex(db: db), store: store)
    }

    public func register(on router: Router<NoraRequestContext>) {
        let v2 = router.group("v2").add(middleware: APIVersionMiddleware())
        v2.get { request, context in try base(request, context) }
        v2.head { request, context in try base(request, context) }
        v2.get("_catalog") { request, context in try await catalog(request, context) }
        v2.get("token") { request, context in try await tokens.get(request, context) }
        v2.post("token") { request, context in try await tokens.post(request, context) }
        for method in [HTTPRequest.Method.get, .head, .put, .post, .patch, .delete] {
            v2.on("**", method: method) { request, context in try await dispatch(request, context) }
        }
    }

    func dispatch(_ request: Request, _ context: NoraRequestContext) async throws -> Response {
        let route = try OCIRoute(request.uri.path, method: request.method)
        switch (request.method, route) {
        case (.get, .manifest(let name, let ref)), (.head, .manifest(let name, let ref)):
            return try await getManifest(name, ref, request, context)
        case (.put, .manifest(let name, let ref)):
            return try await putManifest(name, ref, request, context)
        case (.delete, .manifest(let name, let ref)):
            return try await deleteManifest(name, ref, context)
        case (.get, .blob(let name, let digest)), (.head, .blob(let name, let digest)):
            return try await getBlob(name, digest, request, context)
        case (.delete, .blob(let name, let digest)):
            return try await deleteBlob(name, digest, context)
        case (.post, .uploads(let name)):
            return try await startUpload(name, request, context)
        case (.patch, .upload(let name, let id)):
            return try await patchUpload(name, id, request, context)
        case (.put, .upload(let name, let id)):
            return try await completeUpload(name, id, request, context)
        case (.get, .upload(let name, let id)):
            return try await uploadStatus(name, id, context)
        case (.delete, .upload(let name, let id)):
            return try await cancelUpload(name, id, context)
        case (.get, .tags(let name)):
            return try await tags(name, request, context)
        case (.get, .referrers(let name, let digest)):
            return try await referrers(name, digest, request, context)
        default:
            throw OCIError(.unsupported, "\(request.method) is not supported on \(request.uri.path.prefix(300))")
        }
    }

    // MARK: Access

    /// pull needs read; push and delete need write; a scoped token must also name the action.
    /// A token that lacks the action while its holder's role allows it gets 401 and a new
    /// challenge (the client fetches a wider token); a role that is too low gets 403 DENIED.
    func authorize(_ context: NoraRequestContext, _ name: RepositoryName, _ action: String) throws {
        try context.require(action == "pull" ? .read : .write)
        if let identity = context.identity, !identity.scopeAllows("repository:\(name)", action) {
            throw AppError(.unauthorized, "token does not grant \(action) on \(name)")
        }
    }

    /// With auth on, an anonymous caller is challenged here even when anonymous reads are
    /// allowed: clients (skopeo, docker) only send credentials or fetch a token after `/v2/`
    /// challenged them; without credentials the token service then grants pull only.
    func base(_ request: Request, _ context: NoraRequestContext) throws -> Response {
        if context.identity == nil && context.access.authEnabled {
            throw AppError(.unauthorized, "authentication required")
        }
        return .json([String: String]())
    }

    static func digest(_ text: String) throws(OCIError) -> Digest {
        do { return try Digest(parsing: text) } catch { throw OCIError(.digestInvalid, error.description) }
    }
}

/// Every `/v2/` answer names the API version, as docker clients check it.
struct APIVersionMiddleware: RouterMiddleware {
    typealias Context = NoraRequestContext
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[OCIHeaders.apiVersion] = "registry/2.0"
        return response
    }
}
