import Foundation

/// The table of every setting: TOML key, NORA environment name and how the text is applied.
extension ConfigLoader {
    static let settings: [Setting] = baseSettings + proxySettings

    static let baseSettings: [Setting] = [
        Setting(tomlKey: "server.host", envName: "NORA_HOST") { c, v throws(ConfigError) in
            guard !v.isEmpty, !v.contains(where: { $0 == "/" || $0 == " " }) else { throw invalid(v, "not a host name or address") }
            c.server.host = v
        },
        Setting(tomlKey: "server.port", envName: "NORA_PORT") { c, v throws(ConfigError) in
            c.server.port = try integer(v, in: 1...65535)
        },
        Setting(tomlKey: "server.public_url", envName: "NORA_PUBLIC_URL") { c, v throws(ConfigError) in
            guard v.hasPrefix("http://") || v.hasPrefix("https://"), v.count > 8, !v.contains(" ") else {
                throw invalid(v, "must be an absolute http:// or https:// URL")
            }
            var url = v
            while url.hasSuffix("/") { url.removeLast() }
            c.server.publicURL = url
        },
        Setting(tomlKey: "server.body_limit_mb", envName: "NORA_BODY_LIMIT_MB") { c, v throws(ConfigError) in
            c.server.bodyLimitMB = try integer(v, in: 1...1_048_576)
        },
        Setting(tomlKey: "server.idle_timeout", envName: "NORA_IDLE_TIMEOUT") { c, v throws(ConfigError) in
            c.server.idleTimeoutSeconds = try integer(v, in: 1...86_400)
        },
        Setting(tomlKey: "server.sendfile", envName: "NORA_SENDFILE") { c, v throws(ConfigError) in
            c.server.sendfile = try boolean(v)
        },
        Setting(tomlKey: "storage.path", envName: "NORA_STORAGE_PATH") { c, v throws(ConfigError) in
            guard !v.isEmpty, !v.contains("\0") else { throw invalid(v, "must be a folder path") }
            c.storage.path = v
        },
        Setting(tomlKey: "storage.mode", envName: "NORA_STORAGE_MODE") { c, v throws(ConfigError) in
            guard let mode = NoraConfig.Storage.Mode(rawValue: v.lowercased()) else { throw invalid(v, "must be local or s3") }
            c.storage.mode = mode
        },
        Setting(tomlKey: "storage.bucket", envName: "NORA_STORAGE_BUCKET") { c, v throws(ConfigError) in
            guard !v.isEmpty, !v.contains("/") else { throw invalid(v, "must be a bucket name") }
            c.storage.bucket = v
        },
        Setting(tomlKey: "storage.s3_url", envName: "NORA_STORAGE_S3_URL") { c, v throws(ConfigError) in
            guard v.hasPrefix("http://") || v.hasPrefix("https://"), v.count > 8 else { throw invalid(v, "must be an http(s):// URL") }
            c.storage.s3URL = v.hasSuffix("/") ? String(v.dropLast()) : v
        },
        Setting(tomlKey: "storage.s3_region", envName: "NORA_STORAGE_S3_REGION") { c, v throws(ConfigError) in
            guard !v.isEmpty else { throw invalid(v, "must be a region name") }
            c.storage.s3Region = v
        },
        Setting(tomlKey: "storage.s3_access_key", envName: "NORA_STORAGE_S3_ACCESS_KEY") { c, v throws(ConfigError) in
            c.storage.s3AccessKey = v.isEmpty ? nil : v
        },
        Setting(tomlKey: "storage.s3_secret_key", envName: "NORA_STORAGE_S3_SECRET_KEY") { c, v throws(ConfigError) in
            c.storage.s3SecretKey = v.isEmpty ? nil : v
        },
        Setting(tomlKey: "storage.s3_virtual_hosted", envName: "NORA_STORAGE_S3_VIRTUAL_HOSTED") { c, v throws(ConfigError) in
            c.storage.s3VirtualHosted = try boolean(v)
        },
        Setting(tomlKey: "database.url", envName: "NORA_DATABASE_URL") { c, v throws(ConfigError) in
            guard v.hasPrefix("sqlite://") || v.hasPrefix("postgres://") || v.hasPrefix("postgresql://") else {
                throw invalid(v, "must start with sqlite:// or postgres://")
            }
            if v.hasPrefix("sqlite://") {
                guard v.count > "sqlite://".count else { throw invalid(v, "sqlite:// needs a file path") }
            } else {
                guard let url = URLComponents(string: v), let host = url.host, !host.isEmpty, url.user?.isEmpty == false else {
                    throw invalid(v, "needs a user and a host: postgres://user:password@host:5432/database")
                }
            }
            c.database.url = v
        },
        Setting(tomlKey: "auth.enabled", envName: "NORA_AUTH_ENABLED") { c, v throws(ConfigError) in c.auth.enabled = try boolean(v) },
        Setting(tomlKey: "auth.anonymous_read", envName: "NORA_AUTH_ANONYMOUS_READ") { c, v throws(ConfigError) in c.auth.anonymousRead = try boolean(v) },
        Setting(tomlKey: "auth.htpasswd_file", envName: "NORA_AUTH_HTPASSWD_FILE") { c, v throws(ConfigError) in
            guard !v.isEmpty else { throw invalid(v, "must be a file path") }
            c.auth.htpasswdFile = v
        },
        Setting(tomlKey: "auth.public_metrics", envName: "NORA_AUTH_PUBLIC_METRICS") { c, v throws(ConfigError) in c.auth.publicMetrics = try boolean(v) },
        Setting(tomlKey: "auth.public_web_ui", envName: "NORA_AUTH_PUBLIC_WEB_UI") { c, v throws(ConfigError) in c.auth.publicWebUI = try boolean(v) },
        Setting(tomlKey: "activity.max_events", envName: "NORA_ACTIVITY_MAX_EVENTS") { c, v throws(ConfigError) in
            c.activity.maxEvents = try integer(v, in: 1...100_000_000)
        },
        Setting(tomlKey: "activity.max_age", envName: "NORA_ACTIVITY_MAX_AGE") { c, v throws(ConfigError) in
            guard let seconds = DurationText.seconds(v), seconds >= 60 else { throw invalid(v, "must be a duration of at least 1m, like 30d or 12h") }
            c.activity.maxAgeSeconds = seconds
        },
        Setting(tomlKey: "activity.audit_log", envName: "NORA_AUDIT_LOG") { c, v throws(ConfigError) in
            guard !v.contains("\0") else { throw invalid(v, "must be a file path") }
            c.activity.auditLog = v.isEmpty ? nil : v
        },
        Setting(tomlKey: "rate_limit.enabled", envName: "NORA_RATE_LIMIT_ENABLED") { c, v throws(ConfigError) in c.rateLimit.enabled = try boolean(v) },
        Setting(tomlKey: "rate_limit.auth_rps", envName: "NORA_RATE_LIMIT_AUTH_RPS") { c, v throws(ConfigError) in c.rateLimit.auth.rps = try rate(v) },
        Setting(tomlKey: "rate_limit.auth_burst", envName: "NORA_RATE_LIMIT_AUTH_BURST") { c, v throws(ConfigError) in c.rateLimit.auth.burst = try integer(v, in: 1...1_000_000) },
        Setting(tomlKey: "rate_limit.upload_rps", envName: "NORA_RATE_LIMIT_UPLOAD_RPS") { c, v throws(ConfigError) in c.rateLimit.upload.rps = try rate(v) },
        Setting(tomlKey: "rate_limit.upload_burst", envName: "NORA_RATE_LIMIT_UPLOAD_BURST") { c, v throws(ConfigError) in c.rateLimit.upload.burst = try integer(v, in: 1...1_000_000) },
        Setting(tomlKey: "rate_limit.general_rps", envName: "NORA_RATE_LIMIT_GENERAL_RPS") { c, v throws(ConfigError) in c.rateLimit.general.rps = try rate(v) },
        Setting(tomlKey: "rate_limit.general_burst", envName: "NORA_RATE_LIMIT_GENERAL_BURST") { c, v throws(ConfigError) in c.rateLimit.general.burst = try integer(v, in: 1...1_000_000) },
        Setting(tomlKey: "registries.enable", envName: "NORA_REGISTRIES_ENABLE") { c, v throws(ConfigError) in
            c.registries = try RegistryFormat.parseList(v)
        },
        Setting(tomlKey: "raw.max_file_size", envName: "NORA_RAW_MAX_FILE_SIZE") { c, v throws(ConfigError) in
            c.raw.maxFileSize = Int64(try integer(v, in: 1...Int(Int64.max / 2)))
        },
        Setting(tomlKey: "gc.interval", envName: "NORA_GC_INTERVAL") { c, v throws(ConfigError) in
            if ["", "off", "0"].contains(v.lowercased()) { c.gc.intervalSeconds = nil; return }
            guard let seconds = DurationText.seconds(v), seconds >= 60 else { throw invalid(v, "must be off or a duration of at least 1m, like 6h or 1d") }
            c.gc.intervalSeconds = seconds
        },
        Setting(tomlKey: "gc.grace", envName: "NORA_GC_GRACE") { c, v throws(ConfigError) in
            guard let seconds = DurationText.seconds(v) else { throw invalid(v, "must be a duration like 1h or 30m") }
            c.gc.graceSeconds = seconds
        },
        Setting(tomlKey: "go.max_zip_size", envName: "NORA_GO_MAX_ZIP_SIZE") { c, v throws(ConfigError) in
            c.go.maxZipSize = Int64(try integer(v, in: 1...Int(Int64.max / 2)))
        },
        Setting(tomlKey: "maven.immutable_releases", envName: "NORA_MAVEN_IMMUTABLE_RELEASES") { c, v throws(ConfigError) in
            c.maven.immutableReleases = try boolean(v)
        },
        Setting(tomlKey: "pypi.max_file_size", envName: "NORA_PYPI_MAX_FILE_SIZE") { c, v throws(ConfigError) in
            c.pypi.maxFileSize = Int64(try integer(v, in: 1...Int(Int64.max / 2)))
        },
        Setting(tomlKey: "log.level", envName: "NORA_LOG_LEVEL") { c, v throws(ConfigError) in
            let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
            guard levels.contains(v.lowercased()) else { throw invalid(v, "must be one of \(levels.joined(separator: ", "))") }
            c.logLevel = v.lowercased()
        },
    ]

    /// The key is filled in by the caller, which knows whether the value came from TOML or the environment.
    static func invalid(_ value: String, _ reason: String) -> ConfigError {
        ConfigError(key: "", value: value, reason: reason)
    }

    static func boolean(_ v: String) throws(ConfigError) -> Bool {
        switch v.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw invalid(v, "must be true or false")
        }
    }

    static func integer(_ v: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard let n = Int(v.trimmingCharacters(in: " ")) else { throw invalid(v, "must be a whole number") }
        guard range.contains(n) else { throw invalid(v, "must be between \(range.lowerBound) and \(range.upperBound)") }
        return n
    }

    static func rate(_ v: String) throws(ConfigError) -> Double {
        guard let n = Double(v.trimmingCharacters(in: " ")), n > 0, n.isFinite else { throw invalid(v, "must be a positive number") }
        return n
    }
}
