import Testing
@testable import NoraPyPI

@Suite struct ProjectNameTests {
    @Test func normalizesRunsOfSeparatorsAndCase() throws {
        #expect(ProjectName.normalize("Foo.Bar__baz-_-Qux") == "foo-bar-baz-qux")
        #expect(try ProjectName("My_Pkg").normalized == "my-pkg")
        #expect(try ProjectName("My_Pkg").display == "My_Pkg")
    }

    @Test(arguments: ["", "-foo", "foo-", "fo o", "foo/bar", "é", "a..b/"])
    func refusesInvalidNames(_ name: String) {
        #expect(throws: PyPIError.self) { try ProjectName(name) }
    }

    @Test func comparesVersionSpellings() {
        #expect(PackageVersion.same("1.0.0", "1.0.0"))
        #expect(PackageVersion.same("V1.0_RC1", "1.0.rc1"))
        #expect(!PackageVersion.same("1.0", "1.1"))
        #expect(PackageVersion.isPlausible("1.0.post1+local.7"))
        #expect(!PackageVersion.isPlausible("1.0 beta"))
        #expect(!PackageVersion.isPlausible("../1"))
    }
}

@Suite struct DistributionFilenameTests {
    @Test func parsesWheels() throws {
        let plain = try DistributionFilename("my_pkg-1.0-py3-none-any.whl")
        #expect(plain.kind == .wheel && plain.name == "my_pkg" && plain.version == "1.0")
        #expect(plain.metadataPath == "my_pkg-1.0.dist-info/METADATA")
        let built = try DistributionFilename("my_pkg-1.0-1b-cp311-cp311-manylinux_2_17_x86_64.whl")
        #expect(built.version == "1.0")
    }

    @Test func parsesSdists() throws {
        let sdist = try DistributionFilename("my_pkg-2.0.1.tar.gz")
        #expect(sdist.kind == .sdist && sdist.name == "my_pkg" && sdist.version == "2.0.1")
        #expect(sdist.metadataPath == "my_pkg-2.0.1/PKG-INFO")
        // Legacy sdists keep dashes in the name: the version is after the last one.
        #expect(try DistributionFilename("my-pkg-2.0.tar.gz").name == "my-pkg")
    }

    @Test(arguments: ["pkg-1.0.zip", "pkg-1.0.exe", "pkg-1.0-py3-any.whl", "pkg-1.0-x-py3-none-any.whl", "pkg.tar.gz",
                      "../pkg-1.0.tar.gz", ".pkg-1.0.tar.gz", "pkg-1.0-py3-none-any .whl", "pkg-1%2F0.tar.gz", "pkg--py3-none-any.whl"])
    func refusesBadNames(_ name: String) {
        #expect(throws: PyPIError.self) { try DistributionFilename(name) }
    }

    @Test func checksDeclaredNameVersionAndType() throws {
        let wheel = try DistributionFilename("My_Pkg-1.0-py3-none-any.whl")
        try wheel.check(project: try ProjectName("my-pkg"), version: "1.0", filetype: "bdist_wheel")
        #expect(throws: PyPIError.self) { try wheel.check(project: try ProjectName("other"), version: "1.0", filetype: "bdist_wheel") }
        #expect(throws: PyPIError.self) { try wheel.check(project: try ProjectName("my-pkg"), version: "1.1", filetype: "bdist_wheel") }
        #expect(throws: PyPIError.self) { try wheel.check(project: try ProjectName("my-pkg"), version: "1.0", filetype: "sdist") }
    }
}

@Suite struct CoreMetadataTests {
    @Test func readsHeaderFieldsUntilTheBody() throws {
        let text = """
        Metadata-Version: 2.1\r
        Name: My-Pkg\r
        Version: 1.0\r
        Summary: a long
          folded summary\r
        Requires-Python: >=3.8, <4\r
        \r
        Requires-Python: <2 (this is the description, not a field)\r

        """
        let metadata = try CoreMetadata(Array(text.utf8))
        #expect(metadata.metadataVersion == "2.1")
        #expect(metadata.name == "My-Pkg")
        #expect(metadata.requiresPython == ">=3.8, <4")
        try metadata.check(project: try ProjectName("my_pkg"), version: "1.0", file: "f")
        #expect(throws: PyPIError.self) { try metadata.check(project: try ProjectName("other"), version: "1.0", file: "f") }
        #expect(throws: PyPIError.self) { try metadata.check(project: try ProjectName("my-pkg"), version: "2.0", file: "f") }
    }

    @Test func refusesNonUTF8AndMissingFields() throws {
        #expect(throws: PyPIError.self) { try CoreMetadata([0xff, 0xfe, 0x00]) }
        let partial = try CoreMetadata(Array("Metadata-Version: 2.1\nName: x\n".utf8))
        #expect(partial.requiresPython == nil)
        #expect(throws: PyPIError.self) { try partial.check(project: try ProjectName("x"), version: "1", file: "f") }
    }
}

@Suite struct Blake2bTests {
    /// Reference values from Python's hashlib.blake2b(digest_size=32).
    @Test(arguments: [
        (0, "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"),
        (128, "ae2aa48507885c4c950fb809b2076f959cde9f8ea6da260d9a3587df33dac450"),
        (129, "2f64744a6de0d2c0b56e64cf6e29a5aaa255010d415d51c75ccc82f73dccd865"),
    ])
    func matchesHashlib(_ length: Int, _ expected: String) {
        var hasher = Blake2b()
        hasher.update([UInt8](repeating: UInt8(ascii: "a"), count: length))
        #expect(hasher.finalize() == expected)
    }

    @Test func streamsInAnyChunking() {
        let data = (0..<3).flatMap { _ in (0..<256).map { UInt8($0) } }
        var whole = Blake2b()
        whole.update(data)
        var pieces = Blake2b()
        for chunk in stride(from: 0, to: data.count, by: 37) { pieces.update(Array(data[chunk..<min(chunk + 37, data.count)])) }
        #expect(whole.finalize() == "b8007121274217790e2923e0ad7027986e5a99d5531ef6ae7d294140fc81615d")
        #expect(pieces.finalize() == whole.finalize())
        var abc = Blake2b()
        abc.update(Array("abc".utf8))
        #expect(abc.finalize() == "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319")
    }
}
