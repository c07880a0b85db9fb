import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NoraCore
import Testing

/// `/v2/` base, error shapes, blobs and the upload protocol.
@Suite struct OCIUploadRouterTests {
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
        try await TestRegistry.run(configure: OCI.auth()) { client, _ in
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
            // A closing PUT whose chunk does not follow on is 416 like a PATCH, and the
            // upload is left as it was.
            let outOfOrderPut = try await client.execute(uri: "\(next)?digest=\(d)", method: .put,
                                                         headers: [.contentRange: "30-30"], body: ByteBuffer(string: "!"))
            #expect(outOfOrderPut.status == .rangeNotSatisfiable)
            #expect(OCI.error(outOfOrderPut) == "BLOB_UPLOAD_INVALID")
            #expect(outOfOrderPut.headers[OCI.range] == "0-20")
            let done = try await client.execute(uri: "\(next)?digest=\(d)", method: .put,
                                                headers: [.contentRange: "21-21"], body: ByteBuffer(string: "!"))
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
        try await TestRegistry.run(configure: OCI.auth()) { client, _ in
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
}
