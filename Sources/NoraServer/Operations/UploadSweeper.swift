import Logging
import NoraStorage
import ServiceLifecycle

/// Removes upload areas and temporary files nobody has written to for `maxIdleSeconds`
/// (abandoned or interrupted uploads), at start-up and then every `intervalSeconds`.
struct UploadSweeper: Service {
    let store: any BlobStore
    let maxIdleSeconds: Int64
    let intervalSeconds: Int64
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let removed = try await store.sweep(olderThan: maxIdleSeconds)
                if removed > 0 { logger.info("swept abandoned uploads", metadata: ["removed": .stringConvertible(removed)]) }
            } catch {
                logger.warning("upload sweep failed", metadata: ["error": .string("\(error)")])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(intervalSeconds)) }
        }
    }
}

