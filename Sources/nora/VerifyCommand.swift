import ArgumentParser
import Foundation
import NoraCore
import NoraServer

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that every stored blob hashes to its name and every row finds its blob.",
        discussion: """
        Re-hashes every blob in the store (streamed, a few at a time), then checks every row that
        names a blob (packages, versions, files, image manifests and layers): the blob must be
        there, with the length the row records and the right digest. Problems are named per
        format and artifact. Blobs no row names (older than the grace period) are listed as
        orphans; 'nora gc' removes them, and they do not count as problems. The server may keep
        running. Exit status: 0 when clean, 1 when anything is missing, truncated or corrupt.
        """
    )

    @Flag(help: "Print the report as JSON on standard output.") var json = false
    @Option(help: "Unreferenced blobs younger than this are not listed as orphans (1h, 30m, 2d, 0). Default: NORA_GC_GRACE, else 1h.") var grace: String?
    @Option(help: "Blobs hashed at once.") var parallel = 2

    func run() async throws {
        let graceSeconds = try graceOption(grace, default: loadConfiguration().gc.graceSeconds)
        let meter = ProgressMeter(label: "verifying")
        let report = try await withStores { parts, _ in
            try await StoreVerifier(db: parts.db, store: parts.store, concurrency: parallel)
                .run(graceSeconds: graceSeconds, progress: { meter.update($0, $1, $2, $3) })
        }
        meter.finish()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            for finding in report.problems + report.orphans {
                print("\(finding.kind.rawValue)\t\(finding.format)\t\(finding.artifact)\t\(finding.digest)\t\(finding.detail)")
            }
            print("\(report.blobsChecked) blobs (\(report.bytesChecked) bytes) hashed, \(report.rowsChecked) rows checked: "
                  + "\(report.problems.count) problems, \(report.orphans.count) orphans")
        }
        if !report.clean { throw ExitCode(1) }
    }
}

/// Progress on standard error: a line redrawn in place on a terminal, else a plain line
/// every 10 % (so logs of scheduled runs stay short).
final class ProgressMeter: @unchecked Sendable {
    let label: String
    let isTerminal = isatty(STDERR_FILENO) != 0
    private let lock = NSLock()
    private var lastDecile = -1
    private var drew = false

    init(label: String) { self.label = label }

    func update(_ done: Int, _ total: Int, _ bytes: Int64, _ totalBytes: Int64) {
        lock.lock(); defer { lock.unlock() }
        let percent = totalBytes > 0 ? Int(bytes * 100 / totalBytes) : (total > 0 ? done * 100 / total : 100)
        let text = "\(label): \(done)/\(total) blobs, \(bytes >> 20)/\(totalBytes >> 20) MiB (\(percent) %)"
        if isTerminal {
            let width = 30, filled = width * percent / 100
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            FileHandle.standardError.write(Data("\r[\(bar)] \(text)".utf8))
            drew = true
        } else if percent / 10 > lastDecile {
            lastDecile = percent / 10
            FileHandleOutput.stderr(text)
        }
    }

    func finish() {
        lock.lock(); defer { lock.unlock() }
        if drew { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
