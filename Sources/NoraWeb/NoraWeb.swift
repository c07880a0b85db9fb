import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOConcurrencyHelpers
import NoraAuth
import NoraCore
import NoraMetadata

/// The web UI (`/ui/`), the management API (`/api/`), the OpenAPI document and its explorer.
/// Formats are read only through their `PackageListing`s.
public struct NoraWeb: Sendable {
    public struct Settings: Sendable {
        public var policy: AccessPolicy
        public var publicWebUI: Bool
        public var publicURL: String?
        public var version: String
        public var storagePath: String
        public init(policy: AccessPolicy, publicWebUI: Bool, publicURL: String?, version: String, storagePath: String) {
            self.policy = policy; self.publicWebUI = publicWebUI; self.publicURL = publicURL
            self.version = version; self.storagePath = storagePath
        }
    }

    let listings: [RegistryFormat: any PackageListing]
    let formats: [RegistryFormat]
    let activity: ActivityStore
    let recorder: any ActivityRecorder
    let tokens: TokenStore
    let authenticator: Authenticator
    let settings: Settings
    let access: WebAccess
    let stats: StatsCache
    let catalog: PackageCatalog
    let startedAt = Clock.nowSeconds()

    public init(listings: [any PackageListing], db: MetadataDatabase, recorder: any ActivityRecorder, tokens: TokenStore,
                authenticator: Authenticator, settings: Settings) {
        var byFormat: [RegistryFormat: any PackageListing] = [:]
        for listing in listings { byFormat[listing.format] = listing }
        self.listings = byFormat
        self.formats = RegistryFormat.allCases.filter { byFormat[$0] != nil }
        self.activity = ActivityStore(db: db)
        self.recorder = recorder
        self.tokens = tokens
        self.authenticator = authenticator
        self.settings = settings
        self.access = WebAccess(policy: settings.policy, publicWebUI: settings.publicWebUI, sessions: SessionStore(db: db),
                                secureCookies: settings.publicURL?.hasPrefix("https://") ?? false)
        self.stats = StatsCache(seconds: 10)
        self.catalog = PackageCatalog(db: db)
    }

    public static let migrations = ActivityStore.migrations + SessionStore.migrations

    public func register(on router: Router<NoraRequestContext>) {
        router.get("/") { _, _ in Response(status: .found, headers: [.location: "/ui/"]) }
        WebUI(web: self).register(on: router)
        ManagementAPI(web: self).register(on: router)
        APIDocs(web: self).register(on: router)
    }

    func listing(_ name: String) throws(AppError) -> any PackageListing {
        let format = RegistryFormat(rawValue: name == "oci" ? "docker" : name)
        guard let format, let listing = listings[format] else {
            throw AppError(.notFound, "no format '\(name.prefix(40))' (known: \(formats.map(\.rawValue).joined(separator: ", ")))")
        }
        return listing
    }

    /// The same for a query parameter: an unknown format is a bad request, not a missing page.
    func queryListing(_ name: String) throws(AppError) -> any PackageListing {
        guard let format = RegistryFormat(rawValue: name == "oci" ? "docker" : name), let listing = listings[format] else {
            throw AppError(.badRequest, "format must be one of \(formats.map(\.rawValue).joined(separator: ", "))")
        }
        return listing
    }

    func baseURL(_ request: Request) -> String { BaseURL.of(request, publicURL: settings.publicURL) }

    /// Every format's counts, at most `StatsCache.seconds` old (COUNT/SUM read whole indexes).
    func formatStats() async throws -> [FormatStats] {
        if let cached = stats.fresh() { return cached }
        var result: [FormatStats] = []
        for format in formats { if let listing = listings[format] { result.append(try await listing.stats()) } }
        stats.store(result)
        return result
    }

    struct Storage: Codable {
        let path: String
        let totalBytes, freeBytes: Int64?
        enum CodingKeys: String, CodingKey { case path; case totalBytes = "total_bytes", freeBytes = "free_bytes" }
    }

    func storage() -> Storage {
        let attributes = try? FileManager.default.attributesOfFileSystem(forPath: settings.storagePath)
        return Storage(path: settings.storagePath, totalBytes: (attributes?[.systemSize] as? NSNumber)?.int64Value,
                       freeBytes: (attributes?[.systemFreeSize] as? NSNumber)?.int64Value)
    }
}

/// Dashboard counts shared by the page and `/api/stats` for a few seconds.
final class StatsCache: Sendable {
    let seconds: Int64
    private let value = NIOLockedValueBox<(at: Int64, stats: [FormatStats])?>(nil)
    init(seconds: Int64) { self.seconds = seconds }
    func fresh() -> [FormatStats]? {
        value.withLockedValue { v in v.flatMap { Clock.nowSeconds() - $0.at < seconds ? $0.stats : nil } }
    }
    func store(_ stats: [FormatStats]) { value.withLockedValue { $0 = (Clock.nowSeconds(), stats) } }
}
