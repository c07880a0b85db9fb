import NIOConcurrencyHelpers
import NIOCore

/// Rendered metadata documents (npm packuments, PyPI pages), keyed by the revision the
/// database holds for them.
///
/// Rendering hundreds of versions costs tens of milliseconds; a revision is one indexed row.
/// Every request still reads that row, so a replica never serves a document older than the
/// database: the cache only saves work, it decides nothing. Bounded by total bytes.
public final class RenderedDocumentCache: Sendable {
    public struct Key: Hashable, Sendable {
        /// What the document describes (a package, a project).
        public let name: String
        /// Changes with every write to `name` (a counter, plus a time so a deleted and
        /// re-created name cannot reuse an old entry).
        public let revision: String
        /// Format and anything else rendering depends on (content type, base URL).
        public let variant: String
        public init(name: String, revision: String, variant: String) {
            self.name = name; self.revision = revision; self.variant = variant
        }
    }

    /// Held as a `ByteBuffer` so every response shares the one copy (no per-request copy), with
    /// its ETag computed once at render time rather than hashed on every hit.
    public struct Document: Sendable {
        public let bytes: ByteBuffer
        public let etag: String
        public init(bytes: ByteBuffer, etag: String) { self.bytes = bytes; self.etag = etag }
        public init(bytes: [UInt8], etag: String) { self.init(bytes: ByteBuffer(bytes: bytes), etag: etag) }
    }

    private struct State {
        var entries: [Key: Document] = [:]
        var bytes = 0
    }

    private let state = NIOLockedValueBox(State())
    private let budget: Int

    public init(budgetBytes: Int = 64 * 1024 * 1024) { budget = budgetBytes }

    public func document(for key: Key) -> Document? {
        state.withLockedValue { $0.entries[key] }
    }

    public func store(_ document: Document, for key: Key) {
        guard document.bytes.readableBytes <= budget / 4 else { return }
        state.withLockedValue { state in
            // Other revisions of the same name are dead weight once this one is rendered.
            for old in state.entries.keys where old.name == key.name && old.revision != key.revision {
                state.bytes -= state.entries.removeValue(forKey: old)?.bytes.readableBytes ?? 0
            }
            if state.bytes + document.bytes.readableBytes > budget {
                state.entries.removeAll(keepingCapacity: true)
                state.bytes = 0
            }
            if let previous = state.entries.updateValue(document, forKey: key) { state.bytes -= previous.bytes.readableBytes }
            state.bytes += document.bytes.readableBytes
        }
    }
}
