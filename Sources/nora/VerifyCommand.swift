import ArgumentParser
import Foundation
import NoraCore
import Logging
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

        --repair fixes what it found: rows whose blob is missing, corrupt or of another length are
        removed (through the format's own delete where it has one: raw, Maven, npm unpublish, OCI
        manifest/blob delete; PyPI, Go, Cargo and cached proxy rows directly), so clients get 404
        instead of bad bytes; corrupt blobs are moved to quarantine/ in the store (kept, never
        served). The plan is printed first (a dry run) and needs a 'y' on a terminal, or --yes;
        without a terminal and without --yes nothing is changed and the exit status is 2.
        Exit status after a repair: 0 when every step succeeded, 1 otherwise.
        """
    )

    @Flag(help: "Print the report as JSON on standard output.") var json = false
    @Option(help: "Unreferenced blobs younger than this are not listed as orphans (1h, 30m, 2d, 0). Default: NORA_GC_GRACE, else 1h.") var grace: String?
    @Option(help: "Blobs hashed at once.") var parallel = 2
    @Flag(help: "Remove rows naming missing or damaged blobs and quarantine corrupt blobs (after showing the plan).") var repair = false
    @Flag(help: "With --repair: apply the plan without asking.") var yes = false

    func validate() throws {
        if yes && !repair { throw ValidationError("--yes only goes with --repair") }
        if json && repair { throw ValidationError("--json reports only; run --repair without it") }
    }

    func run() async throws {
        let graceSeconds = try graceOption(grace, default: loadConfiguration().gc.graceSeconds)
        let meter = ProgressMeter(label: "verifying")
        let (report, repaired) = try await withStores { parts, logger in
            let report = try await StoreVerifier(db: parts.db, store: parts.store, concurrency: parallel)
                .run(graceSeconds: graceSeconds, progress: { meter.update($0, $1, $2, $3) })
            meter.finish()
            guard repair, !report.clean else { return (report, nil as Bool?) }
            printFindings(report)
            return (report, try await Self.repair(report, parts: parts, logger: logger, confirmed: yes))
        }
        if let repaired {
            if !repaired { throw ExitCode(1) }
            return
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            printFindings(report)
            if repair { print("nothing to repair") }
        }
        if !report.clean { throw ExitCode(1) }
    }

    func printFindings(_ report: StoreVerifier.Report) {
        for finding in report.problems + report.orphans {
            print("\(finding.kind.rawValue)\t\(finding.format)\t\(finding.artifact)\t\(finding.digest)\t\(finding.detail)")
        }
        print("\(report.blobsChecked) blobs (\(report.bytesChecked) bytes) hashed, \(report.rowsChecked) rows checked: "
              + "\(report.problems.count) problems, \(report.orphans.count) orphans")
    }

    /// Shows the plan, asks (or takes --yes), applies it; true when every step succeeded.
    static func repair(_ report: StoreVerifier.Report, parts: NoraApp.Parts, logger: Logger, confirmed: Bool) async throws -> Bool {
        let plan = StoreRepair.plan(report)
        print("repair plan (\(plan.steps.count) steps):")
        for step in plan.steps { print("  would \(step.description)") }
        for finding in plan.left { print("  cannot repair \(finding.format) \(finding.artifact): \(finding.detail)") }
        guard !plan.steps.isEmpty else { return plan.left.isEmpty }
        if !confirmed {
            guard isatty(STDIN_FILENO) != 0 else {
                FileHandleOutput.stderr("nothing changed: standard input is not a terminal; review the plan above and run again with --repair --yes")
                throw ExitCode(2)
            }
            FileHandle.standardError.write(Data("apply these \(plan.steps.count) steps? [y/N] ".utf8))
            guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else {
                print("nothing changed")
                return false
            }
        }
        let outcomes = await StoreRepair(parts: parts, logger: logger).apply(plan)
        await parts.activity.flush()
        for outcome in outcomes {
            if let error = outcome.error { print("failed: \(outcome.step.description): \(error)") }
            else { print("done: \(outcome.step.description): \(outcome.detail)") }
        }
        let failed = outcomes.filter { $0.error != nil }.count
        print("repaired: \(outcomes.count - failed) steps done, \(failed) failed\(plan.left.isEmpty ? "" : ", \(plan.left.count) problems left"); run 'nora verify' to check")
        return failed == 0 && plan.left.isEmpty
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
