import NoraGo

/// The module versions a `go.sum` pins. A `m v h1:…` line needs the version's `.info` and
/// `.zip`; a `m v/go.mod h1:…` line needs only the `.mod` (go reads it to build the graph).
public struct GoSumFile: Sendable, Equatable {
    public struct Entry: Sendable, Hashable {
        public let module: String
        public let version: String
        public let goModOnly: Bool
        public let h1: String
    }

    public let entries: [Entry]

    public init(text: String, file: String = "go.sum") throws(MirrorInputError) {
        var entries: [Entry] = []
        var seen = Set<Entry>()
        for (number, line) in InputLines.of(text, comment: "\u{0}") {
            let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard words.count == 3 else { throw MirrorInputError(file: file, line: number, "expected '<module> <version>[/go.mod] h1:<hash>'") }
            let goModOnly = words[1].hasSuffix("/go.mod")
            let version = goModOnly ? String(words[1].dropLast("/go.mod".count)) : words[1]
            guard words[2].hasPrefix("h1:"), words[2].count > 10 else {
                throw MirrorInputError(file: file, line: number, "hash '\(words[2].prefix(20))' is not h1:<base64>")
            }
            do throws(GoModulePath.Invalid) { try GoModulePath.check(words[0]) } catch {
                throw MirrorInputError(file: file, line: number, "module path '\(words[0])': \(error.reason)")
            }
            guard (try? GoSemver(canonical: version)) != nil else {
                throw MirrorInputError(file: file, line: number, "'\(version)' is not a canonical semantic version")
            }
            let entry = Entry(module: words[0], version: version, goModOnly: goModOnly, h1: words[2])
            if seen.insert(entry).inserted { entries.append(entry) }
        }
        self.entries = entries
    }

    public var requests: [MirrorRequest] {
        let goModLines = Set(entries.filter(\.goModOnly).map { "\($0.module)@\($0.version)" })
        return entries.flatMap { entry -> [MirrorRequest] in
            let base = "/go/\(GoModulePath.escape(entry.module))/@v/\(GoModulePath.escape(entry.version))"
            let name = "go \(entry.module)@\(entry.version)"
            if entry.goModOnly { return [MirrorRequest("\(name) .mod", path: base + ".mod", check: .goModH1(entry.h1))] }
            let goMod = goModLines.contains("\(entry.module)@\(entry.version)") ? [] : [MirrorRequest("\(name) .mod", path: base + ".mod")]
            return [MirrorRequest("\(name) .info", path: base + ".info")] + goMod + [
MirrorRequest("\(name) .zip", path: base + ".zip", check: .goZipH1(entry.h1, module: entry.module, version: entry.version))]
        }
    }
}
