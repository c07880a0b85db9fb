import NIOCore
import NoraCore

/// Rendered index files by crate revision, over the shared `RenderedDocumentCache`.
///
/// Rendering a file re-reads every version row and joins every line, so its cost grows with
/// the number of versions; a cache hit costs one row read (the revision, which the handler
/// reads on every request so a replica never serves an older file than the database holds).
struct IndexFileCache: Sendable {
    /// The file's bytes and its quoted SHA-256 (computed once at render time).
    typealias File = RenderedDocumentCache.Document

    private let documents: RenderedDocumentCache
    /// Index files hold no URLs and nothing else that depends on the request: one variant.
    private static let variant = "index-file"

    init(budgetBytes: Int = 64 * 1024 * 1024) { documents = RenderedDocumentCache(budgetBytes: budgetBytes) }

    func file(_ key: String, revision: String) -> File? {
        documents.document(for: .init(name: key, revision: revision, variant: Self.variant))
    }

    /// Keeps `body` as the file of `key` at `revision` and returns it in the form handlers serve.
    func store(_ body: [UInt8], etag: String, for key: String, revision: String) -> File {
        let document = RenderedDocumentCache.Document(bytes: body, etag: etag)
        documents.store(document, for: .init(name: key, revision: revision, variant: Self.variant))
        return document
    }
}
