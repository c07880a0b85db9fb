/// One line of a sparse-index file: one published version, in the shape cargo reads
/// (https://doc.rust-lang.org/cargo/reference/registry-index.html#json-schema).
/// Optional keys are left out when empty; cargo's serde defaults fill them in.
struct IndexLine: Codable, Sendable, Equatable {
    struct Dependency: Codable, Sendable, Equatable {
        /// The name the dependent uses (the `explicit_name_in_toml` rename, if any).
        let name: String
        let req: String
        let features: [String]
        let optional: Bool
        let default_features: Bool
        let target: String?
        let kind: String
        /// Index URL of the registry the dependency comes from; nil means this registry.
        let registry: String?
        /// The real crate name when `name` is a rename.
        let package: String?
    }

    let name: String
    let vers: String
    let deps: [Dependency]
    let cksum: String
    let features: [String: [String]]
    var yanked: Bool
    let links: String?
    /// 2 when `features2` is present: older cargo then skips the version instead of misreading it.
    let v: Int?
    /// Features using `dep:` or `?/` syntax, kept apart from `features` for older cargo.
    let features2: [String: [String]]?
    let rust_version: String?
    /// When the version was published (RFC 3339), read by newer cargo for publish-age rules.
    let pubtime: String?

    /// Splits features as crates.io does: those with the newer syntax go to `features2`.
    static func splitFeatures(_ all: [String: [String]]) -> (features: [String: [String]], features2: [String: [String]]?) {
        var plain: [String: [String]] = [:], modern: [String: [String]] = [:]
        for (feature, values) in all {
            if values.contains(where: { $0.hasPrefix("dep:") || $0.contains("?/") }) {
                modern[feature] = values
            } else {
                plain[feature] = values
            }
        }
        return (plain, modern.isEmpty ? nil : modern)
    }
}
