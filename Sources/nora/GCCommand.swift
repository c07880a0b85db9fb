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
        let graceSeconds = try graceOption(grace, default: loadConfiguration().gc.graceSeconds)
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

/// A `--grace` value (`1h`, `30m`, `2d`, `0`) in seconds, or `fallback` when not given.
func graceOption(_ text: String?, default fallback: Int64) throws -> Int64 {
    guard let text else { return fallback }
    if ["0", "0s", "0m", "0h", "0d"].contains(text) { return 0 }
    guard let seconds = DurationText.seconds(text) else { throw ValidationError("--grace must look like 1h, 30m, 2d or 0") }
    return seconds
}
