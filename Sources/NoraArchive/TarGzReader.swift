import CompressNIO
import Foundation
import NIOCore

/// Reads a `.tar.gz` file from a local path (crates, sdists), streaming: the file is
/// decompressed in 64 KiB chunks and only headers (and the entry asked for) are kept in
/// memory, so a large or hostile archive costs bounded memory.
///
/// Understands ustar, GNU (`L`/`K` long names) and PAX (`x` records: `path`, `linkpath`,
/// `size`) headers; verifies each header checksum and, when the archive is read to its
/// end, the gzip CRC. Paths are returned as stored, minus trailing `/` (like Python's
/// `tarfile`); a ustar `prefix` is joined with `/`.
///
///     let reader = TarGzReader(path: file)
///     let entries = try reader.entries()                          // every entry, in order
///     let toml = try reader.contents(of: "x-1.0/Cargo.toml", limit: 1 << 20)  // nil when absent
///
/// Every failure (not gzip, truncated, bad header, limits) throws `TarGzError`.
public struct TarGzReader: Sendable {
    public struct Limits: Sendable {
        /// Most entries accepted (PAX/GNU helper headers are not counted).
        public var maxEntries = 100_000
        /// Most decompressed bytes read, against gzip bombs.
        public var maxUncompressedBytes: Int64 = 2 * 1024 * 1024 * 1024
        /// Longest path (and longest PAX/GNU header data) accepted.
        public var maxPathBytes = 4096
        public init() {}
    }

    public let path: String
    public let limits: Limits

    public init(path: String, limits: Limits = Limits()) {
        self.path = path
        self.limits = limits
    }

    /// Every entry of the archive, in order. Reads the whole file, so a corrupt gzip
    /// trailer (CRC) is detected too.
    public func entries() throws(TarGzError) -> [TarEntry] {
        try scan(wanting: { _ in false }, limit: 0).entries
    }

    /// The bytes of the last regular-file entry named `entryPath`, or nil when there is none;
    /// throws `.entryTooLarge` when it is bigger than `limit`.
    public func contents(of entryPath: String, limit: Int) throws(TarGzError) -> [UInt8]? {
        try scan(wanting: { $0.path == entryPath }, limit: limit).contents[entryPath]
    }

    /// One pass over the archive: every entry, plus the contents of the regular files for
    /// which `wanting` is true (each at most `limit` bytes).
    public func scan(wanting: (TarEntry) -> Bool, limit: Int) throws(TarGzError) -> (entries: [TarEntry], contents: [String: [UInt8]]) {
        let stream = try GzipFileStream(path: path, maxOutput: limits.maxUncompressedBytes)
        var entries: [TarEntry] = []
        var contents: [String: [UInt8]] = [:]
        var pending = PendingOverrides()
        while true {
            guard let block = try stream.read(512) else { throw .truncated }
            if block.allSatisfy({ $0 == 0 }) { break }  // end of archive (the second zero block is optional)
            let header = try TarHeader(block)
            let dataSize = pending.size ?? header.size
            let padded = (dataSize + 511) / 512 * 512
            switch header.typeFlag {
            case UInt8(ascii: "L"), UInt8(ascii: "K"), UInt8(ascii: "x"), UInt8(ascii: "g"):
                guard dataSize <= Int64(limits.maxPathBytes) * 4 else { throw .headerTooLarge }
                guard let data = try stream.read(Int(padded)) else { throw .truncated }
                let payload = Array(data.prefix(Int(dataSize)))
                switch header.typeFlag {
                case UInt8(ascii: "L"): pending.path = Self.cString(payload)
                case UInt8(ascii: "K"): pending.linkPath = Self.cString(payload)
                case UInt8(ascii: "x"): try pending.apply(paxRecords: payload)
                default: break  // global PAX headers carry defaults we do not need
                }
                continue
            default:
                break
            }
            var entryPath = pending.path ?? header.path
            while entryPath.count > 1 && entryPath.hasSuffix("/") { entryPath.removeLast() }
            guard entryPath.utf8.count <= limits.maxPathBytes else { throw .headerTooLarge }
            let entry = TarEntry(path: entryPath, size: header.isFileLike ? dataSize : 0,
                                 type: TarEntry.Kind(flag: header.typeFlag), linkTarget: pending.linkPath ?? header.linkName,
                                 mode: header.mode)
            pending = PendingOverrides()
            entries.append(entry)
            guard entries.count <= limits.maxEntries else { throw .tooManyEntries(limits.maxEntries) }
            let bodySize = header.isFileLike ? padded : 0
            if entry.type == .file && wanting(entry) {
                guard entry.size <= Int64(limit) else { throw .entryTooLarge(path: entry.path, limit: limit) }
                guard let data = try stream.read(Int(bodySize)) else { throw .truncated }
                contents[entry.path] = Array(data.prefix(Int(entry.size)))
            } else if bodySize > 0 {
                guard try stream.skip(bodySize) else { throw .truncated }
            }
        }
        try stream.drain()
        return (entries, contents)
    }

    static func cString(_ bytes: some Collection<UInt8>) -> String {
        String(decoding: bytes.prefix(while: { $0 != 0 }), as: UTF8.self)
    }
}

/// One member of a tar archive.
public struct TarEntry: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case file, directory, symlink, hardlink, other(UInt8)

        init(flag: UInt8) {
            switch flag {
            case 0, UInt8(ascii: "0"), UInt8(ascii: "7"): self = .file
            case UInt8(ascii: "5"): self = .directory
            case UInt8(ascii: "2"): self = .symlink
            case UInt8(ascii: "1"): self = .hardlink
            default: self = .other(flag)
            }
        }
    }

    public let path: String
    /// Bytes of content (0 for anything but regular files).
    public let size: Int64
    public let type: Kind
    /// Target of a link ("" otherwise).
    public let linkTarget: String
    public let mode: Int

    public init(path: String, size: Int64, type: Kind, linkTarget: String = "", mode: Int = 0o644) {
        self.path = path; self.size = size; self.type = type; self.linkTarget = linkTarget; self.mode = mode
    }
}

public enum TarGzError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(String)
    case notGzip
    case corrupt(String)
    case truncated
    case badHeader(String)
    case headerTooLarge
    case tooManyEntries(Int)
    case tooLarge(Int64)
    case entryTooLarge(path: String, limit: Int)

    public var description: String {
        switch self {
        case .unreadable(let reason): "cannot read the archive: \(reason)"
        case .notGzip: "not a gzip file"
        case .corrupt(let reason): "corrupt gzip data (\(reason))"
        case .truncated: "the archive is truncated"
        case .badHeader(let reason): "invalid tar header: \(reason)"
        case .headerTooLarge: "a tar path or extended header is too long"
        case .tooManyEntries(let n): "the archive has more than \(n) entries"
        case .tooLarge(let n): "the archive unpacks to more than \(n) bytes"
        case .entryTooLarge(let path, let limit): "'\(path)' is larger than \(limit) bytes"
        }
    }
}

/// Name/link/size overrides that GNU and PAX headers set for the next entry.
struct PendingOverrides {
    var path: String?
    var linkPath: String?
    var size: Int64?

    /// PAX records are `"<len> <key>=<value>\n"`, where len counts the whole record.
    mutating func apply(paxRecords data: [UInt8]) throws(TarGzError) {
        var index = 0
        while index < data.count {
            guard let space = data[index...].firstIndex(of: UInt8(ascii: " ")),
                  let length = Int(String(decoding: data[index..<space], as: UTF8.self)),
                  length > space - index, index + length <= data.count, data[index + length - 1] == UInt8(ascii: "\n")
            else { throw .badHeader("malformed PAX record") }
            let record = data[(space + 1)..<(index + length - 1)]
            guard let equals = record.firstIndex(of: UInt8(ascii: "=")) else { throw .badHeader("malformed PAX record") }
            let key = String(decoding: record[record.startIndex..<equals], as: UTF8.self)
            let value = String(decoding: record[(equals + 1)...], as: UTF8.self)
            switch key {
            case "path": path = value
            case "linkpath": linkPath = value
            case "size":
                guard let n = Int64(value), n >= 0 else { throw .badHeader("bad PAX size") }
                size = n
            default: break
            }
            index += length
        }
    }
}

/// The fields of one 512-byte header block we use.
struct TarHeader {
    let path: String
    let size: Int64
    let typeFlag: UInt8
    let linkName: String
    let mode: Int

    init(_ block: [UInt8]) throws(TarGzError) {
        let stored = Self.octal(block[148..<156])
        var sum = 0
        for (i, byte) in block.enumerated() { sum += (148..<156).contains(i) ? 32 : Int(byte) }
        guard let stored, stored == Int64(sum) else { throw .badHeader("checksum mismatch") }
        typeFlag = block[156]
        guard let size = Self.number(block[124..<136]), size >= 0 else { throw .badHeader("bad size field") }
        self.size = size
        mode = Int(Self.octal(block[100..<108]) ?? 0)
        let name = TarGzReader.cString(block[0..<100])
        // Only POSIX ustar ("ustar\0") has a prefix field; GNU uses those bytes for other data.
        let isUstar = block[257..<263].elementsEqual("ustar\0".utf8)
        let prefix = isUstar ? TarGzReader.cString(block[345..<500]) : ""
        path = prefix.isEmpty ? name : prefix + "/" + name
        linkName = TarGzReader.cString(block[157..<257])
    }

    /// Regular files (and unknown types) are followed by data blocks; links, folders and devices are not.
    var isFileLike: Bool {
        switch TarEntry.Kind(flag: typeFlag) {
        case .file, .other: typeFlag != UInt8(ascii: "3") && typeFlag != UInt8(ascii: "4") && typeFlag != UInt8(ascii: "6")
        default: false
        }
    }

    /// Octal digits padded with spaces/NULs; GNU's base-256 form (high bit set) for large sizes.
    static func number(_ field: ArraySlice<UInt8>) -> Int64? {
        if let first = field.first, first & 0x80 != 0 {
            guard first == 0x80 else { return nil }  // negative or absurd
            var value: Int64 = 0
            for byte in field.dropFirst() {
                guard value <= (Int64.max >> 8) else { return nil }
                value = value << 8 | Int64(byte)
            }
            return value
        }
        return octal(field)
    }

    static func octal(_ field: ArraySlice<UInt8>) -> Int64? {
        let digits = field.drop(while: { $0 == 32 || $0 == 0 }).prefix(while: { $0 >= 0x30 && $0 <= 0x37 })
        let rest = field.drop(while: { $0 == 32 || $0 == 0 }).dropFirst(digits.count)
        guard rest.allSatisfy({ $0 == 32 || $0 == 0 }) else { return nil }
        if digits.isEmpty { return 0 }
        var value: Int64 = 0
        for digit in digits {
            guard value <= (Int64.max >> 3) else { return nil }
            value = value << 3 | Int64(digit - 0x30)
        }
        return value
    }
}

/// A gzip file decompressed on demand, in bounded chunks.
final class GzipFileStream {
    static let chunk = 64 * 1024
    private let handle: FileHandle
    private let decompressor: ZlibDecompressor
    private var input = ByteBuffer()
    private var output = ByteBuffer()
    private var inputEnded = false
    private var streamEnded = false
    private var produced: Int64 = 0
    private let maxOutput: Int64

    init(path: String, maxOutput: Int64) throws(TarGzError) {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .unreadable(path) }
        self.handle = handle
        self.maxOutput = maxOutput
        do { decompressor = try ZlibDecompressor(algorithm: .gzip) } catch { throw .corrupt("\(error)") }
        let magic = (try? handle.read(upToCount: 2)).map { Array($0) } ?? []
        guard magic == [0x1f, 0x8b] else { throw .notGzip }
        input.reserveCapacity(Self.chunk)  // inflate needs real storage even when the input is empty
        input.writeBytes(magic)
    }

    deinit { try? handle.close() }

    /// Exactly `count` decompressed bytes, or nil when the stream ends first.
    func read(_ count: Int) throws(TarGzError) -> [UInt8]? {
        guard try fill(count) else { return nil }
        return output.readBytes(length: count)
    }

    /// Discards `count` decompressed bytes; false when the stream ends first.
    func skip(_ count: Int64) throws(TarGzError) -> Bool {
        var left = count
        while left > 0 {
            let step = Int(min(left, Int64(Self.chunk)))
            guard try fill(step) else { return false }
            output.moveReaderIndex(forwardBy: step)
            left -= Int64(step)
        }
        return true
    }

    /// Reads to the end of the gzip member so zlib checks the CRC and length trailer.
    func drain() throws(TarGzError) {
        while !streamEnded {
            output.clear()
            guard try fill(output.readableBytes + 1) else { return }
        }
    }

    /// Decompresses until `count` bytes are buffered; false at the end of the data.
    private func fill(_ count: Int) throws(TarGzError) -> Bool {
        while output.readableBytes < count {
            if streamEnded { return false }
            if input.readableBytes == 0 && !inputEnded {
                let data: Data?
                do { data = try handle.read(upToCount: Self.chunk) } catch { throw .unreadable("\(error)") }
                input.clear()
                if let data, !data.isEmpty { input.writeBytes(data) } else { inputEnded = true }
            }
            if output.readerIndex > Self.chunk { output.discardReadBytes() }
            output.reserveCapacity(minimumWritableBytes: Self.chunk)
            let before = (input.readerIndex, output.writerIndex)
            do {
                try decompressor.inflate(from: &input, to: &output)
                // A clean return with input left over, or with no progress, is Z_STREAM_END
                // (at the end of the file an empty input probes for it: zlib answers
                // Z_STREAM_END when the member is complete, Z_BUF_ERROR when it is not).
                if input.readableBytes > 0 || (input.readerIndex, output.writerIndex) == before { streamEnded = true }
            } catch let error as CompressNIOError where error == .bufferOverflow {
                // Output full: loop to make room.
            } catch let error as CompressNIOError where error == .inputBufferOverflow {
                // zlib wants more input; at the end of the file that means a truncated stream.
                if inputEnded { throw .truncated }
            } catch {
                throw .corrupt("\(error)")
            }
            produced += Int64(output.writerIndex - before.1)
            guard produced <= maxOutput else { throw .tooLarge(maxOutput) }
        }
        return true
    }
}
