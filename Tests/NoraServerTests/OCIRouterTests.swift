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
}

@Suite struct OCIRouterTests {
    static func auth(anonymousRead: Bool = false) -> (inout NoraConfig) -> Void {
        { $0.auth.enabled = true; $0.auth.anonymousRead = anonymousRead }
    }

    // MARK: Base and errors

    @Test func baseEndpoint() async throws {
        try await TestRegistry.run { client, _ in
            let base = try await client.execute(uri: "/v2/", method: .get)
            #expect(base.status == .ok)
            #expect(base.headers[OCI.apiVersion] == "registry/2.0")
            let bare = try await client.execute(uri: "/v2", method: .get)
            #expect(bare.status == .ok)
            let head = try await client.execute(uri: "/v2/", method: .head)
            #expect(head.status == .ok)
        }
    }

    @Test func baseEndpointChallengesWhenAuthIsOn() async throws {
        try await TestRegistry.run(configure: Self.auth()) { client, _ in
            let anonymous = try await client.execute(uri: "/v2/", method: .get)
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.headers[OCI.apiVersion] == "registry/2.0")
            let challenge = try #require(anonymous.headers[.wwwAuthenticate])
            #expect(challenge.hasPrefix("Bearer realm=\"http://"))
            #expect(challenge.hasSuffix("/v2/token\",service=\"nora\""))
            #expect(OCI.error(anonymous) == "UNAUTHORIZED")

            let pull = try await client.execute(uri: "/v2/team/app/manifests/latest", method: .get)
            #expect(pull.status == .unauthorized)
            // The challenge always asks for pull,push (oras keeps its first token); the token
            // service grants only what the caller's role allows.
            #expect(pull.headers[.wwwAuthenticate]?.hasSuffix(",scope=\"repository:team/app:pull,push\"") == true)
            let push = try await client.execute(uri: "/v2/team/app/blobs/uploads/", method: .post)
            #expect(push.status == .unauthorized)
            #expect(push.headers[.wwwAuthenticate]?.hasSuffix(",scope=\"repository:team/app:pull,push\"") == true)
            #expect(OCI.error(push) == "UNAUTHORIZED")

            let basic = try await client.execute(uri: "/v2/", method: .get, headers: OCI.admin)
            #expect(basic.status == .ok)
            let wrong = try await client.execute(uri: "/v2/", method: .get, headers: [.authorization: TestRegistry.basic("alice", "nope")])
            #expect(wrong.status == .unauthorized)
            #expect(OCI.error(wrong) == "UNAUTHORIZED")
        }
    }

    @Test func publicURLNamesTheRealm() async throws {
        try await TestRegistry.run(configure: { $0.auth.enabled = true; $0.server.publicURL = "https://registry.example.com" }) { client, _ in
            let anonymous = try await client.execute(uri: "/v2/", method: .get)
            #expect(anonymous.headers[.wwwAuthenticate] == "Bearer realm=\"https://registry.example.com/v2/token\",service=\"nora\"")
        }
    }

    @Test func unknownEndpointsAndMethods() async throws {
        try await TestRegistry.run { client, _ in
            let unknown = try await client.execute(uri: "/v2/team/app/unknown/x", method: .get)
            #expect(unknown.status == .notFound)
            #expect(OCI.error(unknown) == "UNSUPPORTED")
            let method = try await client.execute(uri: "/v2/team/app/manifests/latest", method: .patch)
            #expect(method.status == .methodNotAllowed)
            #expect(OCI.error(method) == "UNSUPPORTED")
            let name = try await client.execute(uri: "/v2/Team/App/manifests/latest", method: .get)
            #expect(name.status == .badRequest)
            #expect(OCI.error(name) == "NAME_INVALID")
            let deepBad = try await client.execute(uri: "/v2/a//b/tags/list", method: .get)
            #expect(deepBad.status == .badRequest)
            #expect(OCI.error(deepBad) == "NAME_INVALID")
            // HEAD errors have no body but keep the status.
            let head = try await client.execute(uri: "/v2/team/app/manifests/nothing", method: .head)
            #expect(head.status == .notFound)
            #expect(head.body.readableBytes == 0)
        }
    }

    // MARK: Blobs and uploads

    @Test func monolithicUpload() async throws {
        try await TestRegistry.run { client, _ in
            let content = "hello blob"
            let d = OCI.digest(content)
            let post = try await client.execute(uri: "/v2/team/app/blobs/uploads/?digest=\(d)", method: .post, body: ByteBuffer(string: content))
            #expect(post.status == .created)
            #expect(post.headers[.location] == "/v2/team/app/blobs/\(d)")
            #expect(post.headers[OCI.contentDigest] == d.description)
            #expect(post.headers[OCI.apiVersion] == "registry/2.0")

            let get = try await client.execute(uri: "/v2/team/app/blobs/\(d)", method: .get)
            #expect(get.status == .ok)
            #expect(get.text == content)
            #expect(get.headers[OCI.contentDigest] == d.description)
            #expect(get.headers[.contentLength] == "\(content.utf8.count)")
            let head = try await client.execute(uri: "/v2/team/app/blobs/\(d)", method: .head)
            #expect(head.status == .ok)
            #expect(head.headers[.contentLength] == "\(content.utf8.count)")
            #expect(head.headers[OCI.contentDigest] == d.description)
            #expect(head.body.readableBytes == 0)

            // A body that does not match the digest stores nothing.
            let other = OCI.digest("something else")
            let bad = try await client.execute(uri: "/v2/team/app/blobs/uploads/?digest=\(other)", method: .post, body: ByteBuffer(string: "not it"))
            #expect(bad.status == .badRequest)
            #expect(OCI.error(bad) == "DIGEST_INVALID")
            #expect(try await client.execute(uri: "/v2/team/app/blobs/\(other)", method: .head).status == .notFound)
            #expect(try await client.execute(uri: "/v2/team/app/blobs/\(OCI.digest("not it"))", method: .head).status == .notFound)
            let malformed = try await client.execute(uri: "/v2/team/app/blobs/uploads/?digest=sha256:short", method: .post, body: ByteBuffer(string: "x"))
            #expect(malformed.status == .badRequest)
            #expect(OCI.error(malformed) == "DIGEST_INVALID")
        }
    }

    @Test func chunkedSessionUpload() async throws {
        try await TestRegistry.run { client, _ in
            let start = try await client.execute(uri: "/v2/team/app/blobs/uploads/", method: .post)
            #expect(start.status == .accepted)
            let location = try #require(start.headers[.location])
            let uuid = try #require(start.headers[OCI.uploadUUID])
            #expect(location == "/v2/team/app/blobs/uploads/\(uuid)")
            #expect(start.headers[OCI.range] == "0-0")

            let first = try await client.execute(uri: location, method: .patch, headers: [.contentRange: "0-4", .contentType: "application/octet-stream"],
                                                 body: ByteBuffer(string: "hello"))
            #expect(first.status == .accepted)
            #expect(first.headers[OCI.range] == "0-4")
            #expect(first.headers[OCI.uploadUUID] == uuid)
            let next = try #require(first.headers[.location])

            let outOfOrder = try await client.execute(uri: next, method: .patch, headers: [.contentRange: "10-14"], body: ByteBuffer(string: "later"))
            #expect(outOfOrder.status == .rangeNotSatisfiable)
            #expect(OCI.error(outOfOrder) == "BLOB_UPLOAD_INVALID")
            #expect(outOfOrder.headers[OCI.range] == "0-4")
            let overlapping = try await client.execute(uri: next, method: .patch, headers: [.contentRange: "0-4"], body: ByteBuffer(string: "hello"))
            #expect(overlapping.status == .rangeNotSatisfiable)

            let second = try await client.execute(uri: next, method: .patch, headers: [.contentRange: "5-10"], body: ByteBuffer(string: " world"))
            #expect(second.status == .accepted)
            #expect(second.headers[OCI.range] == "0-10")
            // Streamed PATCH: no Content-Range.
            let streamed = try await client.execute(uri: next, method: .patch, body: ByteBuffer(string: ", streamed"))
            #expect(streamed.status == .accepted)
            #expect(streamed.headers[OCI.range] == "0-20")

            let status = try await client.execute(uri: next, method: .get)
            #expect(status.status == .noContent)
            #expect(status.headers[OCI.range] == "0-20")
            #expect(status.headers[.location] == location)

            let content = "hello world, streamed!"
            let d = OCI.digest(content)
            let done = try await client.execute(uri: "\(next)?digest=\(d)", method: .put, body: ByteBuffer(string: "!"))
            #expect(done.status == .created)
            #expect(done.headers[.location] == "/v2/team/app/blobs/\(d)")
            #expect(done.headers[OCI.contentDigest] == d.description)
            let get = try await client.execute(uri: "/v2/team/app/blobs/\(d)", method: .get)
            #expect(get.text == content)

            let gone = try await client.execute(uri: location, method: .get)
            #expect(gone.status == .notFound)
            #expect(OCI.error(gone) == "BLOB_UPLOAD_UNKNOWN")
        }
    }

    @Test func completeWithoutFinalBody() async throws {
        try await TestRegistry.run { client, _ in
            let location = try await OCI.startSession(client, "team/app")
            _ = try await client.execute(uri: location, method: .patch, body: ByteBuffer(string: "whole"))
            let d = OCI.digest("whole")
            let done = try await client.execute(uri: "\(location)?digest=\(d)", method: .put)
            #expect(done.status == .created)
            #expect(try await client.execute(uri: "/v2/team/app/blobs/\(d)", method: .get).text == "whole")
            // Empty blob through a session.
            let empty = try await OCI.startSession(client, "team/app")
            let e = OCI.digest("")
            let emptyDone = try await client.execute(uri: "\(empty)?digest=\(e)", method: .put)
            #expect(emptyDone.status == .created)
            let emptyHead = try await client.execute(uri: "/v2/team/app/blobs/\(e)", method: .head)
            #expect(emptyHead.status == .ok)
            #expect(emptyHead.headers[.contentLength] == "0")
        }
    }

    @Test func wrongDigestOnCompleteStoresNothing() async throws {
        try await TestRegistry.run { client, _ in
            let location = try await OCI.startSession(client, "team/app")
            _ = try await client.execute(uri: location, method: .patch, body: ByteBuffer(string: "abc"))
            let claimed = OCI.digest("xyz")
            let done = try await client.execute(uri: "\(location)?digest=\(claimed)", method: .put, body: ByteBuffer(string: "d"))
            #expect(done.status == .badRequest)
            #expect(OCI.error(done) == "DIGEST_INVALID")
            #expect(try await client.execute(uri: "/v2/team/app/blobs/\(claimed)", method: .head).status == .notFound)
            #expect(try await client.execute(uri: "/v2/team/app/blobs/\(OCI.digest("abcd"))", method: .head).status == .notFound)
            let session = try await client.execute(uri: location, method: .get)
            #expect(session.status == .notFound)
            #expect(OCI.error(session) == "BLOB_UPLOAD_UNKNOWN")
            // Completing without a digest is refused too.
            let other = try await OCI.startSession(client, "team/app")
            let missing = try await client.execute(uri: other, method: .put, body: ByteBuffer(string: "x"))
            #expect(missing.status == .badRequest)
            #expect(OCI.error(missing) == "DIGEST_INVALID")
        }
    }

    @Test func cancelAndUnknownUploads() async throws {
        try await TestRegistry.run { client, _ in
            let location = try await OCI.startSession(client, "team/app")
            _ = try await client.execute(uri: location, method: .patch, body: ByteBuffer(string: "partial"))
            let cancel = try await client.execute(uri: location, method: .delete)
            #expect(cancel.status == .noContent)
            for method in [HTTPRequest.Method.get, .patch, .delete] {
                let after = try await client.execute(uri: location, method: method, body: ByteBuffer(string: "x"))
                #expect(after.status == .notFound)
                #expect(OCI.error(after) == "BLOB_UPLOAD_UNKNOWN")
            }
            let putAfter = try await client.execute(uri: "\(location)?digest=\(OCI.digest("partial"))", method: .put)
            #expect(putAfter.status == .notFound)

            for id in ["00000000-0000-0000-0000-000000000000", "not_a_valid_ID!", "x"] {
                let unknown = try await client.execute(uri: "/v2/team/app/blobs/uploads/\(id)", method: .get)
                #expect(unknown.status == .notFound, "\(id)")
                #expect(OCI.error(unknown) == "BLOB_UPLOAD_UNKNOWN")
            }
            // A session belongs to its repository.
            let mine = try await OCI.startSession(client, "team/app")
            let id = try #require(mine.split(separator: "/").last)
            let elsewhere = try await client.execute(uri: "/v2/other/blobs/uploads/\(id)", method: .patch, body: ByteBuffer(string: "x"))
            #expect(elsewhere.status == .notFound)
            #expect(OCI.error(elsewhere) == "BLOB_UPLOAD_UNKNOWN")
        }
    }

    @Test func blobRangesAndRepositoryIsolation() async throws {
        try await TestRegistry.run { client, _ in
            let d = try await OCI.pushBlob(client, "team/app", "0123456789")
            let partial = try await client.execute(uri: "/v2/team/app/blobs/\(d)", method: .get, headers: [.range: "bytes=2-4"])
            #expect(partial.status == .partialContent)
            #expect(partial.text == "234")
            #expect(partial.headers[.contentRange] == "bytes 2-4/10")
            #expect(partial.headers[.contentLength] == "3")
            let unsatisfiable = try await client.execute(uri: "/v2/team/app/blobs/\(d)", method: .get, headers: [.range: "bytes=10-20"])
            #expect(unsatisfiable.status == .rangeNotSatisfiable)
            #expect(unsatisfiable.headers[.contentRange] == "bytes */10")
            _ = OCI.error(unsatisfiable)

            // Stored, but not linked to this repository.
            let other = try await client.execute(uri: "/v2/other/app/blobs/\(d)", method: .get)
            #expect(other.status == .notFound)
            #expect(OCI.error(other) == "BLOB_UNKNOWN")
            let unknown = try await client.execute(uri: "/v2/team/app/blobs/\(OCI.digest("nope"))", method: .get)
            #expect(unknown.status == .notFound)
            #expect(OCI.error(unknown) == "BLOB_UNKNOWN")
            let invalid = try await client.execute(uri: "/v2/team/app/blobs/sha256:short", method: .get)
            #expect(invalid.status == .badRequest)
            #expect(OCI.error(invalid) == "DIGEST_INVALID")

            // Blob delete unlinks from this repository only.
            _ = try await OCI.pushBlob(client, "other/app", "0123456789")
            #expect(try await client.execute(uri: "/v2/team/app/blobs/\(d)", method: .delete).status == .accepted)
            #expect(try await client.execute(uri: "/v2/team/app/blobs/\(d)", method: .head).status == .notFound)
            #expect(try await client.execute(uri: "/v2/other/app/blobs/\(d)", method: .head).status == .ok)
            let again = try await client.execute(uri: "/v2/team/app/blobs/\(d)", method: .delete)
            #expect(again.status == .notFound)
            #expect(OCI.error(again) == "BLOB_UNKNOWN")
        }
    }

    @Test func crossRepositoryMount() async throws {
        try await TestRegistry.run { client, _ in
            let d = try await OCI.pushBlob(client, "source/app", "shared layer")
            let mounted = try await client.execute(uri: "/v2/target/app/blobs/uploads/?mount=\(d)&from=source/app", method: .post)
            #expect(mounted.status == .created)
            #expect(mounted.headers[.location] == "/v2/target/app/blobs/\(d)")
            #expect(mounted.headers[OCI.contentDigest] == d.description)
            #expect(try await client.execute(uri: "/v2/target/app/blobs/\(d)", method: .get).text == "shared layer")
            // Percent-encoded `from`.
            let encoded = try await client.execute(uri: "/v2/third/blobs/uploads/?mount=\(d)&from=source%2Fapp", method: .post)
            #expect(encoded.status == .created)

            // Unknown blob or unknown source: an ordinary session starts.
            let missing = try await client.execute(uri: "/v2/target/app/blobs/uploads/?mount=\(OCI.digest("absent"))&from=source/app", method: .post)
            #expect(missing.status == .accepted)
            #expect(missing.headers[.location]?.hasPrefix("/v2/target/app/blobs/uploads/") == true)
            #expect(missing.headers[OCI.uploadUUID] != nil)
            let wrongSource = try await client.execute(uri: "/v2/target/app/blobs/uploads/?mount=\(d)&from=nowhere", method: .post)
            #expect(wrongSource.status == .accepted)
            let badSource = try await client.execute(uri: "/v2/target/app/blobs/uploads/?mount=\(d)&from=Bad..Name", method: .post)
            #expect(badSource.status == .accepted)
        }
    }

    @Test func mountNeedsReadAccessToTheSource() async throws {
        try await TestRegistry.run(configure: Self.auth()) { client, _ in
            let d = try await OCI.pushBlob(client, "source/app", "secret layer", headers: OCI.admin)
            let token = try await client.execute(uri: "/v2/token?service=nora&scope=repository:target/app:pull,push", method: .get, headers: OCI.admin)
            let bearer = try #require(OCI.json(token)["token"] as? String)
            // The token names only the target: the mount falls back to an upload session.
            let mount = try await client.execute(uri: "/v2/target/app/blobs/uploads/?mount=\(d)&from=source/app", method: .post,
                                                 headers: [.authorization: "Bearer \(bearer)"])
            #expect(mount.status == .accepted)
            let both = try await client.execute(uri: "/v2/token?service=nora&scope=repository:target/app:pull,push&scope=repository:source/app:pull",
                                                method: .get, headers: OCI.admin)
            let bearer2 = try #require(OCI.json(both)["token"] as? String)
            let mount2 = try await client.execute(uri: "/v2/target/app/blobs/uploads/?mount=\(d)&from=source/app", method: .post,
                                                  headers: [.authorization: "Bearer \(bearer2)"])
            #expect(mount2.status == .created)
        }
    }

    @Test func sha512Blobs() async throws {
        try await TestRegistry.run { client, _ in
            let d = try await OCI.pushBlob(client, "team/app", "sha512 content", algorithm: .sha512)
            #expect(d.algorithm == .sha512)
            let get = try await client.execute(uri: "/v2/team/app/blobs/\(d)", method: .get)
            #expect(get.status == .ok)
            #expect(get.text == "sha512 content")
            #expect(get.headers[OCI.contentDigest] == d.description)

            let location = try await OCI.startSession(client, "team/app")
            _ = try await client.execute(uri: location, method: .patch, body: ByteBuffer(string: "chunked "))
            let d2 = OCI.digest("chunked sha512", .sha512)
            let done = try await client.execute(uri: "\(location)?digest=\(d2)", method: .put, body: ByteBuffer(string: "sha512"))
            #expect(done.status == .created)
            #expect(done.headers[OCI.contentDigest] == d2.description)
            #expect(try await client.execute(uri: "/v2/team/app/blobs/\(d2)", method: .get).text == "chunked sha512")
            // The sha256 of the same bytes was not linked.
            #expect(try await client.execute(uri: "/v2/team/app/blobs/\(OCI.digest("chunked sha512"))", method: .head).status == .notFound)
        }
    }

    // MARK: Manifests

    @Test func manifestPutGetHead() async throws {
        try await TestRegistry.run { client, _ in
            let manifest = try await OCI.pushImage(client, "team/app")
            let digest = OCI.digest(manifest)
            let put = try await OCI.putManifest(client, "team/app", "v1", manifest)
            #expect(put.status == .created)
            #expect(put.headers[.location] == "/v2/team/app/manifests/\(digest)")
            #expect(put.headers[OCI.contentDigest] == digest.description)
            #expect(put.headers[OCI.subject] == nil)

            for reference in ["v1", digest.description] {
                let get = try await client.execute(uri: "/v2/team/app/manifests/\(reference)", method: .get,
                                                   headers: [.accept: OCI.ociManifest])
                #expect(get.status == .ok)
                #expect(get.text == manifest)
                #expect(get.headers[.contentType] == OCI.ociManifest)
                #expect(get.headers[.contentLength] == "\(manifest.utf8.count)")
                #expect(get.headers[OCI.contentDigest] == digest.description)
                let head = try await client.execute(uri: "/v2/team/app/manifests/\(reference)", method: .head)
                #expect(head.status == .ok)
                #expect(head.headers[.contentType] == OCI.ociManifest)
                #expect(head.headers[.contentLength] == "\(manifest.utf8.count)")
                #expect(head.headers[OCI.contentDigest] == digest.description)
                #expect(head.body.readableBytes == 0)
            }
            // Percent-encoded digest reference.
            let encoded = digest.description.replacingOccurrences(of: ":", with: "%3A")
            #expect(try await client.execute(uri: "/v2/team/app/manifests/\(encoded)", method: .get).status == .ok)

            // PUT by digest: the body must hash to it.
            let byDigest = try await OCI.putManifest(client, "team/app", digest.description, manifest)
            #expect(byDigest.status == .created)
            let mismatch = try await OCI.putManifest(client, "team/app", OCI.digest("other").description, manifest)
            #expect(mismatch.status == .badRequest)
            #expect(OCI.error(mismatch) == "DIGEST_INVALID")
            // sha512 manifest digests.
            let d512 = OCI.digest(manifest, .sha512)
            let put512 = try await OCI.putManifest(client, "team/app", d512.description, manifest)
            #expect(put512.status == .created)
            #expect(put512.headers[OCI.contentDigest] == d512.description)
            #expect(try await client.execute(uri: "/v2/team/app/manifests/\(d512)", method: .get).text == manifest)

            // Retagging moves the tag.
            let manifest2 = try await OCI.pushImage(client, "team/app", seed: "2")
            #expect(try await OCI.putManifest(client, "team/app", "v1", manifest2).status == .created)
            let moved = try await client.execute(uri: "/v2/team/app/manifests/v1", method: .get)
            #expect(moved.headers[OCI.contentDigest] == OCI.digest(manifest2).description)
        }
    }

    @Test func dockerManifestKeepsItsMediaType() async throws {
        try await TestRegistry.run { client, _ in
            let config = #"{"architecture":"arm64"}"#, layer = "docker layer"
            let c = try await OCI.pushBlob(client, "library/busybox", config)
            let l = try await OCI.pushBlob(client, "library/busybox", layer)
            let manifest = """
            {"schemaVersion":2,"mediaType":"\(OCI.dockerManifest)",\
            "config":\(OCI.descriptor("application/vnd.docker.container.image.v1+json", c, config.utf8.count)),\
            "layers":[\(OCI.descriptor("application/vnd.docker.image.rootfs.diff.tar.gzip", l, layer.utf8.count))]}
            """
            let put = try await OCI.putManifest(client, "library/busybox", "latest", manifest, mediaType: OCI.dockerManifest)
            #expect(put.status == .created)
            let get = try await client.execute(uri: "/v2/library/busybox/manifests/latest", method: .get)
            #expect(get.headers[.contentType] == OCI.dockerManifest)
            #expect(get.text == manifest)
        }
    }

    @Test func manifestReferencingMissingBlobIsRefused() async throws {
        try await TestRegistry.run { client, _ in
            let config = try await OCI.pushBlob(client, "team/app", "{}")
            let absent = OCI.digest("never pushed")
            let manifest = OCI.imageManifest(config: config, configSize: 2, layers: [(absent, 12)])
            let put = try await OCI.putManifest(client, "team/app", "broken", manifest)
            #expect(put.status == .badRequest)
            #expect(OCI.error(put) == "MANIFEST_BLOB_UNKNOWN")
            let get = try await client.execute(uri: "/v2/team/app/manifests/broken", method: .get)
            #expect(get.status == .notFound)
            #expect(OCI.error(get) == "MANIFEST_UNKNOWN")
            #expect(try await client.execute(uri: "/v2/team/app/manifests/\(OCI.digest(manifest))", method: .get).status == .notFound)

            // A blob held by another repository does not count.
            let layer = try await OCI.pushBlob(client, "other/app", "elsewhere")
            let manifest2 = OCI.imageManifest(config: config, configSize: 2, layers: [(layer, 9)])
            let put2 = try await OCI.putManifest(client, "team/app", "broken", manifest2)
            #expect(put2.status == .badRequest)
            #expect(OCI.error(put2) == "MANIFEST_BLOB_UNKNOWN")
            let tags = try await client.execute(uri: "/v2/team/app/tags/list", method: .get)
            #expect((OCI.json(tags)["tags"] as? [String]) == [])
        }
    }

    @Test func sparseIndexIsAccepted() async throws {
        try await TestRegistry.run { client, _ in
            let manifest = try await OCI.pushImage(client, "team/app")
            _ = try await OCI.putManifest(client, "team/app", OCI.digest(manifest).description, manifest)
            let index = """
            {"schemaVersion":2,"mediaType":"\(OCI.ociIndex)","manifests":[\
            {"mediaType":"\(OCI.ociManifest)","digest":"\(OCI.digest(manifest))","size":\(manifest.utf8.count),"platform":{"architecture":"amd64","os":"linux"}},\
            {"mediaType":"\(OCI.ociManifest)","digest":"\(OCI.digest("absent arm64 manifest"))","size":123,"platform":{"architecture":"arm64","os":"linux"}}]}
            """
            let put = try await OCI.putManifest(client, "team/app", "multi", index, mediaType: OCI.ociIndex)
            #expect(put.status == .created)
            let get = try await client.execute(uri: "/v2/team/app/manifests/multi", method: .get)
            #expect(get.status == .ok)
            #expect(get.headers[.contentType] == OCI.ociIndex)
            #expect(get.text == index)
        }
    }

    @Test func manifestValidation() async throws {
        try await TestRegistry.run { client, _ in
            let invalid = try await OCI.putManifest(client, "team/app", "bad", "{not json")
            #expect(invalid.status == .badRequest)
            #expect(OCI.error(invalid) == "MANIFEST_INVALID")

            let manifest = try await OCI.pushImage(client, "team/app")
            let mismatch = try await OCI.putManifest(client, "team/app", "v1", manifest, mediaType: OCI.dockerManifest)
            #expect(mismatch.status == .badRequest)
            #expect(OCI.error(mismatch) == "MANIFEST_INVALID")

            let oversize = String(repeating: " ", count: 4 * 1024 * 1024 + 1)
            let tooLarge = try await OCI.putManifest(client, "team/app", "big", oversize)
            #expect(tooLarge.status == .contentTooLarge)
            _ = OCI.error(tooLarge)
            let declared = try await client.execute(uri: "/v2/team/app/manifests/big", method: .put,
                                                    headers: [.contentType: OCI.ociManifest, .contentLength: "\(4 * 1024 * 1024 + 1)"],
                                                    body: ByteBuffer(repeating: UInt8(ascii: " "), count: 4 * 1024 * 1024 + 1))
            #expect(declared.status == .contentTooLarge)
            #expect(try await client.execute(uri: "/v2/team/app/manifests/big", method: .get).status == .notFound)

            let badTag = try await OCI.putManifest(client, "team/app", ".hidden", manifest)
            #expect(badTag.status == .badRequest)
            let badDigest = try await OCI.putManifest(client, "team/app", "sha256:short", manifest)
            #expect(badDigest.status == .badRequest)
            #expect(OCI.error(badDigest) == "DIGEST_INVALID")

            let badName = try await OCI.putManifest(client, "Team/App", "v1", manifest)
            #expect(badName.status == .badRequest)
            #expect(OCI.error(badName) == "NAME_INVALID")

            let unknown = try await client.execute(uri: "/v2/team/app/manifests/nope", method: .get)
            #expect(unknown.status == .notFound)
            #expect(OCI.error(unknown) == "MANIFEST_UNKNOWN")
            let unknownDigest = try await client.execute(uri: "/v2/team/app/manifests/\(OCI.digest("x"))", method: .get)
            #expect(unknownDigest.status == .notFound)
            #expect(OCI.error(unknownDigest) == "MANIFEST_UNKNOWN")

            // An empty Content-Type counts as absent (it used to trap the server).
            let empty = try await OCI.putManifest(client, "team/app", "untyped", manifest, mediaType: "")
            #expect(empty.status == .created)
            let typed = try await client.execute(uri: "/v2/team/app/manifests/untyped", method: .get)
            #expect(typed.headers[.contentType] == OCI.ociManifest)
        }
    }

    @Test func deleteManifests() async throws {
        try await TestRegistry.run { client, _ in
            let manifest = try await OCI.pushImage(client, "team/app")
            let digest = OCI.digest(manifest)
            _ = try await OCI.putManifest(client, "team/app", "a", manifest)
            _ = try await OCI.putManifest(client, "team/app", "b", manifest)

            // By tag: only the tag goes.
            #expect(try await client.execute(uri: "/v2/team/app/manifests/a", method: .delete).status == .accepted)
            #expect(try await client.execute(uri: "/v2/team/app/manifests/a", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/v2/team/app/manifests/\(digest)", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/v2/team/app/manifests/b", method: .get).status == .ok)
            let again = try await client.execute(uri: "/v2/team/app/manifests/a", method: .delete)
            #expect(again.status == .notFound)
            #expect(OCI.error(again) == "MANIFEST_UNKNOWN")

            // By digest: the manifest and every tag pointing at it.
            #expect(try await client.execute(uri: "/v2/team/app/manifests/\(digest)", method: .delete).status == .accepted)
            #expect(try await client.execute(uri: "/v2/team/app/manifests/\(digest)", method: .get).status == .notFound)
            let tagGone = try await client.execute(uri: "/v2/team/app/manifests/b", method: .get)
            #expect(tagGone.status == .notFound)
            #expect(OCI.error(tagGone) == "MANIFEST_UNKNOWN")
            let tags = try await client.execute(uri: "/v2/team/app/tags/list", method: .get)
            #expect((OCI.json(tags)["tags"] as? [String]) == [])
            let unknown = try await client.execute(uri: "/v2/team/app/manifests/\(digest)", method: .delete)
            #expect(unknown.status == .notFound)
            #expect(OCI.error(unknown) == "MANIFEST_UNKNOWN")
        }
    }

    // MARK: Listings

    @Test func tagsListPaging() async throws {
        try await TestRegistry.run { client, _ in
            let manifest = try await OCI.pushImage(client, "team/app")
            for tag in ["v2", "latest", "v1", "beta", "V0"] {
                #expect(try await OCI.putManifest(client, "team/app", tag, manifest).status == .created)
            }
            let all = try await client.execute(uri: "/v2/team/app/tags/list", method: .get)
            #expect(all.status == .ok)
            #expect(OCI.json(all)["name"] as? String == "team/app")
            #expect(OCI.json(all)["tags"] as? [String] == ["V0", "beta", "latest", "v1", "v2"])
            #expect(all.headers[OCI.link] == nil)

            let page1 = try await client.execute(uri: "/v2/team/app/tags/list?n=2", method: .get)
            #expect(OCI.json(page1)["tags"] as? [String] == ["V0", "beta"])
            #expect(page1.headers[OCI.link] == "</v2/team/app/tags/list?n=2&last=beta>; rel=\"next\"")
            let page2 = try await client.execute(uri: "/v2/team/app/tags/list?n=2&last=beta", method: .get)
            #expect(OCI.json(page2)["tags"] as? [String] == ["latest", "v1"])
            #expect(page2.headers[OCI.link] == "</v2/team/app/tags/list?n=2&last=v1>; rel=\"next\"")
            let page3 = try await client.execute(uri: "/v2/team/app/tags/list?n=2&last=v1", method: .get)
            #expect(OCI.json(page3)["tags"] as? [String] == ["v2"])
            #expect(page3.headers[OCI.link] == nil)
            let after = try await client.execute(uri: "/v2/team/app/tags/list?last=latest", method: .get)
            #expect(OCI.json(after)["tags"] as? [String] == ["v1", "v2"])
            let zero = try await client.execute(uri: "/v2/team/app/tags/list?n=0", method: .get)
            #expect(zero.status == .ok)
            #expect(OCI.json(zero)["tags"] as? [String] == [])
            let badN = try await client.execute(uri: "/v2/team/app/tags/list?n=abc", method: .get)
            #expect(badN.status == .badRequest)
            _ = OCI.error(badN)

            let unknown = try await client.execute(uri: "/v2/no/such/tags/list", method: .get)
            #expect(unknown.status == .notFound)
            #expect(OCI.error(unknown) == "NAME_UNKNOWN")
        }
    }

    @Test func catalogPaging() async throws {
        try await TestRegistry.run { client, _ in
            for repo in ["zeta", "alpha/one", "beta", "alpha"] {
                _ = try await OCI.pushBlob(client, repo, "x")
            }
            let all = try await client.execute(uri: "/v2/_catalog", method: .get)
            #expect(all.status == .ok)
            #expect(all.headers[OCI.apiVersion] == "registry/2.0")
            #expect(OCI.json(all)["repositories"] as? [String] == ["alpha", "alpha/one", "beta", "zeta"])
            let page1 = try await client.execute(uri: "/v2/_catalog?n=2", method: .get)
            #expect(OCI.json(page1)["repositories"] as? [String] == ["alpha", "alpha/one"])
            let link = try #require(page1.headers[OCI.link])
            #expect(link.hasPrefix("</v2/_catalog?n=2&last=alpha"))
            #expect(link.hasSuffix(">; rel=\"next\""))
            let page2 = try await client.execute(uri: "/v2/_catalog?n=2&last=alpha/one", method: .get)
            #expect(OCI.json(page2)["repositories"] as? [String] == ["beta", "zeta"])
            #expect(page2.headers[OCI.link] == nil)
            // Following the Link header as a client would.
            let next = String(link.dropFirst().prefix { $0 != ">" })
            let followed = try await client.execute(uri: next, method: .get)
            #expect(OCI.json(followed)["repositories"] as? [String] == ["beta", "zeta"])
        }
    }

    // MARK: Referrers

    @Test func referrersAPI() async throws {
        try await TestRegistry.run { client, _ in
            let subjectManifest = try await OCI.pushImage(client, "team/app")
            let subject = OCI.digest(subjectManifest)
            _ = try await OCI.putManifest(client, "team/app", "v1", subjectManifest)

            let empty = try await OCI.pushBlob(client, "team/app", "{}")
            let sbomLayer = try await OCI.pushBlob(client, "team/app", "sbom contents")
            let sbom = OCI.imageManifest(config: empty, configSize: 2, layers: [(sbomLayer, 13)], artifactType: "application/vnd.example.sbom",
                                         subject: (subject, subjectManifest.utf8.count), annotations: ["org.example.kind": "sbom"],
                                         configMediaType: "application/vnd.oci.empty.v1+json")
            let put = try await OCI.putManifest(client, "team/app", OCI.digest(sbom).description, sbom)
            #expect(put.status == .created)
            #expect(put.headers[OCI.subject] == subject.description)

            // A referrer without artifactType reports its config media type.
            let sigLayer = try await OCI.pushBlob(client, "team/app", "signature")
            let sig = OCI.imageManifest(config: empty, configSize: 2, layers: [(sigLayer, 9)], subject: (subject, subjectManifest.utf8.count),
                                        configMediaType: "application/vnd.example.signature.config")
            #expect(try await OCI.putManifest(client, "team/app", "sig", sig).status == .created)

            let list = try await client.execute(uri: "/v2/team/app/referrers/\(subject)", method: .get)
            #expect(list.status == .ok)
            #expect(list.headers[.contentType] == OCI.ociIndex)
            #expect(list.headers[OCI.filtersApplied] == nil)
            let index = OCI.json(list)
            #expect(index["schemaVersion"] as? Int == 2)
            #expect(index["mediaType"] as? String == OCI.ociIndex)
            let manifests = try #require(index["manifests"] as? [[String: Any]])
            #expect(manifests.count == 2)
            let sbomEntry = try #require(manifests.first { $0["digest"] as? String == OCI.digest(sbom).description })
            #expect(sbomEntry["mediaType"] as? String == OCI.ociManifest)
            #expect(sbomEntry["size"] as? Int == sbom.utf8.count)
            #expect(sbomEntry["artifactType"] as? String == "application/vnd.example.sbom")
            #expect(sbomEntry["annotations"] as? [String: String] == ["org.example.kind": "sbom"])
            let sigEntry = try #require(manifests.first { $0["digest"] as? String == OCI.digest(sig).description })
            #expect(sigEntry["artifactType"] as? String == "application/vnd.example.signature.config")

            let filtered = try await client.execute(uri: "/v2/team/app/referrers/\(subject)?artifactType=application/vnd.example.sbom", method: .get)
            #expect(filtered.status == .ok)
            #expect(filtered.headers[OCI.filtersApplied] == "artifactType")
            let filteredManifests = OCI.json(filtered)["manifests"] as? [[String: Any]]
            #expect(filteredManifests?.count == 1)
            #expect(filteredManifests?.first?["digest"] as? String == OCI.digest(sbom).description)

            let none = try await client.execute(uri: "/v2/team/app/referrers/\(OCI.digest("unknown subject"))", method: .get)
            #expect(none.status == .ok)
            #expect(none.headers[.contentType] == OCI.ociIndex)
            #expect((OCI.json(none)["manifests"] as? [Any])?.isEmpty == true)
            let otherRepo = try await client.execute(uri: "/v2/other/repo/referrers/\(subject)", method: .get)
            #expect(otherRepo.status == .ok)
            #expect((OCI.json(otherRepo)["manifests"] as? [Any])?.isEmpty == true)
            let bad = try await client.execute(uri: "/v2/team/app/referrers/sha256:short", method: .get)
            #expect(bad.status == .badRequest)
            #expect(OCI.error(bad) == "DIGEST_INVALID")

            // Deleting a referrer removes it from the list.
            #expect(try await client.execute(uri: "/v2/team/app/manifests/\(OCI.digest(sig))", method: .delete).status == .accepted)
            let after = try await client.execute(uri: "/v2/team/app/referrers/\(subject)", method: .get)
            #expect((OCI.json(after)["manifests"] as? [Any])?.count == 1)
        }
    }

    @Test func referrerMayArriveBeforeItsSubject() async throws {
        try await TestRegistry.run { client, _ in
            let empty = try await OCI.pushBlob(client, "team/app", "{}")
            let subject = OCI.digest("a subject not pushed yet")
            let artifact = OCI.imageManifest(config: empty, configSize: 2, layers: [], artifactType: "application/vnd.example.note",
                                             subject: (subject, 10), configMediaType: "application/vnd.oci.empty.v1+json")
            let put = try await OCI.putManifest(client, "team/app", OCI.digest(artifact).description, artifact)
            #expect(put.status == .created)
            #expect(put.headers[OCI.subject] == subject.description)
            let list = try await client.execute(uri: "/v2/team/app/referrers/\(subject)", method: .get)
            #expect((OCI.json(list)["manifests"] as? [Any])?.count == 1)
        }
    }

    // MARK: Token service

    @Test func tokenWithBasicCredentials() async throws {
        try await TestRegistry.run(configure: Self.auth()) { client, _ in
            let response = try await client.execute(uri: "/v2/token?service=nora&scope=repository:team/app:pull,push", method: .get,
                                                    headers: OCI.admin)
            #expect(response.status == .ok)
            let body = OCI.json(response)
            let token = try #require(body["token"] as? String)
            #expect(body["access_token"] as? String == token)
            #expect((body["expires_in"] as? Int ?? 0) > 0)
            #expect(body["issued_at"] is String)
            let scope = OCI.claims(token)["scope"] as? [String]
            #expect(Set(scope ?? []) == ["repository:team/app:pull", "repository:team/app:push"])

            let bearer: HTTPFields = [.authorization: "Bearer \(token)"]
            #expect(try await client.execute(uri: "/v2/", method: .get, headers: bearer).status == .ok)
            let manifest = try await OCI.pushImage(client, "team/app", headers: bearer)
            let put = try await OCI.putManifest(client, "team/app", "v1", manifest, headers: bearer)
            #expect(put.status == .created)
            #expect(try await client.execute(uri: "/v2/team/app/manifests/v1", method: .get, headers: bearer).status == .ok)

            // The token covers only the repository it names.
            let elsewhere = try await client.execute(uri: "/v2/other/app/blobs/uploads/", method: .post, headers: bearer)
            #expect(elsewhere.status == .unauthorized)
            #expect(OCI.error(elsewhere) == "UNAUTHORIZED")
            #expect(elsewhere.headers[.wwwAuthenticate]?.contains("scope=\"repository:other/app:pull,push\"") == true)
            // Nor the catalog unless asked for.
            #expect(try await client.execute(uri: "/v2/_catalog", method: .get, headers: bearer).status == .unauthorized)
            let catalogToken = try await client.execute(uri: "/v2/token?service=nora&scope=registry:catalog:*", method: .get, headers: OCI.admin)
            let ct = try #require(OCI.json(catalogToken)["token"] as? String)
            #expect(try await client.execute(uri: "/v2/_catalog", method: .get, headers: [.authorization: "Bearer \(ct)"]).status == .ok)

            // A forged token is rejected.
            let forged = try await client.execute(uri: "/v2/", method: .get, headers: [.authorization: "Bearer \(token.dropLast(2))xx"])
            #expect(forged.status == .unauthorized)

            let wrong = try await client.execute(uri: "/v2/token?service=nora&scope=repository:team/app:pull", method: .get,
                                                 headers: [.authorization: TestRegistry.basic("alice", "wrong")])
            #expect(wrong.status == .unauthorized)
            #expect(OCI.error(wrong) == "UNAUTHORIZED")
            let anonymous = try await client.execute(uri: "/v2/token?service=nora&scope=repository:team/app:pull", method: .get)
            #expect(anonymous.status == .unauthorized)
            #expect(OCI.error(anonymous) == "UNAUTHORIZED")
        }
    }

    @Test func readOnlyAPITokenCannotPush() async throws {
        try await TestRegistry.run(configure: Self.auth()) { client, parts in
            let manifest = try await OCI.pushImage(client, "team/app", headers: OCI.admin)
            _ = try await OCI.putManifest(client, "team/app", "v1", manifest, headers: OCI.admin)
            let (_, reader) = try await parts.tokens.create(name: "ro", owner: "bob", role: .read, expiresInSeconds: nil)

            let response = try await client.execute(uri: "/v2/token?service=nora&scope=repository:team/app:pull,push", method: .get,
                                                    headers: [.authorization: TestRegistry.basic("bob", reader)])
            #expect(response.status == .ok)
            let token = try #require(OCI.json(response)["token"] as? String)
            #expect(OCI.claims(token)["scope"] as? [String] == ["repository:team/app:pull"])
            let bearer: HTTPFields = [.authorization: "Bearer \(token)"]
            #expect(try await client.execute(uri: "/v2/team/app/manifests/v1", method: .get, headers: bearer).status == .ok)
            let push = try await client.execute(uri: "/v2/team/app/blobs/uploads/", method: .post, headers: bearer)
            #expect(push.status == .forbidden)
            #expect(OCI.error(push) == "DENIED")
            let delete = try await client.execute(uri: "/v2/team/app/manifests/v1", method: .delete, headers: bearer)
            #expect(delete.status == .forbidden)
            // The API token used directly (Basic) is refused the same way.
            let direct = try await client.execute(uri: "/v2/team/app/blobs/uploads/", method: .post,
                                                  headers: [.authorization: TestRegistry.basic("bob", reader)])
            #expect(direct.status == .forbidden)
            #expect(OCI.error(direct) == "DENIED")
        }
    }

    @Test func tokenPostPasswordAndRefreshGrants() async throws {
        try await TestRegistry.run(configure: Self.auth()) { client, _ in
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            let login = try await client.execute(uri: "/v2/token", method: .post, headers: form, body: OCI.form([
                ("grant_type", "password"), ("username", "alice"), ("password", TestRegistry.password),
                ("service", "nora"), ("scope", "repository:team/app:pull,push"), ("client_id", "helm"),
            ]))
            #expect(login.status == .ok)
            let body = OCI.json(login)
            let access = try #require(body["access_token"] as? String)
            let refresh = try #require(body["refresh_token"] as? String)
            #expect(body["token"] as? String == access)
            #expect(body["expires_in"] is Int)
            #expect(try await client.execute(uri: "/v2/team/app/blobs/uploads/", method: .post,
                                             headers: [.authorization: "Bearer \(access)"]).status == .accepted)
            // A refresh token is not an access token.
            #expect(try await client.execute(uri: "/v2/", method: .get, headers: [.authorization: "Bearer \(refresh)"]).status == .unauthorized)

            let renewed = try await client.execute(uri: "/v2/token", method: .post, headers: form, body: OCI.form([
                ("grant_type", "refresh_token"), ("refresh_token", refresh), ("service", "nora"),
                ("scope", "repository:team/app:pull,push"),
            ]))
            #expect(renewed.status == .ok)
            let access2 = try #require(OCI.json(renewed)["access_token"] as? String)
            let pushed = try await OCI.pushBlob(client, "team/app", "via refreshed token", headers: [.authorization: "Bearer \(access2)"])
            #expect(pushed == OCI.digest("via refreshed token"))

            let badPassword = try await client.execute(uri: "/v2/token", method: .post, headers: form, body: OCI.form([
                ("grant_type", "password"), ("username", "alice"), ("password", "wrong"), ("service", "nora"),
            ]))
            #expect(badPassword.status == .unauthorized)
            #expect(OCI.error(badPassword) == "UNAUTHORIZED")
            let badRefresh = try await client.execute(uri: "/v2/token", method: .post, headers: form, body: OCI.form([
                ("grant_type", "refresh_token"), ("refresh_token", access), ("service", "nora"),
            ]))
            #expect(badRefresh.status == .unauthorized)
            #expect(OCI.error(badRefresh) == "UNAUTHORIZED")
            let noGrant = try await client.execute(uri: "/v2/token", method: .post, headers: form, body: OCI.form([("service", "nora")]))
            #expect(noGrant.status == .badRequest)
            _ = OCI.error(noGrant)
        }
    }

    @Test func anonymousTokenGrantsPullOnly() async throws {
        try await TestRegistry.run(configure: Self.auth(anonymousRead: true)) { client, _ in
            let manifest = try await OCI.pushImage(client, "team/app", headers: OCI.admin)
            _ = try await OCI.putManifest(client, "team/app", "v1", manifest, headers: OCI.admin)

            // `/v2/` still challenges, so clients fetch a token; reads work without one.
            let base = try await client.execute(uri: "/v2/", method: .get)
            #expect(base.status == .unauthorized)
            #expect(base.headers[.wwwAuthenticate]?.hasPrefix("Bearer realm=") == true)
            #expect(try await client.execute(uri: "/v2/team/app/manifests/v1", method: .get).status == .ok)
            let anonymousPush = try await client.execute(uri: "/v2/team/app/blobs/uploads/", method: .post)
            #expect(anonymousPush.status == .unauthorized)
            #expect(anonymousPush.headers[.wwwAuthenticate]?.hasPrefix("Bearer ") == true)

            let response = try await client.execute(uri: "/v2/token?service=nora&scope=repository:team/app:pull,push", method: .get)
            #expect(response.status == .ok)
            let token = try #require(OCI.json(response)["token"] as? String)
            #expect(OCI.claims(token)["scope"] as? [String] == ["repository:team/app:pull"])
            let bearer: HTTPFields = [.authorization: "Bearer \(token)"]
            #expect(try await client.execute(uri: "/v2/", method: .get, headers: bearer).status == .ok)
            #expect(try await client.execute(uri: "/v2/team/app/manifests/v1", method: .get, headers: bearer).status == .ok)
            let push = try await client.execute(uri: "/v2/team/app/blobs/uploads/", method: .post, headers: bearer)
            #expect(push.status == .forbidden || push.status == .unauthorized)
            let code = OCI.error(push)
            #expect(code == "DENIED" || code == "UNAUTHORIZED")
        }
    }

    /// skopeo (containers/image) asks for `repository:<name>:*` when it deletes.
    @Test func wildcardScopeMeansWhatTheIdentityMayDo() async throws {
        try await TestRegistry.run(configure: Self.auth()) { client, parts in
            let manifest = try await OCI.pushImage(client, "team/app", headers: OCI.admin)
            _ = try await OCI.putManifest(client, "team/app", "v1", manifest, headers: OCI.admin)
            _ = try await OCI.putManifest(client, "team/app", "v2", manifest, headers: OCI.admin)
            let scope = "/v2/token?service=nora&scope=repository:team/app:*"

            let adminToken = try await client.execute(uri: scope, method: .get, headers: OCI.admin)
            let adminJWT = try #require(OCI.json(adminToken)["token"] as? String)
            #expect(OCI.claims(adminJWT)["scope"] as? [String] == ["repository:team/app:*"])

            let (_, writer) = try await parts.tokens.create(name: "rw", owner: "ci", role: .write, expiresInSeconds: nil)
            let writerToken = try await client.execute(uri: scope, method: .get, headers: [.authorization: TestRegistry.basic("ci", writer)])
            let writerJWT = try #require(OCI.json(writerToken)["token"] as? String)
            #expect(OCI.claims(writerJWT)["scope"] as? [String]
                    == ["repository:team/app:pull", "repository:team/app:push", "repository:team/app:delete"])
            let bearer: HTTPFields = [.authorization: "Bearer \(writerJWT)"]
            #expect(try await client.execute(uri: "/v2/team/app/manifests/v1", method: .get, headers: bearer).status == .ok)
            #expect(try await client.execute(uri: "/v2/team/app/manifests/v1", method: .delete, headers: bearer).status == .accepted)

            let (_, reader) = try await parts.tokens.create(name: "ro", owner: "bob", role: .read, expiresInSeconds: nil)
            let readerToken = try await client.execute(uri: scope, method: .get, headers: [.authorization: TestRegistry.basic("bob", reader)])
            let readerJWT = try #require(OCI.json(readerToken)["token"] as? String)
            #expect(OCI.claims(readerJWT)["scope"] as? [String] == ["repository:team/app:pull"])
            let denied = try await client.execute(uri: "/v2/team/app/manifests/v2", method: .delete, headers: [.authorization: "Bearer \(readerJWT)"])
            #expect(denied.status == .forbidden)
            #expect(OCI.error(denied) == "DENIED")
        }
    }

    @Test func uploadSessionSurvivesRestart() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nora-oci-restart-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let sameFolder: (inout NoraConfig) -> Void = { $0.storage.path = "\(root)/storage" }
        let box = LocationBox()
        try await TestRegistry.run(configure: sameFolder) { client, _ in
            let location = try await OCI.startSession(client, "team/app")
            let patch = try await client.execute(uri: location, method: .patch, body: ByteBuffer(string: "before restart, "))
            #expect(patch.status == .accepted)
            box.set(location)
        }
        let location = try #require(box.get())
        try await TestRegistry.run(configure: sameFolder) { client, _ in
            let status = try await client.execute(uri: location, method: .get)
            #expect(status.status == .noContent)
            #expect(status.headers[OCI.range] == "0-15")
            let d = OCI.digest("before restart, after restart")
            let done = try await client.execute(uri: "\(location)?digest=\(d)", method: .put, body: ByteBuffer(string: "after restart"))
            #expect(done.status == .created)
            #expect(try await client.execute(uri: "/v2/team/app/blobs/\(d)", method: .get).text == "before restart, after restart")
        }
    }

    @Test func tooManyUploadSessions() async throws {
        try await TestRegistry.run { client, _ in
            for _ in 0..<1000 {
                let started = try await client.execute(uri: "/v2/team/app/blobs/uploads/", method: .post)
                guard started.status == .accepted else { Issue.record("session refused early: \(started.status)"); return }
            }
            let refused = try await client.execute(uri: "/v2/team/app/blobs/uploads/", method: .post)
            #expect(refused.status == .tooManyRequests)
            #expect(OCI.error(refused) == "TOOMANYREQUESTS")
            #expect(refused.headers[.retryAfter] != nil)
            // Monolithic uploads and mounts need no session.
            let d = OCI.digest("still fine")
            let mono = try await client.execute(uri: "/v2/team/app/blobs/uploads/?digest=\(d)", method: .post, body: ByteBuffer(string: "still fine"))
            #expect(mono.status == .created)
        }
    }

    @Test func anonymousPullRefusedWhenNotConfigured() async throws {
        try await TestRegistry.run(configure: Self.auth()) { client, _ in
            let manifest = try await OCI.pushImage(client, "team/app", headers: OCI.admin)
            _ = try await OCI.putManifest(client, "team/app", "v1", manifest, headers: OCI.admin)
            let pull = try await client.execute(uri: "/v2/team/app/manifests/v1", method: .get)
            #expect(pull.status == .unauthorized)
            #expect(OCI.error(pull) == "UNAUTHORIZED")
            let blob = try await client.execute(uri: "/v2/team/app/blobs/\(OCI.digest("layer bytes 1"))", method: .get)
            #expect(blob.status == .unauthorized)
            let tags = try await client.execute(uri: "/v2/team/app/tags/list", method: .get)
            #expect(tags.status == .unauthorized)
            let catalog = try await client.execute(uri: "/v2/_catalog", method: .get)
            #expect(catalog.status == .unauthorized)
            #expect(OCI.error(catalog) == "UNAUTHORIZED")
            // Basic directly on /v2/ is accepted.
            #expect(try await client.execute(uri: "/v2/team/app/manifests/v1", method: .get, headers: OCI.admin).status == .ok)
        }
    }
}

/// Carries a value out of a `@Sendable` test closure.
final class LocationBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: String?
    func set(_ v: String) { lock.lock(); value = v; lock.unlock() }
    func get() -> String? { lock.lock(); defer { lock.unlock() }; return value }
}
