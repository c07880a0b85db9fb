import Foundation

/// A PyPI project name: the display spelling as uploaded and its PEP 503 normalized form
/// (`[-_.]+` → `-`, lowercase), which keys the index and the URLs.
struct ProjectName: Sendable, Hashable, CustomStringConvertible {
    let display: String
    let normalized: String

    /// Validates a name against PEP 508 (`^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$`, case-insensitive).
    init(_ text: String) throws(PyPIError) {
        guard Self.isValid(text) else {
            throw PyPIError(.invalidName, "'\(text.prefix(200))' is not a valid project name (letters, digits, '.', '_' and '-', starting and ending with a letter or digit)")
        }
        display = text
        normalized = Self.normalize(text)
    }

    var description: String { display }

    static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, let last = bytes.last, bytes.count <= 200 else { return false }
        return isAlphanumeric(first) && isAlphanumeric(last)
            && bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    /// PEP 503: runs of `-`, `_` and `.` become one `-`; ASCII letters are lowercased.
    static func normalize(_ text: some StringProtocol) -> String {
        var out = ""
        var inSeparator = false
        for c in text {
            if c == "-" || c == "_" || c == "." {
                if !inSeparator { out.append("-") }
                inSeparator = true
            } else {
                out += c.lowercased()
                inSeparator = false
            }
        }
        return out
    }

    private static func isAlphanumeric(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a)
    }
}

/// Version comparison for matching a filename against the uploaded `version` field.
/// Build backends write the normalized version into file names while the form may carry
/// the metadata's spelling, so both sides drop case, a leading `v` and turn `-`/`_` into
/// `.` before comparing (a light form of PEP 440 normalization, enough for real uploads).
enum PackageVersion {
    static func canonical(_ text: some StringProtocol) -> String {
        var v = text.lowercased()
        if v.hasPrefix("v") { v.removeFirst() }
        return v.replacingOccurrences(of: "_", with: ".").replacingOccurrences(of: "-", with: ".")
    }

    static func same(_ a: some StringProtocol, _ b: some StringProtocol) -> Bool { canonical(a) == canonical(b) }

    /// A plausible version: non-empty, at most 100 characters, only characters PEP 440 allows.
    static func isPlausible(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 100 && text.utf8.allSatisfy {
            ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a) || "._-+!".utf8.contains($0)
        }
    }
}
