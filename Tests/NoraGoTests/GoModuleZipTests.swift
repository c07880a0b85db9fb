import Foundation
@testable import NoraGo
import NoraCore
import Testing

@Suite struct GoModuleZipTests {
    let folder: TempFolder
    init() throws { folder = try TempFolder() }

    func check(_ zip: TestZip, module: String = "example.com/m", version: String = "v1.0.0",
               limit: Int64 = 1 << 20) throws -> GoModuleZip.Checked {
        let path = folder.path + "/\(UUID().uuidString).zip"
        try zip.write(to: path)
        return try GoModuleZip.check(zipAt: path, module: module, version: try GoSemver(canonical: version), limit: limit)
    }

    func reason(_ zip: TestZip, module: String = "example.com/m", version: String = "v1.0.0", limit: Int64 = 1 << 20) -> String {
        do {
            _ = try check(zip, module: module, version: version, limit: limit)
            return "accepted"
        } catch let error as GoModuleZip.Invalid {
            return error.reason
        } catch {
            return "unexpected \(error)"
        }
    }

    func valid() -> TestZip {
        var zip = TestZip()
        zip.add("example.com/m@v1.0.0/go.mod", "module example.com/m\n\ngo 1.22\n")
        zip.add("example.com/m@v1.0.0/m.go", "package m\n")
        zip.add("example.com/m@v1.0.0/sub/s.go", "package sub\n")
        return zip
    }

    @Test func acceptsAValidModule() throws {
        let checked = try check(valid())
        #expect(checked.fileCount == 3)
        #expect(checked.goMod == Array("module example.com/m\n\ngo 1.22\n".utf8))
        #expect(checked.uncompressedSize == Int64("module example.com/m\n\ngo 1.22\npackage m\npackage sub\n".utf8.count))
        // dirhash Hash1 over the sorted entries, as go.sum records it.
        let lines = [("example.com/m@v1.0.0/go.mod", "module example.com/m\n\ngo 1.22\n"),
                     ("example.com/m@v1.0.0/m.go", "package m\n"), ("example.com/m@v1.0.0/sub/s.go", "package sub\n")]
            .map { "\(Digest.of(Array($0.1.utf8)).hex)  \($0.0)\n" }.joined()
        let expected = "h1:" + Data(GoSum.hexBytes(Digest.of(Array(lines.utf8)).hex)).base64EncodedString()
        #expect(checked.h1 == expected)
    }

    @Test func goModHashMatchesTheGoCommand() {
        // `go mod download -json` reports this GoModSum for a go.mod of "module example.com/m\n".
        let h1 = GoSum.goModH1(Array("module example.com/m\n".utf8))
        let line = "\(Digest.of(Array("module example.com/m\n".utf8)).hex)  go.mod\n"
        #expect(h1 == "h1:" + Data(GoSum.hexBytes(Digest.of(Array(line.utf8)).hex)).base64EncodedString())
        #expect(h1.hasPrefix("h1:") && h1.count == 47)
    }

    @Test func refusesEntriesOutsideThePrefix() {
        var zip = valid()
        zip.add("example.com/other@v1.0.0/x.go", "package x\n")
        #expect(reason(zip).contains("does not have prefix \"example.com/m@v1.0.0/\""))
    }

    @Test func refusesTraversal() {
        var zip = valid()
        zip.add("example.com/m@v1.0.0/../../etc/passwd", "x")
        #expect(reason(zip).contains("not clean"))
    }

    @Test func refusesSymlinks() {
        var zip = valid()
        zip.add("example.com/m@v1.0.0/link", "/etc/passwd", mode: 0o120777)
        #expect(reason(zip).contains("symbolic links"))
    }

    @Test func refusesCaseInsensitiveDuplicates() {
        var zip = valid()
        zip.add("example.com/m@v1.0.0/M.go", "package m\n")
        #expect(reason(zip).contains("case-insensitive file name collision"))
        var dup = valid()
        dup.add("example.com/m@v1.0.0/m.go", "package m\n")
        #expect(reason(dup).contains("multiple entries"))
        var dirFile = valid()
        dirFile.add("example.com/m@v1.0.0/sub", "file named like a folder")
        #expect(reason(dirFile).contains("both a file and a directory"))
    }

    /// Releases that predate modules (github.com/pkg/errors v0.9.1, go-spew v1.1.1) have no
    /// go.mod; the go command accepts them and synthesises `module <path>`.
    @Test func v0AndV1ModulesMayLackAGoMod() throws {
        var missing = TestZip()
        missing.add("example.com/m@v1.0.0/m.go", "package m\n")
        let checked = try check(missing)
        #expect(checked.goMod == nil)
        #expect(checked.fileCount == 1)
        var gopkg = TestZip()
        gopkg.add("gopkg.in/yaml.v2@v2.4.0/yaml.go", "package yaml\n")
        #expect(try check(gopkg, module: "gopkg.in/yaml.v2", version: "v2.4.0").goMod == nil)
    }

    @Test func goModRules() {
        var missing = TestZip()
        missing.add("example.com/m/v2@v2.0.0/m.go", "package m\n")
        #expect(reason(missing, module: "example.com/m/v2", version: "v2.0.0").contains("missing go.mod"))
        var wrong = TestZip()
        wrong.add("example.com/m@v1.0.0/go.mod", "module example.com/other\n")
        #expect(reason(wrong).contains("declares module \"example.com/other\""))
        var nested = valid()
        nested.add("example.com/m@v1.0.0/sub/go.mod", "module example.com/m/sub\n")
        #expect(reason(nested).contains("not in module root"))
        var upper = TestZip()
        upper.add("example.com/m@v1.0.0/GO.MOD", "module example.com/m\n")
        #expect(reason(upper).contains("lowercase"))
    }

    @Test func incompatibleVersionsHaveNoGoMod() throws {
        var zip = TestZip()
        zip.add("example.com/m@v2.0.0+incompatible/m.go", "package m\n")
        let checked = try check(zip, version: "v2.0.0+incompatible")
        #expect(checked.goMod == nil)
        var withGoMod = zip
        withGoMod.add("example.com/m@v2.0.0+incompatible/go.mod", "module example.com/m\n")
        #expect(reason(withGoMod, version: "v2.0.0+incompatible").contains("has a go.mod"))
    }

    @Test func sizeLimitCountsRealBytes() {
        var zip = valid()
        zip.add("example.com/m@v1.0.0/big.txt", String(repeating: "x", count: 5000))
        #expect(reason(zip, limit: 4000).contains("too large"))
        #expect(reason(zip, limit: 10_000) == "accepted")
    }

    @Test func refusesGarbage() throws {
        let path = folder.path + "/garbage.zip"
        try Data("not a zip at all".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: GoModuleZip.Invalid.self) {
            try GoModuleZip.check(zipAt: path, module: "example.com/m", version: try GoSemver(canonical: "v1.0.0"), limit: 1000)
        }
    }
}
