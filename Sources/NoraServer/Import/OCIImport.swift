import Foundation
import HTTPTypes

/// NORA's `docker/<name>/…` into `/v2/<name>/…`: one item per tag (its manifest, an index's
/// child manifests, every blob they name), plus one per manifest stored by digest that no
/// tag reaches. Every blob and by-digest manifest is hashed before anything is pushed, so a
/// damaged file fails the item with nothing of it stored.
struct OCIImport: Sendable {
    let source: any NoraSource
    let registry: InProcessRegistry

    /// A manifest as NORA stored it, with what it names.
    struct Manifest: Sendable {
        let reference: String
        let bytes: [UInt8]
        let digest: String
        let mediaType: String
        let children: [String]
        let blobs: [String]
    }

    func items(_ repositories: [NoraLayout.OCIRepository]) async -> [NoraImporter.Item] {
        var items: [NoraImporter.Item] = []
        for repository in repositories {
            let tags = repository.manifests.keys.filter { !$0.contains(":") }.sorted()
            for tag in tags {
                items.append(.init(format: .docker, name: "\(repository.name):\(tag)") {
                    try await importReference(tag, of: repository)
                })
            }
            // Manifests stored by digest that no tag reaches (pushed by digest, or an index
            // child whose index is gone) are items of their own.
            let reached = await reachedByTags(tags, of: repository)
            for reference in repository.manifests.keys.sorted() where reference.contains(":") && !reached.contains(reference) {
                items.append(.init(format: .docker, name: "\(repository.name)@\(reference)") {
                    try await importReference(reference, of: repository)
                })
            }
        }
        return items
    }

    func importReference(_ reference: String, of repository: NoraLayout.OCIRepository) async throws -> NoraImporter.Outcome {
        let top = try await manifest(reference, of: repository)
        let base = "/v2/\(URLPath.path(repository.name))"
        let here = try await registry.send(.head, "\(base)/manifests/\(URLPath.segment(reference))")
        if here.ok, here.headers[HTTPField.Name("Docker-Content-Digest")!] == top.digest { return .present }

        // Everything the item needs, children first, all read and checked before any push.
        var ordered: [Manifest] = [], blobs: [String] = []
        try await collect(top, of: repository, into: &ordered, blobs: &blobs)
        for digest in Set(blobs).sorted() {
            guard let key = repository.blobs[digest] else { throw ImportFailure("blob \(digest) is not in NORA's storage") }
            let actual = try await source.withFile(key) { try FileHashes(path: $0).sha256 }
            guard "sha256:" + actual == digest else { throw ImportFailure("blob \(digest) is corrupt: its bytes hash to sha256:\(actual)") }
        }
        for digest in Set(blobs).sorted() {
            let path = "\(base)/blobs/\(digest)"
            if try await registry.send(.head, path).ok { continue }
            let answer = try await source.withFile(repository.blobs[digest]!) { file in
                try await registry.send(.post, "\(base)/blobs/uploads/?digest=\(digest)",
                                        headers: [.contentType: "application/octet-stream"], file: file)
            }
            try answer.expectSuccess("blob \(digest)")
        }
        for (position, manifest) in ordered.enumerated() {
            let target = position == ordered.count - 1 ? reference : manifest.digest
            let answer = try await registry.send(.put, "\(base)/manifests/\(URLPath.segment(target))",
                                                 headers: [.contentType: manifest.mediaType], bytes: manifest.bytes)
            try answer.expectSuccess("manifest \(target)")
        }
        return .imported
    }

    /// The digests of the manifests the tags lead to (unreadable ones are left to their tag's item to report).
    func reachedByTags(_ tags: [String], of repository: NoraLayout.OCIRepository) async -> Set<String> {
        var reached = Set<String>()
        for tag in tags {
            var ordered: [Manifest] = [], blobs: [String] = []
            if let top = try? await manifest(tag, of: repository) {
                try? await collect(top, of: repository, into: &ordered, blobs: &blobs)
                reached.insert(top.digest)
            }
            reached.formUnion(ordered.map(\.digest))
        }
        return reached
    }

    /// `top` and the child manifests it names (recursively), children before parents.
    func collect(_ top: Manifest, of repository: NoraLayout.OCIRepository, into ordered: inout [Manifest], blobs: inout [String]) async throws {
        for child in top.children where !ordered.contains(where: { $0.digest == child }) {
            // An index whose children NORA did not keep (a proxy caches only the platforms
            // pulled) is not imported: here every child of a hosted index must be present.
            guard repository.manifests[child] != nil else {
                throw ImportFailure("manifest \(child), a child of index \(top.digest), is not in NORA's storage")
            }
            try await collect(try await manifest(child, of: repository), of: repository, into: &ordered, blobs: &blobs)
        }
        blobs += top.blobs
        ordered.append(top)
    }

    func manifest(_ reference: String, of repository: NoraLayout.OCIRepository) async throws -> Manifest {
        guard let key = repository.manifests[reference] else { throw ImportFailure("manifest \(reference) is not in NORA's storage") }
        let bytes = try await source.readSmall(key, limit: 4 << 20)
        let digest = "sha256:" + FileHashes.sha256(bytes)
        if reference.contains(":"), reference != digest {
            throw ImportFailure("manifest \(reference) is corrupt: its bytes hash to \(digest)")
        }
        let document = try LooseJSON.object(bytes, "manifest \(reference)")
        let children = (document["manifests"] as? [[String: Any]] ?? []).compactMap { $0["digest"] as? String }
        // Foreign layers (with `urls`) are fetched from elsewhere and never stored, here or in NORA.
        var blobs = (document["layers"] as? [[String: Any]] ?? []).filter { ($0["urls"] as? [Any] ?? []).isEmpty }
            .compactMap { $0["digest"] as? String }
        if let config = (document["config"] as? [String: Any])?["digest"] as? String { blobs.append(config) }
        let metaKey = String(key.dropLast(".json".count)) + ".meta.json"
        let meta = (try? await source.readSmall(metaKey, limit: 1 << 20)).flatMap { try? LooseJSON.object($0, metaKey) } ?? [:]
        if let noted = meta["digest"] as? String, noted.hasPrefix("sha256:"), noted != digest {
            throw ImportFailure("manifest \(reference) is corrupt: its bytes hash to \(digest), NORA noted \(noted)")
        }
        return Manifest(reference: reference, bytes: bytes, digest: digest,
                        mediaType: mediaType(document, meta: meta), children: children, blobs: blobs)
    }

    /// The manifest's own `mediaType`, else the one NORA noted beside it, else what its shape says.
    func mediaType(_ document: [String: Any], meta: [String: Any]) -> String {
        if let type = document["mediaType"] as? String { return type }
        for field in ["media_type", "mediaType", "content_type", "contentType"] {
            if let type = meta[field] as? String, !type.isEmpty { return type }
        }
        if document["manifests"] != nil { return "application/vnd.oci.image.index.v1+json" }
        let configType = (document["config"] as? [String: Any])?["mediaType"] as? String
        return configType == "application/vnd.docker.container.image.v1+json"
            ? "application/vnd.docker.distribution.manifest.v2+json" : "application/vnd.oci.image.manifest.v1+json"
    }
}
