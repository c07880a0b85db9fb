import Hummingbird
import NoraAuth
import NoraCore
import NoraMetadata
import NoraProxy
import NoraStorage
import SQLKit

/// The cargo registry under `/cargo/` (sparse index, RFC 2789; web API; RFC 3139 auth):
///
///     GET    /cargo/index/config.json                    dl/api URLs (+ auth-required)
///     GET    /cargo/index/<1|2|3/a|ab/cd>/<name>          index file: one JSON line per version
///     PUT    /cargo/api/v1/crates/new                     publish (framed JSON + .crate)
///     GET    /cargo/api/v1/crates/<name>/<vers>/download  the .crate (Range)
///     DELETE /cargo/api/v1/crates/<name>/<vers>/yank      PUT …/unyank
///     GET|PUT|DELETE /cargo/api/v1/crates/<name>/owners
///     GET    /cargo/api/v1/crates?q=&per_page=&page=      search
///     GET    /cargo/me                                    how to get a token (the 401 login_url)
///
/// Crates never published here are read through the pull-through cache (`Proxy/`).
public struct CargoRegistry: Sendable {
    public static let migrations: [Migration] = CrateIndex.migrations + [
        // The catalog triggers find a crate's row by its display name.
        Migration("cargo-catalog-000-name-index") { db in
            try await db.create(index: "cargo_crates_name").on("cargo_crates").column("name").run()
        }] + PackageCatalog.migration("cargo-catalog-001", CargoListing.catalogSource)
    /// Columns naming blobs this format keeps (for garbage collection).
    public static let blobReferences: [BlobReferenceColumn] = [BlobReferenceColumn("cargo_versions", "digest", format: "cargo", size: "size", names: ["name_key", "version"])]
    /// Largest `.crate` accepted (crates.io allows 10 MiB by default; private registries hold bigger ones).
    static let maxCrateBytes: Int64 = 512 * 1024 * 1024
    /// Largest publish metadata accepted (it carries the README text).
    static let maxMetadataBytes = 10 * 1024 * 1024

    let index: CrateIndex
    let store: any BlobStore
    let config: NoraConfig
    let authenticator: Authenticator
    let tokens: TokenStore
    /// Rendered index files by crate revision (per process; the revision is read on every request).
    let indexFiles = IndexFileCache()
    /// Crates not published here are read through from `NORA_CARGO_PROXY` (nil: proxy off).
    let proxy: CargoProxy?

    public init(db: MetadataDatabase, store: any BlobStore, config: NoraConfig, authenticator: Authenticator,
                proxy services: ProxyServices? = nil) {
        self.proxy = services.flatMap { services in
            config.proxy.cargo.enabled ? CargoProxy(cache: PullThroughCache(format: "cargo", config: config.proxy.cargo, services: services)) : nil
        }
        self.index = CrateIndex(db: db)
        self.store = store
        self.config = config
        self.authenticator = authenticator
        self.tokens = TokenStore(db: db)
    }

    /// How generic failures under `/cargo/` are rendered.
    public var errorDialect: any ErrorDialect { CargoErrorDialect(publicURL: config.server.publicURL) }

    public func register(on router: Router<NoraRequestContext>) {
        // `Upgrade: h2c`, which cargo sends on every request, is handled server-wide (UpgradeRefusalMiddleware).
        let cargo = router.group("cargo")
        cargo.get("me") { request, _ in loginPage(request) }
        cargo.get("index/**") { request, context in try await indexFile(request, context) }
        cargo.head("index/**") { request, context in try await indexFile(request, context) }
        let crates = cargo.group("api/v1/crates")
        crates.put("new") { request, context in try await publish(request, context) }
        crates.get { request, context in try await search(request, context) }
        crates.get(":name/:version/download") { request, context in try await download(request, context) }
        crates.head(":name/:version/download") { request, context in try await download(request, context) }
        crates.delete(":name/:version/yank") { request, context in try await setYanked(true, request, context) }
        crates.put(":name/:version/unyank") { request, context in try await setYanked(false, request, context) }
        crates.get(":name/owners") { request, context in try await listOwners(request, context) }
        crates.put(":name/owners") { request, context in try await changeOwners(add: true, request, context) }
        crates.delete(":name/owners") { request, context in try await changeOwners(add: false, request, context) }
    }

    // MARK: Access

    /// Whether clients must send a token for every request, reads included (RFC 3139).
    var authRequired: Bool { config.auth.enabled && !config.auth.anonymousRead }

    /// Changing a crate needs the write role and, with auth on, being one of its owners or an admin.
    func requireOwner(_ key: String, _ crateName: String, _ context: NoraRequestContext, in db: any SQLDatabase) async throws {
        try context.require(.write)
        guard context.access.authEnabled, let identity = context.identity, identity.role < .admin else { return }
        guard try await index.owners(key, in: db).contains(identity.name) else {
            throw CargoError(.notOwner, "'\(identity.name)' is not an owner of crate '\(crateName)'")
        }
    }

    /// The crate a route names, or 404 in cargo's shape.
    func existingCrate(_ name: String, in db: any SQLDatabase) async throws -> (key: String, crate: CrateIndex.Crate) {
        let key = CrateName.key(name)
        guard (try? CrateName(name)) != nil, let crate = try await index.crate(key, in: db) else {
            throw CargoError(.crateNotFound, "crate '\(name.prefix(80))' does not exist")
        }
        return (key, crate)
    }

    func loginPage(_ request: Request) -> Response {
        let base = BaseURL.of(request, publicURL: config.server.publicURL)
        let text = """
        This registry authenticates cargo with API tokens.
        An administrator creates one with:   nora token create --name <name> --role write --owner <your user>
        (or POST \(base)/api/tokens), then:  cargo login --registry <registry name> <token>

        """
        return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                        body: .init(byteBuffer: .init(string: text)))
    }
}
