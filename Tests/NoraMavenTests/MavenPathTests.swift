import NoraCore
import Testing
@testable import NoraMaven

@Suite struct MavenPathTests {
    func parse(_ text: String, folder: Bool = false) throws -> MavenPath {
        try MavenPath(try ArtifactPath(encoded: text), isFolder: folder)
    }

    func file(_ text: String) throws -> MavenFile {
        guard case .file(let file) = try parse(text) else { Issue.record("\(text) is not a file"); throw MavenError(.invalidPath, "") }
        return file
    }

    @Test func releaseFiles() throws {
        let jar = try file("com/example/demo/1.0.0/demo-1.0.0.jar")
        #expect(jar.groupId == "com.example")
        #expect(jar.artifactId == "demo")
        #expect(jar.version == "1.0.0")
        #expect(jar.classifier == "")
        #expect(jar.fileExtension == "jar")
        #expect(jar.snapshot == nil)
        #expect(!jar.isSnapshot)
        let sources = try file("com/example/demo/1.0.0/demo-1.0.0-sources.jar")
        #expect(sources.classifier == "sources")
        #expect(sources.fileExtension == "jar")
        let native = try file("io/netty/netty-transport/4.1.0/netty-transport-4.1.0-linux-x86_64.tar.gz")
        #expect(native.classifier == "linux-x86_64")
        #expect(native.fileExtension == "tar.gz")
        #expect(try file("g/a/1.0/a-1.0.pom.asc").fileExtension == "pom.asc")
    }

    @Test func snapshotFiles() throws {
        let stamped = try file("com/example/demo/1.1-SNAPSHOT/demo-1.1-20261129.135253-12-tests.jar")
        #expect(stamped.snapshot == SnapshotStamp(timestamp: "20261129.135253", buildNumber: 12))
        #expect(stamped.classifier == "tests")
        #expect(stamped.plainName == "demo-1.1-SNAPSHOT-tests.jar")
        #expect(stamped.snapshot?.version(base: "1.1-SNAPSHOT") == "1.1-20261129.135253-12")
        let plain = try file("com/example/demo/1.1-SNAPSHOT/demo-1.1-SNAPSHOT.pom")
        #expect(plain.isPlainSnapshot)
        #expect(plain.fileExtension == "pom")
    }

    @Test func checksumsAndMetadata() throws {
        guard case .checksum(of: .file(let jar), .sha1) = try parse("g/a/1.0/a-1.0.jar.sha1") else { Issue.record("checksum"); return }
        #expect(jar.fileName == "a-1.0.jar")
        #expect(try parse("g/a/maven-metadata.xml") == .metadata(folder: ["g", "a"]))
        #expect(try parse("g/a/maven-metadata.xml.sha512") == .checksum(of: .metadata(folder: ["g", "a"]), .sha512))
        #expect(try parse("g/a/1.0-SNAPSHOT/maven-metadata.xml.md5") == .checksum(of: .metadata(folder: ["g", "a", "1.0-SNAPSHOT"]), .md5))
    }

    @Test func foldersAndRefusals() throws {
        #expect(try parse("com/example/demo/1.0.0") == .folder(["com", "example", "demo", "1.0.0"]))
        #expect(try parse("com/example", folder: true) == .folder(["com", "example"]))
        // Files that do not follow the layout are no files (a PUT explains why).
        #expect(try parse("g/a/1.0/other-1.0.jar") == .folder(["g", "a", "1.0", "other-1.0.jar"]))
        #expect(throws: MavenError.self) { try MavenFile(segments: ["g", "a", "1.0", "a-2.0.jar"]) }
        #expect(throws: MavenError.self) { try MavenFile(segments: ["g", "a", "1.0", "a-1.0"]) }
        #expect(throws: MavenError.self) { try MavenFile(segments: ["g", "a", "1.0", "a-1.0-.jar"]) }
        #expect(throws: MavenError.self) { try MavenFile(segments: ["a", "1.0", "a-1.0.jar"]) }
        #expect(throws: MavenError.self) { try MavenFile(segments: ["g", "a", "1.0-SNAPSHOT", "a-1.0-2026.1-1.jar"]) }
        #expect(throws: MavenError.self) { try parse("g/a b/1.0/a b-1.0.jar") }
        #expect(throws: MavenError.self) { try parse("g/a/1.0/a-1.0.jar.sha1.md5") }
        #expect(throws: (any Error).self) { try parse("g/../a/1.0/a-1.0.jar") }
        #expect(throws: (any Error).self) { try parse("g/%2e%2e/a/1.0/a-1.0.jar") }
    }

    /// Fuzzing found these: a checksum of `.` or `..` (or of nothing) trapped in a force-try.
    @Test(arguments: ["..md5", "g/a/..sha1", "g/a/...sha512", "g/.md5", ".sha256"])
    func checksumsOfDotsAreRefused(_ text: String) {
        #expect(throws: MavenError.self) { try parse(text) }
    }
}
