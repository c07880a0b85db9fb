import NoraCore
import Testing
@testable import NoraOperations

/// requirements.txt, pom.xml and images.txt inputs, and the follow-up requests their
/// documents (project pages, manifests, .sha1 files) lead to.
@Suite struct ManifestInputTests {
    static let hashA = String(repeating: "a", count: 64), hashB = String(repeating: "b", count: 64)

    @Test func pinnedRequirementsWithHashesAndContinuations() throws {
        let text = """
        # generated
        --index-url https://example/simple
        Foo.Bar[extra]==1.0 ; python_version >= "3.8" \\
            --hash=sha256:\(Self.hashA) \\
            --hash=sha256:\(Self.hashB)
        plain==2.0.post1  # a comment
        """
        let parsed = try PipRequirements(text: text)
        #expect(parsed.requirements.map(\.name) == ["Foo.Bar", "plain"])
        #expect(parsed.requirements[0].hashes.count == 2 && parsed.requirements[0].line == 3)
        #expect(parsed.requests.map(\.path) == ["/simple/foo-bar/", "/simple/plain/"])
        #expect(throws: MirrorInputError("requirements.txt:2", "'flask>=2' is not pinned: write name==version (pip freeze does)")) {
            try PipRequirements(text: "a==1\nflask>=2\n")
        }
        #expect(throws: MirrorInputError("requirements.txt:1", "--hash=md5:x is not sha256:<64 hex> or sha512:<128 hex>")) {
            try PipRequirements(text: "a==1 --hash=md5:x\n")
        }
    }

    @Test func projectPageSelectsTheVersionsFilesAndMetadata() throws {
        let page = """
        {"meta": {"api-version": "1.0"}, "name": "foo-bar", "files": [
          {"filename": "foo_bar-1.0-py3-none-any.whl", "url": "/simple/foo-bar/foo_bar-1.0-py3-none-any.whl", "hashes": {"sha256": "\(Self.hashA)"},
           "core-metadata": {"sha256": "\(Self.hashB)"}},
          {"filename": "foo_bar-1.0.0.tar.gz", "url": "http://h:1/simple/foo-bar/foo_bar-1.0.0.tar.gz#sha256=\(Self.hashB)", "hashes": {"sha256": "\(Self.hashB)"}},
          {"filename": "foo_bar-1.1-py3-none-any.whl", "url": "foo_bar-1.1-py3-none-any.whl", "hashes": {}}
        ]}
        """
        let any = try PipRequirements(text: "foo-bar==1.0\n").requirements[0]
        let all = try PyPIProjectPage.files(Array(page.utf8), pagePath: "/simple/foo-bar/", for: any)
        #expect(all.map(\.path) == ["/simple/foo-bar/foo_bar-1.0-py3-none-any.whl", "/simple/foo-bar/foo_bar-1.0-py3-none-any.whl.metadata",
                                    "/simple/foo-bar/foo_bar-1.0.0.tar.gz"])
        let pinned = try PipRequirements(text: "foo-bar==1.0 --hash=sha256:\(Self.hashB)\n").requirements[0]
        #expect(try PyPIProjectPage.files(Array(page.utf8), pagePath: "/simple/foo-bar/", for: pinned).map(\.path)
                == ["/simple/foo-bar/foo_bar-1.0.0.tar.gz"])
        let missing = try PipRequirements(text: "foo-bar==9\n").requirements[0]
        #expect(throws: MirrorInputError("pypi foo-bar page", "no file of version 9")) {
            try PyPIProjectPage.files(Array(page.utf8), pagePath: "/simple/foo-bar/", for: missing)
        }
    }

    @Test func pomDependenciesPluginsParentAndProperties() throws {
        let pom = """
        <?xml version="1.0"?>
        <project xmlns="http://maven.apache.org/POM/4.0.0">
          <parent><groupId>org.corp</groupId><artifactId>parent</artifactId><version>7</version></parent>
          <artifactId>app</artifactId><version>1.2</version>
          <properties><lib.version>2.${minor}</lib.version><minor>5</minor></properties>
          <dependencies>
            <dependency><groupId>com.example</groupId><artifactId>lib</artifactId><version>${lib.version}</version></dependency>
            <dependency><groupId>com.example</groupId><artifactId>bom</artifactId><version>1</version><type>pom</type></dependency>
            <dependency><groupId>${project.groupId}</groupId><artifactId>sibling</artifactId><version>${project.version}</version>
              <type>test-jar</type></dependency>
            <dependency><groupId>com.example</groupId><artifactId>managed</artifactId></dependency>
          </dependencies>
          <build><plugins><plugin><artifactId>maven-jar-plugin</artifactId><version>3.3.0</version></plugin></plugins></build>
        </project>
        """
        let parsed = try MavenPom(xml: Array(pom.utf8))
        #expect(parsed.skipped == ["com.example:managed (dependency without a version here)"])
        #expect(parsed.requests.map(\.path) == [
            "/maven2/org/corp/parent/7/parent-7.pom.sha1",
            "/maven2/com/example/lib/2.5/lib-2.5.pom.sha1", "/maven2/com/example/lib/2.5/lib-2.5.jar.sha1",
            "/maven2/com/example/bom/1/bom-1.pom.sha1",
            "/maven2/org/corp/sibling/1.2/sibling-1.2.pom.sha1", "/maven2/org/corp/sibling/1.2/sibling-1.2-tests.jar.sha1",
            "/maven2/org/apache/maven/plugins/maven-jar-plugin/3.3.0/maven-jar-plugin-3.3.0.pom.sha1",
            "/maven2/org/apache/maven/plugins/maven-jar-plugin/3.3.0/maven-jar-plugin-3.3.0.jar.sha1"])
        let next = try parsed.requests[1].next!(Array("\(String(repeating: "c", count: 40))  lib-2.5.pom\n".utf8))
        #expect(next.map(\.path) == ["/maven2/com/example/lib/2.5/lib-2.5.pom"] && next[0].check == .sha1(String(repeating: "c", count: 40)))
        #expect(throws: MirrorInputError("pom.xml", "property ${nope} is not defined in this POM")) {
            try MavenPom(xml: Array("<project><dependencies><dependency><groupId>g</groupId><artifactId>a</artifactId><version>${nope}</version></dependency></dependencies></project>".utf8))
        }
        #expect(throws: MirrorInputError("pom.xml", "not a well-formed POM (<project> document)")) { try MavenPom(xml: Array("<project><x>".utf8)) }
    }

    @Test func imageReferencesAndManifestChildren() throws {
        let digest = "sha256:" + Self.hashA
        let list = try ImageList(text: "# images\ndocker.io/library/alpine:3.20\nteam/app@\(digest)\nbusybox\n")
        #expect(list.images.map(\.reference) == ["3.20", digest, "latest"])
        #expect(list.requests.map(\.path) == ["/v2/docker.io/library/alpine/manifests/3.20", "/v2/team/app/manifests/\(digest)",
                                              "/v2/busybox/manifests/latest"])
        #expect(throws: MirrorInputError("images.txt:2", "'Team/App' is not a repository name (lower-case components separated by /)")) {
            try ImageList(text: "ok\nTeam/App:1\n")
        }
        let index = #"{"manifests": [{"digest": "\#(digest)"}, {"digest": "sha256:\#(Self.hashB)"}]}"#
        let children = try list.requests[0].next!(Array(index.utf8))
        #expect(children.map(\.path) == ["/v2/docker.io/library/alpine/manifests/\(digest)", "/v2/docker.io/library/alpine/manifests/sha256:\(Self.hashB)"])
        let manifest = #"{"config": {"digest": "\#(digest)"}, "layers": [{"digest": "sha256:\#(Self.hashB)"}]}"#
        let blobs = try children[0].next!(Array(manifest.utf8))
        #expect(blobs.map(\.path) == ["/v2/docker.io/library/alpine/blobs/\(digest)", "/v2/docker.io/library/alpine/blobs/sha256:\(Self.hashB)"])
        #expect(throws: MirrorInputError("docker team/app@\(digest)", "a descriptor without a valid digest")) {
            try list.requests[1].next!(Array(#"{"layers": [{"digest": "md5:x"}]}"#.utf8))
        }
    }
}
