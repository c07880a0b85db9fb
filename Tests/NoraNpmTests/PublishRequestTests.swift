import Foundation
import NoraCore
import Testing
@testable import NoraNpm

/// A publish document as npm builds it, for a tiny "tarball" with known digests.
enum Fixture {
    static let tarball: [UInt8] = [0x1f, 0x8b] + Array("hello npm".utf8)
    static let sha1 = "bd14c54bddab488925896dbc38faad514e93782a"
    static let sha512 = "sha512-68yg3aub/E3f6cZDJ3t/FfawVPW0pySxpZcehfwzTPONlMz/WGYJ7RTyCaIGMzRImzPi4QIEx1SgsfW4sdmOVQ=="

    static func document(name: String = "pkg", version: String = "1.0.0", urlName: String? = nil,
                         shasum: String? = sha1, integrity: String? = sha512, tags: [String: String]? = nil,
                         data: String? = nil, length: Int? = 11, attachmentName: String? = nil) -> JSONValue {
        var dist: [String: JSONValue] = ["tarball": .string("http://elsewhere/\(name)/-/x.tgz")]
        if let shasum { dist["shasum"] = .string(shasum) }
        if let integrity { dist["integrity"] = .string(integrity) }
        let manifest: JSONValue = .object([
            "name": .string(name), "version": .string(version), "description": .string("a package"),
            "readme": .string("# Hello"), "dist": .object(dist), "dependencies": .object(["dep": .string("^1.0.0")]),
        ])
        var attachment: [String: JSONValue] = ["content_type": .string("application/octet-stream"),
                                               "data": .string(data ?? Data(tarball).base64EncodedString())]
        if let length { attachment["length"] = .int(Int64(length)) }
        return .object([
            "_id": .string(name), "name": .string(name), "description": .string("a package"),
            "dist-tags": .object((tags ?? ["latest": version]).mapValues { .string($0) }),
            "versions": .object([version: manifest]),
            "_attachments": .object([attachmentName ?? "\(name)-\(version).tgz": .object(attachment)]),
            "access": .null,
        ])
    }
}

@Suite struct PublishRequestTests {
    @Test func acceptsWhatNpmSends() throws {
        let request = try PublishRequest(document: Fixture.document(), name: PackageName("pkg"))
        #expect(request.version.text == "1.0.0")
        #expect(request.tarball == Fixture.tarball)
        #expect(request.shasum == Fixture.sha1)
        #expect(request.integrity == Fixture.sha512)
        #expect(request.distTags == ["latest"])
        #expect(request.readme == "# Hello")
        #expect(request.manifest["readme"] == nil)
        #expect(request.manifest["dist"]?["tarball"] == nil)
        #expect(request.manifest["dist"]?["shasum"]?.string == Fixture.sha1)
        #expect(request.manifest["_id"]?.string == "pkg@1.0.0")
        #expect(request.manifest["dependencies"]?["dep"]?.string == "^1.0.0")
        #expect(PublishRequest.isPublish(Fixture.document()))
    }

    @Test func scopedAttachmentNamesAndTags() throws {
        let doc = Fixture.document(name: "@acme/pkg", version: "2.0.0-beta.1", tags: ["beta": "2.0.0-beta.1"])
        let request = try PublishRequest(document: doc, name: PackageName("@acme/pkg"))
        #expect(request.distTags == ["beta"])
        let short = Fixture.document(name: "@acme/pkg", attachmentName: "pkg-1.0.0.tgz")
        #expect(try PublishRequest(document: short, name: PackageName("@acme/pkg")).version.text == "1.0.0")
    }

    @Test func missingDigestsAreComputed() throws {
        let request = try PublishRequest(document: Fixture.document(shasum: nil, integrity: nil), name: PackageName("pkg"))
        #expect(request.manifest["dist"]?["integrity"]?.string == Fixture.sha512)
    }

    func refusal(_ document: JSONValue, name: String = "pkg") -> NpmError? {
        do { _ = try PublishRequest(document: document, name: PackageName(name)); return nil } catch { return error }
    }

    @Test func refusesBadInput() {
        #expect(refusal(Fixture.document(name: "other"))?.code == .nameMismatch)
        #expect(refusal(Fixture.document(version: "1.0"))?.code == .invalidVersion)
        #expect(refusal(Fixture.document(version: "v1.0.0"))?.code == .invalidVersion)
        #expect(refusal(Fixture.document(shasum: String(repeating: "0", count: 40)))?.code == .integrityMismatch)
        #expect(refusal(Fixture.document(integrity: "sha512-AAAA"))?.code == .integrityMismatch)
        #expect(refusal(Fixture.document(integrity: "md5-AAAA"))?.code == .integrityMismatch)
        #expect(refusal(Fixture.document(length: 12))?.code == .integrityMismatch)
        #expect(refusal(Fixture.document(data: "!!notbase64"))?.code == .invalidDocument)
        #expect(refusal(Fixture.document(data: Data("plain text".utf8).base64EncodedString(), length: nil))?.code == .invalidDocument)
        #expect(refusal(Fixture.document(tags: ["latest": "9.9.9"]))?.code == .invalidTag)
        #expect(refusal(Fixture.document(tags: ["1.0.0": "1.0.0"]))?.code == .invalidTag)
        #expect(refusal(Fixture.document(attachmentName: "evil.tgz"))?.code == .invalidDocument)
        var noAttachment = Fixture.document()
        noAttachment["_attachments"] = .object([:])
        #expect(!PublishRequest.isPublish(noAttachment))
        #expect(refusal(noAttachment)?.code == .invalidDocument)
        #expect(refusal(.array([]))?.code == .invalidDocument)
    }

    @Test func integrityWithSeveralHashes() throws {
        try PublishRequest.verify(integrity: "sha1-vRTFS92rSIkliW28OPqtUU6TeCo= \(Fixture.sha512)", of: Fixture.tarball)
        #expect(throws: NpmError.self) {
            try PublishRequest.verify(integrity: "sha1-AAAA \(Fixture.sha512)", of: Fixture.tarball)
        }
    }
}
