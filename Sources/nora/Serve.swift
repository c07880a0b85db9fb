import ArgumentParser
import Logging
import Metrics
import NoraCore
import NoraServer
import Prometheus
import ServiceLifecycle

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start the registry (the default command).",
        discussion: """
        Settings (config.toml key — environment variable — default):
          server.host            NORA_HOST                     127.0.0.1 (a non-loopback host needs NORA_PUBLIC_URL)
          server.port            NORA_PORT                     4000
          server.public_url      NORA_PUBLIC_URL               (none) external base URL used in links
          server.body_limit_mb   NORA_BODY_LIMIT_MB            2048   limit for bodies read whole
          server.idle_timeout    NORA_IDLE_TIMEOUT             60     seconds a stalled request may send nothing
          server.sendfile        NORA_SENDFILE                 true   local files over 64 KiB sent with sendfile(2)
          storage.path           NORA_STORAGE_PATH             data/storage
          storage.mode           NORA_STORAGE_MODE             local (or s3: the settings below)
          storage.bucket         NORA_STORAGE_BUCKET           (none) required in s3 mode
          storage.s3_url         NORA_STORAGE_S3_URL           https://s3.<region>.amazonaws.com
          storage.s3_region      NORA_STORAGE_S3_REGION        AWS_REGION, else us-east-1
          storage.s3_access_key / s3_secret_key   NORA_STORAGE_S3_ACCESS_KEY / _SECRET_KEY   AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
          storage.s3_virtual_hosted               NORA_STORAGE_S3_VIRTUAL_HOSTED             false (path style)
          database.url           NORA_DATABASE_URL             sqlite://<storage.path>/metadata.sqlite
                                 (or postgres://user:password@host:5432/db?sslmode=… for several replicas)
          auth.enabled           NORA_AUTH_ENABLED             false
          auth.anonymous_read    NORA_AUTH_ANONYMOUS_READ      false
          auth.htpasswd_file     NORA_AUTH_HTPASSWD_FILE       users.htpasswd (bcrypt entries only)
          auth.public_metrics    NORA_AUTH_PUBLIC_METRICS      false
          auth.public_web_ui     NORA_AUTH_PUBLIC_WEB_UI       false  (auth on: /ui/ and the read API without login)
          activity.max_events    NORA_ACTIVITY_MAX_EVENTS      100000 (activity log rows kept)
          activity.max_age       NORA_ACTIVITY_MAX_AGE         30d    (activity log rows older are deleted)
          activity.audit_log     NORA_AUDIT_LOG                (none) append-only JSON lines of every write action
          rate_limit.enabled     NORA_RATE_LIMIT_ENABLED       true
          rate_limit.auth_rps / auth_burst        NORA_RATE_LIMIT_AUTH_RPS / _BURST       1 / 5 (failed logins per IP)
          rate_limit.upload_rps / upload_burst    NORA_RATE_LIMIT_UPLOAD_RPS / _BURST     200 / 500
          rate_limit.general_rps / general_burst  NORA_RATE_LIMIT_GENERAL_RPS / _BURST    500 / 1000
          registries.enable      NORA_REGISTRIES_ENABLE        all (e.g. "raw,npm" or "all,-maven")
          raw.max_file_size      NORA_RAW_MAX_FILE_SIZE        104857600 (bytes)
          pypi.max_file_size     NORA_PYPI_MAX_FILE_SIZE       104857600 (bytes)
          go.max_zip_size        NORA_GO_MAX_ZIP_SIZE          524288000 (bytes)
          maven.immutable_releases NORA_MAVEN_IMMUTABLE_RELEASES true
          gc.interval            NORA_GC_INTERVAL              off (e.g. 6h: collect garbage periodically)
          gc.grace               NORA_GC_GRACE                 1h (unreferenced blobs younger than this are kept)
          log.level              NORA_LOG_LEVEL                info
        Pull-through proxy (names not published here are read from the upstreams and cached;
        an empty URL turns a format's proxy off; <f> is npm, pypi, maven, cargo or go):
          server.offline         NORA_OFFLINE                  false (serve only what is cached)
          npm.proxy              NORA_NPM_PROXY                https://registry.npmjs.org
          pypi.proxy             NORA_PYPI_PROXY               https://pypi.org/simple
          pypi.proxies           NORA_PYPI_PROXIES             (ordered list: url[|user:pass],…; wins over pypi.proxy)
          maven.proxies          NORA_MAVEN_PROXIES            https://repo1.maven.org/maven2 (url[|user:pass],…)
          cargo.proxy            NORA_CARGO_PROXY              https://crates.io
          go.proxy               NORA_GO_PROXY                 https://proxy.golang.org
          <f>.proxy_auth         NORA_<F>_PROXY_AUTH           (none) user:pass or "Bearer <token>" for the first upstream
          <f>.proxy_timeout      NORA_<F>_PROXY_TIMEOUT        30 (seconds to the response head)
          <f>.metadata_ttl       NORA_<F>_METADATA_TTL         300 (-1 forever, 0 always revalidate)
          <f>.serve_stale        NORA_<F>_SERVE_STALE          true (cached copy when upstreams fail)
          <f>.revalidate         NORA_<F>_REVALIDATE           true (If-None-Match / If-Modified-Since)
          go.proxy_timeout_zip   NORA_GO_PROXY_TIMEOUT_ZIP     120
          maven.checksum_verify  NORA_MAVEN_CHECKSUM_VERIFY    true
          docker.upstreams       NORA_DOCKER_PROXIES           https://registry-1.docker.io (url|auth|prefix,…;
                                 alias NORA_DOCKER_UPSTREAMS; TOML [[docker.upstreams]] url, auth, prefix, namespace)
          docker.metadata_ttl    NORA_DOCKER_METADATA_TTL      -1
          docker.serve_stale     NORA_DOCKER_SERVE_STALE       true
          docker.default_action  NORA_DOCKER_DEFAULT_ACTION    allow (deny: only prefix/host-routed names)
          docker.proxy_timeout   NORA_DOCKER_PROXY_TIMEOUT     300
          docker.read_timeout    NORA_DOCKER_READ_TIMEOUT      60
          circuit_breaker.enabled / failure_threshold / reset_timeout
                                 NORA_CB_ENABLED / _THRESHOLD / _RESET_TIMEOUT   false / 5 / 30
        The config file is NORA_CONFIG_PATH, else ./config.toml when present.
        An invalid value stops start-up with one line naming the key and the value.
        SIGTERM or SIGINT shut the server down gracefully: in-flight requests get 10 seconds
        to finish, then their connections are closed.
        """
    )

    func run() async throws {
        MemoryTuning.apply()
        let config = try loadConfiguration()
        let logger = makeLogger(config)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = logger.logLevel
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(DescribedMetricsFactory(registry: registry))
        let app: NoraApp.App, parts: NoraApp.Parts
        do {
            (app, parts) = try await NoraApp.application(config: config, logger: logger, metrics: registry)
        } catch let error as StartupError {
            throw FatalError(error.description)
        }
        // In-flight requests get a bounded time to finish: a client that stalls mid-upload
        // must not keep the process alive after SIGTERM.
        let services: [any Service] = [app, HeapTrimmer(intervalSeconds: 10),
                                       ShutdownAnnouncer(logger: logger, graceSeconds: Self.gracefulShutdownSeconds)]
        var group = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        group.maximumGracefulShutdownDuration = .seconds(Self.gracefulShutdownSeconds)
        group.maximumCancellationDuration = .seconds(5)
        do {
            try await ServiceGroup(configuration: group).run()
        } catch let error as ServiceGroupError {
            logger.warning("shutdown did not finish cleanly", metadata: ["error": .string("\(error)")])
        }
        // Closed here, after the server stopped, so no request can still be using it.
        await parts.db.close()
        logger.notice("shutdown complete")
    }

    static let gracefulShutdownSeconds: Int64 = 10
}
