import Crypto
import Foundation
import NoraGo
import ZIPFoundation

/// `nora import nora --go-sum FILE`: the `h1:` lines of go.sum files a module version's zip
/// and go.mod must match before they are published (NORA keeps no digest of its own for them).
struct GoSumCheck: Sendable {
    /// `"<module> <version>"` or `"<module> <version>/go.mod"` → `h1:…`
    let lines: [String: String]

    init(lines: [String: String] = [:]) { self.lines = lines }

    /// Parses go.sum text (`<module> <version>[/go.mod] h1:<base64>` per line; others ignored).
    init(parsing texts: [String]) {
        var lines: [String: String] = [:]
        for text in texts {
            for line in text.split(separator: "\n") {
                let fields = line.split(separator: " ")
                guard fields.count == 3, fields[2].hasPrefix("h1:") else { continue }
                lines["\(fields[0]) \(fields[1])"] = String(fields[2])
            }
        }
        self.lines = lines
    }

    /// Throws unless the zip (and go.mod, when given) hash to what go.sum says; nothing to
    /// check when go.sum has no line for the version.
    func check(module escaped: String, version: String, zipPath: String, goMod: [UInt8]?) throws {
        guard !lines.isEmpty else { return }
        let module = GoModulePath.unescape(escaped) ?? escaped, plain = GoModulePath.unescape(version) ?? version
        if let expected = lines["\(module) \(plain)"] {
            let actual = try Self.h1(zipAt: zipPath)
            guard actual == expected else { throw ImportFailure("the .zip hashes to \(actual), go.sum says \(expected)") }
        }
        if let goMod, let expected = lines["\(module) \(plain)/go.mod"] {
            let actual = GoSum.goModH1(goMod)
            guard actual == expected else { throw ImportFailure("the .mod hashes to \(actual), go.sum says \(expected)") }
        }
    }

    /// dirhash Hash1 over the zip's files (their names keep the `module@version/` prefix).
    static func h1(zipAt path: String) throws -> String {
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        var files: [(name: String, sha256: String)] = []
        for entry in archive where entry.type == .file {
            var hasher = SHA256()
            _ = try archive.extract(entry, skipCRC32: false) { hasher.update(data: $0) }
            files.append((entry.path, hasher.finalize().map { String(format: "%02x", $0) }.joined()))
        }
        return GoSum.h1(files)
    }
}
