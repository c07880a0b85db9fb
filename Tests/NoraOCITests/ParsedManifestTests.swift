import Foundation
import NoraCore
@testable import NoraOCI
import Testing

@Suite struct ParsedManifestTests {
    static let configDigest = "sha256:" + String(repeating: "1", count: 64)
    static let layerDigest = "sha256:" + String(repeating: "2", count: 64)
    static let foreignDigest = "sha256:" + String(repeating: "3", count: 64)
    static let childDigest = "sha256:" + String(repeating: "4", count: 64)
    static let subjectDigest = "sha512:" + String(repeating: "5", count: 128)

    static func parse(_ json: String, contentType: String? = nil) throws(OCIError) -> ParsedManifest {
        try ParsedManifest(bytes: Array(json.utf8), contentType: contentType)
    }

    /// The error a manifest is refused with (nil when it parses).
    static func refusal(_ json: String, contentType: String? = nil) -> OCIError? {
        do { _ = try parse(json, contentType: contentType); return nil } catch { return error }
    }

    static let ociImage = """
    {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
     "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\(configDigest)","size":10},
     "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"\(layerDigest)","size":20}],
     "annotations":{"org.example":"yes"}}
    """

    @Test func ociImageManifest() throws {
        let m = try Self.parse(Self.ociImage, contentType: ManifestMediaType.ociManifest)
        #expect(m.kind == .image)
        #expect(m.mediaType == ManifestMediaType.ociManifest)
        #expect(m.config?.digest == Self.configDigest)
        #expect(m.layers.count == 1 && m.manifests.isEmpty)
        #expect(m.requiredBlobs.map(\.description) == [Self.configDigest, Self.layerDigest])
        #expect(Set(m.referencedDigests.map(\.description)) == [Self.configDigest, Self.layerDigest])
        #expect(m.subject == nil && m.subjectDigest == nil)
        #expect(m.annotations == ["org.example": "yes"])
        #expect(m.effectiveArtifactType == "application/vnd.oci.image.config.v1+json")
        // Content-Type parameters are ignored; no Content-Type at all is fine.
        #expect(try Self.parse(Self.ociImage, contentType: "\(ManifestMediaType.ociManifest); charset=utf-8").kind == .image)
        #expect(try Self.parse(Self.ociImage).kind == .image)
    }

    @Test func mediaTypeFromContentTypeOrShape() throws {
        let noField = """
        {"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\(Self.configDigest)","size":1},"layers":[]}
        """
        #expect(try Self.parse(noField).mediaType == ManifestMediaType.ociManifest)
        #expect(try Self.parse(noField, contentType: ManifestMediaType.ociManifest).mediaType == ManifestMediaType.ociManifest)
        let indexNoField = #"{"schemaVersion":2,"manifests":[]}"#
        #expect(try Self.parse(indexNoField).kind == .index)
        #expect(try Self.parse(indexNoField).mediaType == ManifestMediaType.ociIndex)
    }

    @Test func dockerSchema2() throws {
        let json = """
        {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
         "config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"\(Self.configDigest)","size":7},
         "layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","digest":"\(Self.layerDigest)","size":9}]}
        """
        let m = try Self.parse(json, contentType: ManifestMediaType.dockerManifest)
        #expect(m.kind == .image)
        #expect(m.mediaType == ManifestMediaType.dockerManifest)
        #expect(m.requiredBlobs.count == 2)
        #expect(m.effectiveArtifactType == "application/vnd.docker.container.image.v1+json")
    }

    @Test func indexWithAbsentChildren() throws {
        let json = """
        {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",
         "manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\(Self.childDigest)","size":500,
                       "platform":{"architecture":"amd64","os":"linux"}}]}
        """
        let m = try Self.parse(json, contentType: ManifestMediaType.ociIndex)
        #expect(m.kind == .index)
        #expect(m.config == nil && m.layers.isEmpty)
        #expect(m.manifests.first?.platform?.architecture == "amd64")
        // Children need not exist: nothing is required, but they are referenced (for GC).
        #expect(m.requiredBlobs.isEmpty)
        #expect(m.referencedDigests.map(\.description) == [Self.childDigest])
        #expect(m.effectiveArtifactType == nil)

        let list = """
        {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json",
         "manifests":[{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":"\(Self.childDigest)","size":5}]}
        """
        #expect(try Self.parse(list).kind == .index)
    }

    @Test func artifactWithSubject() throws {
        let json = """
        {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.example.sbom",
         "config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"\(Self.configDigest)","size":2},
         "layers":[{"mediaType":"text/plain","digest":"\(Self.layerDigest)","size":3}],
         "subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\(Self.subjectDigest)","size":100}}
        """
        let m = try Self.parse(json)
        #expect(m.artifactType == "application/vnd.example.sbom")
        #expect(m.effectiveArtifactType == "application/vnd.example.sbom")
        #expect(m.subjectDigest?.description == Self.subjectDigest)
        #expect(m.subjectDigest?.algorithm == .sha512)
        // The subject is not required to exist.
        #expect(!m.requiredBlobs.map(\.description).contains(Self.subjectDigest))

        let indexWithSubject = """
        {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","artifactType":"application/vnd.example.bundle",
         "manifests":[],"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\(Self.childDigest)","size":1}}
        """
        let index = try Self.parse(indexWithSubject)
        #expect(index.effectiveArtifactType == "application/vnd.example.bundle")
        #expect(index.subjectDigest?.description == Self.childDigest)
    }

    @Test func foreignLayersAreNotRequired() throws {
        let json = """
        {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
         "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\(Self.configDigest)","size":1},
         "layers":[{"mediaType":"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip","digest":"\(Self.foreignDigest)","size":1,
                    "urls":["https://example.com/layer"]},
                   {"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"\(Self.layerDigest)","size":1,"urls":[]}]}
        """
        let m = try Self.parse(json)
        #expect(m.requiredBlobs.map(\.description) == [Self.configDigest, Self.layerDigest])
        #expect(m.referencedDigests.map(\.description).contains(Self.foreignDigest))
    }

    @Test func schemaVersion1Refused() {
        let v1 = #"{"schemaVersion":1,"name":"a","tag":"latest","fsLayers":[],"history":[]}"#
        #expect(Self.refusal(v1, contentType: "application/vnd.docker.distribution.manifest.v1+prettyjws")?.code == .manifestInvalid)
        #expect(Self.refusal(#"{"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#)?.code == .manifestInvalid)
    }

    @Test func contentTypeMismatchRefused() {
        let e = Self.refusal(Self.ociImage, contentType: ManifestMediaType.dockerManifest)
        #expect(e?.code == .manifestInvalid)
        #expect(e?.status == .badRequest)
        #expect(Self.refusal(Self.ociImage, contentType: ManifestMediaType.ociIndex)?.code == .manifestInvalid)
    }

    @Test func emptyContentTypeDoesNotCrash() {
        // An empty or parameter-only Content-Type must be treated like an absent one, not trap.
        #expect(Self.refusal(Self.ociImage, contentType: "") == nil)
        #expect(Self.refusal(Self.ociImage, contentType: ";") == nil)
        #expect(Self.refusal(Self.ociImage, contentType: "  ") == nil)
    }

    @Test func imageWithoutConfigRefused() {
        let json = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}"#
        #expect(Self.refusal(json)?.code == .manifestInvalid)
    }

    @Test func dockerWithoutLayersRefused() {
        let json = """
        {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
         "config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"\(Self.configDigest)","size":7},"layers":[]}
        """
        #expect(Self.refusal(json)?.code == .manifestInvalid)
    }

    @Test func mixedShapesRefused() {
        let imageWithManifests = """
        {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
         "config":{"mediaType":"a/b","digest":"\(Self.configDigest)","size":1},"manifests":[]}
        """
        #expect(Self.refusal(imageWithManifests)?.code == .manifestInvalid)
        let indexWithLayers = """
        {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[],"layers":[]}
        """
        #expect(Self.refusal(indexWithLayers)?.code == .manifestInvalid)
        let indexWithoutManifests = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json"}"#
        #expect(Self.refusal(indexWithoutManifests)?.code == .manifestInvalid)
    }

    @Test func unknownMediaTypeRefused() {
        let json = """
        {"schemaVersion":2,"mediaType":"application/vnd.example.thing+json",
         "config":{"mediaType":"a/b","digest":"\(Self.configDigest)","size":1},"layers":[]}
        """
        #expect(Self.refusal(json)?.code == .manifestInvalid)
        #expect(Self.refusal(#"{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"\#(Self.configDigest)","size":1}}"#,
                             contentType: "application/json")?.code == .manifestInvalid)
    }

    @Test func invalidDescriptorsRefused() {
        func image(layerDigest: String, size: Int = 1, mediaType: String = "a/b") -> String {
            """
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
             "config":{"mediaType":"a/b","digest":"\(Self.configDigest)","size":1},
             "layers":[{"mediaType":"\(mediaType)","digest":"\(layerDigest)","size":\(size)}]}
            """
        }
        #expect(Self.refusal(image(layerDigest: "sha256:short"))?.code == .manifestInvalid)
        #expect(Self.refusal(image(layerDigest: "md5:" + String(repeating: "a", count: 32)))?.code == .manifestInvalid)
        #expect(Self.refusal(image(layerDigest: Self.layerDigest, size: -1))?.code == .manifestInvalid)
        #expect(Self.refusal(image(layerDigest: Self.layerDigest, mediaType: ""))?.code == .manifestInvalid)
        let badSubject = """
        {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[],
         "subject":{"mediaType":"a/b","digest":"sha256:nothex","size":1}}
        """
        #expect(Self.refusal(badSubject)?.code == .manifestInvalid)
        let badChild = """
        {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",
         "manifests":[{"mediaType":"a/b","digest":"sha256:","size":1}]}
        """
        #expect(Self.refusal(badChild)?.code == .manifestInvalid)
    }

    @Test func invalidJSONRefused() {
        #expect(Self.refusal("not json")?.code == .manifestInvalid)
        #expect(Self.refusal("")?.code == .manifestInvalid)
        #expect(Self.refusal("[]")?.code == .manifestInvalid)
        #expect(Self.refusal(#"{"schemaVersion":"2"}"#)?.code == .manifestInvalid)
        // A descriptor missing its required fields.
        #expect(Self.refusal(#"{"schemaVersion":2,"config":{"digest":"\#(Self.configDigest)"},"layers":[]}"#)?.code == .manifestInvalid)
    }
}

@Suite struct OCIErrorTests {
    @Test func codeTable() {
        let table: [(OCIError.Code, String, Int)] = [
            (.blobUnknown, "BLOB_UNKNOWN", 404), (.blobUploadInvalid, "BLOB_UPLOAD_INVALID", 400),
            (.blobUploadUnknown, "BLOB_UPLOAD_UNKNOWN", 404), (.digestInvalid, "DIGEST_INVALID", 400),
            (.manifestBlobUnknown, "MANIFEST_BLOB_UNKNOWN", 400), (.manifestInvalid, "MANIFEST_INVALID", 400),
            (.manifestUnknown, "MANIFEST_UNKNOWN", 404), (.nameInvalid, "NAME_INVALID", 400),
            (.nameUnknown, "NAME_UNKNOWN", 404), (.sizeInvalid, "SIZE_INVALID", 400),
            (.unauthorized, "UNAUTHORIZED", 401), (.denied, "DENIED", 403), (.unsupported, "UNSUPPORTED", 405),
            (.tooManyRequests, "TOOMANYREQUESTS", 429),
        ]
        for (code, name, status) in table {
            #expect(code.name == name)
            #expect(Int(code.status.code) == status, "\(name)")
            #expect(!code.message.isEmpty)
        }
    }

    @Test func statusOverrideAndDescription() {
        let plain = OCIError(.manifestUnknown, "a:b")
        #expect(plain.status == .notFound)
        #expect(plain.description == "MANIFEST_UNKNOWN: a:b")
        #expect(OCIError(.blobUnknown).description == "BLOB_UNKNOWN: blob unknown to registry")
        let tooLarge = OCIError(.sizeInvalid, "big", status: .contentTooLarge, headers: [.retryAfter: "1"])
        #expect(tooLarge.status == .contentTooLarge)
        #expect(tooLarge.code.status == .badRequest)
        #expect(tooLarge.headers[.retryAfter] == "1")
    }

    @Test func bodyShape() throws {
        let body = OCIError.Body(errors: [.init(code: "NAME_INVALID", message: "invalid repository name", detail: "x")])
        let object = try JSONSerialization.jsonObject(with: Data(JSON.encode(body))) as? [String: Any]
        let errors = try #require(object?["errors"] as? [[String: Any]])
        #expect(errors.count == 1)
        #expect(errors[0]["code"] as? String == "NAME_INVALID")
        #expect(errors[0]["message"] as? String == "invalid repository name")
        #expect(errors[0]["detail"] as? String == "x")
    }
}
