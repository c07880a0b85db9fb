import CoreMetrics
import Prometheus

/// A swift-metrics backend over the Prometheus registry that gives every metric family a
/// `# HELP` line (Prometheus' exposition convention; promtool lint and NORA's Grafana
/// dashboard expect it). swift-prometheus' own `PrometheusMetricsFactory` registers every
/// family with empty help, and the registry refuses two help texts for one name, so
/// metrics are registered here once, with the text from `MetricHelp`.
public struct DescribedMetricsFactory: MetricsFactory {
    public let registry: PrometheusCollectorRegistry
    /// Buckets for request durations: 1 ms … 60 s (uploads of large blobs take long).
    static let durationBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
        .seconds(5), .seconds(10), .seconds(30), .seconds(60),
    ]
    static let valueBuckets: [Double] = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]

    public init(registry: PrometheusCollectorRegistry) { self.registry = registry }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(name: label, labels: dimensions, help: MetricHelp.text(for: label))
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(name: label, labels: dimensions, help: MetricHelp.text(for: label))
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return registry.makeGauge(name: label, labels: dimensions, help: MetricHelp.text(for: label)) }
        return registry.makeValueHistogram(descriptor: Self.descriptor(label), labels: dimensions, buckets: Self.valueBuckets)
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(name: label, labels: dimensions, help: MetricHelp.text(for: label))
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        registry.makeDurationHistogram(descriptor: Self.descriptor(label), labels: dimensions, buckets: Self.durationBuckets)
    }

    public func destroyCounter(_ handler: any CounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    public func destroyRecorder(_ handler: any RecorderHandler) {
        switch handler {
        case let gauge as Prometheus.Gauge: registry.unregisterGauge(gauge)
        case let histogram as Histogram<Double>: registry.unregisterValueHistogram(histogram)
        default: break
        }
    }

    public func destroyMeter(_ handler: any MeterHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
    }

    public func destroyTimer(_ handler: any TimerHandler) {
        if let histogram = handler as? Histogram<Duration> { registry.unregisterDurationHistogram(histogram) }
    }

    /// The whole name as `metricName` (the descriptor joins non-empty parts with `_`).
    static func descriptor(_ label: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: label, unitName: "", helpText: MetricHelp.text(for: label))
    }
}

/// One sentence per metric family nora exposes. A family missing here still gets a help
/// line (derived from its name), and the metrics router test fails until it is described.
public enum MetricHelp {
    public static let known: [String: String] = [
        "nora_http_requests_total": "HTTP requests answered, by format, method and status code.",
        "nora_http_request_duration_seconds": "Time from request head to the end of the response body, by format.",
        "nora_http_bytes_in_total": "Request body bytes received, by format.",
        "nora_http_bytes_out_total": "Response body bytes sent, by format.",
        "nora_uploads_in_progress": "Requests with a body (uploads) being received now.",
        "nora_storage_bytes_written_total": "Bytes written into the blob store.",
        "nora_storage_bytes_read_total": "Bytes read from the blob store.",
    ]

    public static func text(for name: String) -> String {
        known[name] ?? "nora metric \(name.split(separator: "_").joined(separator: " "))."
    }
}
