import ArgumentParser
import Foundation
import Logging
import Metrics
import NoraAuth
import NoraCore
import NoraMetadata
import NoraServer
import Prometheus

@main
struct Nora: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nora",
        abstract: "A multi-format artifact registry: OCI/Docker, npm, PyPI, Cargo, Go, Maven and raw files.",
        discussion: """
        Configuration comes from config.toml (NORA_CONFIG_PATH, else ./config.toml when present)
        overridden by NORA_* environment variables. Run 'nora serve --help' for the list.
        """,
        version: NoraVersion.current,
        subcommands: [Serve.self, TokenCommand.self, GCCommand.self, VerifyCommand.self, BackupCommand.self, RestoreCommand.self,
                      CacheCommand.self, PyPICommand.self, GoCommand.self, MigrateCommand.self, ActivityCommand.self, ImportCommand.self,
                      MirrorCommand.self],
        defaultSubcommand: Serve.self
    )
}

/// Loads the configuration or stops with the one-line reason.
func loadConfiguration() throws -> NoraConfig {
    do {
        let (config, warnings) = try ConfigLoader.load()
        for warning in warnings { FileHandleOutput.stderr("warning: \(warning)") }
        return config
    } catch {
        throw FatalError(error.description)
    }
}

/// A failure reported as one line ("Error: …") and exit code 1, without a usage hint:
/// configuration and start-up problems are not command-line mistakes.
struct FatalError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func makeLogger(_ config: NoraConfig) -> Logger {
    var logger = Logger(label: "nora")
    logger.logLevel = Logger.Level(rawValue: config.logLevel) ?? .info
    return logger
}

enum FileHandleOutput {
    static func stderr(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

/// Opens the configured stores (applying migrations) for a one-shot command, runs `body`,
/// and closes the database whatever happens. Start-up problems end as one-line errors.
func withStores<T>(_ body: (NoraApp.Parts, Logger) async throws -> T) async throws -> T {
    let config = try loadConfiguration()
    var logger = makeLogger(config)
    logger.logLevel = .warning
    let parts: NoraApp.Parts
    do {
        parts = try await NoraApp.open(config: config, logger: logger, metrics: PrometheusCollectorRegistry())
    } catch let error as StartupError {
        throw FatalError(error.description)
    }
    do {
        let result = try await body(parts, logger)
        await parts.db.close()
        return result
    } catch {
        await parts.db.close()
        throw error
    }
}
