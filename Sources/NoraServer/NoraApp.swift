import Hummingbird
import Logging
import Metrics
import NoraAuth
import NoraCargo
import NoraCore
import NoraGo
import NoraMaven
import NoraMetadata
import NoraNpm
import NoraOCI
import NoraProxy
import NoraPyPI
import NoraRaw
import NoraStorage
import NoraWeb
import Prometheus
import ServiceLifecycle

/// Assembly: configuration → stores → middleware chain → each enabled format's routes.
///
/// Request flow (outermost first): upgrade refusal → connection (sendfile, back-pressure) → request id →
/// access log + metrics → error rendering →
/// rate limit → authentication → format router → handler.
public enum NoraApp {
    public typealias App = Application<RouterResponder<NoraRequestContext>>

    /// Everything a running registry holds; tests use the parts directly.
    public struct Parts: Sendable {
        public let config: NoraConfig
        public let db: MetadataDatabase
        public let store: any BlobStore
        public let tokens: TokenStore
        /// Signs the OCI token service's bearer tokens (key shared by replicas through the database).
        public let signer: SignedTokens
        public let metrics: PrometheusCollectorRegistry
        /// The database in use (the configured one, or the embedded file where it was found).
        public let databaseURL: String
        let identity: RegistryIdentity
        /// Activity events, batched into the database (a service of the application).
        public let activity: ActivityLog
        /// What the formats' pull-through caches share (upstream clients, cache rows, breaker).
        public let proxy: ProxyServices
    }

    /// Opens the stores, applies every module's migrations and checks that the database and
    /// the store belong together (`RegistryIdentity`).
    public static func open(config: NoraConfig, logger: Logger, metrics: PrometheusCollectorRegistry) async throws -> Parts {
        let store = ValidatingBlobStore(try await openBlobStore(config.storage), metrics: DescribedMetricsFactory(registry: metrics))
        let databaseURL = DatabaseLocation.resolve(config, logger: logger)
        let db: MetadataDatabase
        do {
            db = try await MetadataDatabase.open(url: databaseURL, logger: logger)
        } catch {
            throw StartupError("NORA_DATABASE_URL='\(MetadataDatabase.redacted(databaseURL))': cannot open the database (\(error))")
        }
        let identity: RegistryIdentity
        do {
            let fresh = (try? await db.reader.select().column("id").from("nora_migrations").limit(1).first()) == nil
            do {
                try await db.migrate(migrations)
            } catch {
                throw StartupError("database migration failed: \(error)")
            }
            identity = try await RegistryIdentity.establish(
                db: db, store: store, places: .init(database: databaseURL, storage: config.storage.path),
                freshDatabase: fresh, logger: logger)
        } catch {
            await db.close()
            throw error
        }
        let signer = try await SignedTokens.load(db: db, name: "oci-token-hs256", issuer: "nora")
        let activity = ActivityLog(store: ActivityStore(db: db),
                                   retention: .init(maxEvents: config.activity.maxEvents, maxAgeSeconds: config.activity.maxAgeSeconds),
                                   auditPath: config.activity.auditLog, logger: logger)
        let proxy = ProxyServices(db: db, store: store, breaker: CircuitBreaker(config.proxy.circuitBreaker),
                                  offline: config.proxy.offline, userAgent: "nora/\(NoraVersion.current)", logger: logger,
                                  metrics: PrometheusMetricsFactory(registry: metrics))
        return Parts(config: config, db: db, store: store, tokens: TokenStore(db: db), signer: signer, metrics: metrics,
                     databaseURL: databaseURL, identity: identity, activity: activity, proxy: proxy)
    }

    /// The configured backend: a local folder, or an S3 bucket (checked to answer).
    public static func openBlobStore(_ storage: NoraConfig.Storage) async throws -> any BlobStore {
        switch storage.mode {
        case .local:
            do {
                return try await FileBlobStore(root: storage.path)
            } catch {
                throw StartupError("NORA_STORAGE_PATH='\(storage.path)': cannot create the storage folder (\(error))")
            }
        case .s3:
            let endpoint = try S3Client.Endpoint(url: storage.effectiveS3URL, bucket: storage.bucket ?? "",
                                                 virtualHosted: storage.s3VirtualHosted)
            let signer = SigV4Signer(credentials: .init(accessKey: storage.s3AccessKey ?? "", secretKey: storage.s3SecretKey ?? ""),
                                     region: storage.effectiveS3Region)
            let store = S3BlobStore(client: S3Client(endpoint: endpoint, signer: signer))
            do {
                try await store.checkHealth()
            } catch {
                throw StartupError("S3 bucket '\(endpoint.bucket)' at \(storage.effectiveS3URL) does not answer (\(error))")
            }
            return store
        }
    }

    /// Every module's schema steps, in dependency order.
    public static let migrations: [Migration] = RegistryIdentity.migrations + TokenStore.migrations + SignedTokens.migrations + RawRegistry.migrations
        + OCIRegistry.migrations + NpmRegistry.migrations + PyPIRegistry.migrations + CargoRegistry.migrations
        + GoRegistry.migrations + MavenRegistry.migrations + NoraWeb.migrations + ProxyCacheIndex.migrations

    /// Builds the router with every middleware and the enabled formats.
    public static func router(parts: Parts, users: Htpasswd) -> Router<NoraRequestContext> {
        let config = parts.config
        let router = Router(context: NoraRequestContext.self)
        let factory = DescribedMetricsFactory(registry: parts.metrics)
        let policy = AccessPolicy(authEnabled: config.auth.enabled, anonymousRead: config.auth.anonymousRead)
        let failedLogins = config.rateLimit.enabled ? RateLimiter(rate: config.rateLimit.auth.rps, burst: config.rateLimit.auth.burst) : nil
        let authenticator = Authenticator(users: users, tokens: parts.tokens, signedTokens: [OCITokenVerifier(signer: parts.signer)],
                                          failedLogins: failedLogins)
        let oci = OCIRegistry(db: parts.db, store: parts.store, signer: parts.signer, authenticator: authenticator,
                              policy: policy, publicURL: config.server.publicURL,
                              proxyConfig: config.proxy.docker, proxyServices: parts.proxy)
        let npm = NpmRegistry(db: parts.db, store: parts.store, config: config, authenticator: authenticator, proxy: parts.proxy)
        let pypi = PyPIRegistry(db: parts.db, store: parts.store, config: config, authenticator: authenticator, proxy: parts.proxy)
        let cargo = CargoRegistry(db: parts.db, store: parts.store, config: config, authenticator: authenticator, proxy: parts.proxy)
        let go = GoRegistry(db: parts.db, store: parts.store, config: config, authenticator: authenticator, proxy: parts.proxy)
        let maven = MavenRegistry(db: parts.db, store: parts.store, config: config, authenticator: authenticator, proxy: parts.proxy)
        router.add(middleware: UpgradeRefusalMiddleware())
        router.add(middleware: ResponseConnectionMiddleware(sendfile: config.server.sendfile))
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: AccessLogMiddleware(metrics: factory))
        router.add(middleware: ErrorMiddleware(
            dialects: [("/v2", oci.errorDialect), ("/npm", npm.errorDialect), ("/simple", pypi.errorDialect),
                       ("/cargo", cargo.errorDialect), ("/go", go.errorDialect), ("/maven2", maven.errorDialect),
                       ("/raw", JSONErrorDialect()), ("/api", JSONErrorDialect()), ("/ui", HTMLErrorDialect())],
            fallback: JSONErrorDialect()))
        if config.rateLimit.enabled {
            router.add(middleware: RateLimitMiddleware(
                uploads: RateLimiter(rate: config.rateLimit.upload.rps, burst: config.rateLimit.upload.burst),
                general: RateLimiter(rate: config.rateLimit.general.rps, burst: config.rateLimit.general.burst)))
        }
        router.add(middleware: ActivityMiddleware(recorder: parts.activity))
        router.add(middleware: ProxyOutcomeMiddleware())
        router.add(middleware: AuthMiddleware(authenticator: authenticator, policy: policy))

        OperationsRoutes(db: parts.db, store: parts.store, registry: parts.metrics, publicMetrics: config.auth.publicMetrics,
                         identity: parts.identity)
            .register(on: router)
        TokenAPI(tokens: parts.tokens).register(on: router)
        web(parts: parts, authenticator: authenticator, policy: policy).register(on: router)
        if config.registries.contains(.docker) { oci.register(on: router) }
        if config.registries.contains(.npm) { npm.register(on: router) }
        if config.registries.contains(.pypi) { pypi.register(on: router) }
        if config.registries.contains(.cargo) { cargo.register(on: router) }
        if config.registries.contains(.go) { go.register(on: router) }
        if config.registries.contains(.maven) { maven.register(on: router) }
        if config.registries.contains(.raw) {
            RawRegistry(db: parts.db, store: parts.store, maxFileSize: config.raw.maxFileSize).register(on: router)
        }
        return router
    }

    /// The web UI and management API over every enabled format's listing.
    static func web(parts: Parts, authenticator: Authenticator, policy: AccessPolicy) -> NoraWeb {
        let config = parts.config, db = parts.db, store = parts.store
        let all: [RegistryFormat: any PackageListing] = [
            .docker: OCIListing(db: db, store: store), .npm: NpmListing(db: db), .pypi: PyPIListing(db: db, store: store),
            .cargo: CargoListing(db: db), .go: GoListing(db: db, store: store), .maven: MavenPackageListing(db: db),
            .raw: RawPackageListing(db: db),
        ]
        return NoraWeb(listings: RegistryFormat.allCases.filter(config.registries.contains).compactMap { all[$0] }, db: db,
                       recorder: parts.activity, tokens: parts.tokens, authenticator: authenticator,
                       settings: .init(policy: policy, publicWebUI: config.auth.publicWebUI, publicURL: config.server.publicURL,
                                       version: NoraVersion.current, storagePath: config.storage.path))
    }

    /// Reads the htpasswd file when auth is on; a missing file or a non-bcrypt hash stops start-up.
    public static func loadUsers(config: NoraConfig) throws -> Htpasswd {
        guard config.auth.enabled else { return .empty }
        guard let text = ConfigLoader.readFile(config.auth.htpasswdFile) else {
            throw StartupError("NORA_AUTH_HTPASSWD_FILE='\(config.auth.htpasswdFile)': file cannot be read (auth is enabled)")
        }
        do {
            return try Htpasswd(contents: text, source: config.auth.htpasswdFile)
        } catch {
            throw StartupError("NORA_AUTH_HTPASSWD_FILE='\(config.auth.htpasswdFile)': \(error)")
        }
    }

    /// The whole application: server and background services. The caller closes
    /// `parts.db` once the application has stopped.
    /// `onRunning` gets the bound port (a configured port 0 picks a free one: `nora mirror --direct`).
    public static func application(config: NoraConfig, logger: Logger, metrics: PrometheusCollectorRegistry,
                                   onRunning: (@Sendable (Int) async -> Void)? = nil) async throws -> (App, Parts) {
        let users = try loadUsers(config: config)
        let parts = try await open(config: config, logger: logger, metrics: metrics)
        let router = router(parts: parts, users: users)
        let host = config.server.host, port = config.server.port
        var services: [any Service] = [
            Periodic.uploadSweeper(store: parts.store, maxIdleSeconds: 30 * 60, intervalSeconds: 5 * 60, logger: logger),
            OCIRegistry.uploadExpiry(db: parts.db, store: parts.store),
            parts.activity,
            parts.proxy.shutdownService,
        ]
        if parts.db.dialect == .postgres {
            services.append(Periodic.catalogStatistics(PackageCatalog(db: parts.db), intervalSeconds: 15, logger: logger))
        }
        if let interval = config.gc.intervalSeconds {
            services.append(Periodic.garbageCollector(GarbageCollector(db: parts.db, store: parts.store, logger: logger),
                                                      intervalSeconds: interval, graceSeconds: config.gc.graceSeconds, logger: logger))
        }
        let app = Application(
            router: router,
            // The idle timeout closes connections that stall while sending a request (slowloris).
            server: .http1(configuration: .init(additionalChannelHandlers: [ExpectContinueHandler(), ReasonPhraseHandler()],
                                                idleTimeout: .seconds(Int64(config.server.idleTimeoutSeconds)))),
            configuration: .init(address: .hostname(host, port: port), serverName: "nora"),
            services: services,
            onServerRunning: { channel in
                logger.info("nora listening", metadata: [
                    "address": .string(channel.localAddress?.description ?? "\(host):\(port)"),
                    "storage": .string(config.storage.path), "database": .string(parts.databaseURL),
                    "auth": .stringConvertible(config.auth.enabled),
                    "registries": .string(config.registries.map(\.rawValue).sorted().joined(separator: ",")),
                ])
                await onRunning?(channel.localAddress?.port ?? port)
            },
            logger: logger
        )
        return (app, parts)
    }
}

/// A start-up failure worded for the operator: one line naming the setting.
public struct StartupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
