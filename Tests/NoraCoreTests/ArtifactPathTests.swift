import NoraCore
import Testing

@Suite struct ArtifactPathTests {
    // MARK: accepted

    @Test(arguments: [
        ("a", ["a"]),
        ("a/b/c.txt", ["a", "b", "c.txt"]),
        ("com/example/lib/1.0/lib-1.0.jar", ["com", "example", "lib", "1.0", "lib-1.0.jar"]),
        ("file%20name.txt", ["file name.txt"]),
        ("%C3%A9t%C3%A9/caf%c3%a9.txt", ["été", "café.txt"]),
        ("日本/語.txt", ["日本", "語.txt"]),
        (".hidden/...", [".hidden", "..."]),
        ("a..b/..c/.d", ["a..b", "..c", ".d"]),
        ("v1.0%2B1/x", ["v1.0+1", "x"]),
        ("100%25.txt", ["100%.txt"]),
        ("%41%42%43", ["ABC"]),
        ("with space/and~tilde", ["with space", "and~tilde"]),
    ])
    func acceptsPlainPaths(_ encoded: String, _ segments: [String]) throws {
        let path = try ArtifactPath(encoded: encoded)
        #expect(path.segments == segments)
        #expect(path.path == segments.joined(separator: "/"))
        #expect(path.description == path.path)
        #expect(path.fileName == segments.last)
        #expect(path.parent == Array(segments.dropLast()))
    }

    @Test func acceptsSubstringInput() throws {
        let url = "/raw/a/b.txt"
        let path = try ArtifactPath(encoded: url.dropFirst("/raw/".count))
        #expect(path.segments == ["a", "b.txt"])
    }

    @Test func equalPathsAreEqualAndHashEqually() throws {
        let a = try ArtifactPath(encoded: "x/%C3%A9")
        let b = try ArtifactPath(segments: ["x", "é"])
        #expect(a == b)
        #expect(Set([a, b]).count == 1)
        #expect(try ArtifactPath(encoded: "x/y") != a)
    }

    // MARK: refused

    @Test(arguments: [
        "",                 // empty
        "..", ".",          // traversal
        "a/../b", "a/./b", "a/b/..",
        "%2e%2e", "%2E%2E", "a/%2e%2e/b", "%2e", "%2E", ".%2e", "%2e.",
        "a%2fb", "a%2Fb", "%2F", "..%2f..%2fetc%2fpasswd",  // encoded slash
        "a%5cb", "a%5Cb", "a\\b", "..\\..\\x",               // backslash, raw or encoded
        "a%00b", "%00", "a\u{0}b",                           // NUL
        "a%0ab", "a%0D%0Ab", "a%1fb", "a%7fb", "a\tb", "a\nb", "a\u{7f}b",  // control characters
        "a//b", "/a", "a/", "/", "//",                       // empty segments
        "%zz", "%4", "a%", "a%g0", "%%41", "%4-",            // malformed escapes
        "%ff", "%C3", "%C3%28", "%80", "%ED%A0%80",          // not UTF-8
    ])
    func refuses(_ encoded: String) {
        let error = #expect(throws: AppError.self) {
            try ArtifactPath(encoded: encoded)
        }
        #expect(error?.kind == .badRequest)
        #expect(error?.status.code == 400)
    }

    @Test func segmentLengthLimitIsInBytes() throws {
        let longest = String(repeating: "a", count: ArtifactPath.maxSegmentLength)
        #expect(try ArtifactPath(encoded: longest).fileName == longest)
        #expect(throws: AppError.self) { try ArtifactPath(encoded: longest + "a") }
        // 128 × "é" is 128 characters but 256 UTF-8 bytes.
        let multibyte = String(repeating: "é", count: 128)
        #expect(throws: AppError.self) { try ArtifactPath(encoded: multibyte) }
        #expect(throws: AppError.self) { try ArtifactPath(encoded: String(repeating: "%C3%A9", count: 128)) }
        #expect(try ArtifactPath(encoded: String(repeating: "%C3%A9", count: 127)).fileName.count == 127)
    }

    @Test func limitsApplyToTheDecodedLength() throws {
        // 255 decoded bytes are fine even though the encoded text is 765 characters.
        let encoded = String(repeating: "%41", count: 255)
        #expect(try ArtifactPath(encoded: encoded).fileName == String(repeating: "A", count: 255))
    }

    @Test func totalLengthLimit() throws {
        let segment = String(repeating: "s", count: 255)
        // 4 × (255 + 1) = 1024: at the limit.
        let atLimit = Array(repeating: segment, count: 4)
        #expect(try ArtifactPath(segments: atLimit).segments.count == 4)
        #expect(try ArtifactPath(encoded: atLimit.joined(separator: "/")).path.utf8.count == 1023)
        let over = atLimit + ["x"]
        let error = #expect(throws: AppError.self) { try ArtifactPath(segments: over) }
        #expect(error?.kind == .badRequest)
        #expect(throws: AppError.self) { try ArtifactPath(encoded: over.joined(separator: "/")) }
        // Many short segments also add up.
        #expect(throws: AppError.self) { try ArtifactPath(encoded: Array(repeating: "ab", count: 400).joined(separator: "/")) }
    }

    @Test(arguments: [[String](), [""], [".."], ["."], ["a", ".."], ["a/b"], ["a\\b"], ["a\u{0}"], ["a", "", "b"], ["\u{1b}[31m"]])
    func segmentsInitializerRefuses(_ segments: [String]) {
        #expect(throws: AppError.self) { try ArtifactPath(segments: segments) }
    }

    @Test func segmentsInitializerKeepsSegmentsVerbatim() throws {
        let path = try ArtifactPath(segments: ["a b", "100%", "é"])
        #expect(path.segments == ["a b", "100%", "é"])
        #expect(path.path == "a b/100%/é")
    }

    // MARK: PercentEncoding

    @Test func decodeBasics() {
        #expect(PercentEncoding.decode("plain") == "plain")
        #expect(PercentEncoding.decode("a%20b") == "a b")
        #expect(PercentEncoding.decode("%c3%a9") == "é")
        #expect(PercentEncoding.decode("%C3%A9") == "é")
        #expect(PercentEncoding.decode("%2F") == "/")
        #expect(PercentEncoding.decode("") == "")
        #expect(PercentEncoding.decode("%") == nil)
        #expect(PercentEncoding.decode("%4") == nil)
        #expect(PercentEncoding.decode("%zz") == nil)
        #expect(PercentEncoding.decode("%ff") == nil)
    }

    @Test func encodeKeepsOnlyUnreserved() {
        #expect(PercentEncoding.encode("AZaz09-._~") == "AZaz09-._~")
        #expect(PercentEncoding.encode("a b/c") == "a%20b%2Fc")
        #expect(PercentEncoding.encode("a b/c", keepSlash: true) == "a%20b/c")
        #expect(PercentEncoding.encode("é") == "%C3%A9")
        #expect(PercentEncoding.encode("\n") == "%0A")
        #expect(PercentEncoding.encode("\u{0}") == "%00")
        #expect(PercentEncoding.encode("100%") == "100%25")
        #expect(PercentEncoding.encode("?#[]@!$&'()*+,;=:") == "%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D%3A")
        #expect(PercentEncoding.encode("") == "")
    }

    @Test(arguments: ["hello", "a b/c", "é/ü/ñ", "🚀 launch", "100%", "%41", "?#[]@!$&'()*+,;=", "tab\there", "日本語", "~user/.config", "\u{7f}\u{1}"])
    func encodeDecodeRoundTrip(_ text: String) {
        let encoded = PercentEncoding.encode(text)
        #expect(encoded.unicodeScalars.allSatisfy { $0.isASCII })
        #expect(!encoded.contains("/"))
        #expect(PercentEncoding.decode(encoded) == text)
        #expect(PercentEncoding.decode(PercentEncoding.encode(text, keepSlash: true)) == text)
    }

    @Test func encodedPathParsesBackToTheSameSegments() throws {
        let segments = ["dir with space", "é", "a+b", "x%y", "🚀.bin"]
        let encoded = segments.map { PercentEncoding.encode($0) }.joined(separator: "/")
        #expect(try ArtifactPath(encoded: encoded).segments == segments)
    }
}
