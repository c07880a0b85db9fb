import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NoraCore
import Testing

/// Small helpers for talking OCI distribution to the in-process registry.
enum OCI {
    static let apiVersion = HTTPField.Name("Docker-Distribution-API-Version")!
    static let contentDigest = HTTPField.Name("Docker-Content-Digest")!
    static let uploadUUID = HTTPField.Name("Docker-Upload-UUID")!
    static let range = HTTPField.Name("Range")!
    static let link = HTTPField.Name("Link")!
    static let subject = HTTPField.Name("OCI-Subject")!
    static let filtersApplied = HTTPField.Name("OCI-Filters-Applied")!

    static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    static let ociIndex = "application/vnd.oci.image.index.v1+json"
    static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"

    static let admin: HTTPFields = [.authorization: TestRegistry.basic("alice", TestRegistry.password)]

    static func digest(_ text: String, _ algorithm: Digest.Algorithm = .sha256) -> Digest {
        Digest.of(Array(text.utf8), algorithm: algorithm)
    }

    /// The single OCI error of a response, checking the `{"errors":[{"code","message","detail"}]}` shape.
    static func error(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(response.text.utf8)) as? [String: Any],
              let errors = object["errors"] as? [[String: Any]], errors.count == 1 else {
            Issue.record("not an OCI error body: \(response.status) \(response.text)", sourceLocation: sourceLocation)
            return nil
        }
        let entry = errors[0]
        #expect(entry["message"] is String, sourceLocation: sourceLocation)
        #expect(entry["detail"] == nil || entry["detail"] is String, sourceLocation: sourceLocation)
        #expect(Set(entry.keys).isSubset(of: ["code", "message", "detail"]), sourceLocation: sourceLocation)
        #expect(response.headers[.contentType] == "application/json", sourceLocation: sourceLocation)
        return entry["code"] as? String
    }

    static func json(_ response: TestResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(response.text.utf8)) as? [String: Any]) ?? [:]
    }

    /// Monolithic upload (`POST ?digest=`); returns the digest.
    @discardableResult
    static func pushBlob(_ client: any TestClientProtocol, _ repo: String, _ content: String,
                         algorithm: Digest.Algorithm = .sha256, headers: HTTPFields = [:],
                         sourceLocation: SourceLocation = #_sourceLocation) async throws -> Digest {
        let d = digest(content, algorithm)
        let response = try await client.execute(uri: "/v2/\(repo)/blobs/uploads/?digest=\(d)", method: .post, headers: headers,
                                                body: ByteBuffer(string: content))
        #expect(response.status == .created, "\(response.text)", sourceLocation: sourceLocation)
        return d
    }

    static func descriptor(_ mediaType: String, _ digest: Digest, _ size: Int) -> String {
        #"{"mediaType":"\#(mediaType)","digest":"\#(digest)","size":\#(size)}"#
    }

    /// An OCI image manifest over a config and layers that `pushImageBlobs` stored.
    static func imageManifest(config: Digest, configSize: Int, layers: [(Digest, Int)], artifactType: String? = nil,
                              subject: (Digest, Int)? = nil, annotations: [String: String]? = nil,
                              configMediaType: String = "application/vnd.oci.image.config.v1+json") -> String {
        var fields = [
            #""schemaVersion":2"#, #""mediaType":"\#(ociManifest)""#,
            #""config":\#(descriptor(configMediaType, config, configSize))"#,
            #""layers":[\#(layers.map { descriptor("application/vnd.oci.image.layer.v1.tar", $0.0, $0.1) }.joined(separator: ","))]"#,
        ]
        if let artifactType { fields.append(#""artifactType":"\#(artifactType)""#) }
        if let subject { fields.append(#""subject":\#(descriptor(ociManifest, subject.0, subject.1))"#) }
        if let annotations {
            fields.append(#""annotations":\#(String(decoding: try! JSONSerialization.data(withJSONObject: annotations, options: .sortedKeys), as: UTF8.self))"#)
        }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// Pushes a config and one layer to `repo` and returns a manifest over them.
    static func pushImage(_ client: any TestClientProtocol, _ repo: String, seed: String = "1", headers: HTTPFields = [:],
                          sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let config = #"{"architecture":"amd64","os":"linux","seed":"\#(seed)"}"#
        let layer = "layer bytes \(seed)"
        let c = try await pushBlob(client, repo, config, headers: headers, sourceLocation: sourceLocation)
        let l = try await pushBlob(client, repo, layer, headers: headers, sourceLocation: sourceLocation)
        return imageManifest(config: c, configSize: config.utf8.count, layers: [(l, layer.utf8.count)])
    }

    static func putManifest(_ client: any TestClientProtocol, _ repo: String, _ reference: String, _ manifest: String,
                            mediaType: String = ociManifest, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = mediaType
        return try await client.execute(uri: "/v2/\(repo)/manifests/\(reference)", method: .put, headers: headers,
                                        body: ByteBuffer(string: manifest))
    }

    /// Starts an upload session and returns its `Location`.
    static func startSession(_ client: any TestClientProtocol, _ repo: String, headers: HTTPFields = [:],
                             sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let response = try await client.execute(uri: "/v2/\(repo)/blobs/uploads/", method: .post, headers: headers)
        #expect(response.status == .accepted, sourceLocation: sourceLocation)
        return try #require(response.headers[.location], sourceLocation: sourceLocation)
    }

    static func form(_ fields: [(String, String)]) -> ByteBuffer {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        return ByteBuffer(string: fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
            .joined(separator: "&"))
    }

    /// The claims of a signed token (unverified; for looking at the granted scope).
    static func claims(_ token: String) -> [String: Any] {
        let parts = token.split(separator: ".")
        guard parts.count == 3 else { return [:] }
        var text = String(parts[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        guard let data = Data(base64Encoded: text) else { return [:] }
        return (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }
    /// Auth on (htpasswd user alice is admin), optionally with anonymous reads.
    static func auth(anonymousRead: Bool = false) -> (inout NoraConfig) -> Void {
        { $0.auth.enabled = true; $0.auth.anonymousRead = anonymousRead }
    }
}

/// Carries a value out of a `@Sendable` test closure.
final class LocationBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: String?
    func set(_ v: String) { lock.lock(); value = v; lock.unlock() }
    func get() -> String? { lock.lock(); defer { lock.unlock() }; return value }
}

