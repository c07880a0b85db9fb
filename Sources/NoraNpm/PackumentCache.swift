import NIOConcurrencyHelpers
import NoraCore

/// Rendered packuments, keyed by the package's revision as the database holds it.
///
/// Rendering 500 versions costs tens of milliseconds; the revision (bumped by every write,
/// with the modification time so a deleted and re-created package cannot collide) is one
/// indexed row. Every request still reads that row, so a replica never serves a document
/// older than the database: the cache only saves work, it decides nothing.
final class PackumentCache: Sendable {
    struct Key: Hashable, Sendable {
        let name: String
        let rev: Int64
        let modifiedAt: Int64
        let abbreviated: Bool
        let base: String
    }

    struct Document: Sendable {
        let bytes: [UInt8]
        let etag: String
    }

    private struct State {
        var entries: [Key: Document] = [:]
        var bytes = 0
    }

    private let state = NIOLockedValueBox(State())
    private let budget: Int

    init(budgetBytes: Int = 64 * 1024 * 1024) { budget = budgetBytes }

    func document(for key: Key) -> Document? {
        state.withLockedValue { $0.entries[key] }
    }

    func store(_ document: Document, for key: Key) {
        guard document.bytes.count <= budget / 4 else { return }
        state.withLockedValue { state in
            // Older revisions of the same package are dead weight once a newer one is rendered.
            for old in state.entries.keys where old.name == key.name && old.rev < key.rev {
                state.bytes -= state.entries.removeValue(forKey: old)?.bytes.count ?? 0
            }
            if state.bytes + document.bytes.count > budget {
                state.entries.removeAll(keepingCapacity: true)
                state.bytes = 0
            }
            if let previous = state.entries.updateValue(document, forKey: key) { state.bytes -= previous.bytes.count }
            state.bytes += document.bytes.count
        }
    }
}
