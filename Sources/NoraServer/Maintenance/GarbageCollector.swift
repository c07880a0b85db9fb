import Logging
import NoraCargo
import NoraCore
import NoraGo
import NoraMaven
import NoraMetadata
import NoraProxy
import NoraNpm
import NoraOCI
import NoraPyPI
import NoraRaw
import NoraStorage
import SQLKit

/// Removes blobs that no row of any module names, once they are older than a grace period
/// (so a push whose blobs are stored but whose manifest or row is not yet written is safe),
/// and uploads that were abandoned.
///
/// Mark: every digest in every module's reference columns (after OCI drops links no
/// manifest uses). Sweep: every stored blob not marked and last written before the cutoff.
public struct GarbageCollector: Sendable {
    public struct Report: Sendable, Equatable {
        public var removedBlobs: [Digest] = []
        public var freedBytes: Int64 = 0
        public var keptBlobs = 0
        public var prunedLinks = 0
        public var removedUploads = 0
    }

    static let referenceColumns = RawRegistry.blobReferences + OCIRegistry.blobReferences + NpmRegistry.blobReferences
        + PyPIRegistry.blobReferences + CargoRegistry.blobReferences + GoRegistry.blobReferences + MavenRegistry.blobReferences
        + RegistryIdentity.blobReferences + ProxyCacheIndex.blobReferences

    let db: MetadataDatabase
    let store: any BlobStore
    let logger: Logger

    public init(db: MetadataDatabase, store: any BlobStore, logger: Logger) {
        self.db = db; self.store = store; self.logger = logger
    }

    public func run(graceSeconds: Int64, dryRun: Bool, now: Int64 = Clock.nowSeconds()) async throws -> Report {
        var report = Report()
        let cutoff = now - graceSeconds
        report.prunedLinks = try await OCIRegistry.pruneUnreferencedLinks(db: db, before: cutoff, dryRun: dryRun)
        let referenced = try await markedDigests(excludingOrphanLinksBefore: dryRun ? cutoff : nil)
        let candidates = CandidateList()
        try await store.list { info in
            if referenced.contains(info.digest.description) { return }
            if let written = info.modifiedAt, written > cutoff { return }
            await candidates.add(info)
        }
        let removed = dryRun ? await candidates.items : try await sweep(await candidates.items, cutoff: cutoff)
        for info in removed {
            report.removedBlobs.append(info.digest)
            report.freedBytes += info.size
        }
        report.keptBlobs = referenced.count
        if !dryRun {
            report.removedUploads = try await OCIRegistry.uploadExpiry(db: db, store: store).sweep(now: now)
            report.removedUploads += try await store.sweep(olderThan: OCIRegistry.uploadIdleSeconds)
        }
        logger.info("garbage collection", metadata: [
            "dry_run": .stringConvertible(dryRun), "removed": .stringConvertible(report.removedBlobs.count),
            "freed_bytes": .stringConvertible(report.freedBytes), "pruned_links": .stringConvertible(report.prunedLinks),
        ])
        return report
    }

    /// Requests in flight while sweeping: on S3 each candidate costs two round trips.
    static let sweepConcurrency = 8

    /// Deletes the candidates that are still old, a few at a time; returns those removed.
    ///
    /// The listing is a moment old: a client may have stored a candidate's content again
    /// since (which makes it look freshly written) and be about to name it in a row, so each
    /// one's write time is read again just before it goes.
    func sweep(_ candidates: [BlobInfo], cutoff: Int64) async throws -> [BlobInfo] {
        try await withThrowingTaskGroup(of: BlobInfo?.self) { group in
            var removed: [BlobInfo] = [], next = candidates.startIndex
            func startOne() {
                guard next < candidates.endIndex else { return }
                let info = candidates[next]
                next += 1
                group.addTask {
                    guard let current = try await store.stat(info.digest), (current.modifiedAt ?? Int64.min) <= cutoff else { return nil }
                    try await store.delete(info.digest)
                    return info
                }
            }
            for _ in 0..<Self.sweepConcurrency { startOne() }
            while let result = try await group.next() {
                if let result { removed.append(result) }
                startOne()
            }
            return removed
        }
    }

    /// Digests named by any reference column. In a dry run the orphan links were not
    /// dropped, so they are left out here to report what a real run would free.
    func markedDigests(excludingOrphanLinksBefore cutoff: Int64?) async throws -> Set<String> {
        var marked = Set<String>()
        for source in Self.referenceColumns {
            var query = db.reader.select().distinct().column(SQLIdentifier(source.column)).from(source.table)
            if let cutoff, source.table == "oci_blob_links" {
                query = query.where(SQLRaw("(created_at > \(cutoff) OR EXISTS (SELECT 1 FROM oci_manifest_refs r WHERE r.repo = oci_blob_links.repo AND r.child = oci_blob_links.digest))"))
            }
            for row in try await query.all() { marked.insert(try row.decode(column: source.column, as: String.self)) }
        }
        return marked
    }
}

/// Collects sweep candidates from the `@Sendable` listing callback.
actor CandidateList {
    var items: [BlobInfo] = []
    func add(_ info: BlobInfo) { items.append(info) }
}
