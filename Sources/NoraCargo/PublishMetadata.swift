import NoraCore

/// The JSON part of a `cargo publish` request
/// (https://doc.rust-lang.org/cargo/reference/registry-web-api.html#publish), validated and
/// turned into the index line the registry serves.
struct PublishMetadata: Decodable, Sendable {
    struct Dependency: Decodable, Sendable {
        let name: String
        let version_req: String
        let features: [String]?
        let optional: Bool?
        let default_features: Bool?
        let target: String?
        let kind: String?
        let registry: String?
        let explicit_name_in_toml: String?
    }

    let name: String
    let vers: String
    let deps: [Dependency]?
    let features: [String: [String]]?
    let description: String?
    let keywords: [String]?
    let links: String?
    let rust_version: String?

    static let maxDependencies = 1000
    static let maxFeatures = 1000
    static let maxFieldLength = 1024

    /// Parses the JSON; every failure is a `CargoError` naming what is wrong.
    static func parse(_ bytes: [UInt8]) throws(CargoError) -> PublishMetadata {
        do {
            return try JSON.decode(PublishMetadata.self, from: bytes)
        } catch {
            throw CargoError(.invalidMetadata, "the publish metadata is not valid JSON of the expected shape: \(Self.describe(error))")
        }
    }

    /// The checked crate name and version.
    func identity() throws(CargoError) -> (CrateName, SemanticVersion) {
        (try CrateName(name), try SemanticVersion(vers))
    }

    /// The index line for this version of a crate whose file has checksum `cksum`.
    func indexLine(cksum: String, pubtime: String) throws(CargoError) -> IndexLine {
        let (crate, version) = try identity()
        let deps = deps ?? []
        guard deps.count <= Self.maxDependencies else { throw invalid("more than \(Self.maxDependencies) dependencies") }
        var lines: [IndexLine.Dependency] = []
        for dep in deps {
            let package = try CrateName(dep.name)
            let alias = try dep.explicit_name_in_toml.map { (name) throws(CargoError) in try CrateName(name) }
            let kind = dep.kind ?? "normal"
            guard ["normal", "dev", "build"].contains(kind) else { throw invalid("dependency '\(dep.name)' has unknown kind '\(kind)'") }
            try checkText(dep.version_req, "the version requirement of '\(dep.name)'", allowEmpty: false)
            try dep.target.map { (target) throws(CargoError) in try checkText(target, "the target of '\(dep.name)'", allowEmpty: false) }
            try dep.registry.map { (url) throws(CargoError) in try checkText(url, "the registry of '\(dep.name)'", allowEmpty: false) }
            for feature in dep.features ?? [] { try checkText(feature, "a feature of dependency '\(dep.name)'", allowEmpty: false) }
            lines.append(.init(name: alias?.value ?? package.value, req: dep.version_req, features: dep.features ?? [],
                               optional: dep.optional ?? false, default_features: dep.default_features ?? true,
                               target: dep.target, kind: kind, registry: dep.registry,
                               package: alias == nil ? nil : package.value))
        }
        let all = features ?? [:]
        guard all.count <= Self.maxFeatures else { throw invalid("more than \(Self.maxFeatures) features") }
        for (feature, values) in all {
            try checkText(feature, "a feature name", allowEmpty: false)
            for value in values { try checkText(value, "a value of feature '\(feature)'", allowEmpty: false) }
        }
        try links.map { (text) throws(CargoError) in try checkText(text, "links", allowEmpty: false) }
        try rust_version.map { (text) throws(CargoError) in try checkText(text, "rust-version", allowEmpty: false) }
        let (plain, modern) = IndexLine.splitFeatures(all)
        return IndexLine(name: crate.value, vers: version.text, deps: lines, cksum: cksum, features: plain, yanked: false,
                         links: links, v: modern == nil ? nil : 2, features2: modern, rust_version: rust_version,
                         pubtime: pubtime)
    }

    func invalid(_ detail: String) -> CargoError { CargoError(.invalidMetadata, detail) }

    func checkText(_ text: String, _ what: String, allowEmpty: Bool) throws(CargoError) {
        guard allowEmpty || !text.isEmpty else { throw invalid("\(what) is empty") }
        guard text.utf8.count <= Self.maxFieldLength else { throw invalid("\(what) is longer than \(Self.maxFieldLength) bytes") }
        guard !text.unicodeScalars.contains(where: { $0.value < 0x20 }) else { throw invalid("\(what) contains control characters") }
    }

    /// A short reason from a decoding error (the key path), not Foundation's long prose.
    static func describe(_ error: any Error) -> String {
        guard let decoding = error as? DecodingError else { return "malformed JSON" }
        switch decoding {
        case .keyNotFound(let key, let context): return "missing '\(Self.path(context.codingPath + [key]))'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return "wrong type at '\(Self.path(context.codingPath))'"
        case .dataCorrupted(let context): return context.codingPath.isEmpty ? "malformed JSON" : "bad value at '\(Self.path(context.codingPath))'"
        @unknown default: return "malformed JSON"
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}
