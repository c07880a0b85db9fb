import NoraArchive

/// The checks of an upload that need no storage: the form's action and fields, the file
/// name against the declared name, version and filetype, and the client's digests
/// against the ones computed while the file streamed in.
struct UploadForm: Sendable {
    let project: ProjectName
    let version: String
    let distribution: DistributionFilename
    /// From the form; the file's own metadata takes precedence when it has the field.
    let requiresPython: String?

    init(_ upload: ReceivedUpload, file: ReceivedFile) throws(PyPIError) {
        let action = upload.field(":action") ?? ""
        guard action == "file_upload" else {
            throw PyPIError(.invalidForm, action.isEmpty ? "missing ':action' (expected file_upload)" : "unsupported ':action' '\(action.prefix(40))'")
        }
        if let protocolVersion = upload.field("protocol_version"), protocolVersion != "1" {
            throw PyPIError(.invalidForm, "unsupported protocol_version '\(protocolVersion.prefix(20))'")
        }
        guard let name = upload.field("name"), !name.isEmpty else { throw PyPIError(.invalidForm, "missing 'name'") }
        guard let version = upload.field("version"), !version.isEmpty else { throw PyPIError(.invalidForm, "missing 'version'") }
        guard PackageVersion.isPlausible(version) else { throw PyPIError(.invalidVersion, "'\(version.prefix(100))'") }
        project = try ProjectName(name)
        self.version = version
        distribution = try DistributionFilename(file.filename)
        try distribution.check(project: project, version: version, filetype: upload.field("filetype") ?? "")
        requiresPython = upload.field("requires_python").flatMap { $0.isEmpty ? nil : $0 }
        try Self.checkDigests(upload, file)
    }

    /// Every digest the client sent must match the bytes received (hex, any case).
    static func checkDigests(_ upload: ReceivedUpload, _ file: ReceivedFile) throws(PyPIError) {
        let computed = [("sha256_digest", file.sha256.hex), ("md5_digest", file.md5), ("blake2_256_digest", file.blake2b256)]
        for (field, actual) in computed {
            guard let sent = upload.field(field)?.lowercased(), !sent.isEmpty else { continue }
            guard sent == actual else {
                throw PyPIError(.digestMismatch, "\(field) \(sent.prefix(128)) does not match the uploaded file (\(actual))")
            }
        }
    }
}

/// Reads the core metadata out of a distribution file on local disk, which also proves
/// the file is the archive it claims to be: a wheel must be a zip with
/// `*.dist-info/METADATA`, an sdist a complete tar.gz with `<name>-<version>/PKG-INFO`.
enum DistributionInspector {
    static let maxMetadataBytes = 16 * 1024 * 1024

    static func coreMetadata(path: String, distribution: DistributionFilename) throws(PyPIError) -> [UInt8] {
        switch distribution.kind {
        case .wheel: try wheelMetadata(path: path, distribution: distribution)
        case .sdist: try sdistMetadata(path: path, distribution: distribution)
        }
    }

    static func wheelMetadata(path: String, distribution: DistributionFilename) throws(PyPIError) -> [UInt8] {
        let file = distribution.filename
        do {
            let zip = try ZipEntries(path: path)
            var entry = distribution.metadataPath
            if !zip.paths.contains(entry) {
                // The .dist-info folder may spell the name differently from the file name; take the only one.
                let candidates = zip.paths.filter { $0.hasSuffix(".dist-info/METADATA") && $0.split(separator: "/").count == 2 }
                guard candidates.count == 1 else {
                    throw PyPIError(.invalidDistribution, "'\(file)' has no \(distribution.metadataPath)")
                }
                entry = candidates[0]
            }
            guard let bytes = try zip.contents(of: entry, limit: maxMetadataBytes) else {
                throw PyPIError(.invalidDistribution, "'\(file)' has no \(entry)")
            }
            return bytes
        } catch let error as PyPIError {
            throw error
        } catch {
            throw PyPIError(.invalidDistribution, "'\(file)' is not a valid wheel: \(error)")
        }
    }

    static func sdistMetadata(path: String, distribution: DistributionFilename) throws(PyPIError) -> [UInt8] {
        let file = distribution.filename
        do {
            guard let bytes = try TarGzReader(path: path).contents(of: distribution.metadataPath, limit: maxMetadataBytes) else {
                throw PyPIError(.invalidDistribution, "'\(file)' has no \(distribution.metadataPath)")
            }
            return bytes
        } catch let error as PyPIError {
            throw error
        } catch {
            throw PyPIError(.invalidDistribution, "'\(file)' is not a valid sdist: \(error)")
        }
    }
}
