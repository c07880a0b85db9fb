import Foundation
import NIOCore
@testable import NoraCargo
import NoraCore
import NoraMetadata
import NoraMetadataTesting
import Testing

/// The crate revision that keys cached index files: every write that changes an index line
/// must bump it in its own transaction, and nothing else needs to.
@Suite struct CrateRevisionTests {
    /// A migrated in-memory index, closed afterwards.
    static func withIndex(_ body: (CrateIndex) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nora-cargo-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await TestDatabase.withFresh(folder: folder) { db in
            try await db.migrate(CrateIndex.migrations)
            try await body(CrateIndex(db: db))
        }
    }

    static func line(_ name: String, _ vers: String) -> IndexLine {
        IndexLine(name: name, vers: vers, deps: [], cksum: String(repeating: "a", count: 64), features: [:], yanked: false,
                  links: nil, v: nil, features2: nil, rust_version: nil, pubtime: nil)
    }

    static func publish(_ index: CrateIndex, _ name: String, _ vers: String, isNew: Bool) async throws {
        let crate = try CrateName(name), version = try SemanticVersion(vers)
        try await index.db.transaction { db in
            try await index.insert(crate: crate, version: version, line: line(name, vers),
                                   blob: BlobRef(digest: Digest.of([UInt8](vers.utf8)), size: 1),
                                   description: nil, publisher: "alice", isNew: isNew, in: db)
        }
    }

    /// The counter part of `rev@created_at`.
    static func counter(_ index: CrateIndex, _ key: String) async throws -> String? {
        try await index.head(key, in: index.db.reader)?.revision.split(separator: "@").first.map(String.init)
    }

    @Test func publishYankAndUnyankBumpTheRevisionOwnersDoNot() async throws {
        try await Self.withIndex { index in
            #expect(try await index.head("demo", in: index.db.reader) == nil)
            try await Self.publish(index, "demo", "1.0.0", isNew: true)
            #expect(try await Self.counter(index, "demo") == "1")
            try await Self.publish(index, "demo", "1.1.0", isNew: false)
            #expect(try await Self.counter(index, "demo") == "2")

            func setYanked(_ yanked: Bool) async throws -> Bool {
                try await index.db.transaction { db in
                    let version = try #require(try await index.version("demo", "1.0.0", in: db))
                    return try await index.setYanked("demo", version, yanked, in: db)
                }
            }
            #expect(try await setYanked(true))
            #expect(try await Self.counter(index, "demo") == "3")
            #expect(try await setYanked(true) == false, "yanking again changes nothing")
            #expect(try await Self.counter(index, "demo") == "3")
            #expect(try await setYanked(false))
            #expect(try await Self.counter(index, "demo") == "4")

            // Owners are not in the index file: no new revision, the cached file stays valid.
            try await index.db.transaction { db in try await index.addOwner("demo", "bob", by: "alice", in: db) }
            #expect(try await Self.counter(index, "demo") == "4")
        }
    }

    @Test func linesComeWithTheRevisionTheyBelongTo() async throws {
        try await Self.withIndex { index in
            let none = try await index.indexLines("demo", in: index.db.reader)
            #expect(none.lines.isEmpty && none.revision == nil)
            try await Self.publish(index, "demo", "1.1.0", isNew: true)
            try await Self.publish(index, "demo", "1.0.0", isNew: false)
            try await Self.publish(index, "other", "0.1.0", isNew: true)
            let read = try await index.indexLines("demo", in: index.db.reader)
            #expect(read.lines.count == 2 && read.lines[0].contains(#""vers":"1.1.0""#) && read.lines[1].contains(#""vers":"1.0.0""#),
                    "publish order, this crate only")
            let head = try #require(try await index.head("demo", in: index.db.reader))
            #expect(read.revision == head.revision && head.name == "demo")
        }
    }
}

@Suite struct IndexFileCacheTests {
    @Test func servesOnlyTheRevisionItWasStoredUnder() {
        let cache = IndexFileCache()
        let stored = cache.store(Array("a\n".utf8), etag: "\"e1\"", for: "demo", revision: "1@100")
        #expect(stored.bytes == ByteBuffer(string: "a\n") && stored.etag == "\"e1\"")
        #expect(cache.file("demo", revision: "1@100")?.bytes == ByteBuffer(string: "a\n"))
        #expect(cache.file("demo", revision: "2@100") == nil)
        #expect(cache.file("demo", revision: "1@101") == nil, "a re-created crate does not reuse the old file")
        #expect(cache.file("other", revision: "1@100") == nil)
        _ = cache.store(Array("a\nb\n".utf8), etag: "\"e2\"", for: "demo", revision: "2@100")
        #expect(cache.file("demo", revision: "1@100") == nil, "a newer revision replaces the old file")
        #expect(cache.file("demo", revision: "2@100")?.etag == "\"e2\"")
    }
}
