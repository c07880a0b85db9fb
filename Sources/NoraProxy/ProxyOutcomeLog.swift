import NIOConcurrencyHelpers
import NoraCore

/// What the pull-through caches did for one request. The server gives each request one (a
/// task-local), answers the outcomes in `X-Nora-Cache` — how `nora mirror` tells "fetched
/// now" from "already cached" — and turns them into one activity event.
public final class ProxyOutcomeLog: Sendable {
    @TaskLocal public static var current: ProxyOutcomeLog?

    public struct Outcome: Sendable, Equatable {
        public let format: String
        /// `hit`, `miss`, `revalidated` or `stale`.
        public let result: String
        /// Content fetched once and kept (tarballs, files, blobs), as opposed to metadata.
        public let immutable: Bool
    }

    private let outcomes = NIOLockedValueBox<[Outcome]>([])

    public init() {}

    func note(format: String, outcome: String, immutable: Bool) {
        outcomes.withLockedValue { $0.append(Outcome(format: format, result: outcome, immutable: immutable)) }
    }

    public var all: [Outcome] { outcomes.withLockedValue { $0 } }

    /// The outcomes in order, without repeats ("miss" or "hit, miss"); nil when the request used no cache.
    public var headerValue: String? {
        var unique: [String] = []
        for outcome in all where !unique.contains(outcome.result) { unique.append(outcome.result) }
        return unique.isEmpty ? nil : unique.joined(separator: ", ")
    }

    /// The activity event the request amounts to: an artifact served from the cache is a
    /// `cache_hit`, anything fetched from an upstream a `proxy_fetch`; metadata read from the
    /// cache is not worth an event (every install reads many documents).
    public var activity: (kind: ActivityKind, format: String)? {
        let outcomes = all
        let fetched: (Outcome) -> Bool = { $0.result == "miss" || $0.result == "revalidated" }
        if let artifact = outcomes.last(where: \.immutable) {
            return (fetched(artifact) ? .proxyFetch : .cacheHit, artifact.format)
        }
        return outcomes.first(where: fetched).map { (.proxyFetch, $0.format) }
    }
}
