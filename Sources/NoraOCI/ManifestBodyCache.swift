import NIOConcurrencyHelpers
import NIOCore
import NoraCore

/// Manifest bodies by digest, so the hottest read of a registry (`GET /v2/<name>/manifests/<tag>`)
/// costs one database row and no file access.
///
/// A digest names its bytes forever, so a cached body can never be wrong — not even across
/// replicas; whether the manifest exists in the repository is still asked of the database on
/// every request. Small bodies only, bounded by total bytes; when full it starts over (simple,
/// and refilling costs one file read per manifest).
final class ManifestBodyCache: Sendable {
    static let largestBody = 64 * 1024

    private struct State {
        var bodies: [Digest: ByteBuffer] = [:]
        var bytes = 0
    }

    private let state = NIOLockedValueBox(State())
    private let budget: Int

    init(budgetBytes: Int = 8 * 1024 * 1024) { budget = budgetBytes }

    func body(_ digest: Digest) -> ByteBuffer? {
        state.withLockedValue { $0.bodies[digest] }
    }

    func store(_ body: ByteBuffer, for digest: Digest) {
        guard body.readableBytes <= Self.largestBody else { return }
        state.withLockedValue { state in
            guard state.bodies[digest] == nil else { return }
            if state.bytes + body.readableBytes > budget {
                state.bodies.removeAll(keepingCapacity: true)
                state.bytes = 0
            }
            state.bodies[digest] = body
            state.bytes += body.readableBytes
        }
    }
}
