import Hummingbird
import Logging
import Metrics
import NIOConcurrencyHelpers
import NoraCore

/// One structured log line and the HTTP metrics per request.
///
/// Metrics: `nora_http_requests_total{format,method,status}`,
/// `nora_http_request_duration_seconds{format}` (histogram, time to response head),
/// `nora_http_bytes_in_total` / `nora_http_bytes_out_total{format}` (declared lengths),
/// `nora_uploads_in_progress` (requests with a body being handled).
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = NoraRequestContext

    let metrics: any MetricsFactory
    let uploadsInProgress: Meter
    /// Handles per format, made once: building a handle goes through the factory's lock and
    /// label formatting, which showed in profiles of small requests.
    private let perFormat: [String: FormatMetrics]
    private let requestCounters = NIOLockedValueBox([RequestKey: Counter]())

    private struct FormatMetrics {
        let duration: Metrics.Timer, bytesIn: Counter, bytesOut: Counter
    }

    private struct RequestKey: Hashable {
        let format: String, method: String, status: Int
    }

    init(metrics: any MetricsFactory) {
        self.metrics = metrics
        self.uploadsInProgress = Meter(label: "nora_uploads_in_progress", factory: metrics)
        var perFormat: [String: FormatMetrics] = [:]
        for format in Self.formats {
            perFormat[format] = FormatMetrics(
                duration: Metrics.Timer(label: "nora_http_request_duration_seconds", dimensions: [("format", format)], factory: metrics),
                bytesIn: Counter(label: "nora_http_bytes_in_total", dimensions: [("format", format)], factory: metrics),
                bytesOut: Counter(label: "nora_http_bytes_out_total", dimensions: [("format", format)], factory: metrics))
        }
        self.perFormat = perFormat
    }

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let format = Self.format(of: request.uri.path)
        let bytesIn = request.headers[.contentLength].flatMap(Int64.init) ?? 0
        let isUpload = request.method == .put || request.method == .post || request.method == .patch
        if isUpload { uploadsInProgress.increment() }
        defer { if isUpload { uploadsInProgress.decrement() } }

        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            record(request, context, format: format, status: 499, start: start, bytesIn: bytesIn, bytesOut: 0)
            throw error
        }
        let bytesOut = Int64(response.body.contentLength ?? 0)
        record(request, context, format: format, status: Int(response.status.code), start: start, bytesIn: bytesIn, bytesOut: bytesOut)
        return response
    }

    private func record(_ request: Request, _ context: Context, format: String, status: Int,
                        start: ContinuousClock.Instant, bytesIn: Int64, bytesOut: Int64) {
        let elapsed = ContinuousClock.now - start
        let nanos = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        requestCounter(format: format, method: Self.methodLabel(request.method), status: status).increment()
        if let handles = perFormat[format] {
            handles.duration.recordNanoseconds(nanos)
            if bytesIn > 0 { handles.bytesIn.increment(by: bytesIn) }
            if bytesOut > 0 { handles.bytesOut.increment(by: bytesOut) }
        }
        guard request.uri.path != "/health" && request.uri.path != "/metrics" && request.uri.path != "/ready" else { return }
        context.logger.info("request", metadata: [
            "method": .string(request.method.rawValue), "path": .string(request.uri.path),
            "status": .stringConvertible(status), "ms": .stringConvertible(Double(nanos / 10_000) / 100),
            "in": .stringConvertible(bytesIn), "out": .stringConvertible(bytesOut),
            "client": .string(context.clientAddress), "user": .string(context.annotations.userName ?? "-"),
        ])
    }

    private func requestCounter(format: String, method: String, status: Int) -> Counter {
        let key = RequestKey(format: format, method: method, status: status)
        return requestCounters.withLockedValue { counters in
            if let counter = counters[key] { return counter }
            let counter = Counter(label: "nora_http_requests_total",
                                  dimensions: [("format", format), ("method", method), ("status", String(status))],
                                  factory: metrics)
            counters[key] = counter
            return counter
        }
    }

    /// Methods as metric labels; any other method name is "other", so a client cannot grow
    /// the number of series without bound.
    static func methodLabel(_ method: HTTPRequest.Method) -> String {
        switch method {
        case .get, .head, .put, .post, .patch, .delete, .options: return method.rawValue
        default: return "other"
        }
    }

    /// The metrics label of each first path segment; everything else is "other".
    static let formatOfPrefix: [Substring: String] = [
        "v2": "docker", "npm": "npm", "simple": "pypi", "pypi": "pypi", "cargo": "cargo", "go": "go",
        "maven2": "maven", "raw": "raw", "health": "ops", "ready": "ops", "metrics": "ops", "api": "api",
    ]
    static let formats = Set(formatOfPrefix.values).union(["other"]).sorted()

    /// The metrics label for a path: the format that owns its prefix.
    static func format(of path: String) -> String {
        formatOfPrefix[path.dropFirst().prefix { $0 != "/" }] ?? "other"
    }
}
