import ArgumentParser
import Foundation
import NoraCore
import NoraServer
import NoraStorage

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Publish another registry's stored artifacts into this one.",
        subcommands: [ImportNoraCommand.self]
    )
}

struct ImportNoraCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nora",
        abstract: "Publish everything a NORA storage folder (or S3 bucket) holds into this registry.",
        discussion: """
        Reads NORA's storage layout (docker/, npm/, pypi/, cargo/, go/, maven/, raw/; see
        docs/operations.md) and publishes each item through this registry's own publish handlers,
        as its client would: OCI tags with their manifests and blobs, npm versions with their
        dist-tags, PyPI files, crate versions with their index lines (yanks kept), Go module
        versions, Maven files, raw files. Digests NORA promises are checked first (OCI digests,
        npm shasum/integrity, crate cksum, Maven .sha1/.md5/.sha256, Go h1: with --go-sum): a
        damaged item stores nothing and is named in the summary. Items already here are skipped,
        so running it again imports nothing new. Writes to the configured data location (NORA_STORAGE_PATH / S3 settings,
        NORA_DATABASE_URL), like 'serve'. A running server on the same location is safe (every
        publish is a database transaction), but stop it if you want the import to be all that
        changes. Exit status: 0 when every item was imported or already present, 1 otherwise.
        With --s3, the argument is NORA's bucket (optionally bucket/prefix), reached with the
        S3 settings (NORA_STORAGE_S3_URL, _REGION, _ACCESS_KEY, _SECRET_KEY, _VIRTUAL_HOSTED).
        """
    )

    @Argument(help: "NORA's storage folder (its NORA_STORAGE_PATH), or with --s3 its bucket[/prefix].") var location: String
    @Flag(help: "Read NORA's storage from an S3 bucket instead of a folder.") var s3 = false
    @Flag(help: "Print the summary as JSON on standard output.") var json = false
    @Option(help: "Import only these formats (comma-separated: docker, npm, pypi, cargo, go, maven, raw).") var only: String?
    @Option(help: "A go.sum file whose h1: lines the Go module zips and go.mod files must match (repeatable).") var goSum: [String] = []

    func validate() throws { _ = try selectedFormats() }

    func selectedFormats() throws -> Set<NoraImporter.Format> {
        guard let only else { return Set(NoraImporter.Format.allCases) }
        var formats = Set<NoraImporter.Format>()
        for name in only.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard let format = NoraImporter.Format(rawValue: name) else {
                throw ValidationError("--only: unknown format '\(name)' (docker, npm, pypi, cargo, go, maven, raw)")
            }
            formats.insert(format)
        }
        return formats
    }

    func run() async throws {
        let formats = try selectedFormats()
        let sums = try goSum.map { path in
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ValidationError("--go-sum: cannot read \(path)") }
            return text
        }
        let source = try makeSource()
        let meter = ImportMeter()
        let summary: NoraImporter.Summary
        do {
            summary = try await withStores { parts, logger in
                let result = try await NoraImporter(source: source, parts: parts, logger: logger, formats: formats, goSums: sums)
                    .run(progress: meter.update)
                await parts.activity.flush()
                return result
            }
        } catch let failure as ImportFailure {
            meter.finish()
            throw FatalError(failure.description)
        }
        meter.finish()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            print(Self.render(summary))
        }
        if summary.failed > 0 { throw ExitCode(1) }
    }

    func makeSource() throws -> any NoraSource {
        guard s3 else { return FolderSource(root: location) }
        let storage = try loadConfiguration().storage
        let parts = location.split(separator: "/", maxSplits: 1).map(String.init)
        guard let bucket = parts.first, !bucket.isEmpty else { throw ValidationError("--s3 needs a bucket name") }
        do {
            let endpoint = try S3Client.Endpoint(url: storage.effectiveS3URL, bucket: bucket, virtualHosted: storage.s3VirtualHosted)
            let signer = SigV4Signer(credentials: .init(accessKey: storage.s3AccessKey ?? "", secretKey: storage.s3SecretKey ?? ""),
                                     region: storage.effectiveS3Region)
            return BucketSource(client: S3Client(endpoint: endpoint, signer: signer), prefix: parts.count > 1 ? parts[1] : "")
        } catch {
            throw FatalError("NORA_STORAGE_S3_URL: \(error)")
        }
    }

    static func render(_ summary: NoraImporter.Summary) -> String {
        var lines: [String] = []
        for format in NoraImporter.Format.allCases {
            guard let tally = summary.formats[format.rawValue] else { continue }
            lines.append("\(format.rawValue): \(tally.imported) imported, \(tally.present) already present, \(tally.failed) failed")
            for failure in tally.failures { lines.append("  failed \(failure)") }
        }
        if !summary.skipped.isEmpty {
            lines.append("skipped \(summary.skipped.count) keys that are not artifacts:")
            lines += summary.skipped.prefix(20).map { "  \($0)" }
            if summary.skipped.count > 20 { lines.append("  …") }
        }
        if summary.formats.isEmpty { lines.append("nothing to import: no NORA artifacts found") }
        else if summary.imported == 0 && summary.failed == 0 { lines.append("nothing new to import: every item is already here") }
        return lines.joined(separator: "\n")
    }
}

/// Progress on standard error: a bar redrawn in place on a terminal (failures still get
/// their own line), else one plain line per item.
final class ImportMeter: @unchecked Sendable {
    let isTerminal = isatty(STDERR_FILENO) != 0
    private let lock = NSLock()
    private var drew = false

    func update(_ done: Int, _ total: Int, _ format: NoraImporter.Format, _ name: String, _ outcome: NoraImporter.Outcome, _ reason: String?) {
        lock.lock(); defer { lock.unlock() }
        let line = "[\(done)/\(total)] \(format.rawValue) \(name): \(outcome.rawValue)\(reason.map { " (\($0))" } ?? "")"
        guard isTerminal else { FileHandleOutput.stderr(line); return }
        if outcome == .failed { FileHandle.standardError.write(Data("\r\u{1B}[K\(line)\n".utf8)) }
        let width = 30, filled = total > 0 ? width * done / total : width
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        FileHandle.standardError.write(Data("\r\u{1B}[K[\(bar)] importing \(done)/\(total) \(format.rawValue) \(name.prefix(40))".utf8))
        drew = true
    }

    func finish() {
        lock.lock(); defer { lock.unlock() }
        if drew { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
