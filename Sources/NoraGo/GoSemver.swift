/// A module version as `golang.org/x/mod/semver` reads it. Only canonical versions are
/// accepted (`v1.2.3`, `v1.2.3-rc.1`, `v2.0.0+incompatible`): go.sum and the proxy protocol
/// name versions canonically, so `v1.2`, `1.2.3` or `v1.2.3+build` would never be asked for.
public struct GoSemver: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let major: Int
    public let minor: Int
    public let patch: Int
    /// Dot-separated identifiers after `-`; empty for a release.
    public let prerelease: [String]
    public let isIncompatible: Bool
    public let description: String

    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    public init(canonical text: String) throws(Invalid) {
        func fail(_ why: String) -> Invalid { Invalid(reason: "invalid version \"\(text)\": \(why)") }
        guard text.hasPrefix("v") else { throw fail("must start with v, e.g. v1.2.3") }
        var rest = Substring(text.dropFirst())
        var build: Substring?
        if let plus = rest.firstIndex(of: "+") {
            build = rest[rest.index(after: plus)...]
            rest = rest[..<plus]
        }
        var pre: Substring?
        if let dash = rest.firstIndex(of: "-") {
            pre = rest[rest.index(after: dash)...]
            rest = rest[..<dash]
        }
        let numbers = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard numbers.count == 3 else { throw fail("not canonical: use the full form vMAJOR.MINOR.PATCH") }
        var parsed: [Int] = []
        for number in numbers {
            guard !number.isEmpty, number.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw fail("malformed number \"\(number)\"") }
            guard number == "0" || !number.hasPrefix("0") else { throw fail("not canonical: leading zero in \"\(number)\"") }
            guard let value = Int(number) else { throw fail("number too large") }
            parsed.append(value)
        }
        var identifiers: [String] = []
        if let pre {
            for identifier in pre.split(separator: ".", omittingEmptySubsequences: false) {
                guard Self.isIdentifier(identifier) else { throw fail("malformed pre-release \"\(pre)\"") }
                if identifier.allSatisfy(\.isNumber), identifier.count > 1, identifier.hasPrefix("0") {
                    throw fail("leading zero in pre-release number \"\(identifier)\"")
                }
                identifiers.append(String(identifier))
            }
        }
        if let build {
            guard build == "incompatible" else { throw fail("not canonical: build metadata (+\(build)) is not allowed, except +incompatible") }
        }
        (major, minor, patch) = (parsed[0], parsed[1], parsed[2])
        prerelease = identifiers
        isIncompatible = build != nil
        description = text
    }

    static func isIdentifier(_ s: Substring) -> Bool {
        !s.isEmpty && s.unicodeScalars.allSatisfy { GoModulePath.isASCIIAlphanumeric($0) || $0 == "-" }
    }

    public var isPrerelease: Bool { !prerelease.isEmpty }

    /// `v0.0.0-20240102150405-abcdef123456` and its variants: versions the go command
    /// derives from commits. The proxy's `list` leaves them out.
    public var isPseudo: Bool {
        guard let last = prerelease.last else { return false }
        let parts = last.split(separator: "-")
        guard parts.count >= 2 else { return false }
        let stamp = parts[parts.count - 2]
        let hash = parts[parts.count - 1]
        return stamp.count == 14 && stamp.allSatisfy(\.isNumber) && hash.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }

    /// Semver precedence; build metadata (`+incompatible`) does not count.
    public static func < (a: GoSemver, b: GoSemver) -> Bool {
        if a.major != b.major { return a.major < b.major }
        if a.minor != b.minor { return a.minor < b.minor }
        if a.patch != b.patch { return a.patch < b.patch }
        if a.prerelease.isEmpty || b.prerelease.isEmpty { return !a.prerelease.isEmpty && b.prerelease.isEmpty }
        for (x, y) in zip(a.prerelease, b.prerelease) where x != y {
            let xNum = x.allSatisfy(\.isNumber), yNum = y.allSatisfy(\.isNumber)
            switch (xNum, yNum) {
            case (true, true): return x.count != y.count ? x.count < y.count : x < y
            case (true, false): return true
            case (false, true): return false
            case (false, false): return x < y
            }
        }
        return a.prerelease.count < b.prerelease.count
    }

    /// What `@latest` means when no tag is asked for: the highest release, else the highest
    /// pre-release, else the highest pseudo-version. `+incompatible` versions only count when
    /// the module has no compatible version at all (the go command ignores them otherwise).
    public static func latest(of versions: [GoSemver]) -> GoSemver? {
        let compatible = versions.filter { !$0.isIncompatible }
        let pool = compatible.isEmpty ? versions : compatible
        let releases = pool.filter { !$0.isPrerelease }
        if let best = releases.max() { return best }
        let tagged = pool.filter { !$0.isPseudo }
        if let best = tagged.max() { return best }
        return pool.max()
    }
}
