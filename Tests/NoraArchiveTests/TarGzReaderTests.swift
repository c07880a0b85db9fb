import Foundation
import NoraArchive
import Testing

/// Real archives made by Python's `tarfile` at test time (the reference implementation).
@Suite struct TarGzReaderTests {
    /// Runs a Python snippet with `out` (the archive path) and the `tarfile`/`io` modules in scope.
    static func makeArchive(_ script: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("targz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let out = dir.appendingPathComponent("a.tar.gz").path
        let program = """
        import io, tarfile, sys, gzip
        out = sys.argv[1]
        def add(t, name, data=b"", type=tarfile.REGTYPE, link=""):
            info = tarfile.TarInfo(name); info.size = len(data) if type == tarfile.REGTYPE else 0
            info.type = type; info.linkname = link; info.mode = 0o644
            t.addfile(info, io.BytesIO(data) if type == tarfile.REGTYPE else None)
        \(script)
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", program, out]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return out
    }

    @Test func listsUstarEntriesAndReadsOne() throws {
        let path = try Self.makeArchive("""
        with tarfile.open(out, "w:gz", format=tarfile.USTAR_FORMAT) as t:
            add(t, "pkg-1.0/", type=tarfile.DIRTYPE)
            add(t, "pkg-1.0/Cargo.toml", b"[package]\\nname = 'pkg'\\n")
            add(t, "pkg-1.0/src/lib.rs", b"x" * 70000)
            add(t, "pkg-1.0/link", type=tarfile.SYMTYPE, link="src/lib.rs")
        """)
        let reader = TarGzReader(path: path)
        let entries = try reader.entries()
        #expect(entries.map(\.path) == ["pkg-1.0", "pkg-1.0/Cargo.toml", "pkg-1.0/src/lib.rs", "pkg-1.0/link"])
        #expect(entries.map(\.type) == [.directory, .file, .file, .symlink])
        #expect(entries[2].size == 70000)
        #expect(entries[3].linkTarget == "src/lib.rs")
        let toml = try reader.contents(of: "pkg-1.0/Cargo.toml", limit: 1000)
        #expect(toml.map { String(decoding: $0, as: UTF8.self) } == "[package]\nname = 'pkg'\n")
        #expect(try reader.contents(of: "pkg-1.0/missing", limit: 1000) == nil)
        #expect(try reader.contents(of: "pkg-1.0/src/lib.rs", limit: 70000)?.count == 70000)
    }

    @Test func ustarPrefixGnuAndPaxLongNames() throws {
        let deep = String(repeating: "d/", count: 60) + "file.txt"   // 128 bytes: needs prefix/long-name support
        let longName = String(repeating: "n", count: 150) + ".rs"     // no '/' to split on: GNU or PAX only
        for format in ["USTAR_FORMAT", "GNU_FORMAT", "PAX_FORMAT"] {
            let extra = format == "USTAR_FORMAT" ? "" : "\n    add(t, \"top/\(longName)\", b\"long\")"
            let path = try Self.makeArchive("""
            with tarfile.open(out, "w:gz", format=tarfile.\(format)) as t:
                add(t, "top/\(deep)", b"deep")\(extra)
            """)
            let reader = TarGzReader(path: path)
            var expected = ["top/\(deep)"]
            if format != "USTAR_FORMAT" { expected.append("top/\(longName)") }
            #expect(try reader.entries().map(\.path) == expected, "\(format)")
            #expect(try reader.contents(of: "top/\(deep)", limit: 10) == Array("deep".utf8), "\(format)")
        }
    }

    @Test func paxNonASCIIPath() throws {
        let path = try Self.makeArchive("""
        with tarfile.open(out, "w:gz", format=tarfile.PAX_FORMAT) as t:
            add(t, "p/caf\\u00e9.txt", b"ok")
        """)
        #expect(try TarGzReader(path: path).entries().map(\.path) == ["p/café.txt"])
    }

    @Test func refusesWhatIsNotAValidTarGz() throws {
        let notGzip = try Self.makeArchive("open(out, 'wb').write(b'plain text, not gzip')")
        #expect(throws: TarGzError.notGzip) { try TarGzReader(path: notGzip).entries() }

        let truncated = try Self.makeArchive("""
        with tarfile.open(out, "w:gz") as t:
            add(t, "a/b", bytes(range(256)) * 400)
        data = open(out, 'rb').read(); open(out, 'wb').write(data[: len(data) // 2])
        """)
        #expect(throws: TarGzError.truncated) { try TarGzReader(path: truncated).entries() }

        let badCRC = try Self.makeArchive("""
        with tarfile.open(out, "w:gz") as t:
            add(t, "a/b", b"hello")
        data = bytearray(open(out, 'rb').read()); data[-8] ^= 0xff; open(out, 'wb').write(bytes(data))
        """)
        #expect(throws: TarGzError.self) { try TarGzReader(path: badCRC).entries() }

        let gzipNotTar = try Self.makeArchive("open(out, 'wb').write(gzip.compress(b'x' * 600))")
        #expect(throws: TarGzError.self) { try TarGzReader(path: gzipNotTar).entries() }

        #expect(throws: TarGzError.self) { try TarGzReader(path: "/nonexistent/file.tar.gz").entries() }
    }

    @Test func enforcesLimits() throws {
        let path = try Self.makeArchive("""
        with tarfile.open(out, "w:gz") as t:
            for i in range(5): add(t, f"a/{i}", b"\\0" * 300000)
        """)
        #expect(throws: TarGzError.entryTooLarge(path: "a/0", limit: 1000)) {
            try TarGzReader(path: path).contents(of: "a/0", limit: 1000)
        }
        var few = TarGzReader.Limits(); few.maxEntries = 3
        #expect(throws: TarGzError.tooManyEntries(3)) { try TarGzReader(path: path, limits: few).entries() }
        var small = TarGzReader.Limits(); small.maxUncompressedBytes = 500_000
        #expect(throws: TarGzError.tooLarge(500_000)) { try TarGzReader(path: path, limits: small).entries() }
        #expect(try TarGzReader(path: path).entries().count == 5)
    }

    @Test func scanCollectsSeveralFilesInOnePass() throws {
        let path = try Self.makeArchive("""
        with tarfile.open(out, "w:gz") as t:
            add(t, "p/PKG-INFO", b"Name: p")
            add(t, "p/setup.cfg", b"[x]")
            add(t, "p/other", b"zzz")
        """)
        let (entries, contents) = try TarGzReader(path: path).scan(wanting: { $0.path != "p/other" }, limit: 100)
        #expect(entries.count == 3)
        #expect(contents == ["p/PKG-INFO": Array("Name: p".utf8), "p/setup.cfg": Array("[x]".utf8)])
    }
}
