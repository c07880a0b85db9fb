import HTTPTypes

// OCI image manifests/indexes and the `/v2/<name>/…` paths with their references.
public enum OCIFuzz {
    public static let targets: [(String, @Sendable ([UInt8]) -> Void)] = [
        ("oci-manifest", manifest),
        ("oci-reference", reference),
    ]

    static func manifest(_ bytes: [UInt8]) {
        for contentType in [nil, ManifestMediaType.ociManifest, ManifestMediaType.ociIndex] {
            guard let parsed = try? ParsedManifest(bytes: bytes, contentType: contentType) else { continue }
            precondition(parsed.kind == .index || parsed.config != nil, "an image manifest without config was accepted")
        }
    }

    static func reference(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        _ = try? RepositoryName(text)
        _ = try? ManifestReference(text)
        for method in [HTTPRequest.Method.get, .put, .post, .patch, .delete] {
            guard let route = try? OCIRoute(text, method: method), let name = route.repository else { continue }
            precondition(!name.isEmpty && !name.hasPrefix("/") && !name.contains(".."), "bad repository \(name) from \(text)")
        }
    }
}
