import Foundation

/// An npm package name by the rules of validate-npm-package-name for new packages:
/// `name` or `@scope/name`, at most 214 characters, lowercase URL-safe characters
/// `a-z 0-9 - . _`, not starting with `.` or `_`.
struct PackageName: Hashable, Sendable, CustomStringConvertible {
    /// `name` or `@scope/name`.
    let value: String
    var description: String { value }

    init(_ text: String) throws(NpmError) {
        guard !text.isEmpty, text.utf8.count <= 214 else {
            throw NpmError(.invalidName, "package name must be 1-214 characters")
        }
        let parts: [Substring]
        if text.hasPrefix("@") {
            parts = text.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw NpmError(.invalidName, "invalid package name '\(text.prefix(214))'") }
        } else {
            parts = [Substring(text)]
        }
        for part in parts where !Self.isValidPart(part) {
            throw NpmError(.invalidName, "invalid package name '\(text.prefix(214))'")
        }
        guard !["node_modules", "favicon.ico"].contains(text) else {
            throw NpmError(.invalidName, "'\(text)' is not a valid package name")
        }
        value = text
    }

    static func isValidPart(_ part: Substring) -> Bool {
        guard let first = part.first, first != ".", first != "_" else { return false }
        return part.utf8.allSatisfy { b in
            (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b == 0x2d || b == 0x2e || b == 0x5f
        }
    }

    var scope: String? { value.hasPrefix("@") ? String(value.split(separator: "/")[0]) : nil }
    /// The name without its scope: the stem of tarball file names.
    var unscoped: String { value.hasPrefix("@") ? String(value.split(separator: "/")[1]) : value }
    /// `@scope%2fname`, as npm puts a scoped name in one path segment.
    var escaped: String { value.replacingOccurrences(of: "/", with: "%2f") }

    func tarballFile(_ version: String) -> String { "\(unscoped)-\(version).tgz" }
}
