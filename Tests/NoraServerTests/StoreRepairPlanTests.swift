@testable import NoraServer
import Testing

/// What `nora verify --repair` plans from a report: every damaged row removed once, every
/// corrupt blob quarantined once, the registry marker never touched.
@Suite struct StoreRepairPlanTests {
    typealias Finding = StoreVerifier.Finding

    static func finding(_ kind: Finding.Kind, _ digest: String, _ table: String, _ names: [String]) -> Finding {
        Finding(kind: kind, digest: digest, format: "f", artifact: names.joined(separator: "@"), detail: "", table: table, names: names)
    }

    @Test func plansRowsThenQuarantines() {
        var report = StoreVerifier.Report()
        report.problems = [
            Self.finding(.corrupt, "sha256:aa", "raw_files", ["a.txt"]),
            Self.finding(.corrupt, "sha256:aa", "raw_files", ["b.txt"]),
            Self.finding(.missing, "sha256:bb", "npm_versions", ["pkg", "1.0.0"]),
            Self.finding(.missing, "sha256:bb", "npm_versions", ["pkg", "1.0.0"]),
            Self.finding(.corrupt, "sha256:cc", "", []),
            Self.finding(.missing, "sha256:dd", "registry_identity", ["id"]),
            Self.finding(.corrupt, "sha256:ee", "registry_identity", ["id"]),
        ]
        let plan = StoreRepair.plan(report)
        #expect(plan.steps.map(\.kind) == [.removeRow, .removeRow, .removeRow, .quarantine, .quarantine])
        #expect(plan.steps.filter { $0.kind == .removeRow }.map(\.artifact) == ["a.txt", "b.txt", "pkg@1.0.0"])
        #expect(plan.steps.filter { $0.kind == .quarantine }.map(\.digest) == ["sha256:aa", "sha256:cc"])
        #expect(plan.left.map(\.digest) == ["sha256:dd", "sha256:ee"])
    }
}
