import Logging
import NoraCore

/// `nora import nora`: publishes everything a NORA storage folder or bucket holds into this
/// registry, through the registry's own publish handlers (`InProcessRegistry`).
///
/// One item at a time: an OCI tag (with its manifests and blobs), an npm version, a PyPI
/// file, a crate version, a Go module version, a Maven file, a raw file. Each item is checked
/// against what NORA promises (digests, integrity, cksum, .sha1) before anything is sent, and
/// the handler checks it again, so a damaged item stores nothing and is named in the summary.
/// An item already here is counted as present and not sent again: a second run imports nothing.
public struct NoraImporter: Sendable {
    public enum Format: String, Sendable, CaseIterable, Encodable { case docker, npm, pypi, cargo, go, maven, raw }
    public enum Outcome: String, Sendable { case imported, present, failed }

    public struct Tally: Sendable, Encodable {
        public var imported = 0
        public var present = 0
        public var failed = 0
        /// `name: reason` for each failed item.
        public var failures: [String] = []
    }

    public struct Summary: Sendable, Encodable {
        public var formats: [String: Tally] = [:]
        /// Keys that are not part of any artifact NORA stores (and items that cannot be imported, with why).
        public var skipped: [String] = []
        public var imported: Int { formats.values.reduce(0) { $0 + $1.imported } }
        public var failed: Int { formats.values.reduce(0) { $0 + $1.failed } }
    }

    /// Called after each item: (items done, items in all, format, item name, outcome, reason when failed).
    public typealias Progress = @Sendable (Int, Int, Format, String, Outcome, String?) -> Void

    /// One thing to import, and how.
    struct Item: Sendable {
        let format: Format
        let name: String
        let run: @Sendable () async throws -> Outcome
    }

    let source: any NoraSource
    let registry: InProcessRegistry
    /// The formats to import (all by default).
    let formats: Set<Format>
    let goSums: GoSumCheck

    /// `goSums`: the text of go.sum files the Go module versions must match (where they have a line).
    public init(source: any NoraSource, parts: NoraApp.Parts, logger: Logger, formats: Set<Format> = Set(Format.allCases),
                goSums: [String] = []) {
        self.source = source
        self.registry = InProcessRegistry(parts: parts, logger: logger)
        self.formats = formats
        self.goSums = GoSumCheck(parsing: goSums)
    }

    public func run(progress: Progress? = nil) async throws -> Summary {
        var layout = NoraLayout(keys: try await source.keys())
        layout.keep(formats)
        var summary = Summary()
        summary.skipped = layout.skipped
        var items: [Item] = []
        items += await OCIImport(source: source, registry: registry).items(layout.oci)
        items += try await NpmImport(source: source, registry: registry).items(layout.npm)
        items += PyPIImport(source: source, registry: registry).items(layout.pypi)
        items += CargoImport(source: source, registry: registry).items(layout.cargo)
        let (goItems, goSkipped) = GoImport(source: source, registry: registry, sums: goSums).items(layout.go)
        items += goItems
        summary.skipped += goSkipped
        items += FileImport(source: source, registry: registry).items(maven: layout.maven, raw: layout.raw)
        for format in Format.allCases where items.contains(where: { $0.format == format }) {
            summary.formats[format.rawValue] = Tally()
        }
        for (done, item) in items.enumerated() {
            var outcome = Outcome.failed, reason: String?
            do {
                outcome = try await item.run()
            } catch {
                reason = "\(error)"
            }
            var tally = summary.formats[item.format.rawValue] ?? Tally()
            switch outcome {
            case .imported: tally.imported += 1
            case .present: tally.present += 1
            case .failed:
                tally.failed += 1
                tally.failures.append("\(item.name): \(reason ?? "failed")")
            }
            summary.formats[item.format.rawValue] = tally
            progress?(done + 1, items.count, item.format, item.name, outcome, reason)
        }
        return summary
    }
}

extension InProcessRegistry.Answer {
    /// Throws the handler's own error text unless the request succeeded.
    func expectSuccess(_ what: String) throws {
        guard ok else { throw ImportFailure("\(what) refused: \(reason)") }
    }
}
