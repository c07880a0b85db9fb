import Foundation
@testable import NoraGo
import Testing

@Suite struct GoModulePublisherTests {
    let folder: TempFolder
    init() throws {
        folder = try TempFolder()
        try folder.write("go.mod", "module example.com/Pub/lib\n\ngo 1.22\n")
        try folder.write("lib.go", "package lib\n")
        try folder.write("b/x.go", "package b\n")
        try folder.write("b.go", "package lib\n")
        try folder.write("README.md", "# lib\n")
        try folder.write(".git/HEAD", "ref: refs/heads/main\n")
        try folder.write("internal/.hg/store", "x")
        try folder.write("nested/go.mod", "module example.com/Pub/lib/nested\n")
        try folder.write("nested/n.go", "package nested\n")
        try folder.write("vendor/modules.txt", "# vendored\n")
        try folder.write("vendor/example.com/dep/dep.go", "package dep\n")
        try folder.write("tools/vendor/x.go", "package x\n")
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/link.go", withDestinationPath: "lib.go")
    }

    @Test func selectsFilesLikeTheGoCommand() throws {
        let files = try GoModuleFiles.select(in: folder.path).map(\.path)
        // Byte order per folder, depth first: "b" (folder) before "b.go".
        #expect(files == ["README.md", "b/x.go", "b.go", "go.mod", "lib.go", "vendor/modules.txt"])
    }

    @Test func vendorQuirk() {
        #expect(GoModuleFiles.isVendoredPackage("vendor/a/b.go"))
        #expect(!GoModuleFiles.isVendoredPackage("vendor/modules.txt"))
        #expect(GoModuleFiles.isVendoredPackage("x/vendor/a.go"))
        #expect(!GoModuleFiles.isVendoredPackage("vendors/a/b.go"))
    }

    @Test func buildsAValidDeterministicZip() throws {
        let publisher = try GoModulePublisher(directory: folder.path, module: nil, version: "v1.2.3")
        #expect(publisher.module == "example.com/Pub/lib")
        let first = folder.path + "/../first-\(UUID().uuidString).zip"
        let second = folder.path + "/../second-\(UUID().uuidString).zip"
        defer { try? FileManager.default.removeItem(atPath: first); try? FileManager.default.removeItem(atPath: second) }
        try publisher.writeZip(to: first)
        try publisher.writeZip(to: second)
        let a = try Data(contentsOf: URL(fileURLWithPath: first)), b = try Data(contentsOf: URL(fileURLWithPath: second))
        #expect(a == b)
        let checked = try GoModuleZip.check(zipAt: first, module: "example.com/Pub/lib",
                                            version: try GoSemver(canonical: "v1.2.3"), limit: 1 << 20)
        #expect(checked.fileCount == 6)
        #expect(checked.goMod == Array("module example.com/Pub/lib\n\ngo 1.22\n".utf8))
    }

    @Test func refusesMistakesBeforeUploading() throws {
        func failure(_ module: String?, _ version: String) -> String {
            do {
                _ = try GoModulePublisher(directory: folder.path, module: module, version: version)
                return "accepted"
            } catch {
                return error.description
            }
        }
        #expect(failure("example.com/other", "v1.0.0").contains("declares module \"example.com/Pub/lib\""))
        #expect(failure(nil, "1.0.0").contains("must start with v"))
        #expect(failure(nil, "v1.0").contains("not canonical"))
        #expect(failure(nil, "v2.0.0").contains("should be v0 or v1"))
        #expect(failure(nil, "v1.0.0") == "accepted")
        let empty = try TempFolder()
        #expect(throws: GoModulePublisher.Failure.self) { try GoModulePublisher(directory: empty.path, module: nil, version: "v1.0.0") }
    }

    @Test func aFolderWithoutGoModNeedsTheModulePath() throws {
        let tree = try TempFolder()
        try tree.write("errors.go", "package errors\n")
        do {
            _ = try GoModulePublisher(directory: tree.path, module: nil, version: "v0.9.1")
            Issue.record("accepted a folder without go.mod and without --module")
        } catch {
            #expect(error.description.contains("--module"))
        }
        let publisher = try GoModulePublisher(directory: tree.path, module: "github.com/pkg/errors", version: "v0.9.1")
        #expect(!publisher.hasGoMod)
        let zip = tree.path + "/../nogomod-\(UUID().uuidString).zip"
        defer { try? FileManager.default.removeItem(atPath: zip) }
        try publisher.writeZip(to: zip)
        let checked = try GoModuleZip.check(zipAt: zip, module: "github.com/pkg/errors",
                                            version: try GoSemver(canonical: "v0.9.1"), limit: 1 << 20)
        #expect(checked.goMod == nil)
        #expect(throws: GoModulePublisher.Failure.self) {
            try GoModulePublisher(directory: tree.path, module: "example.com/m/v2", version: "v2.0.0")
        }
        #expect(try GoModulePublisher(directory: tree.path, module: "example.com/m", version: "v2.0.0+incompatible").module == "example.com/m")
    }

    @Test func refusesCollidingFiles() throws {
        let tree = try TempFolder()
        try tree.write("go.mod", "module example.com/c\n")
        try tree.write("A.go", "package c\n")
        try tree.write("a.go", "package c\n")
        let publisher = try GoModulePublisher(directory: tree.path, module: nil, version: "v1.0.0")
        #expect(throws: GoModulePublisher.Failure.self) { try publisher.files() }
    }

    @Test func uploadFailureIsReported() async throws {
        let publisher = try GoModulePublisher(directory: folder.path, module: nil, version: "v1.0.0")
        await #expect(throws: GoModulePublisher.Failure.self) {
            try await publisher.publish(registry: "not a url", token: nil)
        }
    }
}
