import Logging
import NoraMetadata
import ServiceLifecycle

/// Keeps PostgreSQL's statistics of the package catalog fresh between autovacuum's rounds
/// (see `PackageCatalog.refreshStatistics`): a check of two counters every `intervalSeconds`.
struct CatalogStatistics: Service {
    let catalog: PackageCatalog
    let intervalSeconds: Int64
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                if try await catalog.refreshStatistics() { logger.debug("analyzed the package catalog") }
            } catch {
                logger.warning("package catalog statistics failed", metadata: ["error": .string("\(error)")])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(intervalSeconds)) }
        }
    }
}
