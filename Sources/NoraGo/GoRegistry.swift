import Hummingbird
import NIOCore
import NoraAuth
import NoraCore
import NoraMetadata
import NoraProxy
import NoraStorage

/// Hosted Go modules over the GOPROXY protocol under `/go/` (`GOPROXY=<nora>/go`).
///
///     GET  /go/<module>/@v/list                 released and pre-release versions, one a line
///     GET  /go/<module>/@v/<version>.info|.mod|.zip
///     GET  /go/<module>/@latest                 .info of the version `go get m@latest` picks
///     PUT  /go/<module>/@v/<version>.zip        publish (validated by the module zip rules)
///     PUT  /go/<module>/@v/<version>.mod        optional; before the zip it must match the zip's go.mod
///     GET  /go/sumdb/<name>/…                   the checksum database through the proxy (404 with it off:
///                                               go then talks to the checksum database itself)
///
/// Unknown modules and versions are 404 so a `GOPROXY=a,b` list falls through to the next.
/// Modules never published here are read through the pull-through cache (`Proxy/`).
public struct GoRegistry: Sendable {
    public static let migrations: [Migration] = GoModuleIndex.migrations + PackageCatalog.migration("go-catalog-001", GoListing.catalogSource)
    /// Columns naming blobs this format keeps (for garbage collection).
    public static let blobReferences: [BlobReferenceColumn] = GoModuleIndex.blobReferences

    let index: GoModuleIndex
    let store: any BlobStore
    let config: NoraConfig
    let authenticator: Authenticator
    /// Modules not published here are read through from `NORA_GO_PROXY` (nil: proxy off).
    let proxy: GoProxy?

    public init(db: MetadataDatabase, store: any BlobStore, config: NoraConfig, authenticator: Authenticator,
                proxy services: ProxyServices? = nil) {
        self.proxy = services.flatMap { config.proxy.go.enabled ? GoProxy(config: config.proxy, services: $0) : nil }
        self.index = GoModuleIndex(db: db)
        self.store = store
        self.config = config
        self.authenticator = authenticator
    }

    /// How generic failures under `/go/` are rendered.
    public var errorDialect: any ErrorDialect { GoErrorDialect() }

    public func register(on router: Router<NoraRequestContext>) {
        let path = RouterPath(stringLiteral: "go/**")
        router.get(path) { request, context in try await get(request, context) }
        router.head(path) { request, context in try await get(request, context) }
        router.put(path) { request, context in try await put(request, context) }
    }

    // MARK: Reads

    func get(_ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try context.require(.read)
        let route: GoRoute
        do {
            route = try GoRoute(path: request.uri.path)
        } catch {
            // A malformed path names nothing here; 404 lets a GOPROXY list try the next proxy.
            throw GoError(.notFound, "not found: \(error.message)")
        }
        if let proxy {
            // Hosted wins: a module with any version published here is served from here alone.
            if case .sumdb = route { return try await proxied(route, request, proxy: proxy) }
            if let module = route.module, try await index.versions(of: module).isEmpty {
                return try await proxied(route, request, proxy: proxy)
            }
        }
        switch route {
        case .sumdb:
            throw GoError(.notFound, "not found: nora does not proxy checksum databases (NORA_GO_PROXY is off)")
        case .list(let module):
            let versions = try await hostedVersions(module).filter { !$0.isPseudo }.sorted()
            let body = versions.map { $0.description + "\n" }.joined()
            return text(body, contentType: "text/plain; charset=utf-8", request: request)
        case .latest(let module):
            guard let latest = GoSemver.latest(of: try await hostedVersions(module)),
                  let version = try await index.version(module, latest.description) else {
                throw GoError(.notFound, "not found: \(module) has no versions here")
            }
            return info(version, request: request)
        case .file(let module, let semver, let kind):
            guard let version = try await index.version(module, semver.description) else {
                throw GoError(.notFound, "not found: \(module)@\(semver) is not hosted here")
            }
            switch kind {
            case .info: return info(version, request: request)
            case .mod: return try await blob(version.modDigest, size: version.modSize, type: "text/plain; charset=utf-8", request)
            case .zip:
                if request.method == .get { context.annotations.note(ActivityNote(.download, .go, name: module, version: semver.description)) }
                return try await blob(version.zipDigest, size: version.zipSize, type: "application/zip", request)
            }
        }
    }

    /// The module's versions; 404 (not an empty list) for a module never published here,
    /// so the go command moves on to the next proxy.
    func hostedVersions(_ module: String) async throws -> [GoSemver] {
        let versions = try await index.versions(of: module).compactMap { try? GoSemver(canonical: $0) }
        guard !versions.isEmpty else { throw GoError(.notFound, "not found: module \(module) is not hosted here") }
        return versions
    }

    struct Info: Encodable {
        let Version: String
        let Time: String
    }

    func info(_ version: GoModuleIndex.Version, request: Request) -> Response {
        let json = JSON.encode(Info(Version: version.version, Time: Self.rfc3339(version.createdAt)))
        return text(String(decoding: json, as: UTF8.self), contentType: "application/json", request: request)
    }

    static func rfc3339(_ seconds: Int64) -> String {
        let full = Clock.iso8601(millis: seconds * 1000)  // 2024-05-01T12:00:00.000Z
        guard let dot = full.lastIndex(of: ".") else { return full }
        return String(full[..<dot]) + "Z"
    }

    func text(_ body: String, contentType: String, request: Request) -> Response {
        let buffer = ByteBuffer(string: body)
        let headers: HTTPFields = [.contentType: contentType, .contentLength: String(buffer.readableBytes), .cacheControl: "no-cache"]
        return Response(status: .ok, headers: headers, body: request.method == .head ? .init() : .init(byteBuffer: buffer))
    }

    /// A version's files never change, so clients and caches may keep them.
    func blob(_ digest: Digest, size: Int64, type: String, _ request: Request) async throws -> Response {
        let headers: HTTPFields = [.contentType: type, .eTag: EntityTag.quoted(digest.hex),
                                   .cacheControl: "private, max-age=31536000, immutable"]
        return try await BlobResponse.make(store: store, blob: BlobInfo(digest: digest, size: size), request: request, headers: headers)
    }
}
