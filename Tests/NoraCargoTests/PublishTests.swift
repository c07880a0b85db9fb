import Foundation
import NIOCore
import NoraArchive
@testable import NoraCargo
import NoraCore
import Testing

@Suite struct PublishMetadataTests {
    static func metadata(_ json: String) throws -> PublishMetadata { try PublishMetadata.parse(Array(json.utf8)) }

    @Test func buildsTheIndexLineCargoReads() throws {
        let meta = try Self.metadata("""
        {"name":"greeter","vers":"0.2.0","description":"d","links":"z","rust_version":"1.70",
         "features":{"default":["loud"],"loud":[],"tls":["dep:rustls","hello?/tls"]},
         "deps":[{"name":"hello","version_req":"^0.1","features":["x"],"optional":false,"default_features":true,
                  "target":null,"kind":"normal","registry":null,"explicit_name_in_toml":null},
                 {"name":"hello","version_req":"^0.1","features":[],"optional":true,"default_features":false,
                  "target":"cfg(unix)","kind":"dev","registry":"https://github.com/rust-lang/crates.io-index",
                  "explicit_name_in_toml":"hi"}]}
        """)
        let line = try meta.indexLine(cksum: "ab", pubtime: "2026-01-01T00:00:00Z")
        #expect(line.name == "greeter" && line.vers == "0.2.0" && line.cksum == "ab" && !line.yanked)
        #expect(line.features == ["default": ["loud"], "loud": []])
        #expect(line.features2 == ["tls": ["dep:rustls", "hello?/tls"]] && line.v == 2)
        #expect(line.links == "z" && line.rust_version == "1.70")
        #expect(line.deps[0] == .init(name: "hello", req: "^0.1", features: ["x"], optional: false, default_features: true,
                                      target: nil, kind: "normal", registry: nil, package: nil))
        #expect(line.deps[1] == .init(name: "hi", req: "^0.1", features: [], optional: true, default_features: false,
                                      target: "cfg(unix)", kind: "dev", registry: "https://github.com/rust-lang/crates.io-index",
                                      package: "hello"))
        let json = String(decoding: JSON.encode(line), as: UTF8.self)
        #expect(json.hasPrefix(#"{"cksum":"ab","deps":[{"default_features":true,"features":["x"],"kind":"normal","name":"hello""#))
    }

    @Test func plainFeaturesNeedNoVersion2() throws {
        let line = try Self.metadata(#"{"name":"a","vers":"1.0.0","features":{"f":["a/b"]}}"#).indexLine(cksum: "", pubtime: "")
        #expect(line.v == nil && line.features2 == nil && line.features == ["f": ["a/b"]])
        #expect(!String(decoding: JSON.encode(line), as: UTF8.self).contains("features2"))
    }

    @Test func refusesBadMetadata() throws {
        #expect(throws: CargoError.self) { try Self.metadata("[]") }
        #expect(throws: CargoError.self) { try Self.metadata(#"{"name":"a"}"#) }
        for bad in [#"{"name":"a","vers":"1.0.0","deps":[{"name":"b","version_req":"","kind":"normal"}]}"#,
                    #"{"name":"a","vers":"1.0.0","deps":[{"name":"b c","version_req":"1"}]}"#,
                    #"{"name":"a","vers":"1.0.0","deps":[{"name":"b","version_req":"1","kind":"proc"}]}"#,
                    #"{"name":"a","vers":"1.0.0","features":{"":[]}}"#,
                    #"{"name":"a","vers":"1.0.0","features":{"f":["x\nY"]}}"#,
                    #"{"name":"a!","vers":"1.0.0"}"#, #"{"name":"a","vers":"1.0"}"#] {
            #expect(throws: CargoError.self, "\(bad)") { try Self.metadata(bad).indexLine(cksum: "", pubtime: "") }
        }
    }
}

@Suite struct CrateArchiveTests {
    static func file(_ path: String) -> TarEntry { TarEntry(path: path, size: 1, type: .file) }

    @Test func acceptsCargoLayout() throws {
        try CrateArchive.check([TarEntry(path: "x-1.0.0", size: 0, type: .directory), Self.file("x-1.0.0/Cargo.toml"),
                                Self.file("x-1.0.0/src/lib.rs"), Self.file("x-1.0.0/.cargo_vcs_info.json")], root: "x-1.0.0")
    }

    @Test func refusesEscapesLinksAndMissingManifest() {
        let manifest = Self.file("x-1.0.0/Cargo.toml")
        let cases: [[TarEntry]] = [
            [manifest, Self.file("y-1.0.0/a")],
            [manifest, Self.file("x-1.0.0x/a")],
            [manifest, Self.file("x-1.0.0/../a")],
            [manifest, Self.file("x-1.0.0//a")],
            [manifest, TarEntry(path: "x-1.0.0/l", size: 0, type: .symlink, linkTarget: "/etc/passwd")],
            [manifest, TarEntry(path: "x-1.0.0/d", size: 0, type: .other(UInt8(ascii: "3")))],
            [Self.file("x-1.0.0/src/Cargo.toml")],
            [TarEntry(path: "x-1.0.0/Cargo.toml", size: 0, type: .directory)],
        ]
        for entries in cases {
            #expect(throws: CargoError.self, "\(entries.map(\.path))") { try CrateArchive.check(entries, root: "x-1.0.0") }
        }
    }
}

@Suite struct PublishFramingTests {
    /// A body delivered in the given chunks.
    struct Chunks: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        let chunks: [[UInt8]]
        struct AsyncIterator: AsyncIteratorProtocol {
            var rest: [[UInt8]]
            mutating func next() async throws -> ByteBuffer? { rest.isEmpty ? nil : ByteBuffer(bytes: rest.removeFirst()) }
        }
        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(rest: chunks) }
    }

    static func le32(_ n: Int) -> [UInt8] { (0..<4).map { UInt8((n >> (8 * $0)) & 0xff) } }

    /// Splits `bytes` into chunks of `size` so framing must work across chunk borders.
    static func body(_ bytes: [UInt8], chunk size: Int) -> Chunks {
        Chunks(chunks: stride(from: 0, to: bytes.count, by: size).map { Array(bytes[$0..<min($0 + size, bytes.count)]) })
    }

    static func drain(_ body: PublishFraming<Chunks>.CrateBody) async throws -> [UInt8] {
        var out: [UInt8] = []
        for try await chunk in body { out += Array(chunk.readableBytesView) }
        return out
    }

    @Test(arguments: [1, 3, 7, 1000]) func readsJSONAndStreamsTheCrate(chunk: Int) async throws {
        let json = Array(#"{"name":"a"}"#.utf8), crate = Array((0..<300).map { UInt8($0 % 251) })
        let framing = PublishFraming(Self.body(Self.le32(json.count) + json + Self.le32(crate.count) + crate, chunk: chunk))
        #expect(try await framing.readMetadata(maxJSON: 100) == json)
        let length = try await framing.readCrateLength(max: 1000)
        #expect(length == 300)
        let body = framing.crateBody(length: length)
        #expect(try await Self.drain(body) == crate)
        #expect(body.count == 300 && body.hasher.finalize() == Digest.of(crate))
    }

    @Test func refusesLyingLengths() async throws {
        let json = Array("{}".utf8)
        func framing(_ bytes: [UInt8]) -> PublishFraming<Chunks> { PublishFraming(Self.body(bytes, chunk: 2)) }
        await #expect(throws: CargoError.self) { try await framing([1, 0]).readMetadata(maxJSON: 10) }
        await #expect(throws: CargoError.self) { try await framing(Self.le32(50) + json).readMetadata(maxJSON: 100) }
        await #expect(throws: CargoError.self) { try await framing(Self.le32(50) + json).readMetadata(maxJSON: 10) }
        await #expect(throws: CargoError.self) { try await framing(Self.le32(0)).readMetadata(maxJSON: 10) }
        let short = framing(Self.le32(2) + json + Self.le32(10) + [1, 2, 3])
        _ = try await short.readMetadata(maxJSON: 10)
        await #expect(throws: CargoError.self) { try await Self.drain(short.crateBody(length: try await short.readCrateLength(max: 100))) }
        let long = framing(Self.le32(2) + json + Self.le32(2) + [1, 2, 3])
        _ = try await long.readMetadata(maxJSON: 10)
        await #expect(throws: CargoError.self) { try await Self.drain(long.crateBody(length: try await long.readCrateLength(max: 100))) }
        let big = framing(Self.le32(2) + json + Self.le32(5000))
        _ = try await big.readMetadata(maxJSON: 10)
        await #expect(throws: CargoError.self) { try await big.readCrateLength(max: 100) }
    }
}
