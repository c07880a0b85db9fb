import Hummingbird
import NoraAuth
import NoraCore
import NoraMetadata
import NoraProxy
import NoraStorage

/// The PyPI index under `/simple/` (NORA's prefix): the simple repository API for pip and
/// uv, and the legacy upload API for twine and `uv publish`.
///
///     GET  /simple/                                 project list (HTML or JSON, negotiated)
///     POST /simple/                                 upload (multipart, `:action=file_upload`)
///     GET  /simple/<project>/                       project page; non-normalized names → 301
///     GET  /simple/<project>/<file>                 download (HEAD, Range)
///     GET  /simple/<project>/<file>.metadata        the wheel's core metadata (PEP 658/714)
///     POST /simple/<project>/<version>/yank         yank every file of a version (PEP 592), optional reason
///     POST /simple/<project>/<version>/unyank       undo it
///
/// Projects never uploaded here are read through the pull-through cache (`Proxy/`).
public struct PyPIRegistry: Sendable {
    public static let migrations = PyPIIndex.migrations + PackageCatalog.migration("pypi-catalog-001", PyPIListing.catalogSource)
    /// Columns naming blobs this format keeps (for garbage collection).
    public static let blobReferences = [
        BlobReferenceColumn("pypi_files", "digest", format: "pypi", size: "size", names: ["project", "filename"]),
        BlobReferenceColumn("pypi_core_metadata", "digest", format: "pypi", size: "size", names: ["project", "filename"]),
    ]

    let index: PyPIIndex
    let store: any BlobStore
    let config: NoraConfig
    let authenticator: Authenticator
    /// Rendered project pages by project revision.
    let renderedPages = RenderedDocumentCache()
    /// Projects not uploaded here are read through from `NORA_PYPI_PROXIES` (nil: proxy off).
    let proxy: PyPIProxy?

    public init(db: MetadataDatabase, store: any BlobStore, config: NoraConfig, authenticator: Authenticator,
                proxy services: ProxyServices? = nil) {
        self.proxy = services.flatMap { services in
            config.proxy.pypi.enabled ? PyPIProxy(cache: PullThroughCache(format: "pypi", config: config.proxy.pypi, services: services)) : nil
        }
        self.index = PyPIIndex(db: db)
        self.store = store
        self.config = config
        self.authenticator = authenticator
    }

    /// How generic failures under `/simple/` are rendered: text, with a Basic challenge on 401.
    public var errorDialect: any ErrorDialect { PyPIErrorDialect() }

    public func register(on router: Router<NoraRequestContext>) {
        router.get("simple") { request, context in try await projectList(request, context) }
        router.head("simple") { request, context in try await projectList(request, context) }
        router.post("simple") { request, context in try await upload(request, context) }
        router.get("simple/:project") { request, context in try await projectPage(request, context) }
        router.head("simple/:project") { request, context in try await projectPage(request, context) }
        // One parameter name for the third segment (a file, or a version before /yank): the
        // router refuses two names at the same place in the tree.
        router.get("simple/:project/:item") { request, context in try await download(request, context) }
        router.head("simple/:project/:item") { request, context in try await download(request, context) }
        router.post("simple/:project/:item/yank") { request, context in try await yank(request, context, yanked: true) }
        router.post("simple/:project/:item/unyank") { request, context in try await yank(request, context, yanked: false) }
    }

    var pages: (Request) -> SimplePages {
        { request in SimplePages(base: BaseURL.of(request, publicURL: config.server.publicURL)) }
    }

    /// A path segment, percent-decoded.
    static func segment(_ context: NoraRequestContext, _ name: String) throws(PyPIError) -> String {
        guard let raw = context.parameters.get(name), let decoded = PercentEncoding.decode(raw) else {
            throw PyPIError(.invalidForm, "malformed path segment")
        }
        return decoded
    }
}
