import NoraCore
import NoraProxy
import Testing
@testable import NoraNpm

/// The npm proxy adapter's document work, without HTTP: tarball lookup and promised
/// digests, URL rewriting, and the abbreviated form derived from a full packument.
@Suite struct NpmProxyTests {
    static let upstream: JSONValue = .object([
        "name": .string("@acme/pkg"), "readme": .string("# pkg"),
        "dist-tags": .object(["latest": .string("1.0.0")]),
        "time": .object(["modified": .string("2026-01-01T00:00:00.000Z")]),
        "versions": .object([
            "1.0.0": .object([
                "name": .string("@acme/pkg"), "version": .string("1.0.0"), "scripts": .object(["x": .string("y")]),
                "dist": .object([
                    "tarball": .string("https://registry.example/@acme/pkg/-/pkg-1.0.0.tgz"),
                    "integrity": .string("sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg=="),
                    "shasum": .string("da39a3ee5e6b4b0d3255bfef95601890afd80709"),
                ]),
            ]),
            "0.9.0": .object([
                "name": .string("@acme/pkg"), "version": .string("0.9.0"),
                "dist": .object(["tarball": .string("https://cdn.example/pkg-0.9.0.tgz?x=1"),
                                 "shasum": .string("DA39A3EE5E6B4B0D3255BFEF95601890AFD80709")]),
            ]),
        ]),
    ])

    @Test func tarballLookupPrefersIntegrityOverShasum() throws {
        let found = try #require(NpmProxy.tarball(in: Self.upstream, file: "pkg-1.0.0.tgz"))
        #expect(found.url == "https://registry.example/@acme/pkg/-/pkg-1.0.0.tgz")
        #expect(found.expected == .native(Digest.of([UInt8](), algorithm: .sha512)))
        let old = try #require(NpmProxy.tarball(in: Self.upstream, file: "pkg-0.9.0.tgz"))
        #expect(old.expected == .sha1("da39a3ee5e6b4b0d3255bfef95601890afd80709"))
        #expect(NpmProxy.tarball(in: Self.upstream, file: "pkg-2.0.0.tgz") == nil)
    }

    @Test func rewritingPointsEveryTarballAtNora() throws {
        let name = try PackageName("@acme/pkg")
        let rewritten = NpmProxy.rewritten(Self.upstream, name: name, base: "http://nora:4000")
        #expect(rewritten["versions"]?["1.0.0"]?["dist"]?["tarball"]?.string == "http://nora:4000/npm/@acme/pkg/-/pkg-1.0.0.tgz")
        #expect(rewritten["versions"]?["0.9.0"]?["dist"]?["tarball"]?.string == "http://nora:4000/npm/@acme/pkg/-/pkg-0.9.0.tgz")
        #expect(rewritten["versions"]?["1.0.0"]?["dist"]?["integrity"] == Self.upstream["versions"]?["1.0.0"]?["dist"]?["integrity"])
        #expect(rewritten["readme"]?.string == "# pkg")
    }

    @Test func abbreviatedKeepsOnlyInstallFields() {
        let short = NpmProxy.abbreviated(Self.upstream)
        #expect(short["readme"] == nil)
        #expect(short["modified"]?.string == "2026-01-01T00:00:00.000Z")
        #expect(short["dist-tags"]?["latest"]?.string == "1.0.0")
        #expect(short["versions"]?["1.0.0"]?["scripts"] == nil)
        #expect(short["versions"]?["1.0.0"]?["dist"] != nil)
    }
}
