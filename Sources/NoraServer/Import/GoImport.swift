import Foundation
import HTTPTypes

/// NORA's `go/<module>/@v/<version>.{mod,zip}` into `PUT /go/…/@v/<version>.mod` then `.zip`
/// (this registry's publish endpoint): the handler checks the zip by the module zip rules and
/// the `.mod` against the one inside; with `--go-sum`, both are first checked against go.sum. The `.info` is generated here (its time is the import's).
struct GoImport: Sendable {
    let source: any NoraSource
    let registry: InProcessRegistry
    let sums: GoSumCheck

    /// Items, and the versions NORA holds no `.zip` for (a proxy that fetched only `.info`/`.mod`).
    func items(_ versions: [NoraLayout.GoVersion]) -> ([NoraImporter.Item], [String]) {
        var items: [NoraImporter.Item] = [], skipped: [String] = []
        for version in versions {
            guard version.zipKey != nil else {
                skipped.append("go/\(version.escapedModule)/@v/\(version.version) (no .zip: not importable)")
                continue
            }
            items.append(.init(format: .go, name: "\(version.escapedModule)@\(version.version)") { try await publish(version) })
        }
        return (items, skipped)
    }

    func publish(_ version: NoraLayout.GoVersion) async throws -> NoraImporter.Outcome {
        let base = "/go/\(URLPath.path(version.escapedModule))/@v/\(URLPath.segment(version.version))"
        if try await registry.send(.get, base + ".info").ok { return .present }
        let goMod = try await version.modKey.asyncMap { try await source.readSmall($0, limit: 16 << 20) }
        try await source.withFile(version.zipKey!) { path in
            try sums.check(module: version.escapedModule, version: version.version, zipPath: path, goMod: goMod)
        }
        if let mod = version.modKey {
            let answer = try await source.withFile(mod) { try await registry.send(.put, base + ".mod", file: $0) }
            try answer.expectSuccess("go.mod upload")
        }
        let answer = try await source.withFile(version.zipKey!) {
            try await registry.send(.put, base + ".zip", headers: [.contentType: "application/zip"], file: $0)
        }
        try answer.expectSuccess("module zip upload")
        return .imported
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
