import Foundation
import NoraCore

/// `images.txt`: one image reference per line (`name[:tag][@sha256:…]`, `#` comments), named
/// as clients pull them through nora (`docker.io/library/alpine:3.20`, `team/app@sha256:…`).
/// Each manifest is fetched with every manifest type accepted; an index brings all its
/// children; each image manifest brings its config and layers, all checked by digest.
public struct ImageList: Sendable, Equatable {
    public struct Reference: Sendable, Hashable {
        public let name: String
        /// A tag or a digest (`sha256:…`).
        public let reference: String
        public let digest: Digest?
    }

    public let images: [Reference]

    public init(text: String, file: String = "images.txt") throws(MirrorInputError) {
        var images: [Reference] = []
        for (number, line) in InputLines.of(text) {
            images.append(try Self.reference(line, place: (file, number)))
        }
        self.images = images
    }

    static func reference(_ line: String, place: (String, Int)) throws(MirrorInputError) -> Reference {
        let fail = { (reason: String) in MirrorInputError(file: place.0, line: place.1, reason) }
        guard !line.contains(" "), !line.contains("\t") else { throw fail("one image reference per line") }
        var name = line, digest: Digest?
        if let at = line.firstIndex(of: "@") {
            name = String(line[..<at])
            do { digest = try Digest(parsing: line[line.index(after: at)...]) } catch { throw fail("'\(line[line.index(after: at)...])' is not a digest") }
        }
        var tag: String?
        if let colon = name.lastIndex(of: ":"), !name[colon...].contains("/") {
            tag = String(name[name.index(after: colon)...])
            name = String(name[..<colon])
        }
        if let tag, tag.isEmpty || tag.count > 128 || !tag.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }) {
            throw fail("'\(tag)' is not a tag")
        }
        let components = name.split(separator: "/", omittingEmptySubsequences: false)
        guard !name.isEmpty, components.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || "._-".contains($0)) } })
        else { throw fail("'\(name)' is not a repository name (lower-case components separated by /)") }
        return Reference(name: name, reference: digest?.description ?? tag ?? "latest", digest: digest)
    }

    static let manifestTypes = [
        "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.docker.distribution.manifest.v2+json",
    ].joined(separator: ", ")

    public var requests: [MirrorRequest] {
        images.map { Self.manifest(name: $0.name, reference: $0.reference, digest: $0.digest) }
    }

    static func manifest(name: String, reference: String, digest: Digest?) -> MirrorRequest {
        let label = "docker \(name)\(digest == nil ? ":" : "@")\(reference)"
        return MirrorRequest(label, path: "/v2/\(name)/manifests/\(reference)", accept: manifestTypes,
                             check: digest.map(MirrorCheck.digest) ?? .none) { body throws(MirrorInputError) in
            try children(body, name: name, label: label)
        }
    }

    /// An index's child manifests, or an image manifest's config and layers.
    static func children(_ body: [UInt8], name: String, label: String) throws(MirrorInputError) -> [MirrorRequest] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw MirrorInputError(label, "the manifest is not a JSON object")
        }
        func digest(_ descriptor: Any?) throws(MirrorInputError) -> Digest {
            guard let text = (descriptor as? [String: Any])?["digest"] as? String, let digest = try? Digest(parsing: text) else {
                throw MirrorInputError(label, "a descriptor without a valid digest")
            }
            return digest
        }
        if let manifests = object["manifests"] as? [Any] {
            var out: [MirrorRequest] = []
            for child in manifests { let d = try digest(child); out.append(manifest(name: name, reference: d.description, digest: d)) }
            return out
        }
        var blobs: [Digest] = []
        if object["config"] != nil { blobs.append(try digest(object["config"])) }
        for layer in object["layers"] as? [Any] ?? [] { blobs.append(try digest(layer)) }
        guard !blobs.isEmpty else { throw MirrorInputError(label, "neither an index nor an image manifest (schema 1 is not supported)") }
        return blobs.map { MirrorRequest("docker \(name) blob \($0.hex.prefix(12))", path: "/v2/\(name)/blobs/\($0)", check: .digest($0)) }
    }
}
