import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NoraCore
import Testing

/// Manifests, tags, catalog and referrers.
@Suite struct OCIManifestRouterTests {
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
            // GET and HEAD of a tag that could never exist: 404 MANIFEST_UNKNOWN (conformance suite).
            for method in [HTTPRequest.Method.get, .head] {
                let unknown = try await client.execute(uri: "/v2/team/app/manifests/.INVALID_MANIFEST_NAME", method: method)
                #expect(unknown.status == .notFound)
                if method == .get { #expect(OCI.error(unknown) == "MANIFEST_UNKNOWN") }
            }
            let malformedDigest = try await client.execute(uri: "/v2/team/app/manifests/sha256:short", method: .get)
            #expect(malformedDigest.status == .badRequest)
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
}
