import Testing
@testable import NoraMaven

@Suite struct MavenMetadataTests {
    // 2026-11-29 13:52:53 UTC
    let when: Int64 = 1_795_960_373

    @Test func artifactLevelInMavenOrder() {
        let model = MavenMetadata(versions: .init(groupId: "com.example", artifactId: "demo",
                                                  versions: ["1.10", "1.2-SNAPSHOT", "1.9", "2.0-SNAPSHOT", "1.2"], lastUpdated: when))
        let xml = model.xml()
        #expect(xml.contains("<groupId>com.example</groupId>"))
        #expect(xml.contains("<latest>2.0-SNAPSHOT</latest>"))
        #expect(xml.contains("<release>1.10</release>"))
        #expect(xml.contains("<lastUpdated>20261129135253</lastUpdated>"))
        let order = ["1.2-SNAPSHOT", "1.2", "1.9", "1.10", "2.0-SNAPSHOT"].map { "<version>\($0)</version>" }
        let positions = order.map { xml.range(of: $0)!.lowerBound }
        #expect(positions == positions.sorted())
        #expect(!xml.contains("<plugins>"))
    }

    @Test func onlySnapshotsHaveNoRelease() {
        let xml = MavenMetadata(versions: .init(groupId: "g", artifactId: "a", versions: ["1.0-SNAPSHOT"], lastUpdated: when)).xml()
        #expect(xml.contains("<latest>1.0-SNAPSHOT</latest>"))
        #expect(!xml.contains("<release>"))
    }

    @Test func snapshotLevel() {
        let files = [
            stored("a-1.0-20261129.120000-1.jar", "", "jar", stamp: ("20261129.120000", 1), at: when - 100),
            stored("a-1.0-20261129.135253-2.jar", "", "jar", stamp: ("20261129.135253", 2), at: when),
            stored("a-1.0-20261129.135253-2.pom", "", "pom", stamp: ("20261129.135253", 2), at: when),
            stored("a-1.0-20261129.120000-1-sources.jar", "sources", "jar", stamp: ("20261129.120000", 1), at: when - 100),
        ]
        let snapshot = MavenIndex.snapshot(groupId: "g", artifactId: "a", version: "1.0-SNAPSHOT", files: files)
        #expect(snapshot.latest == SnapshotStamp(timestamp: "20261129.135253", buildNumber: 2))
        #expect(snapshot.builds.count == 3)
        let xml = MavenMetadata(snapshot: snapshot).xml()
        #expect(xml.contains("<metadata modelVersion=\"1.1.0\">"))
        #expect(xml.contains("<version>1.0-SNAPSHOT</version>"))
        #expect(xml.contains("<timestamp>20261129.135253</timestamp>"))
        #expect(xml.contains("<buildNumber>2</buildNumber>"))
        #expect(xml.contains("<classifier>sources</classifier>\n        <extension>jar</extension>\n        <value>1.0-20261129.120000-1</value>"))
        #expect(xml.contains("<extension>jar</extension>\n        <value>1.0-20261129.135253-2</value>\n        <updated>20261129135253</updated>"))
        #expect(xml.contains("<extension>pom</extension>\n        <value>1.0-20261129.135253-2</value>"))
    }

    @Test func nonUniqueSnapshotHasNoStamp() {
        let files = [stored("a-1.0-SNAPSHOT.jar", "", "jar", stamp: nil, at: when)]
        let snapshot = MavenIndex.snapshot(groupId: "g", artifactId: "a", version: "1.0-SNAPSHOT", files: files)
        let xml = MavenMetadata(snapshot: snapshot).xml()
        #expect(!xml.contains("<snapshot>"))
        #expect(xml.contains("<value>1.0-SNAPSHOT</value>"))
    }

    @Test func groupLevelPlugins() {
        var model = MavenMetadata()
        model.plugins = [.init(artifactId: "zeta-maven-plugin", prefix: "zeta", name: "Zeta & Co"),
                         .init(artifactId: "alpha-maven-plugin", prefix: "alpha", name: "Alpha")]
        let xml = model.xml()
        #expect(xml.contains("<plugin>\n      <name>Alpha</name>\n      <prefix>alpha</prefix>\n      <artifactId>alpha-maven-plugin</artifactId>"))
        #expect(xml.contains("<name>Zeta &amp; Co</name>"))
        #expect(xml.range(of: "alpha-maven-plugin")!.lowerBound < xml.range(of: "zeta-maven-plugin")!.lowerBound)
        #expect(!xml.contains("<versioning>"))
    }

    @Test func defaultPrefixes() {
        #expect(MavenMetadata.defaultPrefix(artifactId: "maven-compiler-plugin") == "compiler")
        #expect(MavenMetadata.defaultPrefix(artifactId: "hello-maven-plugin") == "hello")
        #expect(MavenMetadata.defaultPrefix(artifactId: "maven-plugin-plugin") == "plugin")
        #expect(MavenMetadata.defaultPrefix(artifactId: "tool") == "tool")
    }

    func stored(_ name: String, _ classifier: String, _ ext: String, stamp: (String, Int)?, at: Int64) -> MavenIndex.StoredFile {
        let sums = MavenChecksums.of(Array(name.utf8))
        return MavenIndex.StoredFile(
            path: "g/a/1.0-SNAPSHOT/\(name)", name: name, version: "1.0-SNAPSHOT", classifier: classifier, fileExtension: ext,
            snapshot: stamp.map { SnapshotStamp(timestamp: $0.0, buildNumber: $0.1) },
            digest: try! .init(algorithm: .sha256, hex: sums.sha256), size: 1, checksums: sums, untrustedBy: nil, verifiedBy: nil, updatedAt: at, updatedMillis: at * 1000)
    }
}

@Suite struct MiniXMLTests {
    @Test func readsPom() {
        let pom = """
        <?xml version="1.0"?>
        <!-- a comment with <tags> -->
        <project xmlns="http://maven.apache.org/POM/4.0.0" xmlns:xsi="x">
          <modelVersion>4.0.0</modelVersion>
          <parent><artifactId>parent</artifactId><packaging>pom</packaging></parent>
          <artifactId>hello-maven-plugin</artifactId>
          <name>Hello &amp; <![CDATA[<World>]]></name>
          <packaging>maven-plugin</packaging>
          <build><plugins><plugin><artifactId>maven-plugin-plugin</artifactId>
            <configuration><goalPrefix>hi</goalPrefix></configuration></plugin></plugins></build>
          <empty/>
        </project>
        """
        let summary = PomSummary(Array(pom.utf8))
        #expect(summary == PomSummary(packaging: "maven-plugin", name: "Hello & <World>", goalPrefix: "hi"))
    }

    @Test func defaultsAndMalformed() {
        #expect(PomSummary(Array("<project><artifactId>a</artifactId></project>".utf8))?.packaging == "jar")
        #expect(PomSummary(Array("<project><artifactId>a</project>".utf8)) == nil)
        #expect(PomSummary(Array("<metadata/>".utf8)) == nil)
        #expect(MiniXML.parse(Array("<a><b>1</b><b>2</b></a>".utf8))?.all("b").map(\.text) == ["1", "2"])
    }
}
