import Logging
import ServiceLifecycle

/// Logs the moment graceful shutdown begins (SIGTERM/SIGINT), so an operator reading the log
/// sees why requests stop; `Serve` logs when it has ended.
struct ShutdownAnnouncer: Service {
    let logger: Logger
    let graceSeconds: Int64

    func run() async throws {
        try? await gracefulShutdown()
        logger.notice("shutdown begins: no new connections; requests in flight get up to \(graceSeconds) s")
    }
}
