import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import NoraCore
import Testing

@Suite struct RawRouterTests {
    @Test func putGetHeadDelete() async throws {
        try await TestRegistry.run { client, _ in
            let put = try await client.execute(uri: "/raw/docs/readme.txt", method: .put, body: ByteBuffer(string: "hello raw"))
            #expect(put.status == .created)
            let etag = try #require(put.headers[.eTag])
            #expect(etag == "\"\(Digest.of(Array("hello raw".utf8)).hex)\"")

            let get = try await client.execute(uri: "/raw/docs/readme.txt", method: .get)
            #expect(get.status == .ok)
            #expect(get.text == "hello raw")
            #expect(get.headers[.contentType] == "text/plain; charset=utf-8")
            #expect(get.headers[.eTag] == etag)
            #expect(get.headers[.lastModified] != nil)

            let head = try await client.execute(uri: "/raw/docs/readme.txt", method: .head)
            #expect(head.status == .ok)
            #expect(head.headers[.contentLength] == "9")
            #expect(head.body.readableBytes == 0)

            let replaced = try await client.execute(uri: "/raw/docs/readme.txt", method: .put, body: ByteBuffer(string: "v2"))
            #expect(replaced.status == .ok)
            #expect(try await client.execute(uri: "/raw/docs/readme.txt", method: .get).text == "v2")

            #expect(try await client.execute(uri: "/raw/docs/readme.txt", method: .delete).status == .noContent)
            let gone = try await client.execute(uri: "/raw/docs/readme.txt", method: .get)
            #expect(gone.status == .notFound)
            #expect(gone.text.contains("\"error\""))
            #expect(try await client.execute(uri: "/raw/docs/readme.txt", method: .delete).status == .notFound)
        }
    }

    @Test func rangesAndConditionalGets() async throws {
        try await TestRegistry.run { client, _ in
            _ = try await client.execute(uri: "/raw/r.bin", method: .put, body: ByteBuffer(string: "0123456789"))
            let partial = try await client.execute(uri: "/raw/r.bin", method: .get, headers: [.range: "bytes=2-4"])
            #expect(partial.status == .partialContent)
            #expect(partial.text == "234")
            #expect(partial.headers[.contentRange] == "bytes 2-4/10")
            let suffix = try await client.execute(uri: "/raw/r.bin", method: .get, headers: [.range: "bytes=-3"])
            #expect(suffix.text == "789")
            let open = try await client.execute(uri: "/raw/r.bin", method: .get, headers: [.range: "bytes=8-"])
            #expect(open.text == "89")
            let bad = try await client.execute(uri: "/raw/r.bin", method: .get, headers: [.range: "bytes=10-20"])
            #expect(bad.status == .rangeNotSatisfiable)
            #expect(bad.headers[.contentRange] == "bytes */10")

            let etag = try #require(try await client.execute(uri: "/raw/r.bin", method: .head).headers[.eTag])
            let cached = try await client.execute(uri: "/raw/r.bin", method: .get, headers: [.ifNoneMatch: etag])
            #expect(cached.status == .notModified)
            let stale = try await client.execute(uri: "/raw/r.bin", method: .get, headers: [.ifNoneMatch: "\"other\""])
            #expect(stale.status == .ok)
            // If-Range with an outdated tag sends the whole file.
            let ifRange = try await client.execute(uri: "/raw/r.bin", method: .get, headers: [.range: "bytes=0-1", .ifRange: "\"old\""])
            #expect(ifRange.status == .ok && ifRange.text == "0123456789")
        }
    }

    @Test func conditionalWrites() async throws {
        try await TestRegistry.run { client, _ in
            let first = try await client.execute(uri: "/raw/c.txt", method: .put, headers: [.ifNoneMatch: "*"], body: ByteBuffer(string: "one"))
            #expect(first.status == .created)
            let again = try await client.execute(uri: "/raw/c.txt", method: .put, headers: [.ifNoneMatch: "*"], body: ByteBuffer(string: "two"))
            #expect(again.status == .preconditionFailed)
            let wrongMatch = try await client.execute(uri: "/raw/c.txt", method: .put, headers: [.ifMatch: "\"nope\""], body: ByteBuffer(string: "two"))
            #expect(wrongMatch.status == .preconditionFailed)
            let etag = try #require(first.headers[.eTag])
            let rightMatch = try await client.execute(uri: "/raw/c.txt", method: .put, headers: [.ifMatch: etag], body: ByteBuffer(string: "two"))
            #expect(rightMatch.status == .ok)
            #expect(try await client.execute(uri: "/raw/c.txt", method: .get).text == "two")
            let missing = try await client.execute(uri: "/raw/absent.txt", method: .put, headers: [.ifMatch: "*"], body: ByteBuffer(string: "x"))
            #expect(missing.status == .preconditionFailed)
        }
    }

    @Test func listingPagesAndFolders() async throws {
        try await TestRegistry.run { client, _ in
            for name in ["e.txt", "a.txt", "c.txt", "sub/inner.txt", "b.txt"] {
                _ = try await client.execute(uri: "/raw/dir/\(name)", method: .put, body: ByteBuffer(string: name))
            }
            struct Page: Decodable { struct Entry: Decodable { let name: String; let type: String }; let entries: [Entry]; let next: String? }
            let first = try await client.execute(uri: "/raw/dir/?limit=2", method: .get, headers: [.accept: "application/json"])
            let page1 = try JSONDecoder().decode(Page.self, from: Data(first.text.utf8))
            #expect(page1.entries.map(\.name) == ["a.txt", "b.txt"])
            #expect(page1.next == "b.txt")
            let second = try await client.execute(uri: "/raw/dir/?format=json&limit=10&after=b.txt", method: .get)
            let page2 = try JSONDecoder().decode(Page.self, from: Data(second.text.utf8))
            #expect(page2.entries.map(\.name) == ["c.txt", "e.txt", "sub"])
            #expect(page2.entries.last?.type == "directory")
            #expect(page2.next == nil)

            let html = try await client.execute(uri: "/raw/dir/", method: .get)
            #expect(html.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(html.text.contains("<a href=\"sub/\">sub/</a>"))

            let redirect = try await client.execute(uri: "/raw/dir/sub", method: .get)
            #expect(redirect.status == .movedPermanently)
            #expect(try await client.execute(uri: "/raw/nowhere/", method: .get).status == .notFound)

            // A path cannot be both a file and a folder.
            #expect(try await client.execute(uri: "/raw/dir/a.txt/x", method: .put, body: ByteBuffer(string: "x")).status == .conflict)
            #expect(try await client.execute(uri: "/raw/dir/sub", method: .put, body: ByteBuffer(string: "x")).status == .conflict)

            // Removing the last file of a folder removes the folder from its parent's listing.
            _ = try await client.execute(uri: "/raw/dir/sub/inner.txt", method: .delete)
            let after = try await client.execute(uri: "/raw/dir/?format=json", method: .get)
            #expect(!after.text.contains("\"sub\""))
        }
    }

    @Test(arguments: ["/raw/a/../b", "/raw/a/%2e%2e/b", "/raw/a/%2E%2e/b", "/raw/a%2fb", "/raw/a/%00b", "/raw/a%5cb",
                      "/raw/a\\b", "/raw//etc/passwd", "/raw/a/./b", "/raw/%zz"])
    func traversalIsRefused(_ uri: String) async throws {
        try await TestRegistry.run { client, _ in
            let put = try await client.execute(uri: uri, method: .put, body: ByteBuffer(string: "x"))
            #expect(put.status == .badRequest, "PUT \(uri) → \(put.status)")
            let get = try await client.execute(uri: uri, method: .get)
            #expect(get.status == .badRequest, "GET \(uri) → \(get.status)")
        }
    }

    @Test func oversizeIsRefusedAndNothingKept() async throws {
        try await TestRegistry.run(configure: { $0.raw.maxFileSize = 1000 }) { client, parts in
            let big = ByteBuffer(repeating: 7, count: 5000)
            let put = try await client.execute(uri: "/raw/big.bin", method: .put, body: big)
            #expect(put.status == .contentTooLarge)
            #expect(try await client.execute(uri: "/raw/big.bin", method: .get).status == .notFound)
            #expect(try await parts.store.stat(Digest.of(Array(repeating: 7, count: 5000))) == nil)
            let ok = try await client.execute(uri: "/raw/small.bin", method: .put, body: ByteBuffer(repeating: 1, count: 1000))
            #expect(ok.status == .created)
        }
    }
}
