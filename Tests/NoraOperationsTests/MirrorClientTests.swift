import Crypto
import Foundation
import NoraCore
import Testing
@testable import NoraOperations

/// The client side of `nora mirror` without a server: body checks, URLs, the summary and
/// the progress bar.
@Suite struct MirrorClientTests {
    static func checked(_ check: MirrorCheck, _ body: String) throws -> String? {
        var verifier = try BodyCheck(check)
        defer { verifier.removeTemporaryFile() }
        let bytes = Array(body.utf8)
        // in two chunks, as a body arrives
        try bytes[..<(bytes.count / 2)].withUnsafeBytes { try verifier.update($0) }
        try bytes[(bytes.count / 2)...].withUnsafeBytes { try verifier.update($0) }
        return verifier.finish()
    }

    @Test func bodiesAreCheckedAsTheyStream() throws {
        let body = "the artifact's bytes"
        let sha256 = Digest.of(Array(body.utf8)), sha512 = Digest.of(Array(body.utf8), algorithm: .sha512)
        #expect(try Self.checked(.none, body) == nil)
        #expect(try Self.checked(.digest(sha256), body) == nil)
        #expect(try Self.checked(.digest(sha512), body) == nil)
        #expect(try Self.checked(.digest(sha256), body + "!")?.hasPrefix("got sha256:") == true)
        #expect(try Self.checked(.anyOf([Digest.of([1]), sha256]), body) == nil)
        #expect(try Self.checked(.anyOf([Digest.of([1])]), body) != nil)
        let sha1 = Insecure.SHA1.hash(data: Array(body.utf8)).hexString
        #expect(try Self.checked(.sha1(sha1), body) == nil)
        #expect(try Self.checked(.sha1(String(repeating: "0", count: 40)), body) != nil)
        // the go.sum `/go.mod` hash: dirhash over the single file "go.mod"
        let goMod = "module example.com/m\n"
        let summary = "\(Digest.of(Array(goMod.utf8)).hex)  go.mod\n"
        let h1 = "h1:" + Data(SHA256.hash(data: Array(summary.utf8))).base64EncodedString()
        #expect(try Self.checked(.goModH1(h1), goMod) == nil)
        #expect(try Self.checked(.goZipH1(h1, module: "example.com/m", version: "v1.0.0"), "not a zip")?.hasPrefix("not a valid module zip") == true)
    }

    @Test func pathsUnderABaseURL() {
        let plain = MirrorRunner(baseURL: "http://127.0.0.1:4000/", token: nil, jobs: 2, userAgent: "t")
        #expect(plain.url(for: "/npm/lib") == "http://127.0.0.1:4000/npm/lib")
        let prefixed = MirrorRunner(baseURL: "https://host/nora", token: nil, jobs: 2, userAgent: "t")
        #expect(prefixed.url(for: "/simple/x/") == "https://host/nora/simple/x/")
        #expect(prefixed.url(for: "/nora/simple/x/f.whl") == "https://host/nora/simple/x/f.whl")
    }

    @Test func summaryAndProgressBar() {
        var summary = MirrorSummary()
        summary.add("npm a@1", .fetched, bytes: 2 * 1024 * 1024)
        summary.add("npm b@1", .cached, bytes: 0)
        summary.add("npm c@1", .failed("HTTP 502"), bytes: 0)
        #expect(summary.lines == ["mirror: 1 fetched, 1 already cached, 1 failed (2.0 MiB transferred)", "failed: npm c@1: HTTP 502"])
        #expect(MirrorProgress.bar(done: 1, of: 4, width: 8) == "[##......]")
        #expect(MirrorProgress.bar(done: 0, of: 0, width: 4) == "[####]")
    }
}
