import Logging
import NoraMetadata
import NoraStorage
import ServiceLifecycle

/// A background job of the server: one round every `intervalSeconds` until graceful
/// shutdown (first round at start-up unless `waitFirst`); a failed round is logged and the
/// next one runs on time.
struct Periodic: Service {
    let name: String
    let intervalSeconds: Int64
    var waitFirst = false
    let logger: Logger
    let round: @Sendable () async throws -> Void

    func run() async throws {
        var first = true
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            if waitFirst || !first {
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(intervalSeconds)) }
                guard !Task.isCancelled && !Task.isShuttingDownGracefully else { return }
            }
            first = false
            do {
                try await round()
            } catch {
                logger.warning("\(name) failed", metadata: ["error": .string("\(error)")])
            }
        }
    }

    /// Removes upload areas and temporary files nobody has written to for `maxIdleSeconds`
    /// (abandoned or interrupted uploads).
    static func uploadSweeper(store: any BlobStore, maxIdleSeconds: Int64, intervalSeconds: Int64, logger: Logger) -> Periodic {
        Periodic(name: "upload sweep", intervalSeconds: intervalSeconds, logger: logger) {
            let removed = try await store.sweep(olderThan: maxIdleSeconds)
            if removed > 0 { logger.info("swept abandoned uploads", metadata: ["removed": .stringConvertible(removed)]) }
        }
    }

    /// The garbage collector while the server is up (`NORA_GC_INTERVAL`; off by default, when
    /// `nora gc` is the way to collect).
    static func garbageCollector(_ collector: GarbageCollector, intervalSeconds: Int64, graceSeconds: Int64, logger: Logger) -> Periodic {
        Periodic(name: "garbage collection", intervalSeconds: intervalSeconds, waitFirst: true, logger: logger) {
            _ = try await collector.run(graceSeconds: graceSeconds, dryRun: false)
        }
    }

    /// PostgreSQL's statistics of the package catalog, fresh between autovacuum's rounds
    /// (see `PackageCatalog.refreshStatistics`): a check of two counters per round.
    static func catalogStatistics(_ catalog: PackageCatalog, intervalSeconds: Int64, logger: Logger) -> Periodic {
        Periodic(name: "package catalog statistics", intervalSeconds: intervalSeconds, logger: logger) {
            if try await catalog.refreshStatistics() { logger.debug("analyzed the package catalog") }
        }
    }
}
