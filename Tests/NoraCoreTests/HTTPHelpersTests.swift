import HTTPTypes
import NoraCore
import Testing

@Suite struct ByteRangeTests {
    @Test(arguments: [
        ("bytes=0-4", Int64(10), Int64(0), Int64(4)),
        ("bytes=0-0", 10, 0, 0),
        ("bytes=9-9", 10, 9, 9),
        ("bytes=5-", 10, 5, 9),
        ("bytes=0-", 10, 0, 9),
        ("bytes=-3", 10, 7, 9),
        ("bytes=-1", 10, 9, 9),
        ("bytes=-10", 10, 0, 9),
        ("bytes=-20", 10, 0, 9),       // suffix longer than the body: the whole body
        ("bytes=5-100", 10, 5, 9),     // end clipped to size - 1
        ("bytes=3-9", 10, 3, 9),
        ("bytes= 2-3 ", 10, 2, 3),
        ("bytes=0-0", 1, 0, 0),
    ])
    func satisfiableRanges(_ header: String, _ size: Int64, _ lower: Int64, _ upper: Int64) throws {
        let range = try ByteRange.resolve(header, size: size)
        #expect(range == lower...upper)
    }

    @Test(arguments: [
        ("bytes=-0", Int64(10)),
        ("bytes=10-", 10),
        ("bytes=10-20", 10),
        ("bytes=11-11", 10),
        ("bytes=0-", 0),
        ("bytes=0-5", 0),
        ("bytes=-5", 0),
    ])
    func unsatisfiableRangesThrow416(_ header: String, _ size: Int64) {
        let error = #expect(throws: AppError.self) {
            try ByteRange.resolve(header, size: size)
        }
        #expect(error?.kind == .rangeNotSatisfiable)
        #expect(error?.status == .rangeNotSatisfiable)
        #expect(error?.headers[.contentRange] == "bytes */\(size)")
    }

    @Test(arguments: [
        nil, "", "bytes=", "bytes=-", "bytes=abc", "bytes=a-b", "bytes=4-2", "items=0-4", "0-4",
        "bytes=0-4,6-8", "bytes=0-1, 5-", "bytes=-3,-2", "bytes=5", "bytes=1-2-3",
        "bytes=--3", "bytes=-+3", "bytes=+1-2", "bytes=1-+2", "bytes=0x1-2",
        "bytes=0-99999999999999999999",
    ] as [String?])
    func malformedOrMultiRangeServesWholeBody(_ header: String?) throws {
        #expect(try ByteRange.resolve(header, size: 10) == nil)
    }
}

@Suite struct EntityTagTests {
    let tag = EntityTag.quoted("abc123")

    @Test func quotedWrapsInDoubleQuotes() {
        #expect(tag == "\"abc123\"")
        #expect(EntityTag.quoted("") == "\"\"")
    }

    @Test func matchesSingleAndListedTags() {
        #expect(EntityTag.list("\"abc123\"", matches: tag))
        #expect(EntityTag.list("\"other\", \"abc123\"", matches: tag))
        #expect(EntityTag.list("\"other\",\"abc123\"", matches: tag))
        #expect(EntityTag.list("  \"abc123\"  ,\"x\"", matches: tag))
    }

    @Test func weakPrefixIsIgnoredForComparison() {
        #expect(EntityTag.list("W/\"abc123\"", matches: tag))
        #expect(EntityTag.list("\"x\", W/\"abc123\"", matches: tag))
        #expect(!EntityTag.list("W/\"other\"", matches: tag))
        // If-Match compares strongly: a weak tag never satisfies it.
        #expect(!EntityTag.list("W/\"abc123\"", matches: tag, strong: true))
        #expect(EntityTag.list("W/\"abc123\", \"abc123\"", matches: tag, strong: true))
    }

    @Test func starMatchesAnyExistingRepresentation() {
        #expect(EntityTag.list("*", matches: tag))
        #expect(EntityTag.list("\"x\", *", matches: tag))
        #expect(!EntityTag.list("*", matches: nil))
    }

    @Test func nonMatches() {
        #expect(!EntityTag.list(nil, matches: tag))
        #expect(!EntityTag.list("", matches: tag))
        #expect(!EntityTag.list("\"abc12\"", matches: tag))
        #expect(!EntityTag.list("abc123", matches: tag))            // unquoted is not the same tag
        #expect(!EntityTag.list("\"ABC123\"", matches: tag))        // comparison is exact
        #expect(!EntityTag.list("\"abc123\"", matches: nil))
        #expect(!EntityTag.list("\"a\", \"b\"", matches: tag))
    }
}

@Suite struct MediaTypeTests {
    @Test(arguments: [
        ("readme.txt", "text/plain; charset=utf-8"),
        ("README.MD", "text/markdown; charset=utf-8"),
        ("data.JSON", "application/json"),
        ("pom.xml", "application/xml"),
        ("lib-1.0.pom", "application/xml"),
        ("lib-1.0.jar", "application/java-archive"),
        ("pkg-1.0.tar.gz", "application/gzip"),
        ("PKG.TAR.GZ", "application/gzip"),
        ("pkg.tar.bz2", "application/x-bzip2"),
        ("pkg.tgz", "application/gzip"),
        ("x.tar", "application/x-tar"),
        ("x-1.0-py3-none-any.whl", "application/zip"),
        ("serde-1.0.0.crate", "application/gzip"),
        ("lib.jar.sha1", "text/plain; charset=utf-8"),
        ("logo.svg", "image/svg+xml"),
        ("photo.jpeg", "image/jpeg"),
        ("module.wasm", "application/wasm"),
        ("index.html", "text/html; charset=utf-8"),
    ])
    func knownExtensions(_ name: String, _ type: String) {
        #expect(MediaType.forFile(name) == type)
    }

    @Test(arguments: ["Makefile", "file.", "blob.unknownext", ".bashrc", "", "dir.d/noext", "archive.gz.part"])
    func unknownIsOctetStream(_ name: String) {
        #expect(MediaType.forFile(name) == MediaType.octetStream)
        #expect(MediaType.octetStream == "application/octet-stream")
    }
}

@Suite struct DurationTextTests {
    @Test(arguments: [("45s", Int64(45)), ("1s", 1), ("90m", 5400), ("12h", 43_200), ("30d", 2_592_000),
                      ("2w", 1_209_600), ("1w", 604_800), ("365d", 31_536_000)])
    func parsesUnits(_ text: String, _ seconds: Int64) {
        #expect(DurationText.seconds(text) == seconds)
    }

    @Test(arguments: ["", "d", "s", "0d", "0s", "-1d", "10", "10y", "10D", "1.5h", "h1", "1 h", " 1h", "1hh",
                      "9223372036854775807w", "9223372036854775807s0", "99999999999999999999s"])
    func refusesInvalid(_ text: String) {
        #expect(DurationText.seconds(text) == nil)
    }

    @Test func largestValueWithoutOverflow() {
        #expect(DurationText.seconds("9223372036854775807s") == Int64.max)
        #expect(DurationText.seconds("\(Int64.max / 604_800)w") == (Int64.max / 604_800) * 604_800)
        #expect(DurationText.seconds("\(Int64.max / 604_800 + 1)w") == nil)
    }
}
