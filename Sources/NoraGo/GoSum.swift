import Foundation
import NoraCore

/// The `h1:` hashes go.sum records (`golang.org/x/mod/sumdb/dirhash` Hash1): SHA-256 over the
/// sorted lines "<sha256 hex>  <name>\n" of every file. Reported on publish, so a publisher
/// can check what consumers will pin.
public enum GoSum {
    static let emptySHA256 = Digest.of([UInt8]()).hex

    /// `files`: every zip entry name (with its `module@version/` prefix) and its content's SHA-256.
    public static func h1(_ files: [(name: String, sha256: String)]) -> String {
        let lines = files.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
            .map { "\($0.sha256)  \($0.name)\n" }.joined()
        let digest = Digest.of(Array(lines.utf8))
        return "h1:" + Data(hexBytes(digest.hex)).base64EncodedString()
    }

    /// The hash of a version's `go.mod` (the `/go.mod h1:` line of go.sum).
    public static func goModH1(_ goMod: [UInt8]) -> String {
        h1([("go.mod", Digest.of(goMod).hex)])
    }

    static func hexBytes(_ hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var iterator = hex.utf8.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            bytes.append(UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) ?? 0)
        }
        return bytes
    }
}
