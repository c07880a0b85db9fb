/// Module paths and file paths by the rules of `golang.org/x/mod/module` (CheckPath,
/// CheckFilePath, SplitPathVersion, CheckPathMajor, EscapePath), so that what we accept is
/// exactly what the go command will later accept from us.
public enum GoModulePath {
    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public let reason: String
        init(_ reason: String) { self.reason = reason }
        public var description: String { reason }
    }

    // MARK: Module paths

    /// Throws unless `path` is a valid module path (`example.com/team/lib`, `…/v2`, `gopkg.in/yaml.v3`).
    public static func check(_ path: String) throws(Invalid) {
        do {
            try checkPath(path, kind: .module)
        } catch {
            throw Invalid("malformed module path \"\(path)\": \(error.reason)")
        }
        let first = path.split(separator: "/", omittingEmptySubsequences: false)[0]
        guard first.contains(".") else { throw Invalid("malformed module path \"\(path)\": missing dot in first path element") }
        for scalar in first.unicodeScalars where !(scalar == "-" || scalar == "." || ("0"..."9").contains(scalar) || ("a"..."z").contains(scalar)) {
            throw Invalid("malformed module path \"\(path)\": invalid char '\(scalar)' in first path element")
        }
        guard split(path) != nil else { throw Invalid("malformed module path \"\(path)\": invalid version suffix") }
    }

    /// Splits `example.com/m/v2` into (`example.com/m`, `/v2`) and `gopkg.in/yaml.v3` into
    /// (`gopkg.in/yaml`, `.v3`); the suffix is empty for v0/v1 paths. Nil for a malformed suffix
    /// such as `/v1` or `/v02`.
    public static func split(_ path: String) -> (prefix: String, major: String)? {
        let bytes = Array(path.utf8)
        if path.hasPrefix("gopkg.in/") { return splitGopkgIn(path) }
        var i = bytes.count
        var dot = false
        while i > 0, (bytes[i - 1] >= 0x30 && bytes[i - 1] <= 0x39) || bytes[i - 1] == 0x2E {
            if bytes[i - 1] == 0x2E { dot = true }
            i -= 1
        }
        if i <= 1 || i == bytes.count || bytes[i - 1] != UInt8(ascii: "v") || bytes[i - 2] != UInt8(ascii: "/") {
            return (path, "")
        }
        let prefix = String(decoding: bytes[..<(i - 2)], as: UTF8.self)
        let major = String(decoding: bytes[(i - 2)...], as: UTF8.self)
        if dot || major.utf8.count <= 2 || Array(major.utf8)[2] == UInt8(ascii: "0") || major == "/v1" { return nil }
        return (prefix, major)
    }

    private static func splitGopkgIn(_ path: String) -> (prefix: String, major: String)? {
        let bytes = Array(path.utf8)
        var i = bytes.count
        if path.hasSuffix("-unstable") { i -= "-unstable".utf8.count }
        while i > 0, bytes[i - 1] >= 0x30 && bytes[i - 1] <= 0x39 { i -= 1 }
        if i <= 1 || bytes[i - 1] != UInt8(ascii: "v") || bytes[i - 2] != UInt8(ascii: ".") { return nil }
        let major = String(decoding: bytes[(i - 2)...], as: UTF8.self)
        if major.hasPrefix(".v0") && major != ".v0" && !major.hasPrefix(".v0-") { return nil }
        return (String(decoding: bytes[..<(i - 2)], as: UTF8.self), major)
    }

    /// The major-version rule: `/vN` paths take vN versions; plain paths take v0/v1, or
    /// vN+incompatible (N ≥ 2) for code that predates modules.
    public static func checkMajor(version: GoSemver, path: String) throws(Invalid) {
        guard let (_, major) = split(path) else { throw Invalid("malformed module path \"\(path)\"") }
        let versionMajor = "v\(version.major)"
        if major.isEmpty {
            if version.isIncompatible {
                guard version.major >= 2 else {
                    throw Invalid("invalid version \(version): +incompatible suffix not allowed: major version \(versionMajor) is compatible")
                }
                return
            }
            guard version.major <= 1 else {
                throw Invalid("invalid version \(version): should be v0 or v1, not \(versionMajor) (a v2+ module path ends in /\(versionMajor))")
            }
            return
        }
        if version.isIncompatible {
            throw Invalid("invalid version \(version): +incompatible suffix not allowed: module path \(path) has a major version suffix")
        }
        var expected = String(major.dropFirst())
        if expected.hasSuffix("-unstable") { expected = String(expected.dropLast("-unstable".count)) }
        if major.hasPrefix(".v"), expected == "v1", version.major == 0 { return }  // gopkg.in/x.v1 at v0.0.0-…
        guard expected == versionMajor else {
            throw Invalid("invalid version \(version): should be \(expected), not \(versionMajor) (module path \(path))")
        }
    }

    // MARK: File paths inside a module

    /// Throws unless `path` may name a file in a module zip (`module.CheckFilePath`).
    public static func checkFile(_ path: String) throws(Invalid) {
        do {
            try checkPath(path, kind: .file)
        } catch {
            throw Invalid("malformed file path \"\(path)\": \(error.reason)")
        }
    }

    // MARK: Case encoding (`!x` for `X`), for URLs and file systems that ignore case

    public static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if ("A"..."Z").contains(scalar) {
                out += "!" + String(scalar).lowercased()
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Reverses `escape`; nil when `text` has an upper-case letter or a `!` not before a lower-case letter.
    public static func unescape(_ text: String) -> String? {
        var out = ""
        var bang = false
        for scalar in text.unicodeScalars {
            if bang {
                guard ("a"..."z").contains(scalar) else { return nil }
                out += String(scalar).uppercased()
                bang = false
            } else if scalar == "!" {
                bang = true
            } else if ("A"..."Z").contains(scalar) {
                return nil
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return bang ? nil : out
    }

    // MARK: Shared element rules

    enum Kind { case module, file }

    static func checkPath(_ path: String, kind: Kind) throws(Invalid) {
        guard !path.isEmpty else { throw Invalid("empty string") }
        if path.hasPrefix("-"), kind == .module { throw Invalid("leading dash") }
        if path.contains("//") { throw Invalid("double slash") }
        if path.hasSuffix("/") { throw Invalid("trailing slash") }
        if path.hasPrefix("/") { throw Invalid("leading slash") }
        for element in path.split(separator: "/", omittingEmptySubsequences: false) {
            try checkElement(element, kind: kind)
        }
    }

    static let windowsReserved: Set<String> = Set(["CON", "PRN", "AUX", "NUL"]
        + (1...9).map { "COM\($0)" } + (1...9).map { "LPT\($0)" })

    static func checkElement(_ element: Substring, kind: Kind) throws(Invalid) {
        guard !element.isEmpty else { throw Invalid("empty path element") }
        if element.allSatisfy({ $0 == "." }) { throw Invalid("invalid path element \"\(element)\"") }
        if element.hasPrefix("."), kind == .module { throw Invalid("leading dot in path element") }
        if element.hasSuffix(".") { throw Invalid("trailing dot in path element") }
        for scalar in element.unicodeScalars {
            let ok = kind == .module ? modulePathAllows(scalar) : fileNameAllows(scalar)
            guard ok else { throw Invalid("invalid char '\(scalar)'") }
        }
        let short = element.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)[0]
        if windowsReserved.contains(short.uppercased()) {
            throw Invalid("\"\(short)\" disallowed as path element component on Windows")
        }
        guard kind == .module else { return }
        if let tilde = short.lastIndex(of: "~"), short.index(after: tilde) < short.endIndex,
           short[short.index(after: tilde)...].allSatisfy({ $0.isASCII && $0.isNumber }) {
            throw Invalid("trailing tilde and digits in path element")
        }
    }

    static func isASCIIAlphanumeric(_ s: Unicode.Scalar) -> Bool {
        ("0"..."9").contains(s) || ("a"..."z").contains(s) || ("A"..."Z").contains(s)
    }

    static func modulePathAllows(_ s: Unicode.Scalar) -> Bool {
        isASCIIAlphanumeric(s) || s == "-" || s == "." || s == "_" || s == "~"
    }

    /// Printable ASCII minus shell specials and separators; beyond ASCII, letters only.
    static func fileNameAllows(_ s: Unicode.Scalar) -> Bool {
        if s.isASCII { return isASCIIAlphanumeric(s) || "!#$%&()+,-.=@[]^_{}~ ".unicodeScalars.contains(s) }
        return s.properties.isAlphabetic && s.properties.generalCategory.isLetter
    }
}

extension Unicode.GeneralCategory {
    var isLetter: Bool {
        switch self {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: true
        default: false
        }
    }
}
