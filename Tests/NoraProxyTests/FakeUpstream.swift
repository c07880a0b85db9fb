import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NoraCore
import NoraMetadata
import NoraProxy
import NoraStorage

/// A tiny upstream registry on a free loopback port, counting requests per path.
final class FakeUpstream: Sendable {
    let hits = NIOLockedValueBox([String: Int]())
    let lastHeaders = NIOLockedValueBox([String: HTTPFields]())

    func count(_ path: String) -> Int { hits.withLockedValue { $0[path] ?? 0 } }

    func record(_ request: Request) {
        hits.withLockedValue { $0[request.uri.path, default: 0] += 1 }
        lastHeaders.withLockedValue { $0[request.uri.path] = request.headers }
    }

    /// Runs `body` with the upstream listening; `routes` adds the handlers.
    static func run(_ routes: (Router<BasicRequestContext>, FakeUpstream) -> Void,
                    _ body: @escaping @Sendable (Int, FakeUpstream) async throws -> Void) async throws {
        let upstream = FakeUpstream()
        let router = Router()
        router.add(middleware: Recorder(upstream: upstream))
        routes(router, upstream)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "fake-upstream")
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
                              logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService(gracefulShutdownSignals: []) }
            var iterator = ports.makeAsyncIterator()
            let port = await iterator.next() ?? 0
            do { try await body(port, upstream) } catch { group.cancelAll(); throw error }
            group.cancelAll()
        }
    }

    struct Recorder: RouterMiddleware {
        let upstream: FakeUpstream
        func handle(_ request: Request, context: BasicRequestContext,
                    next: (Request, BasicRequestContext) async throws -> Response) async throws -> Response {
            upstream.record(request)
            return try await next(request, context)
        }
    }
}

/// A proxy cache over a temp store and an in-memory database, with a settable clock.
struct ProxyFixture: Sendable {
    let services: ProxyServices
    let root: String
    let clock: NIOLockedValueBox<Int64>

    static func with(offline: Bool = false, breaker: CircuitBreaker = CircuitBreaker(enabled: false, threshold: 5, resetTimeoutSeconds: 30),
                     _ body: (ProxyFixture) async throws -> Void) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nora-proxy-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let db = try await MetadataDatabase.open(url: "sqlite://\(root)/metadata.sqlite", readers: 1)
        try await db.migrate(ProxyCacheIndex.migrations)
        let store = ValidatingBlobStore(try await FileBlobStore(root: "\(root)/storage"))
        let clock = NIOLockedValueBox<Int64>(1_000_000)
        var logger = Logger(label: "proxy-test")
        logger.logLevel = .critical
        let services = ProxyServices(db: db, store: store, breaker: breaker, offline: offline, userAgent: "nora/test",
                                     logger: logger, now: { clock.withLockedValue { $0 } })
        let fixture = ProxyFixture(services: services, root: root, clock: clock)
        do { try await body(fixture) } catch {
            await services.shutdown(); await db.close(); throw error
        }
        await services.shutdown()
        await db.close()
    }

    func cache(_ ports: [Int], policy: CachePolicy = CachePolicy(), format: String = "test") -> PullThroughCache {
        PullThroughCache(format: format, upstreams: ports.map { Upstream(url: "http://127.0.0.1:\($0)/base") },
                         policy: policy, services: services)
    }

    func advance(_ seconds: Int64) { clock.withLockedValue { $0 += seconds } }

    func storedBlobs() async throws -> Int {
        let count = NIOLockedValueBox(0)
        try await services.store.list { _ in count.withLockedValue { $0 += 1 } }
        return count.withLockedValue { $0 }
    }
}
