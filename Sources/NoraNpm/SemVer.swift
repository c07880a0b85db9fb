/// A semantic version (semver.org 2.0.0) as npm accepts it for publishing: exactly
/// `MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]`, no leading `v`, no leading zeros.
struct SemVer: Sendable, Comparable, CustomStringConvertible {
    let major: UInt64
    let minor: UInt64
    let patch: UInt64
    let prerelease: [String]
    let build: [String]
    let text: String

    var description: String { text }
    var isPrerelease: Bool { !prerelease.isEmpty }

    init?(_ text: String) {
        guard !text.isEmpty, text.utf8.count <= 256 else { return nil }
        var rest = Substring(text)
        var build: [String] = []
        if let plus = rest.firstIndex(of: "+") {
            build = rest[rest.index(after: plus)...].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard build.allSatisfy({ !$0.isEmpty && $0.allSatisfy(Self.isIdentifierCharacter) }) else { return nil }
            rest = rest[..<plus]
        }
        var prerelease: [String] = []
        if let dash = rest.firstIndex(of: "-") {
            prerelease = rest[rest.index(after: dash)...].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            for id in prerelease {
                guard !id.isEmpty, id.allSatisfy(Self.isIdentifierCharacter) else { return nil }
                if id.allSatisfy(\.isASCIIDigit), id.count > 1, id.hasPrefix("0") { return nil }
            }
            rest = rest[..<dash]
        }
        let core = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard core.count == 3 else { return nil }
        var numbers: [UInt64] = []
        for part in core {
            guard !part.isEmpty, part.allSatisfy(\.isASCIIDigit), part == "0" || !part.hasPrefix("0"),
                  let n = UInt64(part), n <= 9_007_199_254_740_991 else { return nil }
            numbers.append(n)
        }
        (major, minor, patch) = (numbers[0], numbers[1], numbers[2])
        self.prerelease = prerelease
        self.build = build
        self.text = text
    }

    static func isIdentifierCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "-")
    }

    /// Precedence per semver §11; build metadata is ignored, then the text breaks ties so
    /// sorting is total.
    static func < (a: SemVer, b: SemVer) -> Bool {
        if (a.major, a.minor, a.patch) != (b.major, b.minor, b.patch) {
            return (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch)
        }
        if a.prerelease != b.prerelease {
            if a.prerelease.isEmpty { return false }
            if b.prerelease.isEmpty { return true }
            for (x, y) in zip(a.prerelease, b.prerelease) where x != y {
                switch (UInt64(x), UInt64(y)) {
                case let (nx?, ny?): return nx < ny
                case (.some, nil): return true
                case (nil, .some): return false
                case (nil, nil): return x < y
                }
            }
            return a.prerelease.count < b.prerelease.count
        }
        return a.text < b.text
    }

    static func == (a: SemVer, b: SemVer) -> Bool { a.text == b.text }

    /// Orders version strings by semver precedence; unparsable ones (none are stored) by text.
    static func ordered(_ a: String, _ b: String) -> Bool {
        if let x = SemVer(a), let y = SemVer(b) { return x < y }
        return a < b
    }

    /// The version `latest` falls back to: the highest release, else the highest prerelease.
    static func preferredLatest(_ versions: some Sequence<String>) -> String? {
        let parsed = versions.compactMap(SemVer.init)
        return (parsed.filter { !$0.isPrerelease }.max() ?? parsed.max())?.text
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
