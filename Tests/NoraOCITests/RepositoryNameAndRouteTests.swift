import NoraCore
@testable import NoraOCI
import Testing

@Suite struct RepositoryNameTests {
    @Test(arguments: ["a", "a/b/c/d/e", "a.b", "a_b", "a__b", "a-b", "a---b", "team/app-1.2", "0", "library/ubuntu",
                      "a1/b2.c3_d4__e5-f6"])
    func validNames(_ text: String) throws {
        let name = try RepositoryName(text)
        #expect(name.value == text)
        #expect(name.description == text)
    }

    @Test(arguments: ["A", "Team/app", "a..b", "a._b", "-a", "a-", "a//b", "/a", "a/", "", "a___b", ".a", "a.", "_a", "a_",
                      "a b", "a:b", "a/../b", "é"])
    func invalidNames(_ text: String) {
        #expect(throws: OCIError.self) { try RepositoryName(text) }
        do { _ = try RepositoryName(text) } catch { #expect(error.code == .nameInvalid) }
    }

    @Test func lengthLimit() throws {
        let max = String(repeating: "a", count: 255)
        #expect(try RepositoryName(max).value == max)
        let components = Array(repeating: String(repeating: "b", count: 9), count: 25).joined(separator: "/") // 249 chars
        #expect(try RepositoryName(components).value.count == 249)
        do {
            _ = try RepositoryName(String(repeating: "a", count: 256))
            Issue.record("256 characters accepted")
        } catch {
            #expect(error.code == .nameInvalid)
            #expect(error.status == .badRequest)
        }
    }
}

@Suite struct ManifestReferenceTests {
    static let sha256 = "sha256:" + String(repeating: "ab", count: 32)
    static let sha512 = "sha512:" + String(repeating: "cd", count: 64)

    @Test(arguments: ["latest", "v1.2.3", "_x", "1", "A-b_c.d", "a--b..c", String(repeating: "t", count: 128), "sha256"])
    func validTags(_ text: String) throws {
        #expect(try ManifestReference(text) == .tag(text))
        #expect(try ManifestReference(text).description == text)
    }

    @Test(arguments: [".tag", "-tag", "", String(repeating: "t", count: 129), "a/b", "a b", "tag!", "é"])
    func invalidTags(_ text: String) {
        do {
            _ = try ManifestReference(text)
            Issue.record("tag '\(text)' accepted")
        } catch {
            #expect(error.status == .badRequest)
            #expect(error.code != .digestInvalid)
        }
    }

    @Test func digests() throws {
        let a = try ManifestReference(Self.sha256)
        #expect(a == .digest(try Digest(parsing: Self.sha256)))
        #expect(a.description == Self.sha256)
        let b = try ManifestReference(Self.sha512)
        guard case .digest(let d) = b else { Issue.record("not a digest"); return }
        #expect(d.algorithm == .sha512)
    }

    @Test(arguments: ["sha256:short", "md5:" + String(repeating: "a", count: 32), "sha256:" + String(repeating: "A", count: 64),
                      "sha512:" + String(repeating: "a", count: 64), ":", "sha256:"])
    func invalidDigests(_ text: String) {
        do {
            _ = try ManifestReference(text)
            Issue.record("'\(text)' accepted")
        } catch {
            #expect(error.code == .digestInvalid)
            #expect(error.status == .badRequest)
        }
    }
}

@Suite struct OCIRouteTests {
    static let digest = "sha256:" + String(repeating: "0", count: 64)

    func name(_ text: String) throws -> RepositoryName { try RepositoryName(text) }

    @Test func manifests() throws {
        #expect(try OCIRoute("/v2/a/manifests/latest", method: .get) == .manifest(name("a"), "latest"))
        #expect(try OCIRoute("/v2/a/b/c/manifests/\(Self.digest)", method: .put) == .manifest(name("a/b/c"), Self.digest))
        // A percent-encoded colon in the reference is decoded.
        #expect(try OCIRoute("/v2/a/manifests/sha256%3A" + String(repeating: "0", count: 64), method: .get)
                == .manifest(name("a"), Self.digest))
        // Repository names may contain the keywords.
        #expect(try OCIRoute("/v2/manifests/manifests/v1", method: .get) == .manifest(name("manifests"), "v1"))
        #expect(try OCIRoute("/v2/a/tags/manifests/list", method: .get) == .manifest(name("a/tags"), "list"))
    }

    @Test func blobs() throws {
        #expect(try OCIRoute("/v2/a/blobs/\(Self.digest)", method: .get) == .blob(name("a"), Self.digest))
        #expect(try OCIRoute("/v2/a/blobs/x/blobs/\(Self.digest)", method: .get) == .blob(name("a/blobs/x"), Self.digest))
        #expect(try OCIRoute("/v2/a/blobs/uploads/blobs/\(Self.digest)", method: .head) == .blob(name("a/blobs/uploads"), Self.digest))
        #expect(try OCIRoute("/v2/a/blobs/\(Self.digest)", method: .delete).repository == "a")
    }

    @Test func uploads() throws {
        #expect(try OCIRoute("/v2/a/b/blobs/uploads/", method: .post) == .uploads(name("a/b")))
        #expect(try OCIRoute("/v2/a/b/blobs/uploads", method: .post) == .uploads(name("a/b")))
        #expect(try OCIRoute("/v2/a/blobs/uploads/abc-123", method: .patch) == .upload(name("a"), "abc-123"))
        #expect(try OCIRoute("/v2/a/blobs/uploads/abc-123", method: .put) == .upload(name("a"), "abc-123"))
        #expect(try OCIRoute("/v2/a/blobs/uploads/abc-123", method: .get) == .upload(name("a"), "abc-123"))
        #expect(try OCIRoute("/v2/x/blobs/uploads/blobs/uploads/", method: .post) == .uploads(name("x/blobs/uploads")))
        #expect(try OCIRoute("/v2/x/blobs/uploads/blobs/uploads/id-1", method: .delete) == .upload(name("x/blobs/uploads"), "id-1"))
    }

    @Test func tagsAndReferrers() throws {
        #expect(try OCIRoute("/v2/a/tags/list", method: .get) == .tags(name("a")))
        #expect(try OCIRoute("/v2/a/manifests/tags/list", method: .get) == .tags(name("a/manifests")))
        #expect(try OCIRoute("/v2/team/app/tags/list", method: .get).repository == "team/app")
        #expect(try OCIRoute("/v2/a/referrers/\(Self.digest)", method: .get) == .referrers(name("a"), Self.digest))
        #expect(try OCIRoute("/v2/a/b/referrers/\(Self.digest)", method: .get) == .referrers(name("a/b"), Self.digest))
    }

    @Test(arguments: ["/v2/a", "/v2/a/unknown/x", "/v2/a/tags", "/v2/a/tags/other", "/other/a/manifests/x", "/v2/"])
    func unknownEndpoints(_ path: String) {
        do {
            _ = try OCIRoute(path, method: .get)
            Issue.record("\(path) parsed")
        } catch {
            #expect(error.code == .unsupported)
            #expect(error.status == .notFound)
        }
    }

    @Test(arguments: ["/v2/A/manifests/x", "/v2/a//b/blobs/\(OCIRouteTests.digest)", "/v2//manifests/x", "/v2/a..b/tags/list"])
    func invalidNames(_ path: String) {
        do {
            _ = try OCIRoute(path, method: .get)
            Issue.record("\(path) parsed")
        } catch {
            #expect(error.code == .nameInvalid)
        }
    }

    @Test func missingName() {
        do {
            _ = try OCIRoute("/v2/manifests/latest", method: .get)
            Issue.record("parsed without a name")
        } catch {
            #expect(error.code == .nameInvalid || error.code == .unsupported)
        }
    }
}

@Suite struct ChunkRangeTests {
    @Test func starts() {
        #expect(ChunkRange.start("0-99") == 0)
        #expect(ChunkRange.start("100-199") == 100)
        #expect(ChunkRange.start("bytes 5-9/*") == 5)
        #expect(ChunkRange.start("bytes 5-9/10") == 5)
        #expect(ChunkRange.start("7-7") == 7)
    }

    @Test(arguments: ["", "5", "5-", "-5", "9-5", "a-b", "1-2-3", "bytes=0-9", " 0-9"])
    func invalid(_ header: String) {
        #expect(ChunkRange.start(header) == nil)
    }
}
