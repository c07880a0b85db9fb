import Logging
import NoraCargo
import NoraCore
import NoraGo
import NoraMetadata
import NoraProxy
import NoraPyPI
import NoraStorage

/// `nora verify --repair`: turns a verifier report into changes, shown first as a plan.
///
/// - A row whose blob is missing, corrupt or of another length is removed, so clients get
///   404 instead of an error mid-download or wrong bytes. Where the format has a delete
///   service (raw, Maven, npm unpublish, OCI manifest and blob-link delete) it is called
///   in-process, exactly as an admin's DELETE would be (tags, dist-tags and Maven metadata
///   follow); PyPI, Go, Cargo and the proxy cache remove their own rows (`removeRows`).
///   An OCI manifest that names a missing or corrupt child is deleted with it.
/// - A corrupt blob is moved to `quarantine/` in the store (`BlobStore.quarantine`), not
///   deleted: an operator can still inspect or recover it.
/// - The registry's identity marker is never touched (the finding stays; see docs/operations.md).
public struct StoreRepair: Sendable {
    public struct Step: Sendable, Encodable, Equatable {
        public enum Kind: String, Sendable, Encodable { case removeRow = "remove-row", quarantine }
        public let kind: Kind
        public let format: String
        public let artifact: String
        public let digest: String
        let table: String
        let names: [String]

        enum CodingKeys: String, CodingKey { case kind, format, artifact, digest }

        public var description: String {
            switch kind {
            case .removeRow: "remove \(format) \(artifact) (its blob \(digest) is damaged)"
            case .quarantine: "quarantine blob \(digest) (corrupt)"
            }
        }
    }

    public struct Plan: Sendable {
        public var steps: [Step] = []
        /// Problems no step addresses.
        public var left: [StoreVerifier.Finding] = []
    }

    /// What happened to one step: nil error when it was done (or already done).
    public struct Outcome: Sendable {
        public let step: Step
        public let error: String?
        public let detail: String
    }

    let registry: InProcessRegistry
    let parts: NoraApp.Parts

    public init(parts: NoraApp.Parts, logger: Logger) {
        self.parts = parts
        self.registry = InProcessRegistry(parts: parts, logger: logger)
    }

    public static func plan(_ report: StoreVerifier.Report) -> Plan {
        var plan = Plan(), seen = Set<String>()
        for finding in report.problems {
            guard !finding.table.isEmpty, finding.table != "registry_identity" else {
                if finding.kind != .corrupt || finding.table == "registry_identity" { plan.left.append(finding) }
                continue
            }
            let step = Step(kind: .removeRow, format: finding.format, artifact: finding.artifact, digest: finding.digest,
                            table: finding.table, names: finding.names)
            if seen.insert("\(step.table)|\(step.names)|\(step.digest)").inserted { plan.steps.append(step) }
        }
        let marker = Set(report.problems.filter { $0.table == "registry_identity" }.map(\.digest))
        for finding in report.problems where finding.kind == .corrupt && !marker.contains(finding.digest)
            && seen.insert("quarantine|\(finding.digest)").inserted {
            plan.steps.append(Step(kind: .quarantine, format: finding.format, artifact: finding.artifact, digest: finding.digest,
                                   table: "", names: []))
        }
        return plan
    }

    /// Applies the steps in order (rows first, then quarantines), each on its own: one that
    /// fails is reported and the others still run.
    public func apply(_ plan: Plan) async -> [Outcome] {
        var outcomes: [Outcome] = [], done = Set<String>()
        for step in plan.steps {
            do {
                let detail = try await run(step, done: &done)
                outcomes.append(Outcome(step: step, error: nil, detail: detail))
            } catch {
                outcomes.append(Outcome(step: step, error: "\(error)", detail: ""))
            }
        }
        return outcomes
    }

    func run(_ step: Step, done: inout Set<String>) async throws -> String {
        if step.kind == .quarantine {
            return "moved to \(try await parts.store.quarantine(try Digest(parsing: step.digest)))"
        }
        let names = step.names, digest = step.digest
        switch step.table {
        case "raw_files": return try await delete("/raw/" + URLPath.path(names[0]))
        case "maven_files": return try await delete("/maven2/" + URLPath.path(names[0]))
        case "npm_versions": return try await unpublish(names[0], version: names[1])
        case "oci_manifests": return try await delete("/v2/\(URLPath.path(names[0]))/manifests/\(digest)")
        case "oci_blob_links": return try await delete("/v2/\(URLPath.path(names[0]))/blobs/\(digest)")
        case "oci_manifest_refs": return try await delete("/v2/\(URLPath.path(names[0]))/manifests/\(names[1])")
        default: break
        }
        // Formats without a delete service remove every row of theirs naming the digest at once.
        let remover: (@Sendable (String, MetadataDatabase) async throws -> [String])
        switch step.table {
        case "pypi_files", "pypi_core_metadata": remover = PyPIRegistry.removeRows
        case "go_versions", "go_staged_mods": remover = GoRegistry.removeRows
        case "cargo_versions": remover = CargoRegistry.removeRows
        case "proxy_cache": remover = ProxyCacheIndex.removeRows
        default: throw RepairFailure("no repair is known for rows of \(step.table)")
        }
        guard done.insert("\(step.format)|\(digest)").inserted else { return "removed with the rows above" }
        let removed = try await remover(digest, parts.db)
        return removed.isEmpty ? "already gone" : "removed " + removed.joined(separator: ", ")
    }

    func delete(_ path: String) async throws -> String {
        let answer = try await registry.send(.delete, path)
        if answer.status == .notFound { return "already gone" }
        try answer.expectSuccess("DELETE \(path)")
        return "deleted \(path)"
    }

    /// `npm unpublish name@version`: the tarball DELETE at the package's current revision.
    func unpublish(_ name: String, version: String) async throws -> String {
        let pathName = name.replacingOccurrences(of: "/", with: "%2f")
        let packument = try await registry.send(.get, "/npm/\(pathName)", headers: [.accept: "application/json"])
        if packument.status == .notFound { return "already gone" }
        let document = try LooseJSON.object(Array(packument.body.readableBytesView), "packument of \(name)")
        guard let rev = document["_rev"] as? String else { throw RepairFailure("the packument of \(name) has no _rev") }
        let unscoped = name.split(separator: "/").last.map(String.init) ?? name
        return try await delete("/npm/\(pathName)/-/\(URLPath.segment("\(unscoped)-\(version).tgz"))/-rev/\(URLPath.segment(rev))")
    }
}

struct RepairFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
