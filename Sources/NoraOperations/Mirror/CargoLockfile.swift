import NoraCargo
import NoraCore

/// The registry crates a `Cargo.lock` pins: `[[package]]` entries with a `registry+` or
/// `sparse+` source and a checksum (v2+ inline; v1 in `[metadata]`). Path and git
/// dependencies are skipped. Read line by line: Cargo writes this file in one fixed shape,
/// and errors can then name their line.
public struct CargoLockfile: Sendable, Equatable {
    public struct Crate: Sendable, Hashable {
        public let name: String
        public let version: String
        public let checksum: Digest
    }

    public let crates: [Crate]

    public init(text: String, file: String = "Cargo.lock") throws(MirrorInputError) {
        struct Entry { var line: Int; var fields: [String: String] = [:] }
        var entries: [Entry] = []
        var metadataChecksums: [String: String] = [:]
        var section = "", inArray = false
        for (number, line) in InputLines.of(text) {
            if inArray { if line.hasPrefix("]") { inArray = false }; continue }
            if line.hasPrefix("[") {
                section = line
                if line == "[[package]]" { entries.append(Entry(line: number)) }
                continue
            }
            guard section == "[[package]]" || section == "[metadata]" else { continue }  // `version = 3`, patches …
            guard let equals = line.firstIndex(of: "=") else { throw MirrorInputError(file: file, line: number, "expected key = value") }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("[") { inArray = !value.hasSuffix("]"); continue }
            guard value.count >= 2, value.first == "\"", value.last == "\"" else {
                throw MirrorInputError(file: file, line: number, "expected a quoted string for \(key)")
            }
            let string = String(value.dropFirst().dropLast())
            if section == "[[package]]", !entries.isEmpty {
                entries[entries.count - 1].fields[key] = string
            } else if section == "[metadata]", key.hasPrefix("\"checksum ") {
                // "checksum name version (source)" = "hex"
                let parts = key.dropFirst().dropLast().split(separator: " ")
                if parts.count >= 3 { metadataChecksums["\(parts[1]) \(parts[2])"] = string }
            }
        }
        var crates: [Crate] = []
        for entry in entries {
            guard let source = entry.fields["source"], source.hasPrefix("registry+") || source.hasPrefix("sparse+") else { continue }
            guard let name = entry.fields["name"], let version = entry.fields["version"] else {
                throw MirrorInputError(file: file, line: entry.line, "package without name or version")
            }
            guard let hex = entry.fields["checksum"] ?? metadataChecksums["\(name) \(version)"] else {
                throw MirrorInputError(file: file, line: entry.line, "\(name) \(version) has no checksum")
            }
            guard let checksum = try? Digest(algorithm: .sha256, hex: hex) else {
                throw MirrorInputError(file: file, line: entry.line, "checksum of \(name) \(version) is not 64 hex digits")
            }
            guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }), !name.isEmpty else {
                throw MirrorInputError(file: file, line: entry.line, "'\(name)' is not a crate name")
            }
            crates.append(Crate(name: name, version: version, checksum: checksum))
        }
        self.crates = crates
    }

    /// Each crate's index file (cargo reads it even with a lockfile) and its `.crate`, checked.
    public var requests: [MirrorRequest] {
        var out: [MirrorRequest] = []
        var indexed = Set<String>()
        for crate in crates {
            let lower = crate.name.lowercased()
            if indexed.insert(lower).inserted {
                out.append(MirrorRequest("cargo \(crate.name) index", path: "/cargo/index/\(CrateName.indexPath(lower))"))
            }
            out.append(MirrorRequest("cargo \(crate.name)@\(crate.version)",
                                     path: "/cargo/api/v1/crates/\(crate.name)/\(PathSegment.encode(crate.version))/download",
                                     check: .digest(crate.checksum)))
        }
        return out
    }
}

