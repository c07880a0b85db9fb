/// How the web UI and the management API read a format: a small read-only protocol each
/// format target implements over its own tables, so `NoraWeb` never touches them.
///
/// Every method must run paged, indexed queries: the UI calls these on the request path.
public protocol PackageListing: Sendable {
    /// The format this listing reads (also its path segment: `/ui/<format>`).
    var format: RegistryFormat { get }
    /// Counts for the dashboard.
    func stats() async throws -> FormatStats
    /// The list rows of packages the catalog named (a page of `package_catalog`), by catalog
    /// name; a package gone since is left out. One or a few indexed reads per entry.
    func summaries(_ entries: [CatalogEntry]) async throws -> [String: PackageSummary]
    /// Everything the package page shows, or nil when there is no such package.
    /// `baseURL` is this registry's public URL (for the install snippets).
    func detail(name: String, baseURL: String) async throws -> PackageDetail?
}

/// A package as `package_catalog` names it: what the listings page and sort by.
public struct CatalogEntry: Sendable, Equatable {
    public var format: RegistryFormat
    public var name: String
    /// Unix seconds of the last change.
    public var updatedAt: Int64
    public init(format: RegistryFormat, name: String, updatedAt: Int64) {
        self.format = format; self.name = name; self.updatedAt = updatedAt
    }
}

public enum ListingSort: String, Sendable, Codable, CaseIterable {
    case name, updated
}

public struct ListingQuery: Sendable, Equatable {
    public static let maxLimit = 200
    /// A case-insensitive name fragment; nil or empty lists everything.
    public var filter: String?
    public var sort: ListingSort
    public var limit: Int
    public var offset: Int

    public init(filter: String? = nil, sort: ListingSort = .name, limit: Int = 50, offset: Int = 0) {
        let trimmed = filter?.trimmingCharacters(in: " ")
        self.filter = (trimmed?.isEmpty ?? true) ? nil : String(trimmed!.prefix(200))
        self.sort = sort
        self.limit = min(max(limit, 1), Self.maxLimit)
        self.offset = max(offset, 0)
    }

    /// Rows asked of the database: one more than shown tells whether a next page exists.
    public var fetchLimit: Int { limit + 1 }
}

/// Per-format counts for the dashboard.
public struct FormatStats: Sendable, Codable, Equatable {
    public var format: String
    /// Packages, repositories, modules, artifacts or files, as the format counts them.
    public var packages: Int
    public var versions: Int
    /// Bytes of the stored files the format's rows name (shared blobs counted once per row).
    public var bytes: Int64

    public init(format: RegistryFormat, packages: Int, versions: Int, bytes: Int64) {
        self.format = format.rawValue; self.packages = packages; self.versions = versions; self.bytes = bytes
    }
}

public struct PackageSummary: Sendable, Codable, Equatable {
    public var format: String
    public var name: String
    public var latestVersion: String?
    public var description: String?
    /// Unix seconds of the last publish or change.
    public var updatedAt: Int64

    public init(format: RegistryFormat, name: String, latestVersion: String?, description: String?, updatedAt: Int64) {
        self.format = format.rawValue; self.name = name; self.latestVersion = latestVersion
        self.description = description; self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case format, name, description
        case latestVersion = "latest_version", updatedAt = "updated_at"
    }
}

public struct ListingPage: Sendable, Codable, Equatable {
    public var items: [PackageSummary]
    public var offset: Int
    public var limit: Int
    public var hasMore: Bool

    public init(items: [PackageSummary], query: ListingQuery) {
        self.items = Array(items.prefix(query.limit))
        self.offset = query.offset; self.limit = query.limit
        self.hasMore = items.count > query.limit
    }

    public init(items: [PackageSummary], offset: Int, limit: Int, hasMore: Bool) {
        self.items = items; self.offset = offset; self.limit = limit; self.hasMore = hasMore
    }

    enum CodingKeys: String, CodingKey { case items, offset, limit; case hasMore = "has_more" }
}

/// One stored file: a tarball, wheel, jar, layer or the manifest itself.
public struct FileEntry: Sendable, Codable, Equatable {
    public var name: String
    public var size: Int64
    public var digest: String?
    /// Media type (OCI) or file type (PyPI `bdist_wheel`, Maven extension).
    public var kind: String?

    public init(name: String, size: Int64, digest: String? = nil, kind: String? = nil) {
        self.name = name; self.size = size; self.digest = digest; self.kind = kind
    }
}

/// One version (or OCI tag) on a package page.
public struct VersionDetail: Sendable, Codable, Equatable {
    public var version: String
    public var publishedAt: Int64?
    /// Total size of the version's files.
    public var size: Int64?
    public var digest: String?
    public var yanked: Bool
    /// The deprecation message (npm) or yank reason (PyPI), when there is one.
    public var note: String?
    public var files: [FileEntry]
    /// OCI: the platforms of an image index (`linux/amd64`).
    public var platforms: [String]
    /// OCI: manifests whose subject is this one (signatures, SBOMs…), artifact type in `kind`.
    public var referrers: [FileEntry]

    public init(version: String, publishedAt: Int64? = nil, size: Int64? = nil, digest: String? = nil, yanked: Bool = false,
                note: String? = nil, files: [FileEntry] = [], platforms: [String] = [], referrers: [FileEntry] = []) {
        self.version = version; self.publishedAt = publishedAt; self.size = size; self.digest = digest
        self.yanked = yanked; self.note = note; self.files = files; self.platforms = platforms; self.referrers = referrers
    }

    enum CodingKeys: String, CodingKey {
        case version, size, digest, yanked, note, files, platforms, referrers
        case publishedAt = "published_at"
    }
}

/// A ready-to-paste command or snippet that installs the package from this registry.
public struct InstallSnippet: Sendable, Codable, Equatable {
    public var label: String
    public var text: String
    public init(label: String, text: String) { self.label = label; self.text = text }
}

public struct PackageDetail: Sendable, Codable, Equatable {
    public var format: String
    public var name: String
    public var description: String?
    /// Long text as the publisher wrote it (npm readme, PyPI description…); shown escaped.
    public var readme: String?
    /// Newest first.
    public var versions: [VersionDetail]
    /// npm dist-tags; OCI tags are versions.
    public var tags: [String: String]
    /// Direct dependencies of the newest version, as `name requirement` lines, where cheap to read.
    public var dependencies: [String]
    public var install: [InstallSnippet]
    /// Whether the version list was cut at `PackageDetail.maxVersions`.
    public var truncated: Bool

    public static let maxVersions = 500

    public init(format: RegistryFormat, name: String, description: String? = nil, readme: String? = nil,
                versions: [VersionDetail], tags: [String: String] = [:], dependencies: [String] = [],
                install: [InstallSnippet], truncated: Bool = false) {
        self.format = format.rawValue; self.name = name; self.description = description; self.readme = readme
        self.versions = versions; self.tags = tags; self.dependencies = dependencies; self.install = install
        self.truncated = truncated
    }
}

extension PackageDetail {
    /// The host part of a base URL (`http://h:4000` → `h:4000`), as docker and helm want it.
    public static func host(of baseURL: String) -> String {
        var s = Substring(baseURL)
        if let range = s.range(of: "://") { s = s[range.upperBound...] }
        while s.hasSuffix("/") { s = s.dropLast() }
        return String(s)
    }
}
