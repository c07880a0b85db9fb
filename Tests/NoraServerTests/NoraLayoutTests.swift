import Foundation
@testable import NoraServer
import Testing

/// NORA's storage keys sorted into importable items, and the pieces of publish requests the
/// importer rebuilds from NORA's metadata: plain functions, no registry.
@Suite struct NoraLayoutTests {
    @Test func sortsEveryFormatsKeys() {
        let layout = NoraLayout(keys: [
            "docker/team/app/blobs/sha256:aa", "docker/team/app/manifests/v1.json", "docker/team/app/manifests/v1.meta.json",
            "docker/team/app/manifests/sha256:bb.json",
            "docker/docker.io/library/alpine/manifests/3.20.json", "docker/docker.io/library/alpine/blobs/sha256:cc",
            "npm/left-pad/metadata.json", "npm/left-pad/tarballs/left-pad-1.0.0.tgz", "npm/left-pad/dist-tags/beta",
            "npm/@acme/tool/metadata.json", "npm/@acme/tool/tarballs/tool-0.1.0.tgz", "npm/@acme/tool/versions/0.1.0.json",
            "pypi/demo/demo-1.0-py3-none-any.whl", "pypi/demo/demo-1.0.tar.gz", "pypi/demo/dates.json",
            "cargo/hello/0.1.0/hello-0.1.0.crate", "cargo/hello/metadata.json", "cargo/index/he/ll/hello",
            "cargo/index-entries/he/ll/hello/0.1.0.json",
            "go/example.com/!foo/@v/v1.0.0.zip", "go/example.com/!foo/@v/v1.0.0.mod", "go/example.com/!foo/@v/list",
            "go/example.com/!foo/@v/v0.9.0.info",
            "maven/org/x/lib/1.0/lib-1.0.jar", "maven/org/x/lib/1.0/lib-1.0.jar.sha1", "maven/org/x/lib/1.0/lib-1.0.jar.md5",
            "maven/org/x/lib/maven-metadata.xml", "maven/org/x/lib/maven-metadata.xml.sha1",
            "raw/a/b c.txt", "stray.txt", "npm/x/unknown/thing", "docker/bad",
        ])
        #expect(layout.oci.map(\.name) == ["docker.io/library/alpine", "team/app"])
        #expect(layout.oci[1].manifests == ["v1": "docker/team/app/manifests/v1.json", "sha256:bb": "docker/team/app/manifests/sha256:bb.json"])
        #expect(layout.oci[1].blobs == ["sha256:aa": "docker/team/app/blobs/sha256:aa"])
        #expect(layout.npm.map(\.name) == ["@acme/tool", "left-pad"])
        #expect(layout.npm[1].tarballs == ["left-pad-1.0.0.tgz": "npm/left-pad/tarballs/left-pad-1.0.0.tgz"])
        #expect(layout.npm[1].distTagKeys == ["beta": "npm/left-pad/dist-tags/beta"])
        #expect(layout.pypi.map(\.filename) == ["demo-1.0-py3-none-any.whl", "demo-1.0.tar.gz"])
        #expect(layout.cargo.count == 1 && layout.cargo[0].files == ["0.1.0": "cargo/hello/0.1.0/hello-0.1.0.crate"])
        #expect(layout.cargo[0].indexKey == "cargo/index/he/ll/hello" && layout.cargo[0].entryKeys.keys.sorted() == ["0.1.0"])
        #expect(layout.go.map(\.version) == ["v0.9.0", "v1.0.0"])
        #expect(layout.go[1].zipKey != nil && layout.go[1].modKey != nil && layout.go[0].zipKey == nil)
        #expect(layout.maven.map(\.path) == ["org/x/lib/1.0/lib-1.0.jar"])
        #expect(layout.maven[0].sha1Key == "maven/org/x/lib/1.0/lib-1.0.jar.sha1" && layout.maven[0].md5Key != nil)
        #expect(layout.raw.map(\.path) == ["a/b c.txt"])
        #expect(layout.skipped == ["docker/bad", "npm/x/unknown/thing", "stray.txt"])
    }

    @Test func keepsOnlyTheChosenFormats() {
        var layout = NoraLayout(keys: ["raw/a", "maven/g/a/1/a-1.jar", "npm/p/metadata.json", "pypi/p/p-1.tar.gz"])
        layout.keep([.raw, .npm])
        #expect(layout.raw.count == 1 && layout.npm.count == 1 && layout.maven.isEmpty && layout.pypi.isEmpty)
    }

    @Test func goSumLines() throws {
        let sums = GoSumCheck(parsing: ["example.com/a v1.0.0 h1:AAA=\nexample.com/a v1.0.0/go.mod h1:BBB=\n\nbroken line\nx y z\n",
                                        "example.com/B v2.0.0 h1:CCC=\n"])
        #expect(sums.lines == ["example.com/a v1.0.0": "h1:AAA=", "example.com/a v1.0.0/go.mod": "h1:BBB=", "example.com/B v2.0.0": "h1:CCC="])
        // A version without a line is not checked; a go.mod that does not match its line fails
        // (module paths are compared unescaped).
        try sums.check(module: "example.com/other", version: "v1.0.0", zipPath: "/nonexistent", goMod: nil)
        #expect(throws: ImportFailure.self) {
            try GoSumCheck(parsing: ["example.com/B v2.0.0/go.mod h1:x\n"]).check(module: "example.com/!b", version: "v2.0.0",
                                                                                  zipPath: "/unused", goMod: Array("module example.com/B\n".utf8))
        }
    }

    @Test func refusesPathTricks() {
        let layout = NoraLayout(keys: ["raw/../secret", "raw/./x", "raw//x", "raw/ok"])
        #expect(layout.raw.map(\.path) == ["ok"])
        #expect(layout.skipped.count == 3)
    }

    @Test func rebuildsCargoPublishMetadataFromAnIndexLine() throws {
        let line: [String: Any] = [
            "name": "greeter", "vers": "0.2.0", "cksum": "ab", "yanked": true, "links": "z", "rust_version": "1.70",
            "features": ["default": ["loud"]], "features2": ["loud": ["dep:hi"]],
            "deps": [["name": "hi", "package": "hello", "req": "^0.1", "features": ["x"], "optional": true,
                      "default_features": false, "target": NSNull(), "kind": "normal"],
                     ["name": "serde", "req": "^1", "features": [], "optional": false, "default_features": true, "kind": "dev",
                      "registry": "https://github.com/rust-lang/crates.io-index"]],
        ]
        let metadata = CargoImport.publishMetadata(line)
        #expect(metadata["name"] as? String == "greeter" && metadata["vers"] as? String == "0.2.0")
        #expect(metadata["features"] as? [String: [String]] == ["default": ["loud"], "loud": ["dep:hi"]])
        #expect(metadata["links"] as? String == "z" && metadata["rust_version"] as? String == "1.70")
        let deps = try #require(metadata["deps"] as? [[String: Any]])
        #expect(deps[0]["name"] as? String == "hello" && deps[0]["explicit_name_in_toml"] as? String == "hi")
        #expect(deps[0]["version_req"] as? String == "^0.1" && deps[0]["optional"] as? Bool == true)
        #expect(deps[0]["default_features"] as? Bool == false && deps[0]["target"] == nil)
        #expect(deps[1]["name"] as? String == "serde" && deps[1]["explicit_name_in_toml"] == nil && deps[1]["kind"] as? String == "dev")
        #expect(deps[1]["registry"] as? String == "https://github.com/rust-lang/crates.io-index")
        #expect(CargoImport.lengthPrefix(0x01020304) == [4, 3, 2, 1])
    }

    @Test func sparseIndexPaths() {
        #expect(CargoImport.indexPath("a") == "1/a")
        #expect(CargoImport.indexPath("ab") == "2/ab")
        #expect(CargoImport.indexPath("abc") == "3/a/abc")
        #expect(CargoImport.indexPath("Hello") == "he/ll/hello")
    }

    @Test func pypiFileNames() {
        #expect(PyPIImport.parse("My_Pkg-1.0-py3-none-any.whl")! == ("My_Pkg", "1.0", "bdist_wheel"))
        #expect(PyPIImport.parse("my-pkg-2.0rc1.tar.gz")! == ("my-pkg", "2.0rc1", "sdist"))
        #expect(PyPIImport.parse("notes.zip") == nil)
        #expect(PyPIImport.parse("x-1.0-py3.whl") == nil)
    }

    @Test func urlPathsAreEncodedPerSegment() {
        #expect(URLPath.path("a/b c/d%e") == "a/b%20c/d%25e")
        #expect(URLPath.segment("sha256:ab") == "sha256:ab")
    }
}
