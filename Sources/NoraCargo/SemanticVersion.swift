/// A Semantic Versioning 2.0.0 version, which is what cargo requires of `vers`.
///
/// Precedence ignores build metadata, so `1.0.0+a` and `1.0.0+b` are the same version:
/// the registry refuses the second (its `key` is taken), as crates.io does.
struct SemanticVersion: Sendable, Comparable, CustomStringConvertible {
    let major: UInt64, minor: UInt64, patch: UInt64
    let prerelease: [String]
    let build: String?
    let text: String

    static let maxLength = 256

    init(_ text: String) throws(CargoError) {
        func invalid(_ why: String) -> CargoError {
            CargoError(.invalidVersion, "invalid version '\(text.prefix(80))': \(why)")
        }
        guard !text.isEmpty, text.utf8.count <= Self.maxLength else { throw invalid("it must have 1-\(Self.maxLength) characters") }
        var rest = Substring(text)
        var build: String?
        if let plus = rest.firstIndex(of: "+") {
            let meta = rest[rest.index(after: plus)...]
            guard Self.validIdentifiers(meta, numericRule: false) else { throw invalid("bad build metadata") }
            build = String(meta)
            rest = rest[..<plus]
        }
        var prerelease: [String] = []
        if let dash = rest.firstIndex(of: "-") {
            let pre = rest[rest.index(after: dash)...]
            guard Self.validIdentifiers(pre, numericRule: true) else { throw invalid("bad pre-release") }
            prerelease = pre.split(separator: ".").map(String.init)
            rest = rest[..<dash]
        }
        let core = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard core.count == 3 else { throw invalid("expected MAJOR.MINOR.PATCH") }
        var numbers: [UInt64] = []
        for part in core {
            guard !part.isEmpty, part.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  part == "0" || !part.hasPrefix("0"), let n = UInt64(part)
            else { throw invalid("'\(part)' is not a number without leading zeros") }
            numbers.append(n)
        }
        (major, minor, patch) = (numbers[0], numbers[1], numbers[2])
        self.prerelease = prerelease
        self.build = build
        self.text = text
    }

    /// The version without build metadata: unique per crate.
    var key: String {
        "\(major).\(minor).\(patch)" + (prerelease.isEmpty ? "" : "-" + prerelease.joined(separator: "."))
    }

    var isPrerelease: Bool { !prerelease.isEmpty }
    var description: String { text }

    static func validIdentifiers(_ text: Substring, numericRule: Bool) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return !text.isEmpty && parts.allSatisfy { part in
            guard !part.isEmpty, part.utf8.allSatisfy({ CrateName.isNameByte($0) && $0 != 0x5f }) else { return false }
            let numeric = part.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
            return !(numericRule && numeric && part.count > 1 && part.hasPrefix("0"))
        }
    }

    static func == (a: Self, b: Self) -> Bool { a.key == b.key }

    static func < (a: Self, b: Self) -> Bool {
        if (a.major, a.minor, a.patch) != (b.major, b.minor, b.patch) {
            return (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch)
        }
        // A pre-release sorts before its release; identifiers compare numerically when both are numbers.
        if a.prerelease.isEmpty || b.prerelease.isEmpty { return !a.prerelease.isEmpty && b.prerelease.isEmpty }
        for (x, y) in zip(a.prerelease, b.prerelease) where x != y {
            switch (UInt64(x), UInt64(y)) {
            case let (m?, n?): return m < n
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return x < y
            }
        }
        return a.prerelease.count < b.prerelease.count
    }
}
