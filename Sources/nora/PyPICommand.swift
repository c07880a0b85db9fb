import ArgumentParser
import NoraPyPI
import NoraServer
import Prometheus

struct PyPICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pypi",
        abstract: "Manage the PyPI index (yank and unyank versions).",
        discussion: "Uses the same configuration as 'serve'. Over HTTP: POST /simple/<project>/<version>/yank and …/unyank.",
        subcommands: [Yank.self, Unyank.self]
    )

    struct Yank: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Yank every file of a version (PEP 592): pip and uv skip it unless pinned with ==.")
        @Argument(help: "Project name (any spelling; it is normalized).") var project: String
        @Argument(help: "Version to yank.") var version: String
        @Option(help: "Why, shown to users who install it anyway.") var reason: String?
        func run() async throws {
            try await setYanked(project: project, version: version, yanked: true, reason: reason)
        }
    }

    struct Unyank: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Undo a yank.")
        @Argument(help: "Project name.") var project: String
        @Argument(help: "Version to unyank.") var version: String
        func run() async throws {
            try await setYanked(project: project, version: version, yanked: false, reason: nil)
        }
    }
}

/// Yanks or unyanks one version in the configured database.
func setYanked(project: String, version: String, yanked: Bool, reason: String?) async throws {
    let outcome = try await withStores { parts, _ in
        do {
            return try await PyPIYanks(db: parts.db).set(project: project, version: version, yanked: yanked, reason: reason)
        } catch let error as PyPIError {
            throw FatalError(error.description)
        }
    }
    print("\(yanked ? "yanked" : "unyanked") \(outcome.project) \(outcome.version): \(outcome.files.joined(separator: ", "))")
}
