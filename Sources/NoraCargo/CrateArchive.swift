import NoraArchive

/// Checks that a `.crate` file is what cargo makes and unpacks safely: a gzip tar whose
/// entries all sit under `<name>-<version>/`, with a `Cargo.toml` there, no path that
/// climbs out (`..`, absolute), and no links or devices (cargo packs files, not links).
enum CrateArchive {
    /// Crates unpacking to more than this are refused (crates.io's limit too), against gzip bombs.
    static let maxUnpackedBytes: Int64 = 512 * 1024 * 1024

    static func validate(path: String, crate: CrateName, version: SemanticVersion) throws(CargoError) {
        var limits = TarGzReader.Limits()
        limits.maxUncompressedBytes = maxUnpackedBytes
        let entries: [TarEntry]
        do {
            entries = try TarGzReader(path: path, limits: limits).entries()
        } catch {
            throw CargoError(.invalidCrate, "the .crate file is not a valid gzip tar archive: \(error)")
        }
        try check(entries, root: "\(crate.value)-\(version.text)")
    }

    /// The layout rules, on an entry list (unit-tested without archives).
    static func check(_ entries: [TarEntry], root: String) throws(CargoError) {
        var hasManifest = false
        for entry in entries {
            let path = entry.path
            guard path == root || path.hasPrefix(root + "/") else {
                throw CargoError(.invalidCrate, "invalid .crate: entry '\(path.prefix(200))' is outside the '\(root)/' folder")
            }
            let components = path.split(separator: "/", omittingEmptySubsequences: false)
            guard !components.contains(where: { $0 == ".." || $0 == "." || $0.isEmpty }) else {
                throw CargoError(.invalidCrate, "invalid .crate: entry '\(path.prefix(200))' has an unsafe path")
            }
            switch entry.type {
            case .file:
                if path == root + "/Cargo.toml" { hasManifest = true }
            case .directory:
                break
            case .symlink, .hardlink:
                throw CargoError(.invalidCrate, "invalid .crate: entry '\(path.prefix(200))' is a link")
            case .other:
                throw CargoError(.invalidCrate, "invalid .crate: entry '\(path.prefix(200))' is not a file or folder")
            }
        }
        guard hasManifest else { throw CargoError(.invalidCrate, "invalid .crate: it has no '\(root)/Cargo.toml'") }
    }
}
