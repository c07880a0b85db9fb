import Logging
import NoraCore
import NoraMetadata
import NoraStorage
import SQLKit

/// `nora verify`: is what the database says really in the store?
///
/// Re-hashes every stored blob (a few at a time, streamed), then checks every row that names a
/// blob: the blob must exist, have the length the row records, and hash to its name. Problems
/// are named per format and artifact (package and version, path, repository). Blobs no row
/// names and older than the grace period are listed as orphans: normal between collections
/// (`nora gc` removes them), so they do not make the store unclean.
public struct StoreVerifier: Sendable {
    public struct Finding: Sendable, Encodable, Equatable {
        public enum Kind: String, Sendable, Encodable { case missing, wrongSize = "wrong-size", corrupt, orphan }
        public let kind: Kind
        public let digest: String
        public let format: String
        /// What names the artifact: `package@version`, a path, a repository.
        public let artifact: String
        public let detail: String
        /// The table of the row the finding is about, and the values of its naming columns
        /// (what `--repair` needs to remove it; not part of the JSON report).
        var table = ""
        var names: [String] = []

        enum CodingKeys: String, CodingKey { case kind, digest, format, artifact, detail }
    }

    public struct Report: Sendable, Encodable {
        public var blobsChecked = 0
        public var bytesChecked: Int64 = 0
        public var rowsChecked = 0
        public var problems: [Finding] = []
        public var orphans: [Finding] = []
        public var clean: Bool { problems.isEmpty }

        enum CodingKeys: String, CodingKey { case blobsChecked, bytesChecked, rowsChecked, problems, orphans, clean }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(blobsChecked, forKey: .blobsChecked); try c.encode(bytesChecked, forKey: .bytesChecked)
            try c.encode(rowsChecked, forKey: .rowsChecked); try c.encode(problems, forKey: .problems)
            try c.encode(orphans, forKey: .orphans); try c.encode(clean, forKey: .clean)
        }
    }

    /// Called as blobs are hashed: (blobs done, blobs in all, bytes done, bytes in all).
    public typealias Progress = @Sendable (Int, Int, Int64, Int64) -> Void

    /// Rows that name blobs: every garbage-collection reference, plus the children OCI
    /// manifests point at (an index's manifests, a manifest's config and layers).
    static let checkedColumns = GarbageCollector.referenceColumns + [
        BlobReferenceColumn("oci_manifest_refs", "child", format: "docker", names: ["repo", "manifest"]),
    ]

    /// In pull-through cache repositories a manifest's children are fetched only when a client
    /// asks for them (one platform of an index, say): their absence there is not damage.
    static let fetchedOnDemand = SQLRaw("repo NOT IN (SELECT name FROM oci_proxy_repositories)")

    let db: MetadataDatabase
    let store: any BlobStore
    let concurrency: Int

    public init(db: MetadataDatabase, store: any BlobStore, concurrency: Int = 2) {
        self.db = db; self.store = store; self.concurrency = max(1, concurrency)
    }

    struct Row: Sendable { let source: BlobReferenceColumn; let artifact: String; let names: [String]; let size: Int64? }

    public func run(graceSeconds: Int64, now: Int64 = Clock.nowSeconds(), progress: Progress? = nil) async throws -> Report {
        var report = Report()
        let rows = try await referencingRows()
        report.rowsChecked = rows.values.reduce(0) { $0 + $1.count }
        let stored = BlobList()
        try await store.list { info in await stored.add(info) }
        let blobs = await stored.items
        let totalBytes = blobs.reduce(Int64(0)) { $0 + $1.size }
        let actual = try await hashAll(blobs, totalBytes: totalBytes, progress: progress)
        report.blobsChecked = blobs.count
        report.bytesChecked = totalBytes

        var present: [String: BlobInfo] = [:]
        for info in blobs { present[info.digest.description] = info }
        for info in blobs {
            let name = info.digest.description
            let hashed = actual[name]
            let named = rows[name] ?? []
            if let hashed, hashed != name {
                let detail = "content hashes to \(hashed)"
                if named.isEmpty {
                    report.problems.append(Finding(kind: .corrupt, digest: name, format: "-", artifact: "(no row)", detail: detail))
                }
                for row in named {
                    report.problems.append(Finding(kind: .corrupt, digest: name, format: row.source.format, artifact: row.artifact, detail: detail,
                                                   table: row.source.table, names: row.names))
                }
                continue
            }
            for row in named {
                if let size = row.size, size != info.size {
                    report.problems.append(Finding(kind: .wrongSize, digest: name, format: row.source.format, artifact: row.artifact,
                                                   detail: "the row records \(size) bytes, the store holds \(info.size)",
                                                   table: row.source.table, names: row.names))
                }
            }
            if named.isEmpty, let written = info.modifiedAt, written <= now - graceSeconds {
                report.orphans.append(Finding(kind: .orphan, digest: name, format: "-", artifact: "(no row)",
                                              detail: "\(info.size) bytes, named by no row"))
            }
        }
        for (digest, named) in rows.sorted(by: { $0.key < $1.key }) where present[digest] == nil {
            for row in named {
                report.problems.append(Finding(kind: .missing, digest: digest, format: row.source.format, artifact: row.artifact,
                                               detail: "named in \(row.source.table).\(row.source.column), not in the store",
                                               table: row.source.table, names: row.names))
            }
        }
        return report
    }

    /// digest → the rows naming it.
    func referencingRows() async throws -> [String: [Row]] {
        var rows: [String: [Row]] = [:]
        for source in Self.checkedColumns {
            var columns = [source.column] + source.names
            if let size = source.size { columns.append(size) }
            var query = db.reader.select().columns(columns.map { SQLIdentifier($0) }).from(source.table)
            if source.table == "oci_manifest_refs" { query = query.where(Self.fetchedOnDemand) }
            for row in try await query.all() {
                let digest = try row.decode(column: source.column, as: String.self)
                let names = try source.names.map { try row.decode(column: $0, as: String.self) }
                let size = try source.size.map { try row.decode(column: $0, as: Int64.self) }
                rows[digest, default: []].append(Row(source: source, artifact: Self.artifact(names, table: source.table), names: names, size: size))
            }
        }
        return rows
    }

    static func artifact(_ names: [String], table: String) -> String {
        switch names.count {
        case 0: table
        case 1: names[0]
        case 2 where table == "oci_manifest_refs": "\(names[0])@\(names[1])"
        case 2 where table.hasPrefix("pypi"): "\(names[0]): \(names[1])"
        default: names.joined(separator: "@")
        }
    }

    /// Hashes every blob, `concurrency` at a time; digest → what its bytes hash to (nil when unreadable).
    func hashAll(_ blobs: [BlobInfo], totalBytes: Int64, progress: Progress?) async throws -> [String: String] {
        var results: [String: String] = [:]
        var done = 0, doneBytes: Int64 = 0
        try await withThrowingTaskGroup(of: (BlobInfo, String?).self) { group in
            var next = 0
            func launch() {
                guard next < blobs.count else { return }
                let info = blobs[next]; next += 1
                group.addTask { (info, try? await hash(info.digest)) }
            }
            for _ in 0..<concurrency { launch() }
            while let (info, hashed) = try await group.next() {
                results[info.digest.description] = hashed ?? "unreadable content"
                done += 1; doneBytes += info.size
                progress?(done, blobs.count, doneBytes, totalBytes)
                launch()
            }
        }
        return results
    }

    func hash(_ digest: Digest) async throws -> String {
        var hasher = DigestHasher(digest.algorithm)
        try await store.read(digest, range: nil) { chunk in
            chunk.withUnsafeReadableBytes { hasher.update($0) }
        }
        return hasher.finalize().description
    }
}

/// Collects the listing from the `@Sendable` callback.
actor BlobList {
    var items: [BlobInfo] = []
    func add(_ info: BlobInfo) { items.append(info) }
}
