import Foundation

/// The fields we need from a distribution's core metadata (a wheel's `METADATA`, an sdist's
/// `PKG-INFO`): email-style headers up to the first blank line, where the body (the long
/// description) begins. Continuation lines (leading space or tab) belong to the previous field.
struct CoreMetadata: Sendable, Equatable {
    let metadataVersion: String?
    let name: String?
    let version: String?
    let requiresPython: String?

    init(_ bytes: [UInt8]) throws(PyPIError) {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw PyPIError(.invalidDistribution, "the core metadata is not UTF-8")
        }
        var fields: [String: String] = [:]
        var last: String?
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            if line.isEmpty || line == "\r" { break }
            if line.first == " " || line.first == "\t" {
                if let key = last { fields[key, default: ""] += " " + line.trimmingCharacters(in: .whitespaces) }
                continue
            }
            guard let colon = line.firstIndex(of: ":") else {
                throw PyPIError(.invalidDistribution, "malformed core metadata line '\(line.prefix(80))'")
            }
            let key = line[..<colon].lowercased()
            // Repeated fields (Classifier, Requires-Dist) keep the first value: we only read single-valued ones.
            if fields[key] == nil { fields[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
            last = key
        }
        metadataVersion = fields["metadata-version"]
        name = fields["name"]
        version = fields["version"]
        requiresPython = fields["requires-python"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The metadata must name the project and version being uploaded.
    func check(project: ProjectName, version declared: String, file: String) throws(PyPIError) {
        guard let name, let version else {
            throw PyPIError(.invalidDistribution, "the core metadata of '\(file)' lacks Name or Version")
        }
        guard ProjectName.normalize(name) == project.normalized else {
            throw PyPIError(.invalidDistribution, "'\(file)' contains metadata for '\(name.prefix(200))', not '\(project.display)'")
        }
        guard PackageVersion.same(version, declared) else {
            throw PyPIError(.invalidDistribution, "'\(file)' contains metadata for version '\(version.prefix(100))', not '\(declared.prefix(100))'")
        }
    }
}
