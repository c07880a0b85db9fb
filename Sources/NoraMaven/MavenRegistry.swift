import Hummingbird
import NoraAuth
import NoraCore
import NoraMetadata
import NoraProxy
import NoraStorage

/// A hosted Maven repository under `/maven2/`, in the standard layout
/// (`<group path>/<artifactId>/<version>/<artifactId>-<version>[-<classifier>].<ext>`).
///
///     PUT    /maven2/<file>                 deploy (streamed; md5/sha1/sha256/sha512 computed on the way)
///     PUT    /maven2/<file>.<alg>           checked: a match verifies; a mismatch quarantines (400) an unverified file, is refused (409) for a verified one
///     PUT    /maven2/<…>/maven-metadata.xml accepted; the server's generated document stays authoritative
///     GET    /maven2/<file>[.<alg>]         download (Range, ETag); `-SNAPSHOT` names resolve to the newest build
///     GET    /maven2/<…>/maven-metadata.xml generated: artifact, SNAPSHOT version and plugin group levels
///     GET    /maven2/<folder>/              HTML listing
///     DELETE /maven2/<file> | <version>/    admin; metadata regenerated
///
/// Artifacts with nothing deployed here are read through the pull-through cache (`Proxy/`).
public struct MavenRegistry: Sendable {
    public static let prefix = "maven2"
    public static let migrations: [Migration] = MavenIndex.migrations + PackageCatalog.migration("maven-catalog-001", MavenPackageListing.catalogSource)
    /// Columns naming blobs this format keeps (for garbage collection).
    public static let blobReferences: [BlobReferenceColumn] = [BlobReferenceColumn("maven_files", "digest", format: "maven", size: "size", names: ["path"])]

    let index: MavenIndex
    let store: any BlobStore
    let config: NoraConfig
    let authenticator: Authenticator
    /// Artifacts not deployed here are read through from `NORA_MAVEN_PROXIES` (nil: proxy off).
    let proxy: MavenProxy?

    public init(db: MetadataDatabase, store: any BlobStore, config: NoraConfig, authenticator: Authenticator,
                proxy services: ProxyServices? = nil) {
        self.proxy = services.flatMap { config.proxy.maven.enabled ? MavenProxy(config: config.proxy, services: $0) : nil }
        self.index = MavenIndex(db: db)
        self.store = store
        self.config = config
        self.authenticator = authenticator
    }

    /// How generic failures under `/maven2/` are rendered.
    public var errorDialect: any ErrorDialect { MavenErrorDialect(realm: "nora") }

    public func register(on router: Router<NoraRequestContext>) {
        for path in [RouterPath(stringLiteral: Self.prefix), RouterPath(stringLiteral: "\(Self.prefix)/**")] {
            router.get(path) { request, context in try await get(request, context) }
            router.head(path) { request, context in try await get(request, context) }
            router.put(path) { request, context in try await put(request, context) }
            router.delete(path) { request, context in try await delete(request, context) }
        }
    }
}

/// The path a `/maven2/…` request names, decoded, validated and classified; a trailing `/`
/// (or nothing after the prefix) means a folder.
struct MavenTarget {
    let route: MavenPath
    /// nil at the repository root.
    let path: ArtifactPath?
    let isFolder: Bool

    init(_ request: Request) throws {
        let full = request.uri.path
        let prefix = "/\(MavenRegistry.prefix)"
        guard full.hasPrefix(prefix) else { throw MavenError(.notFound, "not a Maven path") }
        var rest = full.dropFirst(prefix.count)
        if rest.hasPrefix("/") { rest = rest.dropFirst() }
        isFolder = rest.isEmpty || rest.hasSuffix("/")
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty else {
            path = nil
            route = .folder([])
            return
        }
        do {
            path = try ArtifactPath(encoded: rest)
        } catch {
            throw MavenError(.invalidPath, error.message)
        }
        route = try MavenPath(path!, isFolder: isFolder)
    }

    var displayPath: String { "/\(MavenRegistry.prefix)/" + (path?.path ?? "") }
}
