import Foundation
import NoraCore
import Testing
@testable import NoraPyPI

@Suite struct SimpleFormatTests {
    @Test func followsQValues() {
        // What pip sends.
        #expect(SimpleFormat.negotiate(accept: "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01", format: nil) == .json)
        #expect(SimpleFormat.negotiate(accept: "application/vnd.pypi.simple.v1+json;q=0.2, text/html", format: nil) == .legacyHTML)
        #expect(SimpleFormat.negotiate(accept: "application/vnd.pypi.simple.latest+html", format: nil) == .html)
        #expect(SimpleFormat.negotiate(accept: "text/html,application/xhtml+xml,*/*;q=0.8", format: nil) == .legacyHTML)
        #expect(SimpleFormat.negotiate(accept: "*/*", format: nil) == .legacyHTML)
        #expect(SimpleFormat.negotiate(accept: nil, format: nil) == .legacyHTML)
        // A wildcard at q=0 does not revive an excluded type; a specific range beats the wildcard.
        #expect(SimpleFormat.negotiate(accept: "*/*;q=0.5, text/html;q=0", format: nil) == .html)
        #expect(SimpleFormat.negotiate(accept: "application/json", format: nil) == nil)
    }

    @Test func formatQueryWins() {
        #expect(SimpleFormat.negotiate(accept: "text/html", format: "application/vnd.pypi.simple.v1+json") == .json)
        #expect(SimpleFormat.negotiate(accept: nil, format: "json") == .json)
        #expect(SimpleFormat.negotiate(accept: "application/vnd.pypi.simple.v1+json", format: "text/html") == .legacyHTML)
        #expect(SimpleFormat.negotiate(accept: nil, format: "xml") == nil)
    }
}

@Suite struct SimplePagesTests {
    static let digest = Digest.of(Array("wheel".utf8))
    static let metadata = Digest.of(Array("meta".utf8))

    static func file(_ name: String, version: String, yanked: Bool = false, reason: String? = nil, requires: String? = nil,
                     metadata: Bool = false) -> PyPIFile {
        PyPIFile(filename: name, project: "my-pkg", version: version, filetype: "bdist_wheel", digest: digest, size: 1234,
                 md5: "m", blake2b256: "b", requiresPython: requires, yanked: yanked, yankedReason: reason,
                 uploadedAtMillis: 1_700_000_000_123, uploader: nil,
                 metadata: metadata ? .init(digest: Self.metadata, size: 4) : nil)
    }

    static let files = [
        file("my_pkg-1.0-py3-none-any.whl", version: "1.0", requires: ">=3.8,<4", metadata: true),
        file("my_pkg-1.0.tar.gz", version: "1.0"),
        file("my_pkg-2.0-py3-none-any.whl", version: "2.0", yanked: true, reason: "broken <b>build</b>"),
        file("my_pkg-3.0-py3-none-any.whl", version: "3.0", yanked: true),
    ]

    @Test func rendersHTMLWithEveryAttribute() {
        let html = SimplePages(base: "http://h:1").projectPageHTML(display: "My_Pkg", files: Self.files)
        #expect(html.contains(#"<meta name="pypi:repository-version" content="1.1">"#))
        #expect(html.contains("<title>Links for My_Pkg</title>"))
        let hex = Self.digest.hex, meta = Self.metadata.hex
        #expect(html.contains(#"<a href="http://h:1/simple/my-pkg/my_pkg-1.0-py3-none-any.whl#sha256=\#(hex)" data-requires-python="&gt;=3.8,&lt;4" data-dist-info-metadata="sha256=\#(meta)" data-core-metadata="sha256=\#(meta)">my_pkg-1.0-py3-none-any.whl</a>"#))
        #expect(html.contains(#"<a href="http://h:1/simple/my-pkg/my_pkg-1.0.tar.gz#sha256=\#(hex)">my_pkg-1.0.tar.gz</a>"#))
        #expect(html.contains(#"data-yanked="broken &lt;b&gt;build&lt;/b&gt;">my_pkg-2.0"#))
        #expect(html.contains(#"data-yanked="">my_pkg-3.0"#))
    }

    @Test func rendersJSONWithPEP700Fields() throws {
        let bytes = SimplePages(base: "http://h:1").projectPageJSON(name: "my-pkg", files: Self.files)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect((json["meta"] as? [String: String])?["api-version"] == "1.1")
        #expect(json["name"] as? String == "my-pkg")
        #expect(json["versions"] as? [String] == ["1.0", "2.0", "3.0"])
        let files = try #require(json["files"] as? [[String: Any]])
        #expect(files.count == 4)
        #expect(files[0]["url"] as? String == "http://h:1/simple/my-pkg/my_pkg-1.0-py3-none-any.whl")
        #expect((files[0]["hashes"] as? [String: String])?["sha256"] == Self.digest.hex)
        #expect(files[0]["requires-python"] as? String == ">=3.8,<4")
        #expect((files[0]["core-metadata"] as? [String: String])?["sha256"] == Self.metadata.hex)
        #expect((files[0]["dist-info-metadata"] as? [String: String])?["sha256"] == Self.metadata.hex)
        #expect(files[0]["yanked"] as? Bool == false)
        #expect(files[0]["size"] as? Int == 1234)
        #expect(files[0]["upload-time"] as? String == "2023-11-14T22:13:20.123Z")
        #expect(files[1]["requires-python"] == nil)
        #expect(files[1]["core-metadata"] as? Bool == false)
        #expect(files[2]["yanked"] as? String == "broken <b>build</b>")
        #expect(files[3]["yanked"] as? Bool == true)
    }

    @Test func rendersTheProjectList() throws {
        let pages = SimplePages(base: "http://h:1")
        let html = pages.projectListHTML([(name: "my-pkg", display: "My_Pkg")])
        #expect(html.contains(#"<a href="http://h:1/simple/my-pkg/">My_Pkg</a>"#))
        let json = try JSONSerialization.jsonObject(with: Data(pages.projectListJSON([(name: "my-pkg", display: "My_Pkg")]))) as? [String: Any]
        #expect((json?["projects"] as? [[String: String]])?.first?["name"] == "My_Pkg")
        #expect((json?["meta"] as? [String: String])?["api-version"] == "1.1")
    }
}
