import ArgumentParser
import NoraCore
import NoraServer
import Prometheus

struct GCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Remove blobs no longer referenced by any manifest, file or version, and expired uploads.",
        discussion: """
        Blobs written within the grace period are kept, so pushes in flight are safe; the
        server may keep running. Uses the same configuration as 'serve'.
        """
    )

    @Flag(help: "List what would be removed without removing anything.") var dryRun = false
    @Option(help: "Keep unreferenced blobs younger than this (e.g. 1h, 30m, 2d; 0 removes all unreferenced). Default: NORA_GC_GRACE, else 1h.") var grace: String?

    func run() async throws {
        let config = try loadConfiguration()
        var graceSeconds = config.gc.graceSeconds
        if let grace {
            let zero = ["0", "0s", "0m", "0h", "0d"].contains(grace)
            guard let seconds = zero ? 0 : DurationText.seconds(grace) else { throw ValidationError("--grace must look like 1h, 30m, 2d or 0") }
            graceSeconds = seconds
        }
        let report = try await withStores { parts, logger in
            try await GarbageCollector(db: parts.db, store: parts.store, logger: logger)
                .run(graceSeconds: graceSeconds, dryRun: dryRun)
        }
        for digest in report.removedBlobs { print("\(dryRun ? "would remove" : "removed") \(digest)") }
        print("\(dryRun ? "would free" : "freed") \(report.freedBytes) bytes in \(report.removedBlobs.count) blobs; "
              + "\(report.prunedLinks) unreferenced OCI blob links\(dryRun ? " would be" : "") dropped; "
              + "\(report.removedUploads) expired uploads removed")
    }
}
