import NoraCore
import Testing
@testable import NoraNpm

@Suite struct PackumentTests {
    static func state(deprecated: String? = nil, tags: [String: String] = ["latest": "1.1.0", "beta": "2.0.0-beta.1"]) throws -> PackageState {
        let name = try PackageName("@acme/pkg")
        func version(_ v: String, _ at: Int64) throws -> PackageState.Version {
            let manifest: JSONValue = .object([
                "name": .string(name.value), "version": .string(v), "description": .string("desc \(v)"),
                "keywords": .array([.string("kw")]), "scripts": .object(["test": .string("true")]),
                "dependencies": .object(["dep": .string("^1")]),
                "dist": .object(["shasum": .string("abc"), "integrity": .string("sha512-x")]),
            ])
            return PackageState.Version(version: v, manifest: manifest, readme: "readme \(v)", tarballFile: name.tarballFile(v),
                                        digest: Digest.of(Array(v.utf8)), size: 10, publishedAt: at, publisher: "alice",
                                        deprecated: v == "1.0.0" ? deprecated : nil)
        }
        return PackageState(name: name, rev: 3, createdAt: 1_000, modifiedAt: 5_000,
                            versions: [try version("1.0.0", 1_000), try version("1.1.0", 2_000), try version("2.0.0-beta.1", 3_000)],
                            distTags: tags, maintainers: ["alice"])
    }

    @Test func fullDocument() throws {
        let state = try Self.state(deprecated: "use 1.1")
        let doc = Packument.full(state, base: "http://reg.example:8080")
        #expect(doc["_id"]?.string == "@acme/pkg")
        #expect(doc["_rev"]?.string == state.revision)
        #expect(state.revision.hasPrefix("3-"))
        #expect(doc["dist-tags"]?["beta"]?.string == "2.0.0-beta.1")
        #expect(doc["versions"]?.object?.count == 3)
        #expect(doc["versions"]?["1.1.0"]?["dist"]?["tarball"]?.string == "http://reg.example:8080/npm/@acme/pkg/-/pkg-1.1.0.tgz")
        #expect(doc["versions"]?["1.0.0"]?["deprecated"]?.string == "use 1.1")
        #expect(doc["versions"]?["1.1.0"]?["deprecated"] == nil)
        #expect(doc["versions"]?["1.1.0"]?["_npmUser"]?["name"]?.string == "alice")
        #expect(doc["time"]?["1.1.0"]?.string == "1970-01-01T00:00:02.000Z")
        #expect(doc["time"]?["modified"] != nil && doc["time"]?["created"] != nil)
        #expect(doc["maintainers"]?.array?.first?["name"]?.string == "alice")
        #expect(doc["readme"]?.string == "readme 1.1.0")
        #expect(doc["description"]?.string == "desc 1.1.0")
    }

    @Test func abbreviatedDocumentKeepsInstallFieldsOnly() throws {
        let doc = Packument.abbreviated(try Self.state(deprecated: "old"), base: "http://h")
        #expect(doc["_rev"] == nil && doc["readme"] == nil && doc["time"] == nil)
        #expect(doc["modified"]?.string == "1970-01-01T00:00:05.000Z")
        let v = doc["versions"]?["1.0.0"]
        #expect(v?["dependencies"]?["dep"]?.string == "^1")
        #expect(v?["deprecated"]?.string == "old")
        #expect(v?["dist"]?["tarball"]?.string == "http://h/npm/@acme/pkg/-/pkg-1.0.0.tgz")
        #expect(v?["scripts"] == nil && v?["description"] == nil && v?["keywords"] == nil)
        #expect(Packument.wantsAbbreviated(accept: "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*"))
        #expect(!Packument.wantsAbbreviated(accept: "application/json"))
        #expect(!Packument.wantsAbbreviated(accept: nil))
    }

    /// The document npm sends back is what we served, edited.
    func echoed(_ state: PackageState, _ edit: (inout [String: JSONValue]) -> Void) -> JSONValue {
        var doc = Packument.full(state, base: "http://h").object!
        edit(&doc)
        return .object(doc)
    }

    @Test func deprecationIsTheOnlyAllowedEdit() throws {
        let state = try Self.state()
        let deprecate = echoed(state) { $0["versions"]?["1.0.0"]?["deprecated"] = .string("gone") }
        let update = try PackumentUpdate(document: deprecate, state: state, allowRemovals: false)
        #expect(update.deprecations == ["1.0.0": "gone"])
        #expect(update.removed.isEmpty)

        let unchanged = try PackumentUpdate(document: echoed(state) { _ in }, state: state, allowRemovals: false)
        #expect(unchanged.isEmpty)

        let tampered = echoed(state) { $0["versions"]?["1.0.0"]?["dependencies"] = .object(["evil": .string("*")]) }
        #expect(throws: NpmError.self) { try PackumentUpdate(document: tampered, state: state, allowRemovals: false) }
        let added = echoed(state) { $0["versions"]?["9.0.0"] = .object(["name": .string("@acme/pkg")]) }
        #expect(throws: NpmError.self) { try PackumentUpdate(document: added, state: state, allowRemovals: false) }
        let renamed = echoed(state) { $0["name"] = .string("other") }
        #expect(throws: NpmError.self) { try PackumentUpdate(document: renamed, state: state, allowRemovals: false) }
    }

    @Test func undeprecateWithEmptyMessage() throws {
        let state = try Self.state(deprecated: "old")
        let doc = echoed(state) { $0["versions"]?["1.0.0"]?["deprecated"] = .string("") }
        let cleared: [String: String?] = ["1.0.0": String?.none]
        #expect(try PackumentUpdate(document: doc, state: state, allowRemovals: false).deprecations == cleared)
    }

    @Test func removalsOnlyWithRevision() throws {
        let state = try Self.state()
        let doc = echoed(state) { $0["versions"]?["1.1.0"] = nil }
        #expect(try PackumentUpdate(document: doc, state: state, allowRemovals: true).removed == ["1.1.0"])
        #expect(try PackumentUpdate(document: doc, state: state, allowRemovals: false).removed.isEmpty)
    }

    @Test func jsonValueRoundTrip() throws {
        let text = #"{"a":[1,2.5,true,null,"x"],"b":{"c":-3},"big":12345678901234}"#
        let value = try #require(JSONValue.parse(Array(text.utf8)))
        #expect(value["a"]?.array?.count == 5)
        #expect(value["b"]?["c"]?.int == -3)
        #expect(value.encodedString == text)
        #expect(JSONValue.parse(Array("{nope".utf8)) == nil)
    }
}
