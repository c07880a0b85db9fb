import Foundation
import Logging
import NIOConcurrencyHelpers
import NoraCore
import ServiceLifecycle

/// Collects activity events in memory and writes them in batches, off the request path:
/// a request only appends to a locked array. As a `Service` it flushes every second (and on
/// shutdown), prunes by age and count every ten minutes, and appends write actions to the
/// audit file (`NORA_AUDIT_LOG`) as JSON lines.
///
/// Downloads are bounded: one event per (format, name, version, client address) per clock
/// hour on this replica. Should a busy hour see more than `maxDistinctDownloads` distinct
/// keys, further downloads that hour are not recorded. If the database falls behind and
/// `maxQueued` events wait, newer events are dropped (and counted in the log), never blocking a request.
public final class ActivityLog: ActivityRecorder, Service {
    public struct Retention: Sendable {
        public var maxEvents: Int
        public var maxAgeSeconds: Int64
        public init(maxEvents: Int, maxAgeSeconds: Int64) { self.maxEvents = maxEvents; self.maxAgeSeconds = maxAgeSeconds }
    }

    struct State {
        var queue: [ActivityEvent] = []
        var dropped = 0
        var hour: Int64 = 0
        var seenDownloads: Set<String> = []
    }

    static let maxQueued = 10_000
    static let maxDistinctDownloads = 100_000
    let store: ActivityStore
    let retention: Retention
    let auditPath: String?
    let logger: Logger
    private let state = NIOLockedValueBox(State())

    public init(store: ActivityStore, retention: Retention, auditPath: String?, logger: Logger) {
        self.store = store; self.retention = retention; self.auditPath = auditPath; self.logger = logger
    }

    public func record(_ event: ActivityEvent) {
        state.withLockedValue { s in
            if event.kind == .download {
                let hour = event.at / 3_600_000
                if hour != s.hour { s.hour = hour; s.seenDownloads.removeAll(keepingCapacity: true) }
                guard s.seenDownloads.count < Self.maxDistinctDownloads else { return }
                let key = "\(event.format)\u{0}\(event.name)\u{0}\(event.version ?? "")\u{0}\(event.client ?? "")"
                guard s.seenDownloads.insert(key).inserted else { return }
            }
            guard s.queue.count < Self.maxQueued else { s.dropped += 1; return }
            s.queue.append(event)
        }
    }

    /// Writes what is queued: the audit lines first (append-only file), then the rows.
    public func flush() async {
        let (batch, dropped) = state.withLockedValue { s in
            defer { s.queue.removeAll(keepingCapacity: true); s.dropped = 0 }
            return (s.queue, s.dropped)
        }
        if dropped > 0 { logger.warning("activity log queue full; events dropped", metadata: ["dropped": .stringConvertible(dropped)]) }
        guard !batch.isEmpty else { return }
        if let auditPath { appendAudit(batch.filter(\.kind.isWrite), to: auditPath) }
        do {
            try await store.insert(batch)
        } catch {
            logger.error("activity events not written", metadata: ["count": .stringConvertible(batch.count), "error": .string("\(error)")])
        }
    }

    public func prune() async {
        do {
            let removed = try await store.prune(nowMillis: Clock.nowMillis(), maxAgeMillis: retention.maxAgeSeconds * 1000,
                                                maxCount: retention.maxEvents)
            if removed > 0 { logger.debug("activity events pruned", metadata: ["count": .stringConvertible(removed)]) }
        } catch {
            logger.warning("activity pruning failed", metadata: ["error": .string("\(error)")])
        }
    }

    public func run() async throws {
        var sincePrune = 0
        await prune()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
            await flush()
            sincePrune += 1
            if sincePrune >= 600 { sincePrune = 0; await prune() }
        }
        await flush()
    }

    /// One JSON object per line, appended with O_APPEND so concurrent writers never interleave within a line.
    func appendAudit(_ events: [ActivityEvent], to path: String) {
        guard !events.isEmpty else { return }
        var text = ""
        for event in events { text += Self.auditLine(event) + "\n" }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            logger.error("cannot open the audit log", metadata: ["path": .string(path), "errno": .stringConvertible(errno)])
            return
        }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if written != bytes.count { logger.error("audit log write failed", metadata: ["path": .string(path)]) }
    }

    static func auditLine(_ event: ActivityEvent) -> String {
        struct Line: Encodable {
            let time, action, format, name: String
            let version, identity, client: String?
            let source: String
        }
        let line = Line(time: Clock.iso8601(millis: event.at), action: event.kind.rawValue, format: event.format, name: event.name,
                        version: event.version, identity: event.identity, client: event.client, source: event.source.rawValue)
        return String(decoding: JSON.encode(line), as: UTF8.self)
    }
}
