import Logging
import ServiceLifecycle

/// Runs the garbage collector every `intervalSeconds` while the server is up
/// (`NORA_GC_INTERVAL`; off by default, when `nora gc` is the way to collect).
struct PeriodicGC: Service {
    let collector: GarbageCollector
    let intervalSeconds: Int64
    let graceSeconds: Int64
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(intervalSeconds)) }
            guard !Task.isCancelled && !Task.isShuttingDownGracefully else { return }
            do {
                _ = try await collector.run(graceSeconds: graceSeconds, dryRun: false)
            } catch {
                logger.warning("garbage collection failed", metadata: ["error": .string("\(error)")])
            }
        }
    }
}
