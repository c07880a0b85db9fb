import NIOCore
import NoraCore
import Testing

@Suite struct RenderedDocumentCacheTests {
    typealias Key = RenderedDocumentCache.Key

    @Test func servesOnlyTheRevisionItWasStoredUnder() {
        let cache = RenderedDocumentCache()
        let v1 = Key(name: "pkg", revision: "1@100", variant: "full")
        cache.store(.init(bytes: [UInt8]([1, 2, 3]), etag: "\"a\""), for: v1)
        #expect(cache.document(for: v1)?.bytes == ByteBuffer(bytes: [1, 2, 3]))
        #expect(cache.document(for: Key(name: "pkg", revision: "2@100", variant: "full")) == nil)
        #expect(cache.document(for: Key(name: "pkg", revision: "1@100", variant: "abbreviated")) == nil)
    }

    @Test func aNewRevisionDropsTheOldOnes() {
        let cache = RenderedDocumentCache()
        let old = Key(name: "pkg", revision: "1@100", variant: "full")
        let other = Key(name: "other", revision: "1@100", variant: "full")
        cache.store(.init(bytes: [UInt8]([1]), etag: ""), for: old)
        cache.store(.init(bytes: [UInt8]([9]), etag: ""), for: other)
        cache.store(.init(bytes: [UInt8]([2]), etag: ""), for: Key(name: "pkg", revision: "2@100", variant: "full"))
        #expect(cache.document(for: old) == nil)
        #expect(cache.document(for: other)?.bytes == ByteBuffer(bytes: [9]))
    }

    @Test func staysWithinItsBudget() {
        let cache = RenderedDocumentCache(budgetBytes: 100)
        let big = [UInt8](repeating: 0, count: 30)
        cache.store(.init(bytes: big, etag: ""), for: Key(name: "huge", revision: "1", variant: ""))
        #expect(cache.document(for: Key(name: "huge", revision: "1", variant: "")) == nil, "over a quarter of the budget is not kept")
        let small = [UInt8](repeating: 1, count: 20)
        for i in 0..<6 { cache.store(.init(bytes: small, etag: ""), for: Key(name: "p\(i)", revision: "1", variant: "")) }
        let kept = (0..<6).filter { cache.document(for: Key(name: "p\($0)", revision: "1", variant: "")) != nil }.count
        #expect(kept * 20 <= 100 && kept >= 1)
        #expect(cache.document(for: Key(name: "p5", revision: "1", variant: ""))?.bytes == ByteBuffer(bytes: small), "the newest entry is kept")
    }
}
