import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NoraCore
import Testing

/// Package pages of formats whose shapes the end-to-end tests do not cover: an OCI index
/// with platforms and a referrer, a helm chart, and a Maven artifact.
@Suite struct ListingRouterTests {
    static func digest(_ text: String) -> Digest { Digest.of(Array(text.utf8), algorithm: .sha256) }

    static func push(_ client: any TestClientProtocol, _ repo: String, _ content: String) async throws -> Digest {
        let d = digest(content)
        let response = try await client.execute(uri: "/v2/\(repo)/blobs/uploads/?digest=\(d)", method: .post, body: ByteBuffer(string: content))
        #expect(response.status == .created)
        return d
    }

    static func putManifest(_ client: any TestClientProtocol, _ repo: String, _ ref: String, _ body: String, _ type: String) async throws -> Digest {
        let response = try await client.execute(uri: "/v2/\(repo)/manifests/\(ref)", method: .put, headers: [.contentType: type],
                                                body: ByteBuffer(string: body))
        #expect(response.status == .created, "\(response.status) \(String(buffer: response.body))")
        return digest(body)
    }

    static func image(config: Digest, configSize: Int, configType: String, layer: Digest, layerSize: Int, subject: (Digest, Int)? = nil,
                      artifactType: String? = nil) -> String {
        var text = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"\#(configType)","digest":"\#(config)","size":\#(configSize)},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"\#(layer)","size":\#(layerSize)}]"#
        if let artifactType { text += #","artifactType":"\#(artifactType)""# }
        if let subject { text += #","subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(subject.0)","size":\#(subject.1)}"# }
        return text + "}"
    }

    @Test func ociIndexShowsPlatformsLayersAndReferrers() async throws {
        try await WebTest.run { client, _ in
            let repo = "team/multi"
            let config = try await Self.push(client, repo, "{}"), layer = try await Self.push(client, repo, "layer-bytes")
            let amd = Self.image(config: config, configSize: 2, configType: "application/vnd.oci.image.config.v1+json", layer: layer, layerSize: 11)
            let amdDigest = try await Self.putManifest(client, repo, Self.digest(amd).description, amd, "application/vnd.oci.image.manifest.v1+json")
            let index = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(amdDigest)","size":\#(amd.utf8.count),"platform":{"os":"linux","architecture":"arm64","variant":"v8"}}]}"#
            let indexDigest = try await Self.putManifest(client, repo, "v2", index, "application/vnd.oci.image.index.v1+json")
            let sbom = Self.image(config: config, configSize: 2, configType: "application/vnd.oci.empty.v1+json", layer: layer, layerSize: 11,
                                  subject: (indexDigest, index.utf8.count), artifactType: "application/spdx+json")
            _ = try await Self.putManifest(client, repo, Self.digest(sbom).description, sbom, "application/vnd.oci.image.manifest.v1+json")

            let detail = WebTest.json(try await client.execute(uri: "/api/packages/docker/team/multi", method: .get))
            let tag = try #require((detail["versions"] as? [[String: Any]])?.first)
            #expect(tag["version"] as? String == "v2")
            #expect(tag["platforms"] as? [String] == ["linux/arm64/v8"])
            #expect((tag["referrers"] as? [[String: Any]])?.first?["kind"] as? String == "application/spdx+json")
            let page = try await client.execute(uri: "/ui/docker/team/multi", method: .get)
            #expect(page.status == .ok)
            #expect(page.text.contains("Platforms: linux/arm64/v8"))
            #expect(page.text.contains("application/spdx+json"))
        }
    }

    @Test func helmChartsGetAHelmSnippet() async throws {
        try await WebTest.run { client, _ in
            let config = try await Self.push(client, "charts/web", #"{"name":"web","version":"0.1.0"}"#)
            let layer = try await Self.push(client, "charts/web", "chart-tgz")
            let chart = Self.image(config: config, configSize: 32, configType: "application/vnd.cncf.helm.config.v1+json", layer: layer, layerSize: 9)
            _ = try await Self.putManifest(client, "charts/web", "0.1.0", chart, "application/vnd.oci.image.manifest.v1+json")
            let detail = WebTest.json(try await client.execute(uri: "/api/packages/oci/charts/web", method: .get))
            let install = (detail["install"] as? [[String: Any]])?.compactMap { $0["text"] as? String } ?? []
            #expect(install.first == "helm pull oci://localhost/charts/web --version 0.1.0 --plain-http")
        }
    }

    @Test func mavenArtifactsListWithCoordinatesAndSnippets() async throws {
        try await WebTest.run { client, _ in
            for (version, file) in [("1.0.0", "demo-1.0.0.jar"), ("1.0.0", "demo-1.0.0.pom"), ("1.10.0", "demo-1.10.0.jar"), ("1.2.0", "demo-1.2.0.jar")] {
                let put = try await client.execute(uri: "/maven2/com/example/demo/\(version)/\(file)", method: .put, body: ByteBuffer(string: file))
                #expect(put.status == .created)
            }
            let list = WebTest.json(try await client.execute(uri: "/api/packages?format=maven&q=EXAMPLE:DEMO", method: .get))
            let item = try #require((list["items"] as? [[String: Any]])?.first)
            #expect(item["name"] as? String == "com.example:demo")
            #expect(item["latest_version"] as? String == "1.10.0")
            let detail = WebTest.json(try await client.execute(uri: "/api/packages/maven/com.example:demo", method: .get))
            #expect((detail["versions"] as? [[String: Any]])?.compactMap { $0["version"] as? String } == ["1.10.0", "1.2.0", "1.0.0"])
            let snippets = (detail["install"] as? [[String: Any]])?.compactMap { $0["text"] as? String } ?? []
            #expect(snippets.first?.contains("<artifactId>demo</artifactId>\n  <version>1.10.0</version>") == true)
            #expect(snippets.dropFirst().first?.contains("<url>http://localhost/maven2/</url>") == true)
        }
    }
}
