import NoraCore
import Testing
@testable import NoraPyPI

/// Upstream project pages read without HTTP: PEP 691 JSON and PEP 503 HTML keep every
/// attribute a client needs, with links resolved against the page.
@Suite struct UpstreamPageTests {
    let hex = String(repeating: "ab", count: 32)

    @Test func jsonPage() throws {
        let json = """
        {"meta":{"api-version":"1.1"},"name":"demo","versions":["1.0","2.0"],"files":[
          {"filename":"demo-1.0.tar.gz","url":"../../files/demo-1.0.tar.gz#sha256=\(hex)","hashes":{"sha256":"\(hex)"},
           "requires-python":">=3.8","yanked":"broken","size":10,"upload-time":"2026-01-01T00:00:00Z"},
          {"filename":"demo-2.0-py3-none-any.whl","url":"https://files.example/demo-2.0-py3-none-any.whl","hashes":{"sha256":"\(hex)"},
           "core-metadata":{"sha256":"\(hex)"},"yanked":false},
          {"filename":"demo-0.1.zip","url":"/x/demo-0.1.zip","hashes":{},"dist-info-metadata":true,"yanked":true}]}
        """
        let page = try #require(UpstreamPage.parse(Array(json.utf8), contentType: "application/vnd.pypi.simple.v1+json",
                                                   pageURL: "https://index.example/simple/demo/", project: "demo"))
        #expect(page.versions == ["1.0", "2.0"])
        let sdist = try #require(page.file(named: "demo-1.0.tar.gz"))
        #expect(sdist.url == "https://index.example/files/demo-1.0.tar.gz")
        #expect(sdist.requiresPython == ">=3.8" && sdist.yanked == .reason("broken") && sdist.size == 10)
        #expect(sdist.expected == (try Digest(algorithm: .sha256, hex: hex)))
        let wheel = try #require(page.file(named: "demo-2.0-py3-none-any.whl"))
        #expect(wheel.coreMetadata == .available(["sha256": hex]) && wheel.yanked == .no)
        #expect(wheel.metadataExpected != nil)
        let old = try #require(page.file(named: "demo-0.1.zip"))
        #expect(old.coreMetadata == .available([:]) && old.yanked == .yes && old.expected == nil)
        #expect(old.url == "https://index.example/x/demo-0.1.zip")
    }

    @Test func htmlPage() throws {
        let html = """
        <!DOCTYPE html><html><body><h1>Links for demo</h1>
        <a href="../../packages/demo-1.0.tar.gz#sha256=\(hex)" data-requires-python="&gt;=3.8">demo-1.0.tar.gz</a><br/>
        <A HREF='https://files.example/demo-2.0-py3-none-any.whl#sha256=\(hex)' data-core-metadata="sha256=\(hex)"
           data-yanked="bad &amp; broken">demo-2.0-py3-none-any.whl</A>
        <a href="demo-0.1.zip" data-dist-info-metadata="true" data-yanked>demo-0.1.zip</a>
        </body></html>
        """
        let page = try #require(UpstreamPage.parse(Array(html.utf8), contentType: "text/html",
                                                   pageURL: "http://127.0.0.1:8080/simple/demo/", project: "demo"))
        #expect(page.files.map(\.filename) == ["demo-1.0.tar.gz", "demo-2.0-py3-none-any.whl", "demo-0.1.zip"])
        #expect(page.files[0].url == "http://127.0.0.1:8080/packages/demo-1.0.tar.gz")
        #expect(page.files[0].hashes == ["sha256": hex] && page.files[0].requiresPython == ">=3.8")
        #expect(page.files[1].coreMetadata == .available(["sha256": hex]) && page.files[1].yanked == .reason("bad & broken"))
        #expect(page.files[2].url == "http://127.0.0.1:8080/simple/demo/demo-0.1.zip")
        #expect(page.files[2].coreMetadata == .available([:]) && page.files[2].yanked == .yes)
    }

    @Test func renderedPagesPointAtNoraAndKeepAttributes() throws {
        var file = UpstreamFile(filename: "demo 1.whl", url: "https://x/demo", hashes: ["sha256": hex])
        file.requiresPython = "<4,>=3.8"
        file.yanked = .reason("why")
        file.coreMetadata = .available(["sha256": hex])
        let page = UpstreamPage(name: "demo", versions: nil, files: [file])
        let renderer = ProxiedPageRenderer(base: "http://nora")
        let html = renderer.html(page, project: "demo")
        #expect(html.contains("href=\"http://nora/simple/demo/demo%201.whl#sha256=\(hex)\""))
        #expect(html.contains("data-requires-python=\"&lt;4,&gt;=3.8\"") && html.contains("data-yanked=\"why\""))
        let json = String(decoding: renderer.json(page, project: "demo"), as: UTF8.self)
        #expect(json.contains("\"yanked\":\"why\"") && json.contains("\"requires-python\":\"<4,>=3.8\""))
        #expect(json.contains("\"api-version\":\"1.0\""))
    }
}
