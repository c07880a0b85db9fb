import Foundation
import NoraCore
import NoraMetadata
import NoraStorage
import SQLKit

/// The PyPI projects as the web UI and the management API see them (`PackageListing`).
/// Summary, description and dependencies come from the newest wheel's core metadata (one small blob).
public struct PyPIListing: PackageListing {
    let db: MetadataDatabase
    let store: any BlobStore
    public var format: RegistryFormat { .pypi }
    static let metadataLimit: Int64 = 1024 * 1024

    public init(db: MetadataDatabase, store: any BlobStore) { self.db = db; self.store = store }

    public func stats() async throws -> FormatStats {
        let reader = db.reader
        let projects = try await reader.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("pypi_projects").first()
        let files = try await reader.select().column(ListingSQL.sum(SQLColumn("size")), as: "bytes").from("pypi_files").first()
        let versions = try await reader.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from(SQLQueryString("(SELECT DISTINCT project, version FROM pypi_files) AS v")).first()
        return FormatStats(format: format, packages: Int(try ListingSQL.integer(projects, "n")),
                           versions: Int(try ListingSQL.integer(versions, "n")), bytes: try ListingSQL.integer(files, "bytes"))
    }

    public func summaries(_ entries: [CatalogEntry]) async throws -> [String: PackageSummary] {
        guard !entries.isEmpty else { return [:] }
        var byName: [String: PackageSummary] = [:]
        for row in try await db.reader.select().columns("name", "display_name").from("pypi_projects")
            .where("name", .in, entries.map(\.name)).all() {
            let name: String = try row.decode(column: "name")
            let latest = try await db.reader.select().column("version").from("pypi_files").where("project", .equal, name)
                .orderBy("uploaded_at", .descending).limit(1).first()?.decode(column: "version", as: String.self)
            byName[name] = PackageSummary(format: format, name: try row.decode(column: "display_name"), latestVersion: latest,
                                          description: nil, updatedAt: 0)
        }
        return byName
    }

    /// The catalog rows: one per project with files, under its normalized name (`uploaded_at` is in milliseconds).
    public static let catalogSource = CatalogSource(format: "pypi", from: "pypi_files", keyColumns: ["project"],
                                                    updated: "MAX(uploaded_at) / 1000", grouped: true)

    public func detail(name: String, baseURL: String) async throws -> PackageDetail? {
        let normalized = ProjectName.normalize(name)
        let index = PyPIIndex(db: db)
        guard let display = try await index.displayName(normalized) else { return nil }
        let files = try await index.files(normalized)
        var order: [String] = [], byVersion: [String: [PyPIFile]] = [:]
        for file in files.reversed() {
            if byVersion[file.version] == nil { order.append(file.version) }
            byVersion[file.version, default: []].append(file)
        }
        let versions = order.prefix(PackageDetail.maxVersions).map { version in
            let group = byVersion[version] ?? []
            return VersionDetail(version: version, publishedAt: group.map(\.uploadedAtMillis).max().map { $0 / 1000 },
                                 size: group.reduce(0) { $0 + $1.size }, yanked: group.allSatisfy(\.yanked),
                                 note: group.first(where: \.yanked)?.yankedReason.map { "yanked: \($0)" },
                                 files: group.map { FileEntry(name: $0.filename, size: $0.size, digest: $0.digest.description, kind: $0.filetype) })
        }
        let metadata = try await newestMetadata(files)
        let simpleURL = "\(baseURL)/simple/"
        let host = PackageDetail.host(of: baseURL)
        var install = [InstallSnippet(label: "pip", text: "pip install --index-url \(simpleURL) \(display)")]
        if baseURL.hasPrefix("http://") {
            install[0].text = "pip install --index-url \(simpleURL) --trusted-host \(host.split(separator: ":")[0]) \(display)"
        }
        install.append(InstallSnippet(label: "uv", text: "uv pip install --index-url \(simpleURL) \(display)"))
        return PackageDetail(format: format, name: display, description: metadata?.summary, readme: metadata?.body,
                             versions: Array(versions), dependencies: metadata?.requires ?? [], install: install,
                             truncated: order.count > PackageDetail.maxVersions)
    }

    /// The core metadata of the newest wheel that has one.
    func newestMetadata(_ files: [PyPIFile]) async throws -> MetadataText? {
        guard let blob = files.last(where: { $0.metadata != nil })?.metadata, blob.size <= Self.metadataLimit else { return nil }
        let buffer = try await store.readWhole(blob.digest, length: blob.size)
        return MetadataText(String(decoding: buffer.readableBytesView, as: UTF8.self))
    }
}

/// The few fields of a core-metadata file (RFC 822 style headers, description as the body) the package page shows.
struct MetadataText: Equatable {
    var summary: String?
    var body: String?
    var requires: [String] = []

    init(_ text: String) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)[...]
        var description: String?
        while let line = lines.first, !line.trimmingCharacters(in: .whitespaces).isEmpty {
            lines = lines.dropFirst()
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].lowercased(), value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch key {
            case "summary": summary = value
            case "requires-dist": requires.append(value)
            case "description": description = value
            default: break
            }
        }
        let rest = lines.dropFirst().joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        body = rest.isEmpty ? description : rest
    }
}
