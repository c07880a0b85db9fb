import Foundation
@testable import NoraCore
import Testing

/// `ConfigLoader.parse(toml:environment:)`: defaults, TOML, `NORA_*` overrides and error reporting.
@Suite struct ConfigLoaderTests {
    private func parse(_ toml: String? = nil, _ env: [String: String] = [:]) throws(ConfigError) -> (NoraConfig, warnings: [String]) {
        try ConfigLoader.parse(toml: toml, environment: env)
    }

    // MARK: defaults

    @Test func defaultsWithoutAnySource() throws {
        let (config, warnings) = try parse()
        #expect(warnings.isEmpty)
        #expect(config == NoraConfig())
        #expect(config.server.host == "127.0.0.1")
        #expect(config.server.port == 4000)
        #expect(config.server.publicURL == nil)
        #expect(config.server.bodyLimitMB == 2048)
        #expect(config.server.idleTimeoutSeconds == 60)
        #expect(config.storage.path == "data/storage")
        #expect(config.database.url == nil)
        #expect(config.auth.enabled == false)
        #expect(config.auth.anonymousRead == false)
        #expect(config.auth.htpasswdFile == "users.htpasswd")
        #expect(config.auth.publicMetrics == false)
        #expect(config.rateLimit.enabled == true)
        #expect(config.rateLimit.auth == NoraConfig.RateBucket(rps: 1, burst: 5))
        #expect(config.rateLimit.upload == NoraConfig.RateBucket(rps: 200, burst: 500))
        #expect(config.rateLimit.general == NoraConfig.RateBucket(rps: 500, burst: 1000))
        #expect(config.registries == Set(RegistryFormat.allCases))
        #expect(config.raw.maxFileSize == 100 * 1024 * 1024)
        #expect(config.logLevel == "info")
        #expect(config.dataDirectory == "data")
        #expect(config.effectiveDatabaseURL == "sqlite://data/storage/metadata.sqlite")
        #expect(config.legacyDatabaseURL == "sqlite://data/metadata.sqlite")
        #expect(config.bindsLoopbackOnly)
    }

    @Test func emptyTOMLAndUnrelatedEnvironmentKeepDefaults() throws {
        let (config, warnings) = try parse("", ["HOME": "/root", "NORA_UNKNOWN_THING": "1", "PATH": "/bin"])
        #expect(warnings.isEmpty)
        #expect(config == NoraConfig())
    }

    // MARK: TOML

    static let fullTOML = """
    # every section nora reads
    [server]
    host = "0.0.0.0"
    port = 5000
    public_url = "https://registry.example.com/"
    body_limit_mb = 64

    [storage]
    path = "/var/lib/nora/storage"

    [database]
    url = "sqlite:///var/lib/nora/meta.db"

    [auth]
    enabled = true
    anonymous_read = true
    htpasswd_file = "/etc/nora/htpasswd"
    public_metrics = true

    [rate_limit]
    enabled = false
    auth_rps = 2.5
    auth_burst = 7
    upload_rps = 100
    upload_burst = 300
    general_rps = 0.5
    general_burst = 9

    [registries]
    enable = "raw,npm"

    [raw]
    max_file_size = 1048576

    [log]
    level = "DEBUG"
    """

    @Test func everyTOMLSectionIsApplied() throws {
        let (config, warnings) = try parse(Self.fullTOML)
        #expect(warnings.isEmpty)
        #expect(config.server.host == "0.0.0.0")
        #expect(config.server.port == 5000)
        #expect(config.server.publicURL == "https://registry.example.com")
        #expect(config.server.bodyLimitMB == 64)
        #expect(config.storage.path == "/var/lib/nora/storage")
        #expect(config.database.url == "sqlite:///var/lib/nora/meta.db")
        #expect(config.effectiveDatabaseURL == "sqlite:///var/lib/nora/meta.db")
        #expect(config.auth.enabled)
        #expect(config.auth.anonymousRead)
        #expect(config.auth.htpasswdFile == "/etc/nora/htpasswd")
        #expect(config.auth.publicMetrics)
        #expect(config.rateLimit.enabled == false)
        #expect(config.rateLimit.auth == NoraConfig.RateBucket(rps: 2.5, burst: 7))
        #expect(config.rateLimit.upload == NoraConfig.RateBucket(rps: 100, burst: 300))
        #expect(config.rateLimit.general == NoraConfig.RateBucket(rps: 0.5, burst: 9))
        #expect(config.registries == [.raw, .npm])
        #expect(config.raw.maxFileSize == 1_048_576)
        #expect(config.logLevel == "debug")
        #expect(config.dataDirectory == "/var/lib/nora")
        #expect(!config.bindsLoopbackOnly)
    }

    @Test func registriesAsTOMLArray() throws {
        let (config, _) = try parse("""
        [registries]
        enable = ["docker", "pypi", "cargo"]
        """)
        #expect(config.registries == [.docker, .pypi, .cargo])
    }

    @Test func unknownTOMLKeysAreWarningsNotErrors() throws {
        let (config, warnings) = try parse("""
        top_level = 1
        [server]
        port = 4100
        hots = "typo"
        [unknown_section]
        key = "x"
        """)
        #expect(config.server.port == 4100)
        #expect(config.server.host == "127.0.0.1")
        #expect(warnings.count == 3)
        #expect(warnings.contains { $0.contains("'server.hots'") })
        #expect(warnings.contains { $0.contains("'unknown_section.key'") })
        #expect(warnings.contains { $0.contains("'top_level'") })
        #expect(!warnings.contains { $0.contains("server.port") })
    }

    // MARK: environment

    @Test func environmentOverridesTOML() throws {
        let (config, _) = try parse(Self.fullTOML, [
            "NORA_PORT": "6000",
            "NORA_HOST": "127.0.0.1",
            "NORA_PUBLIC_URL": "http://localhost:6000",
            "NORA_AUTH_ENABLED": "false",
            "NORA_REGISTRIES_ENABLE": "all,-maven",
            "NORA_LOG_LEVEL": "warning",
            "NORA_RATE_LIMIT_AUTH_BURST": "11",
        ])
        #expect(config.server.port == 6000)
        #expect(config.server.host == "127.0.0.1")
        #expect(config.server.publicURL == "http://localhost:6000")
        #expect(config.auth.enabled == false)
        #expect(config.registries == Set(RegistryFormat.allCases).subtracting([.maven]))
        #expect(config.logLevel == "warning")
        #expect(config.rateLimit.auth.burst == 11)
        // Values not overridden still come from the TOML.
        #expect(config.rateLimit.auth.rps == 2.5)
        #expect(config.server.bodyLimitMB == 64)
        #expect(config.auth.anonymousRead)
    }

    @Test func environmentValueReplacesAnInvalidTOMLValue() throws {
        let (config, _) = try parse("[server]\nport = 99999\n", ["NORA_PORT": "4001"])
        #expect(config.server.port == 4001)
    }

    @Test func everyEnvironmentVariableIsRead() throws {
        let env = [
            "NORA_HOST": "localhost",
            "NORA_PORT": " 8080 ",
            "NORA_PUBLIC_URL": "https://reg.example.org///",
            "NORA_BODY_LIMIT_MB": "16",
            "NORA_SENDFILE": "false",
            "NORA_STORAGE_PATH": "/srv/nora/blobs/",
            "NORA_DATABASE_URL": "sqlite://:memory:",
            "NORA_AUTH_ENABLED": "yes",
            "NORA_AUTH_ANONYMOUS_READ": "ON",
            "NORA_AUTH_HTPASSWD_FILE": "/x/htpasswd",
            "NORA_AUTH_PUBLIC_METRICS": "1",
            "NORA_RATE_LIMIT_ENABLED": "off",
            "NORA_RATE_LIMIT_AUTH_RPS": "3",
            "NORA_RATE_LIMIT_AUTH_BURST": "4",
            "NORA_RATE_LIMIT_UPLOAD_RPS": "5.5",
            "NORA_RATE_LIMIT_UPLOAD_BURST": "6",
            "NORA_RATE_LIMIT_GENERAL_RPS": "7",
            "NORA_RATE_LIMIT_GENERAL_BURST": "8",
            "NORA_REGISTRIES_ENABLE": "raw",
            "NORA_RAW_MAX_FILE_SIZE": "1024",
            "NORA_LOG_LEVEL": "Trace",
        ]
        let (config, warnings) = try parse(nil, env)
        #expect(warnings.isEmpty)
        #expect(config.server.host == "localhost")
        #expect(config.server.port == 8080)
        #expect(config.server.publicURL == "https://reg.example.org")
        #expect(config.server.bodyLimitMB == 16)
        #expect(!config.server.sendfile)
        #expect(config.storage.path == "/srv/nora/blobs/")
        #expect(config.dataDirectory == "/srv/nora")
        #expect(config.database.url == "sqlite://:memory:")
        #expect(config.effectiveDatabaseURL == "sqlite://:memory:")
        #expect(config.auth.enabled)
        #expect(config.auth.anonymousRead)
        #expect(config.auth.htpasswdFile == "/x/htpasswd")
        #expect(config.auth.publicMetrics)
        #expect(config.rateLimit.enabled == false)
        #expect(config.rateLimit.auth == NoraConfig.RateBucket(rps: 3, burst: 4))
        #expect(config.rateLimit.upload == NoraConfig.RateBucket(rps: 5.5, burst: 6))
        #expect(config.rateLimit.general == NoraConfig.RateBucket(rps: 7, burst: 8))
        #expect(config.registries == [.raw])
        #expect(config.raw.maxFileSize == 1024)
        #expect(config.logLevel == "trace")
    }

    @Test(arguments: [("true", true), ("TRUE", true), ("1", true), ("yes", true), ("on", true),
                      ("false", false), ("False", false), ("0", false), ("no", false), ("OFF", false)])
    func booleanSpellings(_ text: String, _ expected: Bool) throws {
        let (config, _) = try parse(nil, ["NORA_AUTH_ENABLED": text])
        #expect(config.auth.enabled == expected)
    }

    // MARK: invalid values

    /// (environment variable, TOML key, bad value)
    static let invalidValues: [(String, String, String)] = [
        ("NORA_HOST", "server.host", "bad host"),
        ("NORA_HOST", "server.host", "host/path"),
        ("NORA_HOST", "server.host", ""),
        ("NORA_PORT", "server.port", "0"),
        ("NORA_PORT", "server.port", "65536"),
        ("NORA_PORT", "server.port", "-1"),
        ("NORA_PORT", "server.port", "eighty"),
        ("NORA_PORT", "server.port", "80.5"),
        ("NORA_PUBLIC_URL", "server.public_url", "ftp://example.com"),
        ("NORA_PUBLIC_URL", "server.public_url", "example.com"),
        ("NORA_PUBLIC_URL", "server.public_url", "http://"),
        ("NORA_PUBLIC_URL", "server.public_url", "https://a b.example"),
        ("NORA_BODY_LIMIT_MB", "server.body_limit_mb", "0"),
        ("NORA_BODY_LIMIT_MB", "server.body_limit_mb", "2GB"),
        ("NORA_IDLE_TIMEOUT", "server.idle_timeout", "0"),
        ("NORA_IDLE_TIMEOUT", "server.idle_timeout", "1m"),
        ("NORA_SENDFILE", "server.sendfile", "sometimes"),
        ("NORA_STORAGE_PATH", "storage.path", ""),
        ("NORA_DATABASE_URL", "database.url", "mysql://db/nora"),
        ("NORA_DATABASE_URL", "database.url", "sqlite://"),
        ("NORA_DATABASE_URL", "database.url", "metadata.sqlite"),
        ("NORA_AUTH_ENABLED", "auth.enabled", "maybe"),
        ("NORA_AUTH_ANONYMOUS_READ", "auth.anonymous_read", "2"),
        ("NORA_AUTH_HTPASSWD_FILE", "auth.htpasswd_file", ""),
        ("NORA_AUTH_PUBLIC_METRICS", "auth.public_metrics", "enabled"),
        ("NORA_RATE_LIMIT_ENABLED", "rate_limit.enabled", "sometimes"),
        ("NORA_RATE_LIMIT_AUTH_RPS", "rate_limit.auth_rps", "0"),
        ("NORA_RATE_LIMIT_AUTH_RPS", "rate_limit.auth_rps", "-2"),
        ("NORA_RATE_LIMIT_AUTH_RPS", "rate_limit.auth_rps", "fast"),
        ("NORA_RATE_LIMIT_AUTH_RPS", "rate_limit.auth_rps", "inf"),
        ("NORA_RATE_LIMIT_AUTH_RPS", "rate_limit.auth_rps", "nan"),
        ("NORA_RATE_LIMIT_AUTH_BURST", "rate_limit.auth_burst", "0"),
        ("NORA_RATE_LIMIT_UPLOAD_RPS", "rate_limit.upload_rps", "0"),
        ("NORA_RATE_LIMIT_UPLOAD_BURST", "rate_limit.upload_burst", "1000001"),
        ("NORA_RATE_LIMIT_GENERAL_RPS", "rate_limit.general_rps", "-0.5"),
        ("NORA_RATE_LIMIT_GENERAL_BURST", "rate_limit.general_burst", "many"),
        ("NORA_REGISTRIES_ENABLE", "registries.enable", "bogus"),
        ("NORA_REGISTRIES_ENABLE", "registries.enable", "raw,-nope"),
        ("NORA_REGISTRIES_ENABLE", "registries.enable", ","),
        ("NORA_RAW_MAX_FILE_SIZE", "raw.max_file_size", "0"),
        ("NORA_RAW_MAX_FILE_SIZE", "raw.max_file_size", "10MB"),
        ("NORA_LOG_LEVEL", "log.level", "verbose"),
    ]

    @Test(arguments: invalidValues)
    func invalidEnvironmentValueNamesTheVariable(_ env: String, _ tomlKey: String, _ value: String) {
        let error = #expect(throws: ConfigError.self) {
            try parse(nil, [env: value])
        }
        #expect(error?.key == env)
        #expect(error?.value == value)
        #expect(error?.description.contains("'\(value)'") == true)
        #expect(error?.description.contains(env) == true)
        #expect(error?.reason.isEmpty == false)
    }

    @Test(arguments: invalidValues)
    func invalidTOMLValueNamesTheKey(_ env: String, _ tomlKey: String, _ value: String) {
        let parts = tomlKey.split(separator: ".")
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        let toml = "[\(parts[0])]\n\(parts[1]) = \"\(escaped)\"\n"
        let error = #expect(throws: ConfigError.self) {
            try parse(toml)
        }
        #expect(error?.key == "\(tomlKey) (config.toml)")
        #expect(error?.value == value)
        #expect(error?.description.contains("'\(value)'") == true)
    }

    @Test func invalidTOMLIntegerValueNamesTheKey() {
        let error = #expect(throws: ConfigError.self) {
            try parse("[server]\nport = 70000\n")
        }
        #expect(error?.key == "server.port (config.toml)")
        #expect(error?.description.contains("70000") == true)
    }

    @Test func postgresURLsAreAccepted() throws {
        for url in ["postgres://nora@db/nora", "postgresql://nora:pw@db:5433/nora?sslmode=require"] {
            let (config, _) = try parse(nil, ["NORA_DATABASE_URL": url])
            #expect(config.effectiveDatabaseURL == url)
        }
    }

    @Test(arguments: ["postgres://db/nora", "postgres:///nora", "postgresql://"])
    func postgresURLsWithoutUserOrHostAreRefused(_ url: String) {
        let error = #expect(throws: ConfigError.self) {
            try parse(nil, ["NORA_DATABASE_URL": url])
        }
        #expect(error?.key == "NORA_DATABASE_URL")
        #expect(error?.reason.contains("user and a host") == true)
    }

    // MARK: cross-field rules

    @Test(arguments: ["0.0.0.0", "::", "192.168.1.10", "registry.example.com"])
    func nonLoopbackHostNeedsPublicURL(_ host: String) throws {
        let error = #expect(throws: ConfigError.self) {
            try parse(nil, ["NORA_HOST": host])
        }
        #expect(error?.key == "NORA_HOST")
        #expect(error?.value == host)
        #expect(error?.reason.contains("NORA_PUBLIC_URL") == true)

        let (config, _) = try parse(nil, ["NORA_HOST": host, "NORA_PUBLIC_URL": "https://registry.example.com"])
        #expect(config.server.host == host)
        #expect(config.server.publicURL == "https://registry.example.com")
        #expect(!config.bindsLoopbackOnly)
    }

    @Test func nonLoopbackHostFromTOMLNeedsPublicURL() throws {
        #expect(throws: ConfigError.self) {
            try parse("[server]\nhost = \"0.0.0.0\"\n")
        }
        let (config, _) = try parse("[server]\nhost = \"0.0.0.0\"\npublic_url = \"http://10.0.0.1:4000\"\n")
        #expect(config.server.publicURL == "http://10.0.0.1:4000")
        // The public URL may also come from the environment while the host comes from the file.
        let (mixed, _) = try parse("[server]\nhost = \"0.0.0.0\"\n", ["NORA_PUBLIC_URL": "http://10.0.0.1:4000/"])
        #expect(mixed.server.publicURL == "http://10.0.0.1:4000")
    }

    @Test(arguments: ["127.0.0.1", "127.1.2.3", "localhost", "LocalHost", "::1", "[::1]"])
    func loopbackHostsNeedNoPublicURL(_ host: String) throws {
        let (config, _) = try parse(nil, ["NORA_HOST": host])
        #expect(config.bindsLoopbackOnly)
        #expect(config.server.publicURL == nil)
    }

    @Test(arguments: [("https://r.example.com/", "https://r.example.com"),
                      ("https://r.example.com///", "https://r.example.com"),
                      ("http://r.example.com/nora/", "http://r.example.com/nora"),
                      ("http://r.example.com:8080", "http://r.example.com:8080")])
    func publicURLTrailingSlashesTrimmed(_ input: String, _ expected: String) throws {
        let (config, _) = try parse(nil, ["NORA_PUBLIC_URL": input])
        #expect(config.server.publicURL == expected)
    }

    // MARK: registries list

    @Test func registriesListSyntax() throws {
        #expect(try RegistryFormat.parseList("all") == Set(RegistryFormat.allCases))
        #expect(try RegistryFormat.parseList("raw,npm") == [.raw, .npm])
        #expect(try RegistryFormat.parseList(" RAW , Npm ") == [.raw, .npm])
        #expect(try RegistryFormat.parseList("all,-maven") == Set(RegistryFormat.allCases).subtracting([.maven]))
        #expect(try RegistryFormat.parseList("all,-maven,-docker") == Set(RegistryFormat.allCases).subtracting([.maven, .docker]))
        #expect(try RegistryFormat.parseList("oci") == [.docker])
        #expect(try RegistryFormat.parseList("raw,-raw").isEmpty)
        #expect(try RegistryFormat.parseList("go,cargo,pypi") == [.go, .cargo, .pypi])
    }

    @Test(arguments: ["", ",", "bogus", "raw,bogus", "all,-bogus", "npm;raw"])
    func registriesListRefusesUnknownOrEmpty(_ text: String) {
        let error = #expect(throws: ConfigError.self) {
            try RegistryFormat.parseList(text)
        }
        #expect(error?.key == "NORA_REGISTRIES_ENABLE")
        #expect(error?.value == text)
    }

    @Test func registriesErrorNamesTheUnknownName() {
        let error = #expect(throws: ConfigError.self) {
            try parse(nil, ["NORA_REGISTRIES_ENABLE": "raw,rubygems"])
        }
        #expect(error?.reason.contains("'rubygems'") == true)
        #expect(error?.description.contains("raw,rubygems") == true)
    }

    // MARK: derived values

    @Test(arguments: [("data/storage", "data"), ("data/storage/", "data"), ("storage", "."),
                      ("/storage", "/"), ("/var/lib/nora/storage", "/var/lib/nora"), ("./blobs", ".")])
    func dataDirectoryDerivation(_ storagePath: String, _ expected: String) {
        var config = NoraConfig()
        config.storage.path = storagePath
        #expect(config.dataDirectory == expected)
        #expect(config.legacyDatabaseURL == "sqlite://\(expected)/metadata.sqlite")
        let folder = storagePath.hasSuffix("/") ? String(storagePath.dropLast()) : storagePath
        #expect(config.effectiveDatabaseURL == "sqlite://\(folder)/metadata.sqlite")
    }

    @Test func configuredDatabaseURLWinsOverDerivedOne() throws {
        let (config, _) = try parse(nil, ["NORA_STORAGE_PATH": "/srv/storage", "NORA_DATABASE_URL": "sqlite:///elsewhere/db.sqlite"])
        #expect(config.dataDirectory == "/srv")
        #expect(config.effectiveDatabaseURL == "sqlite:///elsewhere/db.sqlite")
        #expect(config.legacyDatabaseURL == nil)
    }

    /// The database lives inside the storage folder (NORA keeps everything under its storage
    /// path); `/var/lib/nora` must not put it at `/var/lib/metadata.sqlite`.
    @Test func storagePathFromEnvironmentMovesTheDatabase() throws {
        let (config, _) = try parse(nil, ["NORA_STORAGE_PATH": "/var/lib/nora"])
        #expect(config.effectiveDatabaseURL == "sqlite:///var/lib/nora/metadata.sqlite")
    }

    // MARK: load

    @Test func loadReadsTheFileNamedByNORA_CONFIG_PATH() throws {
        let (config, _) = try ConfigLoader.load(environment: ["NORA_CONFIG_PATH": "/etc/nora.toml"]) { path in
            path == "/etc/nora.toml" ? "[server]\nport = 4321\n" : nil
        }
        #expect(config.server.port == 4321)
    }

    @Test func loadFailsWhenNORA_CONFIG_PATHCannotBeRead() {
        let error = #expect(throws: ConfigError.self) {
            try ConfigLoader.load(environment: ["NORA_CONFIG_PATH": "/missing.toml"]) { _ in nil }
        }
        #expect(error?.key == "NORA_CONFIG_PATH")
        #expect(error?.value == "/missing.toml")
    }

    @Test func loadFallsBackToConfigTomlOrDefaults() throws {
        let (fromFile, _) = try ConfigLoader.load(environment: [:]) { path in
            path == "config.toml" ? "[log]\nlevel = \"error\"\n" : nil
        }
        #expect(fromFile.logLevel == "error")
        let (defaults, warnings) = try ConfigLoader.load(environment: [:]) { _ in nil }
        #expect(defaults == NoraConfig())
        #expect(warnings.isEmpty)
    }
}
