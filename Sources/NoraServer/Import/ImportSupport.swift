import Crypto
import Foundation
import NIOCore

/// Hashes of a file, read once in 1 MiB chunks: what NORA's metadata promises is checked
/// against these before anything is sent to the registry, so a damaged file stores nothing.
struct FileHashes: Sendable {
    let sha256: String
    let sha1: String
    let md5: String
    let size: Int64

    init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ImportFailure("cannot read \(path)") }
        defer { try? handle.close() }
        var a = SHA256(), b = Insecure.SHA1(), c = Insecure.MD5(), size: Int64 = 0
        while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty {
            a.update(data: data); b.update(data: data); c.update(data: data)
            size += Int64(data.count)
        }
        sha256 = a.finalize().map { String(format: "%02x", $0) }.joined()
        sha1 = b.finalize().map { String(format: "%02x", $0) }.joined()
        md5 = c.finalize().map { String(format: "%02x", $0) }.joined()
        self.size = size
    }

    static func sha256(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }
}

/// A request body made of a small head, a file's bytes and a small tail (a multipart form
/// around a wheel, cargo's length-prefixed framing around a crate): the file streams.
struct FramedFileBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let head: [UInt8]
    let path: String
    let tail: [UInt8]

    var length: Int64 {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
        return Int64(head.count + tail.count) + size
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        var stage = 0
        let head: [UInt8], tail: [UInt8]
        var file: FileChunks.AsyncIterator
        mutating func next() async throws -> ByteBuffer? {
            while true {
                switch stage {
                case 0:
                    stage = 1
                    if !head.isEmpty { return ByteBuffer(bytes: head) }
                case 1:
                    if let chunk = try await file.next() { return chunk }
                    stage = 2
                case 2:
                    stage = 3
                    if !tail.isEmpty { return ByteBuffer(bytes: tail) }
                default:
                    return nil
                }
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(head: head, tail: tail, file: FileChunks(path: path).makeAsyncIterator())
    }
}

enum URLPath {
    /// Characters kept as they are in a path segment; everything else is percent-encoded.
    static let segmentSafe = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@")

    static func segment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: segmentSafe) ?? text
    }

    /// `a/b c/d` → `a/b%20c/d`.
    static func path(_ text: String) -> String {
        text.split(separator: "/", omittingEmptySubsequences: false).map { segment(String($0)) }.joined(separator: "/")
    }
}

/// JSON read with Foundation: NORA's documents are read, never re-served, so plain
/// dictionaries are enough.
enum LooseJSON {
    static func object(_ bytes: [UInt8], _ what: String) throws -> [String: Any] {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else {
            throw ImportFailure("\(what) is not a JSON object")
        }
        return object
    }

    static func bytes(_ value: Any) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes]))
    }
}
