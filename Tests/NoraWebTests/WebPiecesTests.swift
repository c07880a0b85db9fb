@testable import NoraWeb
import Testing

/// Small pure pieces of the UI: redirects after login, escaping, forms, cookies.
@Suite struct WebPiecesTests {
    @Test func loginReturnsOnlyToPagesOfThisUI() {
        #expect(WebUI.safeNext("/ui/npm?q=a") == "/ui/npm?q=a")
        for hostile in ["//evil.example/ui/", "https://evil.example/", "/ui/\\evil", "/api/tokens", nil, "/ui/x\r\nSet-Cookie: a=b"] {
            #expect(WebUI.safeNext(hostile) == "/ui/", "\(String(describing: hostile))")
        }
    }

    @Test func builderEscapesTextAndAttributes() {
        var h = HTMLBuilder()
        h.link("/ui/x?a=1&b=\"2\"", "<b>&</b>", [("title", "'quoted'")])
        #expect(h.html == "<a href=\"/ui/x?a=1&amp;b=&quot;2&quot;\" title=\"&#39;quoted&#39;\">&lt;b&gt;&amp;&lt;/b&gt;</a>")
    }

    @Test func formsDecodePlusAndPercent() {
        let form = FormData("name=a+b%26c&_csrf=abc&empty=&flag&bad=%zz")
        #expect(form["name"] == "a b&c")
        #expect(form["_csrf"] == "abc")
        #expect(form["empty"] == "")
        #expect(form["flag"] == "")
        #expect(form["bad"] == "")
    }

    @Test func countsAndSizesReadNaturally() {
        #expect(WebUI.count(1, "repository") == "1 repository")
        #expect(WebUI.count(3, "repository") == "3 repositories")
        #expect(WebUI.count(0, "package") == "0 packages")
        #expect(Display.bytes(512) == "512 B")
        #expect(Display.bytes(1536) == "1.5 KiB")
        #expect(Display.shortDigest("sha256:0123456789abcdef0123") == "sha256:0123456789ab")
    }
}
