import Testing
@testable import NoraNpm

@Suite struct SemVerTests {
    @Test(arguments: ["0.0.0", "1.2.3", "10.20.30", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-0.3.7", "1.0.0+build.5", "1.0.0-rc.1+sha.abc"])
    func accepts(_ text: String) { #expect(SemVer(text)?.text == text) }

    @Test(arguments: ["", "1", "1.2", "v1.2.3", "1.2.3.4", "01.2.3", "1.02.3", "1.2.3-", "1.2.3-01", "1.2.3+", "1.2.3-a..b", "1.2.x", " 1.2.3", "1.2.3 "])
    func refuses(_ text: String) { #expect(SemVer(text) == nil) }

    @Test func precedenceFollowsTheSpec() {
        let ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
                       "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "2.0.0", "10.0.0"]
        let parsed = ordered.compactMap(SemVer.init)
        #expect(parsed.count == ordered.count)
        #expect(parsed.shuffled().sorted().map(\.text) == ordered)
    }

    @Test func latestPrefersReleases() {
        #expect(SemVer.preferredLatest(["1.0.0", "2.0.0-beta.1", "1.5.0"]) == "1.5.0")
        #expect(SemVer.preferredLatest(["2.0.0-beta.1", "2.0.0-alpha"]) == "2.0.0-beta.1")
        #expect(SemVer.preferredLatest([]) == nil)
    }
}

@Suite struct PackageNameTests {
    @Test(arguments: ["a", "left-pad", "lodash.merge", "under_score", "@scope/pkg", "@my-org/x.y"])
    func accepts(_ text: String) throws { #expect(try PackageName(text).value == text) }

    @Test(arguments: ["", "Upper", ".hidden", "_private", "has space", "a/b", "@scope", "@scope/", "@/pkg", "@a/b/c",
                      "caf\u{e9}", "x%2fy", "node_modules", String(repeating: "a", count: 215)])
    func refuses(_ text: String) { #expect(throws: NpmError.self) { try PackageName(text) } }

    @Test func scopedParts() throws {
        let name = try PackageName("@acme/widget")
        #expect(name.scope == "@acme")
        #expect(name.unscoped == "widget")
        #expect(name.escaped == "@acme%2fwidget")
        #expect(name.tarballFile("1.0.0") == "widget-1.0.0.tgz")
        #expect(try PackageName("plain").scope == nil)
    }

    @Test func distTags() throws {
        for ok in ["latest", "beta", "next-2", "rc_1", "Legacy"] { try DistTag.validate(ok) }
        for bad in ["", "1.0.0", "v2", "^1", "has space", "a/b", "x%y"] {
            #expect(throws: NpmError.self) { try DistTag.validate(bad) }
        }
    }
}

@Suite struct NpmRouteTests {
    func route(_ path: String) throws -> NpmRoute { try NpmRoute(path: path) }
    let plain = try! PackageName("pkg")
    let scoped = try! PackageName("@acme/pkg")

    @Test func packumentsInBothScopedForms() throws {
        #expect(try route("/npm/pkg") == .packument(plain))
        #expect(try route("/npm/@acme%2fpkg") == .packument(scoped))
        #expect(try route("/npm/@acme%2Fpkg") == .packument(scoped))
        #expect(try route("/npm/@acme/pkg") == .packument(scoped))
        #expect(try route("/npm/@acme/pkg/1.0.0") == .version(scoped, "1.0.0"))
        #expect(try route("/npm/pkg/latest") == .version(plain, "latest"))
    }

    @Test func tarballsAndRevisions() throws {
        #expect(try route("/npm/pkg/-/pkg-1.0.0.tgz") == .tarball(plain, file: "pkg-1.0.0.tgz"))
        #expect(try route("/npm/@acme/pkg/-/pkg-1.0.0.tgz") == .tarball(scoped, file: "pkg-1.0.0.tgz"))
        #expect(try route("/npm/@acme%2fpkg/-rev/3-abc") == .revision(scoped, rev: "3-abc"))
        #expect(try route("/npm/pkg/-/pkg-1.0.0.tgz/-rev/4-x") == .tarballRevision(plain, file: "pkg-1.0.0.tgz", rev: "4-x"))
        // npm prefixes the registry path again when it unpublishes a tarball.
        #expect(try route("/npm/npm/@acme/pkg/-/pkg-1.0.0.tgz/-rev/4-x") == .tarballRevision(scoped, file: "pkg-1.0.0.tgz", rev: "4-x"))
        #expect(try route("/npm/npm/pkg/-/pkg-1.0.0.tgz/-rev/4-x") == .tarballRevision(plain, file: "pkg-1.0.0.tgz", rev: "4-x"))
        // A package really named `npm` still parses as itself.
        #expect(try route("/npm/npm") == .packument(try PackageName("npm")))
    }

    @Test func specialEndpoints() throws {
        #expect(try route("/npm/-/ping") == .ping)
        #expect(try route("/npm/-/whoami") == .whoami)
        #expect(try route("/npm/-/v1/search") == .search)
        #expect(try route("/npm/-/user/org.couchdb.user:alice") == .login(user: "alice"))
        #expect(try route("/npm/-/user/org.couchdb.user%3Aalice") == .login(user: "alice"))
        #expect(try route("/npm/-/package/@acme%2fpkg/dist-tags") == .distTags(scoped))
        #expect(try route("/npm/-/package/@acme/pkg/dist-tags/beta") == .distTag(scoped, tag: "beta"))
        #expect(try route("/npm/-/package/pkg/dist-tags/beta") == .distTag(plain, tag: "beta"))
        #expect(try route("/npm/-/npm/v1/security/advisories/bulk") == .audit)
        #expect(try route("/npm/-/npm/v1/security/audits/quick") == .audit)
    }

    @Test(arguments: ["/npm/", "/npm/-/nope", "/npm/Bad", "/npm/pkg/a/b/c/d/e", "/npm/@acme", "/npm/%zz", "/raw/x"])
    func refuses(_ path: String) { #expect(throws: NpmError.self) { try NpmRoute(path: path) } }
}

@Suite struct NpmSearchTests {
    let candidates = [
        NpmSearch.Candidate(name: "left-pad", description: "String left pad", keywords: ["string", "pad"]),
        NpmSearch.Candidate(name: "pad", description: "pads things", keywords: []),
        NpmSearch.Candidate(name: "@acme/padding", description: nil, keywords: ["css"]),
        NpmSearch.Candidate(name: "widgets", description: "has a pad in the description", keywords: ["ui"]),
        NpmSearch.Candidate(name: "unrelated", description: "nothing", keywords: ["other"]),
    ]

    @Test func ranksNameOverKeywordsOverDescription() {
        let hits = NpmSearch(text: "pad").rank(candidates)
        #expect(hits.map(\.name) == ["pad", "@acme/padding", "left-pad", "widgets"])
        #expect(hits[0].score == 1)
        #expect(hits.last!.score < hits[1].score)
    }

    @Test func everyWordMustMatch() {
        #expect(NpmSearch(text: "pad string").rank(candidates).map(\.name) == ["left-pad"])
        #expect(NpmSearch(text: "pad zebra").rank(candidates).isEmpty)
    }

    @Test func qualifiers() {
        #expect(NpmSearch(text: "keywords:css").rank(candidates).map(\.name) == ["@acme/padding"])
        #expect(NpmSearch(text: "pad scope:acme").rank(candidates).map(\.name) == ["@acme/padding"])
        #expect(NpmSearch(text: "PAD").rank(candidates).count == 4)
    }
}
