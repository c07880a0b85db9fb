import Foundation
import NoraCore

/// The media types a manifest PUT may carry.
public enum ManifestMediaType {
    public static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    public static let ociIndex = "application/vnd.oci.image.index.v1+json"
    public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    public static let dockerList = "application/vnd.docker.distribution.manifest.list.v2+json"
    public static let emptyConfig = "application/vnd.oci.empty.v1+json"

    static let images: Set<String> = [ociManifest, dockerManifest]
    static let indexes: Set<String> = [ociIndex, dockerList]
}

/// A content descriptor as it appears in manifests and in the referrers index.
public struct Descriptor: Codable, Sendable, Equatable {
    public var mediaType: String
    public var digest: String
    public var size: Int64
    public var artifactType: String?
    public var annotations: [String: String]?
    public var urls: [String]?
    public var platform: Platform?

    public struct Platform: Codable, Sendable, Equatable {
        public var architecture: String?
        public var os: String?
        public var variant: String?
    }
}

/// A manifest PUT body, parsed and checked before anything is stored.
public struct ParsedManifest: Sendable {
    public enum Kind: Sendable { case image, index }

    public let kind: Kind
    public let mediaType: String
    public let config: Descriptor?
    public let layers: [Descriptor]
    public let manifests: [Descriptor]
    public let subject: Descriptor?
    public let artifactType: String?
    public let annotations: [String: String]?

    struct Wire: Decodable {
        let schemaVersion: Int?
        let mediaType: String?
        let config: Descriptor?
        let layers: [Descriptor]?
        let manifests: [Descriptor]?
        let subject: Descriptor?
        let artifactType: String?
        let annotations: [String: String]?
    }

    /// Parses `bytes`, with `contentType` the request's `Content-Type` (nil when absent).
    public init(bytes: [UInt8], contentType: String?) throws(OCIError) {
        let wire: Wire
        do { wire = try JSONDecoder().decode(Wire.self, from: Data(bytes)) } catch {
            throw OCIError(.manifestInvalid, "manifest is not valid JSON of the expected shape")
        }
        guard wire.schemaVersion == 2 else { throw OCIError(.manifestInvalid, "schemaVersion must be 2 (schema 1 is not supported)") }
        // An empty or parameter-only Content-Type counts as absent (and must not trap).
        let declared = contentType.flatMap { $0.split(separator: ";").first }
            .map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        if let declared, let field = wire.mediaType, declared != field {
            throw OCIError(.manifestInvalid, "Content-Type \(declared) does not match the manifest's mediaType \(field)")
        }
        let mediaType = wire.mediaType ?? declared ?? (wire.manifests != nil ? ManifestMediaType.ociIndex : ManifestMediaType.ociManifest)
        if ManifestMediaType.images.contains(mediaType) {
            guard let config = wire.config else { throw OCIError(.manifestInvalid, "an image manifest needs a config descriptor") }
            guard wire.manifests == nil else { throw OCIError(.manifestInvalid, "an image manifest cannot list manifests") }
            kind = .image
            self.config = config
            layers = wire.layers ?? []
            manifests = []
            if mediaType == ManifestMediaType.dockerManifest && layers.isEmpty {
                throw OCIError(.manifestInvalid, "a Docker image manifest needs at least one layer")
            }
        } else if ManifestMediaType.indexes.contains(mediaType) {
            guard let list = wire.manifests else { throw OCIError(.manifestInvalid, "an index needs a manifests list") }
            guard wire.config == nil, wire.layers == nil else { throw OCIError(.manifestInvalid, "an index cannot have config or layers") }
            kind = .index
            config = nil
            layers = []
            manifests = list
        } else {
            throw OCIError(.manifestInvalid, "unsupported manifest media type '\(mediaType.prefix(200))'")
        }
        self.mediaType = mediaType
        subject = wire.subject
        artifactType = wire.artifactType
        annotations = wire.annotations
        for descriptor in [config, subject].compactMap({ $0 }) + layers + manifests {
            try Self.check(descriptor)
        }
    }

    static func check(_ descriptor: Descriptor) throws(OCIError) {
        do { _ = try Digest(parsing: descriptor.digest) } catch {
            throw OCIError(.manifestInvalid, "descriptor has an invalid digest '\(descriptor.digest.prefix(140))'")
        }
        guard descriptor.size >= 0 else { throw OCIError(.manifestInvalid, "descriptor size must not be negative") }
        guard !descriptor.mediaType.isEmpty else { throw OCIError(.manifestInvalid, "descriptor needs a mediaType") }
    }

    /// Blobs that must already be in the repository: config and layers (foreign layers with `urls` excepted).
    public var requiredBlobs: [Digest] {
        ([config].compactMap { $0 } + layers.filter { ($0.urls ?? []).isEmpty })
            .compactMap { try? Digest(parsing: $0.digest) }
    }

    /// Everything this manifest points at (for garbage collection).
    public var referencedDigests: [Digest] {
        ([config].compactMap { $0 } + layers + manifests).compactMap { try? Digest(parsing: $0.digest) }
    }

    public var subjectDigest: Digest? { subject.flatMap { try? Digest(parsing: $0.digest) } }

    /// The artifact type the referrers API reports: `artifactType`, else the config's media type.
    public var effectiveArtifactType: String? {
        artifactType ?? (kind == .image ? config?.mediaType : nil)
    }
}
