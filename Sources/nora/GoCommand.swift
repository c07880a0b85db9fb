import ArgumentParser
import Foundation
import NoraGo

struct GoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "go", abstract: "Go modules: publish a module folder to a registry.", subcommands: [Publish.self])

    struct Publish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build a module zip from a folder (the go command's file rules) and upload it.",
            discussion: "PUTs <registry>/go/<module>/@v/<version>.zip. The token may also come from NORA_TOKEN.")
        @Argument(help: "The module's root folder (usually holding go.mod).") var directory: String
        @Option(help: "Module path; defaults to the go.mod module line (must match it). Required for a folder without go.mod.") var module: String?
        @Option(help: "Canonical semver version, e.g. v1.2.3.") var version: String
        @Option(help: "Registry base URL.") var registry: String = "http://127.0.0.1:4000"
        @Option(help: "API token with the write role (sent as Bearer); else NORA_TOKEN.") var token: String?

        func run() async throws {
            let token = token ?? ProcessInfo.processInfo.environment["NORA_TOKEN"]
            let publisher: GoModulePublisher
            let response: GoModulePublisher.Response
            // The publisher throws only its typed Failure; each is reported as one line.
            do { publisher = try GoModulePublisher(directory: directory, module: module, version: version) } catch {
                throw FatalError(error.description)
            }
            do { response = try await publisher.publish(registry: registry, token: token) } catch {
                throw FatalError(error.description)
            }
            print(response.body)
            FileHandleOutput.stderr("published \(publisher.module)@\(publisher.version)")
        }
    }
}
