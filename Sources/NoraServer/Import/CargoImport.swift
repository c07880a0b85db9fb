import Foundation
import HTTPTypes

/// NORA's crates into `PUT /cargo/api/v1/crates/new` (cargo's publish framing, the crate
/// streamed): one item per version, its publish metadata rebuilt from NORA's index line
/// (dependencies, features, links, rust-version), the `.crate` checked against the line's
/// `cksum` first. A version yanked in NORA is yanked here too.
struct CargoImport: Sendable {
    let source: any NoraSource
    let registry: InProcessRegistry

    func items(_ crates: [NoraLayout.Crate]) -> [NoraImporter.Item] {
        var items: [NoraImporter.Item] = []
        for crate in crates {
            let versions = Set(crate.files.keys).union(crate.entryKeys.keys).sorted()
            if versions.isEmpty {
                items.append(.init(format: .cargo, name: crate.name) { try await importAll(crate) })
            }
            for version in versions {
                items.append(.init(format: .cargo, name: "\(crate.name)@\(version)") { try await importVersion(version, of: crate) })
            }
        }
        return items
    }

    /// A crate whose versions are known only from its index file.
    func importAll(_ crate: NoraLayout.Crate) async throws -> NoraImporter.Outcome {
        let lines = try await indexLines(crate)
        guard !lines.isEmpty else { throw ImportFailure("no versions in NORA's storage") }
        var outcome = NoraImporter.Outcome.present
        for version in lines.keys.sorted() where try await importVersion(version, of: crate) == .imported { outcome = .imported }
        return outcome
    }

    /// version → its index line, from the index file, else from the per-version entries.
    func indexLines(_ crate: NoraLayout.Crate) async throws -> [String: [String: Any]] {
        var lines: [String: [String: Any]] = [:]
        if let key = crate.indexKey {
            for line in String(decoding: try await source.readSmall(key, limit: 64 << 20), as: UTF8.self).split(separator: "\n")
            where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                let object = try LooseJSON.object(Array(line.utf8), "an index line of \(crate.name)")
                if let version = object["vers"] as? String { lines[version] = object }
            }
        } else {
            for (version, key) in crate.entryKeys {
                lines[version] = try LooseJSON.object(try await source.readSmall(key, limit: 4 << 20), key)
            }
        }
        return lines
    }

    func importVersion(_ version: String, of crate: NoraLayout.Crate) async throws -> NoraImporter.Outcome {
        guard let line = try await indexLines(crate)[version] else { throw ImportFailure("no index line for \(version) in NORA's storage") }
        let yanked = line["yanked"] as? Bool ?? false
        if let here = try await lineHere(crate.name, version) {
            if yanked, !(here["yanked"] as? Bool ?? false) { try await yank(crate.name, version) }
            return .present
        }
        guard let key = crate.files[version] else { throw ImportFailure("the .crate of \(version) is not in NORA's storage") }
        let metadata = try LooseJSON.bytes(Self.publishMetadata(line))
        let answer = try await source.withFile(key) { path in
            let hashes = try FileHashes(path: path)
            if let cksum = line["cksum"] as? String, cksum != hashes.sha256 {
                throw ImportFailure("the .crate is corrupt: its sha256 is \(hashes.sha256), the index line's cksum \(cksum)")
            }
            let body = FramedFileBody(head: Self.lengthPrefix(metadata.count) + metadata + Self.lengthPrefix(Int(hashes.size)),
                                      path: path, tail: [])
            return try await registry.send(.put, "/cargo/api/v1/crates/new", body: body, length: body.length)
        }
        try answer.expectSuccess("publish")
        if yanked { try await yank(crate.name, version) }
        return .imported
    }

    func yank(_ name: String, _ version: String) async throws {
        try await registry.send(.delete, "/cargo/api/v1/crates/\(name)/\(URLPath.segment(version))/yank").expectSuccess("yank")
    }

    /// This registry's index line for the version, when it has one.
    func lineHere(_ name: String, _ version: String) async throws -> [String: Any]? {
        let answer = try await registry.send(.get, "/cargo/index/\(Self.indexPath(name))")
        guard answer.ok else { return nil }
        for line in answer.text.split(separator: "\n") {
            if let object = try? LooseJSON.object(Array(line.utf8), "index line"), object["vers"] as? String == version { return object }
        }
        return nil
    }

    /// The sparse index's path for a crate: `1/a`, `2/ab`, `3/a/abc`, `ab/cd/abcd…`.
    static func indexPath(_ name: String) -> String {
        let lower = name.lowercased(), chars = Array(lower)
        switch chars.count {
        case 1: return "1/\(lower)"
        case 2: return "2/\(lower)"
        case 3: return "3/\(chars[0])/\(lower)"
        default: return "\(String(chars[0..<2]))/\(String(chars[2..<4]))/\(lower)"
        }
    }

    static func lengthPrefix(_ length: Int) -> [UInt8] {
        let value = UInt32(length)
        return [UInt8(value & 0xff), UInt8((value >> 8) & 0xff), UInt8((value >> 16) & 0xff), UInt8(value >> 24)]
    }

    /// Cargo's publish JSON from an index line: an index dependency's `name` is the name in
    /// Cargo.toml and `package` the real crate, where publish has `name` (the crate) and
    /// `explicit_name_in_toml`; `features2` folds back into `features`.
    static func publishMetadata(_ line: [String: Any]) -> [String: Any] {
        let deps = (line["deps"] as? [[String: Any]] ?? []).map { dep -> [String: Any] in
            let package = dep["package"] as? String
            var out: [String: Any] = [
                "name": package ?? dep["name"] as? String ?? "", "version_req": dep["req"] as? String ?? "*",
                "features": dep["features"] as? [String] ?? [], "optional": dep["optional"] as? Bool ?? false,
                "default_features": dep["default_features"] as? Bool ?? true, "kind": dep["kind"] as? String ?? "normal",
            ]
            if package != nil { out["explicit_name_in_toml"] = dep["name"] }
            if let target = dep["target"] as? String { out["target"] = target }
            if let registry = dep["registry"] as? String { out["registry"] = registry }
            return out
        }
        var features = line["features"] as? [String: [String]] ?? [:]
        for (name, values) in line["features2"] as? [String: [String]] ?? [:] { features[name] = values }
        var metadata: [String: Any] = ["name": line["name"] as? String ?? "", "vers": line["vers"] as? String ?? "",
                                       "deps": deps, "features": features]
        if let links = line["links"] as? String { metadata["links"] = links }
        if let rust = line["rust_version"] as? String { metadata["rust_version"] = rust }
        return metadata
    }
}
