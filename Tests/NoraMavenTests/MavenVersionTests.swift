import Testing
@testable import NoraMaven

/// Orderings from Maven's own ComparableVersionTest.
@Suite struct MavenVersionTests {
    static let qualifierOrder = [
        "1-alpha2snapshot", "1-alpha2", "1-alpha-123", "1-beta-2", "1-beta123", "1-m2", "1-m11", "1-rc", "1-cr2",
        "1-rc123", "1-SNAPSHOT", "1", "1-sp", "1-sp2", "1-sp123", "1-abc", "1-def", "1-pom-1", "1-1-snapshot",
        "1-1", "1-2", "1-123",
    ]
    static let numberOrder = [
        "2.0", "2-1", "2.0.a", "2.0.0.a", "2.0.2", "2.0.123", "2.1.0", "2.1-a", "2.1b", "2.1-c", "2.1-1", "2.1.0.1",
        "2.2", "2.123", "11.a2", "11.a11", "11.b2", "11.b11", "11.m2", "11.m11", "11", "11.a", "11b", "11c", "11m",
    ]

    @Test(arguments: [qualifierOrder, numberOrder])
    func everyPairIsOrdered(_ list: [String]) {
        for i in 0..<list.count {
            for j in (i + 1)..<list.count {
                #expect(MavenVersion(list[i]) < MavenVersion(list[j]), "\(list[i]) < \(list[j])")
                #expect(!(MavenVersion(list[j]) < MavenVersion(list[i])), "!(\(list[j]) < \(list[i]))")
            }
        }
    }

    @Test func equalVersions() {
        let groups = [
            ["1", "1.0", "1.0.0", "1-ga", "1-final", "1-release", "1.0-GA", "1-0"],
            ["1a", "1-a", "1.0-a", "1.0.0-a", "1A"],  // a lone letter is only an alias when a digit follows
            ["1a1", "1-alpha-1", "1alpha1", "1-alpha1", "1.0-ALPHA-1"],
            ["1b2", "1-beta-2", "1beta2"],
            ["1m3", "1-milestone-3", "1.0.0-milestone3"],
            ["1rc", "1-rc", "1cr", "1-cr", "1.0-CR"],
            ["1x", "1-x", "1.0.0-x", "1X"],
        ]
        for group in groups {
            for a in group { for b in group { #expect(MavenVersion(a) == MavenVersion(b), "\(a) == \(b)") } }
        }
        #expect(MavenVersion("1.0") != MavenVersion("1.0.1"))
        #expect(MavenVersion("1a") != MavenVersion("1-alpha"))
        #expect(Set(["1", "1.0", "1.0.0"].map(MavenVersion.init)).count == 1)
    }

    @Test func numericNotLexical() {
        let sorted = ["1.10", "1.9", "1.2", "1.0-SNAPSHOT", "1.0", "10.0", "1.0.1", "99999999999999999999.1", "2.0-beta-1"]
            .map(MavenVersion.init).sorted().map(\.text)
        #expect(sorted == ["1.0-SNAPSHOT", "1.0", "1.0.1", "1.2", "1.9", "1.10", "2.0-beta-1", "10.0", "99999999999999999999.1"])
    }

    @Test func snapshotDetection() {
        #expect(MavenVersion("1.0-SNAPSHOT").isSnapshot)
        #expect(!MavenVersion("1.0").isSnapshot)
        #expect(!MavenVersion("1.0-20261129.135253-1").isSnapshot)
    }
}
