/// The whole runtime configuration, after `config.toml` and `NORA_*` overrides are merged.
/// Field names follow NORA's `config.toml` sections so existing files keep working.
public struct NoraConfig: Sendable, Equatable {
    public struct Server: Sendable, Equatable {
        public var host = "127.0.0.1"
        public var port = 4000
        /// External base URL (no trailing slash) used in links clients follow.
        public var publicURL: String?
        /// Cap for request bodies that are read whole (JSON documents, metadata), in MiB.
        public var bodyLimitMB = 2048
        /// Seconds a connection may send nothing while a request is expected or being read
        /// (slow or stalled headers and bodies, idle keep-alive connections); then it is closed.
        public var idleTimeoutSeconds = 60
        /// Blob and raw file bodies from local storage go out with `sendfile(2)`.
        public var sendfile = true
        public init() {}
    }

    public struct Storage: Sendable, Equatable {
        public enum Mode: String, Sendable, Equatable { case local, s3 }
        public var mode = Mode.local
        public var path = "data/storage"
        /// S3 mode (NORA's keys): endpoint, bucket, region and credentials. Without a URL,
        /// AWS's regional endpoint; without keys, `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`.
        public var bucket: String?
        public var s3URL: String?
        public var s3Region: String?
        public var s3AccessKey: String?
        public var s3SecretKey: String?
        /// `bucket.host` addressing instead of `host/bucket` (path style, the default).
        public var s3VirtualHosted = false
        public init() {}

        public var effectiveS3Region: String { s3Region ?? "us-east-1" }
        public var effectiveS3URL: String { s3URL ?? "https://s3.\(effectiveS3Region).amazonaws.com" }
    }

    public struct Database: Sendable, Equatable {
        /// `sqlite://<file>` (default: `metadata.sqlite` inside the storage folder) or `postgres://…`.
        public var url: String?
        public init() {}
    }

    public struct Auth: Sendable, Equatable {
        public var enabled = false
        public var anonymousRead = false
        public var htpasswdFile = "users.htpasswd"
        /// Whether `/metrics` is reachable without credentials when auth is on.
        public var publicMetrics = false
        /// Whether the web UI (`/ui/`) and the read API show everything to visitors without
        /// credentials when auth is on (NORA's `NORA_AUTH_PUBLIC_WEB_UI`).
        public var publicWebUI = false
        public init() {}
    }

    public struct RateBucket: Sendable, Equatable {
        public var rps: Double
        public var burst: Int
        public init(rps: Double, burst: Int) { self.rps = rps; self.burst = burst }
    }

    public struct RateLimit: Sendable, Equatable {
        public var enabled = true
        /// Failed logins per client IP.
        public var auth = RateBucket(rps: 1, burst: 5)
        /// PUT/POST/PATCH/DELETE per client IP.
        public var upload = RateBucket(rps: 200, burst: 500)
        /// Every other request per client IP.
        public var general = RateBucket(rps: 500, burst: 1000)
        public init() {}
    }

    public struct GC: Sendable, Equatable {
        /// How often the server collects garbage by itself; nil (the default) leaves it to `nora gc`.
        public var intervalSeconds: Int64?
        /// Unreferenced blobs younger than this are kept (pushes in flight).
        public var graceSeconds: Int64 = 3600
        public init() {}
    }

    public struct Raw: Sendable, Equatable {
        public var maxFileSize: Int64 = 100 * 1024 * 1024
        public init() {}
    }

    public var server = Server()
    public var storage = Storage()
    public var database = Database()
    public var auth = Auth()
    public var rateLimit = RateLimit()
    public var registries: Set<RegistryFormat> = Set(RegistryFormat.allCases)
    public var raw = Raw()
    public var gc = GC()
    public var activity = Activity()

    public struct Activity: Sendable, Equatable {
        /// Events kept in the database (the oldest go first).
        public var maxEvents = 100_000
        /// Events older than this are deleted.
        public var maxAgeSeconds: Int64 = 30 * 86_400
        /// Append-only JSON-lines file of every write action (`NORA_AUDIT_LOG`); nil for none.
        public var auditLog: String?
        public init() {}
    }
    public var go = Go()
    public var maven = Maven()
    public var pypi = PyPI()
    public var proxy = ProxyConfig()

    public struct PyPI: Sendable, Equatable {
        /// Largest distribution file accepted by uploads (PyPI's default limit is 100 MiB).
        public var maxFileSize: Int64 = 100 * 1024 * 1024
        public init() {}
    }

    public struct Go: Sendable, Equatable {
        /// Largest module zip accepted (the go command's own limit is 500 MiB).
        public var maxZipSize: Int64 = 500 * 1024 * 1024
        public init() {}
    }

    public struct Maven: Sendable, Equatable {
        /// Redeploying a release file is refused (409); SNAPSHOTs may always be overwritten.
        public var immutableReleases = true
        public init() {}
    }

    /// `server.body_limit_mb` in bytes: the cap for bodies read whole.
    public var bodyLimitBytes: Int { server.bodyLimitMB * 1024 * 1024 }
    public var logLevel = "info"

    public init() {}

    /// The folder holding the database and the storage folder (`data/` by default).
    public var dataDirectory: String {
        let trimmed = storage.path.hasSuffix("/") ? String(storage.path.dropLast()) : storage.path
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }

    /// The storage folder without a trailing slash.
    public var storageFolder: String {
        storage.path.count > 1 && storage.path.hasSuffix("/") ? String(storage.path.dropLast()) : storage.path
    }

    /// The database URL in force: the configured one or the embedded SQLite file, which
    /// lives inside the storage folder (as NORA keeps everything under its storage path), so
    /// two servers whose storage folders share a parent never share a database.
    public var effectiveDatabaseURL: String {
        database.url ?? "sqlite://\(storageFolder)/metadata.sqlite"
    }

    /// Where the embedded database was kept before it moved inside the storage folder:
    /// beside it. Still used when found there and not at the new place (start-up says so).
    public var legacyDatabaseURL: String? {
        database.url == nil ? "sqlite://\(dataDirectory)/metadata.sqlite" : nil
    }

    /// True when the host only accepts connections from this machine.
    public var bindsLoopbackOnly: Bool {
        let host = server.host.lowercased()
        return host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }
}

/// The package formats this binary serves; the names are those of `NORA_REGISTRIES_ENABLE`.
public enum RegistryFormat: String, Sendable, CaseIterable, Hashable {
    case docker, npm, pypi, cargo, go, maven, raw

    /// Parses NORA's list syntax: `all`, `raw,npm`, `all,-maven`.
    public static func parseList(_ text: String) throws(ConfigError) -> Set<RegistryFormat> {
        var result = Set<RegistryFormat>()
        let items = text.split(separator: ",").map { $0.trimmingCharacters(in: " ").lowercased() }
        guard !items.isEmpty else { throw ConfigError(key: "NORA_REGISTRIES_ENABLE", value: text, reason: "empty list") }
        for item in items {
            if item == "all" { result.formUnion(allCases); continue }
            let removing = item.hasPrefix("-")
            let name = removing ? String(item.dropFirst()) : item
            guard let format = RegistryFormat(rawValue: name == "oci" ? "docker" : name) else {
                throw ConfigError(key: "NORA_REGISTRIES_ENABLE", value: text,
                                  reason: "unknown registry '\(name)' (known: all, \(allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            if removing { result.remove(format) } else { result.insert(format) }
        }
        return result
    }
}

/// A setting that cannot be used; start-up stops with `description` as its one line.
public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    public let key: String
    public let value: String
    public let reason: String
    public init(key: String, value: String, reason: String) {
        self.key = key; self.value = value; self.reason = reason
    }
    /// Set for a file that is not valid TOML: the message names the file and line instead.
    public var file: String?
    public var line: Int?

    /// A file that cannot be read as TOML: `<file>:<line>: <problem>`.
    public init(file: String, line: Int?, reason: String) {
        self.key = file; self.value = ""; self.reason = reason; self.file = file; self.line = line
    }

    public var description: String {
        if let file {
            let place = line.map { "\(file):\($0)" } ?? file
            return "invalid configuration file \(place): not valid TOML: \(reason)"
        }
        return "invalid configuration: \(key)='\(value)': \(reason)"
    }
}

extension StringProtocol {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}
