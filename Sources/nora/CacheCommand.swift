import ArgumentParser
import NoraCore
import NoraOCI
import NoraProxy
import NoraServer

struct CacheCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Manage what the pull-through proxy has cached.",
        subcommands: [Prune.self]
    )

    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Forget cached upstream content not fetched or revalidated for a while.",
            discussion: """
            Removes the cache rows; the next 'nora gc' (or the server's periodic collection)
            then removes the bytes no hosted artifact shares. Hosted content is never touched.
            The server may keep running: anything pruned is fetched again on the next request.
            """
        )

        @Option(help: "Age of the rows to remove, e.g. 30d, 12h, 90m.") var olderThan: String

        func run() async throws {
            guard let seconds = DurationText.seconds(olderThan), seconds > 0 else {
                throw ValidationError("--older-than must look like 30d, 12h or 90m")
            }
            let removed = try await withStores { parts, _ in
                let cutoff = Clock.nowSeconds() - seconds
                return try await parts.proxy.index.prune(fetchedBefore: cutoff)
                    + OCIRegistry.pruneProxyCache(db: parts.db, before: cutoff)
            }
            print("removed \(removed) cached entries older than \(olderThan); run 'nora gc' to free their bytes")
        }
    }
}
