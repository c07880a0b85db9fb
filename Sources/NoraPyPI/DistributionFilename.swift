/// A distribution file name, parsed by the packaging rules: wheels are
/// `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl` (PEP 427/491) and sdists
/// `{name}-{version}.tar.gz` (PEP 625). The name and version parts must agree with the
/// project and version the upload declares.
struct DistributionFilename: Sendable, Equatable {
    enum Kind: String, Sendable {
        case wheel = "bdist_wheel", sdist

        /// The `filetype` form field each kind travels with.
        var filetype: String { rawValue }
    }

    let filename: String
    let kind: Kind
    /// The name as written in the file name (`my_pkg`), not normalized.
    let name: String
    let version: String

    init(_ filename: String) throws(PyPIError) {
        try Self.checkSafe(filename)
        self.filename = filename
        if filename.hasSuffix(".whl") {
            let parts = filename.dropLast(4).split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 5 || parts.count == 6, parts.allSatisfy({ !$0.isEmpty }) else {
                throw PyPIError(.invalidFilename, "'\(filename)' is not a valid wheel name ({name}-{version}(-{build})?-{python}-{abi}-{platform}.whl)")
            }
            if parts.count == 6, !(parts[2].first?.isNumber ?? false) {
                throw PyPIError(.invalidFilename, "'\(filename)': a wheel build tag must start with a digit")
            }
            kind = .wheel
            name = String(parts[0])
            version = String(parts[1])
        } else if filename.hasSuffix(".tar.gz") {
            let stem = filename.dropLast(7)
            guard let dash = stem.lastIndex(of: "-"), dash != stem.startIndex, stem.index(after: dash) != stem.endIndex else {
                throw PyPIError(.invalidFilename, "'\(filename)' is not a valid sdist name ({name}-{version}.tar.gz)")
            }
            kind = .sdist
            name = String(stem[..<dash])
            version = String(stem[stem.index(after: dash)...])
        } else {
            throw PyPIError(.invalidFilename, "'\(filename)': only wheels (.whl) and sdists (.tar.gz) are accepted")
        }
        guard ProjectName.isValid(name), PackageVersion.isPlausible(version) else {
            throw PyPIError(.invalidFilename, "'\(filename)' does not contain a valid name and version")
        }
    }

    /// The upload's declared project, version and filetype must be the ones the file name carries.
    func check(project: ProjectName, version declared: String, filetype: String) throws(PyPIError) {
        guard filetype == kind.filetype else {
            throw PyPIError(.invalidFilename, "'\(filename)' is a \(kind == .wheel ? "wheel" : "sdist") but the filetype is '\(filetype.prefix(40))'")
        }
        guard ProjectName.normalize(name) == project.normalized else {
            throw PyPIError(.invalidFilename, "'\(filename)' does not belong to project '\(project.display)'")
        }
        guard PackageVersion.same(version, declared) else {
            throw PyPIError(.invalidFilename, "'\(filename)' does not match version '\(declared.prefix(100))'")
        }
    }

    /// Where the core metadata lives inside the archive.
    var metadataPath: String {
        switch kind {
        case .wheel: "\(name)-\(version).dist-info/METADATA"
        case .sdist: "\(filename.dropLast(7))/PKG-INFO"
        }
    }

    /// Names that are served as plain path segments: no separators, controls or dot-names.
    static func checkSafe(_ filename: String) throws(PyPIError) {
        guard !filename.isEmpty, filename.utf8.count <= 255, !filename.hasPrefix("."),
              filename.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7f && $0 != "/" && $0 != "\\" && $0 != "#" && $0 != "?" && $0 != "%" })
        else { throw PyPIError(.invalidFilename, "'\(filename.prefix(255))' is not an acceptable file name") }
    }
}
