@testable import NoraCargo
import Testing

@Suite struct CrateNameTests {
    @Test func acceptsCargoNames() throws {
        for name in ["a", "serde", "serde_json", "tokio-util", "A1", "x" + String(repeating: "y", count: 63)] {
            #expect(try CrateName(name).value == name)
        }
    }

    @Test func refusesInvalidNames() {
        for name in ["", "1abc", "_x", "-x", "a.b", "a b", "café", "x" + String(repeating: "y", count: 64), "nul", "COM1"] {
            #expect(throws: CargoError.self, "\(name)") { try CrateName(name) }
        }
    }

    @Test func keyIgnoresCaseAndDashes() throws {
        #expect(try CrateName("My-Crate").key == "my_crate")
        #expect(try CrateName("my_crate").key == CrateName("MY-CRATE").key)
    }

    @Test func indexPathsFollowTheSparseLayout() throws {
        #expect(try CrateName("a").indexPath == "1/a")
        #expect(try CrateName("Ab").indexPath == "2/ab")
        #expect(try CrateName("abc").indexPath == "3/a/abc")
        #expect(try CrateName("Serde_Json").indexPath == "se/rd/serde_json")
        #expect(try CrateName("cargo").indexPath == "ca/rg/cargo")
    }
}

@Suite struct SemanticVersionTests {
    @Test func parsesAndKeysWithoutBuildMetadata() throws {
        let v = try SemanticVersion("1.2.3-beta.1+build.5")
        #expect((v.major, v.minor, v.patch) == (1, 2, 3))
        #expect(v.prerelease == ["beta", "1"] && v.build == "build.5")
        #expect(v.key == "1.2.3-beta.1")
        #expect(try SemanticVersion("1.0.0+a") == SemanticVersion("1.0.0+b"))
    }

    @Test func refusesNonSemver() {
        for text in ["", "1", "1.0", "1.0.0.0", "01.0.0", "1.00.0", "1.0.0-", "1.0.0-01", "1.0.0+", "v1.0.0", "1.0.0-a..b",
                     "1.0.0-a_b", "99999999999999999999.0.0"] {
            #expect(throws: CargoError.self, "\(text)") { try SemanticVersion(text) }
        }
    }

    @Test func ordersBySemverPrecedence() throws {
        let ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
                       "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "2.0.0", "10.0.0"]
        let versions = try ordered.map { try SemanticVersion($0) }
        #expect(versions.shuffled().sorted().map(\.text) == ordered)
    }

    @Test func maxVersionSkipsYanked() throws {
        func v(_ text: String, yanked: Bool = false) throws -> CrateIndex.Version {
            .init(version: text, digest: try .init(parsing: "sha256:" + String(repeating: "0", count: 64)), size: 1, line: "", yanked: yanked)
        }
        #expect(CargoRegistry.maxVersion([try v("0.9.0"), try v("1.0.0", yanked: true), try v("0.10.0")]) == "0.10.0")
        #expect(CargoRegistry.maxVersion([try v("1.0.0", yanked: true), try v("2.0.0-rc.1", yanked: true)]) == "2.0.0-rc.1")
    }
}
