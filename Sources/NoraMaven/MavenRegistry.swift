import Hummingbird
import NoraAuth
import NoraCore
import NoraMetadata
import NoraStorage

/// Placeholder: the format is being built (see its issue). Routes under `/maven2/`.
public struct MavenRegistry: Sendable {
    public static let migrations: [Migration] = []
    /// Columns naming blobs this format keeps (for garbage collection).
    public static let blobReferences: [BlobReferenceColumn] = []

    let db: MetadataDatabase
    let store: any BlobStore
    let config: NoraConfig
    let authenticator: Authenticator

    public init(db: MetadataDatabase, store: any BlobStore, config: NoraConfig, authenticator: Authenticator) {
        self.db = db
        self.store = store
        self.config = config
        self.authenticator = authenticator
    }

    /// How generic failures under `/maven2/` are rendered.
    public var errorDialect: any ErrorDialect { JSONErrorDialect() }

    public func register(on router: Router<NoraRequestContext>) {}
}
