@testable import NoraGo
import Testing

@Suite struct GoModulePathTests {
    @Test(arguments: ["example.com/m", "example.com/team/lib", "example.com/m/v2", "example.com/Upper/Case",
                      "git.example.org/a_b/c~d/e-f.g", "gopkg.in/yaml.v3", "example.com/m/v10"])
    func validModulePaths(_ path: String) throws {
        try GoModulePath.check(path)
    }

    @Test(arguments: ["", "example", "Example.com/m", "example.com//m", "example.com/m/", "-example.com/m",
                      "example.com/.hidden", "example.com/m/v1", "example.com/m/v0", "example.com/m/v02",
                      "example.com/a b", "example.com/a!b", "example.com/con", "example.com/x~1", "example.com/../m",
                      "example.com/m.", "exa_mple.com/m"])
    func invalidModulePaths(_ path: String) {
        #expect(throws: GoModulePath.Invalid.self) { try GoModulePath.check(path) }
    }

    @Test func splitsMajorVersionSuffix() {
        #expect(GoModulePath.split("example.com/m")! == ("example.com/m", ""))
        #expect(GoModulePath.split("example.com/m/v2")! == ("example.com/m", "/v2"))
        #expect(GoModulePath.split("gopkg.in/yaml.v3")! == ("gopkg.in/yaml", ".v3"))
        #expect(GoModulePath.split("example.com/m/v1") == nil)
        #expect(GoModulePath.split("example.com/m/v2.1") == nil)
    }

    @Test func majorVersionRules() throws {
        func check(_ v: String, _ path: String) throws { try GoModulePath.checkMajor(version: try GoSemver(canonical: v), path: path) }
        try check("v0.1.0", "example.com/m")
        try check("v1.9.9", "example.com/m")
        try check("v2.0.0", "example.com/m/v2")
        try check("v3.1.0+incompatible", "example.com/m")
        try check("v3.0.0", "gopkg.in/yaml.v3")
        #expect(throws: GoModulePath.Invalid.self) { try check("v2.0.0", "example.com/m") }
        #expect(throws: GoModulePath.Invalid.self) { try check("v1.0.0", "example.com/m/v2") }
        #expect(throws: GoModulePath.Invalid.self) { try check("v3.0.0", "example.com/m/v2") }
        #expect(throws: GoModulePath.Invalid.self) { try check("v1.0.0+incompatible", "example.com/m") }
        #expect(throws: GoModulePath.Invalid.self) { try check("v2.0.0+incompatible", "example.com/m/v2") }
        let v2 = try GoSemver(canonical: "v2.0.0")
        do {
            try GoModulePath.checkMajor(version: v2, path: "example.com/m")
            Issue.record("v2.0.0 accepted for a plain path")
        } catch {
            #expect(error.reason.contains("should be v0 or v1, not v2"))
        }
    }

    @Test func caseEncoding() {
        #expect(GoModulePath.escape("example.com/Upper/CaseLib") == "example.com/!upper/!case!lib")
        #expect(GoModulePath.unescape("example.com/!upper/!case!lib") == "example.com/Upper/CaseLib")
        #expect(GoModulePath.escape("v1.0.0-RC1") == "v1.0.0-!r!c1")
        #expect(GoModulePath.unescape("example.com/Upper") == nil)     // must be escaped
        #expect(GoModulePath.unescape("example.com/!1") == nil)        // ! before a non-letter
        #expect(GoModulePath.unescape("example.com/x!") == nil)        // dangling !
    }

    @Test func filePaths() throws {
        try GoModulePath.checkFile("go.mod")
        try GoModulePath.checkFile(".github/workflows/ci.yml")
        try GoModulePath.checkFile("docs/Read Me.md")
        try GoModulePath.checkFile("pkg/été.go")
        for bad in ["../x", "a/../b", "a//b", "a/", "a\\b", "a:b", "a*b", "con.txt", "a/.", "a\"b", "a|b"] {
            #expect(throws: GoModulePath.Invalid.self, "\(bad)") { try GoModulePath.checkFile(bad) }
        }
    }
}

@Suite struct GoSemverTests {
    @Test(arguments: ["v0.0.0", "v1.2.3", "v10.20.30", "v1.0.0-rc.1", "v1.0.0-RC1", "v2.0.0+incompatible",
                      "v0.0.0-20240102150405-abcdef123456", "v1.2.4-0.20240102150405-abcdef123456"])
    func canonical(_ text: String) throws {
        #expect(try GoSemver(canonical: text).description == text)
    }

    @Test(arguments: ["1.2.3", "v1", "v1.2", "v1.2.3.4", "v01.2.3", "v1.02.3", "v1.2.3+build", "v1.2.3-", "v1.2.3-a..b",
                      "v1.2.3-01", "vx.y.z", "", "v1.2.3-a_b", "V1.2.3"])
    func notCanonical(_ text: String) {
        #expect(throws: GoSemver.Invalid.self) { try GoSemver(canonical: text) }
    }

    @Test func ordering() throws {
        let sorted = ["v0.1.0", "v1.0.0-alpha", "v1.0.0-alpha.1", "v1.0.0-alpha.beta", "v1.0.0-beta", "v1.0.0-beta.2",
                      "v1.0.0-beta.11", "v1.0.0-rc.1", "v1.0.0", "v1.0.1", "v1.2.0", "v1.10.0"]
        let parsed = try sorted.map { try GoSemver(canonical: $0) }
        #expect(parsed.shuffled().sorted().map(\.description) == sorted)
    }

    @Test func latest() throws {
        func latest(_ versions: [String]) throws -> String? {
            GoSemver.latest(of: try versions.map { try GoSemver(canonical: $0) })?.description
        }
        #expect(try latest(["v1.0.0", "v1.1.0", "v1.2.0-rc.1"]) == "v1.1.0")
        #expect(try latest(["v1.2.0-rc.1", "v1.2.0-beta"]) == "v1.2.0-rc.1")
        #expect(try latest(["v0.0.0-20240102150405-abcdef123456", "v0.0.0-20230102150405-abcdef123456"])
                == "v0.0.0-20240102150405-abcdef123456")
        #expect(try latest(["v0.0.0-20240102150405-abcdef123456", "v0.1.0-pre"]) == "v0.1.0-pre")
        #expect(try latest(["v1.0.0", "v3.0.0+incompatible"]) == "v1.0.0")
        #expect(try latest(["v2.0.0+incompatible", "v3.0.0+incompatible"]) == "v3.0.0+incompatible")
        #expect(try latest([]) == nil)
    }

    @Test func pseudoVersions() throws {
        #expect(try GoSemver(canonical: "v0.0.0-20240102150405-abcdef123456").isPseudo)
        #expect(try GoSemver(canonical: "v1.2.4-0.20240102150405-abcdef123456").isPseudo)
        #expect(try !GoSemver(canonical: "v1.2.4-rc.1").isPseudo)
        #expect(try !GoSemver(canonical: "v1.2.4").isPseudo)
    }
}

@Suite struct GoModFileTests {
    @Test func moduleDirective() {
        #expect(GoModFile.modulePath("module example.com/m\n\ngo 1.22\n") == "example.com/m")
        #expect(GoModFile.modulePath("// comment\nmodule \"example.com/q\" // trailing\n") == "example.com/q")
        #expect(GoModFile.modulePath("module (\n\texample.com/block\n)\n") == "example.com/block")
        #expect(GoModFile.modulePath("go 1.22\nrequire example.com/x v1.0.0\n") == nil)
        #expect(GoModFile.modulePath("modules example.com/m\n") == nil)
        #expect(GoModFile.modulePath("\tmodule   example.com/tabs  \r\n") == "example.com/tabs")
    }
}

@Suite struct GoRouteTests {
    @Test func parsesProxyPaths() throws {
        #expect(try GoRoute(path: "/go/example.com/m/@v/list") == .list(module: "example.com/m"))
        #expect(try GoRoute(path: "/go/example.com/m/v2/@latest") == .latest(module: "example.com/m/v2"))
        #expect(try GoRoute(path: "/go/example.com/%21upper/@v/v1.0.0-%21r%21c1.zip")
                == .file(module: "example.com/Upper", version: try GoSemver(canonical: "v1.0.0-RC1"), kind: .zip))
        #expect(try GoRoute(path: "/go/example.com/!a/@v/v1.0.0.info")
                == .file(module: "example.com/A", version: try GoSemver(canonical: "v1.0.0"), kind: .info))
        #expect(try GoRoute(path: "/go/sumdb/sum.golang.org/supported") == .sumdb)
    }

    @Test(arguments: ["/go/example.com/Upper/@v/list", "/go/example.com/m/@v/1.0.0.zip", "/go/example.com/m/@v/v1.0.zip",
                      "/go/example.com/m/@v/v1.0.0.tar", "/go/example.com/m", "/go/nodot/@v/list", "/go/example.com/%zz/@v/list"])
    func rejectsBadPaths(_ path: String) {
        #expect(throws: GoError.self) { try GoRoute(path: path) }
    }
}
