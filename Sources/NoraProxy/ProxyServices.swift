import Logging
import Metrics
import NIOConcurrencyHelpers
import NoraCore
import NoraMetadata
import NoraStorage
import ServiceLifecycle

/// What every format's pull-through cache shares: the stores, the cache rows, the circuit
/// breaker, the offline switch, the metrics and the upstream HTTP clients (closed at shutdown).
public final class ProxyServices: Sendable {
    public let db: MetadataDatabase
    public let store: any BlobStore
    public let index: ProxyCacheIndex
    public let breaker: CircuitBreaker
    public let offline: Bool
    public let userAgent: String
    let logger: Logger
    let metrics: ProxyMetrics
    let now: @Sendable () -> Int64
    private let clients = NIOLockedValueBox<[UpstreamClient]>([])

    public init(db: MetadataDatabase, store: any BlobStore, breaker: CircuitBreaker, offline: Bool, userAgent: String,
                logger: Logger, metrics: any MetricsFactory = MetricsSystem.factory,
                now: @escaping @Sendable () -> Int64 = { Clock.nowSeconds() }) {
        self.db = db; self.store = store; self.index = ProxyCacheIndex(db: db)
        self.breaker = breaker; self.offline = offline; self.userAgent = userAgent
        self.logger = logger; self.metrics = ProxyMetrics(factory: metrics); self.now = now
    }

    /// A pooled client with this read timeout (seconds of silence between body chunks).
    public func client(readTimeoutSeconds: Int) -> UpstreamClient {
        let client = UpstreamClient(userAgent: userAgent, readTimeoutSeconds: readTimeoutSeconds)
        clients.withLockedValue { $0.append(client) }
        return client
    }

    /// Closes every upstream connection (graceful shutdown; tests).
    public func shutdown() async {
        for client in clients.withLockedValue({ $0 }) {
            do { try await client.shutdown() } catch { logger.warning("upstream client shutdown failed: \(error)") }
        }
    }

    /// Counts one proxied request in `nora_proxy_requests_total` (for formats that fetch some
    /// objects themselves, as OCI does its manifests), noted as metadata for the activity log.
    public func record(format: String, upstream: String, result: String) {
        metrics.request(format: format, upstream: upstream, result: result)
        if result != "error" { ProxyOutcomeLog.current?.note(format: format, outcome: result, immutable: false) }
    }

    /// A service that closes the upstream clients when the server shuts down.
    public var shutdownService: some Service { ShutdownService(services: self) }

    struct ShutdownService: Service {
        let services: ProxyServices
        func run() async throws {
            try? await gracefulShutdown()
            await services.shutdown()
        }
    }
}

/// `nora_proxy_requests_total{format,upstream,result}`, `nora_proxy_upstream_duration_seconds{format,upstream}`
/// (time to the response head) and `nora_proxy_upstream_bytes_total{format,upstream}`.
struct ProxyMetrics: Sendable {
    let factory: any MetricsFactory
    private let counters = NIOLockedValueBox([String: Counter]())
    private let timers = NIOLockedValueBox([String: Metrics.Timer]())

    init(factory: any MetricsFactory) { self.factory = factory }

    func request(format: String, upstream: String, result: String) {
        let key = "\(format)\u{0}\(upstream)\u{0}\(result)"
        counters.withLockedValue { (counters: inout [String: Counter]) -> Counter in
            if let counter = counters[key] { return counter }
            let counter = Counter(label: "nora_proxy_requests_total",
                                  dimensions: [("format", format), ("upstream", upstream), ("result", result)], factory: factory)
            counters[key] = counter
            return counter
        }.increment()
    }

    func latency(format: String, upstream: String, nanoseconds: Int64) {
        let key = "\(format)\u{0}\(upstream)"
        timers.withLockedValue { (timers: inout [String: Metrics.Timer]) -> Metrics.Timer in
            if let timer = timers[key] { return timer }
            let timer = Metrics.Timer(label: "nora_proxy_upstream_duration_seconds",
                                      dimensions: [("format", format), ("upstream", upstream)], factory: factory)
            timers[key] = timer
            return timer
        }.recordNanoseconds(nanoseconds)
    }

    func bytes(format: String, upstream: String) -> Counter {
        let key = "bytes\u{0}\(format)\u{0}\(upstream)"
        return counters.withLockedValue { (counters: inout [String: Counter]) -> Counter in
            if let counter = counters[key] { return counter }
            let counter = Counter(label: "nora_proxy_upstream_bytes_total",
                                  dimensions: [("format", format), ("upstream", upstream)], factory: factory)
            counters[key] = counter
            return counter
        }
    }
}
