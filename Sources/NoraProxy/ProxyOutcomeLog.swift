import NIOConcurrencyHelpers

/// The cache outcomes (`hit`, `miss`, `revalidated`, `stale`) of the proxy lookups one request
/// made. The server sets one per request (a task-local) and answers them in `X-Nora-Cache`,
/// which is how `nora mirror` tells "fetched now" from "already cached".
public final class ProxyOutcomeLog: Sendable {
    @TaskLocal public static var current: ProxyOutcomeLog?

    private let outcomes = NIOLockedValueBox<[String]>([])

    public init() {}

    func note(_ outcome: String) { outcomes.withLockedValue { $0.append(outcome) } }

    /// The outcomes in order, without repeats ("miss" or "hit, miss"); nil when the request used no cache.
    public var headerValue: String? {
        let all = outcomes.withLockedValue { $0 }
        var unique: [String] = []
        for outcome in all where !unique.contains(outcome) { unique.append(outcome) }
        return unique.isEmpty ? nil : unique.joined(separator: ", ")
    }
}
