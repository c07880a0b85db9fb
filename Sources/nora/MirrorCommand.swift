import ArgumentParser
import Foundation
import Logging
import NoraCore
import NoraOperations
import NoraServer
import Prometheus
import ServiceLifecycle

/// `nora mirror <format> --<file> …`: fills pull-through caches from a lockfile, for sites
/// that later run without upstream access.
struct MirrorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mirror",
        abstract: "Fetch everything a lockfile pins through nora's pull-through proxy, so it is cached.",
        discussion: """
        Each item is requested as the format's client would request it, so the
        server's proxy fetches it from the upstream, verifies it and stores it.
        Bodies are checked again against the input's hashes (npm integrity,
        requirements --hash, Cargo checksum, go.sum h1, Maven .sha1, digests).

        Two ways to reach the caches:
          --url URL   a running nora (add --token when its auth is on)
          --direct    no server: opens the data location and config as
                      'nora serve' would (NORA_*, config.toml) and runs the
                      same handlers in this process on a free loopback port
                      (with auth on, through a read token made for the run)
        Progress goes to stderr; the summary (fetched / already cached /
        failed, naming each failure) to stdout. Exit status 1 on any failure.
        """,
        subcommands: [Npm.self, Pip.self, Cargo.self, Go.self, Maven.self, Docker.self]
    )

    struct Options: ParsableArguments {
        @Option(help: "Base URL of a running nora (e.g. http://127.0.0.1:4000).")
        var url: String?
        @Option(help: "API token sent as 'Authorization: Bearer' (a server with auth on).")
        var token: String?
        @Flag(help: "Open the configured stores in this process instead of talking to a server.")
        var direct = false
        @Option(help: "Requests in flight at once.")
        var jobs = 4

        func validate() throws {
            guard direct != (url != nil) else { throw ValidationError("give exactly one of --url and --direct") }
            guard (1...64).contains(jobs) else { throw ValidationError("--jobs must be between 1 and 64") }
            if let url, !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
                throw ValidationError("--url must start with http:// or https://")
            }
        }
    }

    struct Npm: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Packages of a package-lock.json (lockfile v1, v2 or v3).")
        @Option(help: "The package-lock.json.") var lockfile: String
        @OptionGroup var options: Options
        func run() async throws { try await mirror(.npm, lockfile, options) }
    }

    struct Pip: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pinned requirements (name==version, optional --hash=sha256:…).",
            discussion: "With hashes, the files whose hash is listed; without, every file (wheels and sdist) of each pinned version.")
        @Option(help: "The requirements.txt.") var requirements: String
        @OptionGroup var options: Options
        func run() async throws { try await mirror(.pip, requirements, options) }
    }

    struct Cargo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Registry crates of a Cargo.lock (index files and .crate files).")
        @Option(help: "The Cargo.lock.") var lockfile: String
        @OptionGroup var options: Options
        func run() async throws { try await mirror(.cargo, lockfile, options) }
    }

    struct Go: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Module versions of a go.sum (.info, .mod, .zip; /go.mod lines: .mod).")
        @Option(help: "The go.sum.") var sum: String
        @OptionGroup var options: Options
        func run() async throws { try await mirror(.go, sum, options) }
    }

    struct Maven: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Parent, dependencies and plugins a pom.xml declares (no transitive resolution).")
        @Option(help: "The pom.xml.") var pom: String
        @OptionGroup var options: Options
        func run() async throws { try await mirror(.maven, pom, options) }
    }

    struct Docker: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Images listed one per line (name[:tag][@digest]), with every platform of an index.")
        @Option(help: "The image list.") var images: String
        @OptionGroup var options: Options
        func run() async throws { try await mirror(.docker, images, options) }
    }
}

private func mirror(_ input: MirrorInput, _ file: String, _ options: MirrorCommand.Options) async throws {
    guard let contents = FileManager.default.contents(atPath: file) else { throw FatalError("\(file): cannot be read") }
    let planned: (requests: [MirrorRequest], notes: [String])
    do {
        planned = try input.requests(Array(contents), file: file)
    } catch {
        throw FatalError(error.description)
    }
    for note in planned.notes { FileHandleOutput.stderr(note) }
    let run = { (base: String, token: String?) async throws -> MirrorSummary in
        let runner = MirrorRunner(baseURL: base, token: token, jobs: options.jobs, userAgent: "nora-mirror/\(NoraVersion.current)")
        do {
            return try await runner.run(planned.requests, progress: MirrorProgress())
        } catch {
            throw FatalError("\(error)")
        }
    }
    let summary = if let url = options.url { try await run(url, options.token) } else { try await inProcessServer(run) }
    for line in summary.lines { print(line) }
    if !summary.failures.isEmpty { throw ExitCode.failure }
}

/// Runs the configured registry in this process on a free loopback port, for `--direct`:
/// the mirror's requests then take exactly the path a client's request takes (handlers,
/// proxy, verification, stores) without a separately started server. Auth stays as
/// configured (other local users can reach the port while it runs): with auth on, the
/// mirror uses a read token made for this run and revoked after it.
private func inProcessServer(_ body: (String, String?) async throws -> MirrorSummary) async throws -> MirrorSummary {
    var config = try loadConfiguration()
    config.server.host = "127.0.0.1"
    config.server.port = 0
    config.rateLimit.enabled = false
    config.server.publicURL = nil     // links in documents then name this listener
    var logger = makeLogger(config)
    logger.logLevel = .warning
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let app: NoraApp.App, parts: NoraApp.Parts
    do {
        (app, parts) = try await NoraApp.application(config: config, logger: logger, metrics: PrometheusCollectorRegistry(),
                                                     onRunning: { port in continuation.yield(port); continuation.finish() })
    } catch let error as StartupError {
        throw FatalError(error.description)
    }
    let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
    let server = Task {
        defer { continuation.finish() }
        try await group.run()
    }
    var iterator = ports.makeAsyncIterator()
    guard let port = await iterator.next() else {
        server.cancel()
        await parts.db.close()
        throw FatalError("the in-process server did not start")
    }
    let summary: Result<MirrorSummary, any Error>
    var tokenID: String?
    do {
        var secret: String?
        if config.auth.enabled {
            let made = try await parts.tokens.create(name: "nora-mirror-\(UUID().uuidString.prefix(8))", owner: "nora-mirror",
                                                     role: .read, expiresInSeconds: 24 * 3600)
            (tokenID, secret) = (made.0.id, made.secret)
        }
        summary = .success(try await body("http://127.0.0.1:\(port)", secret))
    } catch {
        summary = .failure(error)
    }
    if let tokenID { _ = try? await parts.tokens.revoke(tokenID) }
    await group.triggerGracefulShutdown()
    _ = await server.result
    await parts.db.close()
    return try summary.get()
}
