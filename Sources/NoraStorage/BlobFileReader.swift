import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Streams a file (or a byte range of it) with `pread(2)`, reusing its buffers.
///
/// Why not `_NIOFileSystem`'s chunk reads: each chunk there is a fresh allocation, and a
/// chunk of 128 KiB or more is a fresh `mmap` (see `MemoryTuning`), so every chunk paid page
/// faults and zeroing — about a fifth of a pull's CPU, capping one pull near 1 GB/s. Here a
/// download owns two buffers and alternates them: `ByteBuffer.clear()` reuses a buffer's
/// memory once the socket has let go of it (and allocates a fresh one, without copying, if it
/// has not), so a pull touches the same pages over and over.
///
/// Reads run on NIO's blocking-I/O thread pool. (Reading page-cached data in place with
/// `preadv2(RWF_NOWAIT)` was tried and measured slower: 2.4 against 3.5 GB/s for one pull and
/// 1.4 against 2.3 GB/s for 16, as the copies then compete with the request tasks for the
/// cooperative threads.) The file is opened, measured and — when small — read and closed in
/// one trip to that pool, which is what manifests need.
enum BlobFileReader {
    /// Files up to this size are read in one piece, into a buffer of their own size.
    static let smallFile = 64 * 1024

    /// Streams `range` (all of the file when nil) to `sink`; one chunk in flight at a time.
    /// `checkSize` sees the file's length before anything is read and may throw (to refuse a
    /// range, for instance).
    static func stream(path: String, range: ClosedRange<Int64>?,
                       checkSize: @escaping @Sendable (Int64) throws -> Void,
                       into sink: (ByteBuffer) async throws -> Void) async throws {
        let file = OpenBlobFile()
        defer { file.closeFile() }
        try await NIOThreadPool.singleton.runIfActive {
            try file.openFile(path)
            try checkSize(file.size)
            if let wanted = Self.wanted(range, size: file.size), wanted.count <= Int64(smallFile) {
                try file.read(into: 0, at: wanted.lowerBound, length: Int(wanted.count))
            }
        }
        guard let wanted = wanted(range, size: file.size) else { return }
        if wanted.count <= Int64(smallFile) {
            try await sink(file.buffers[0])
            return
        }
        DownloadBudget.started()
        file.adopt(SpareChunks.take(), SpareChunks.take())
        defer {
            DownloadBudget.finished()
            SpareChunks.give(file.buffers)
        }
        var offset = wanted.lowerBound
        var turn = 0
        // Slow start: a chunk lingers in the socket as long as its reader takes, so one sized
        // while few downloads ran must not be large (256 slow readers opened at once held
        // 1 MiB chunks sized for the first few).
        var ceiling = DownloadBudget.smallest
        while offset <= wanted.upperBound {
            let length = Int(min(Int64(min(ceiling, DownloadBudget.chunkSize())), wanted.upperBound - offset + 1))
            ceiling = min(2 * ceiling, DownloadBudget.largest)
            let slot = turn & 1
            try await NIOThreadPool.singleton.runIfActive { [offset] in
                try file.read(into: slot, at: offset, length: length)
            }
            offset += Int64(length)
            turn += 1
            try await sink(file.buffers[slot])
        }
    }

    /// The byte range to send, as offsets; nil for an empty file read whole.
    private static func wanted(_ range: ClosedRange<Int64>?, size: Int64) -> (lowerBound: Int64, upperBound: Int64, count: Int64)? {
        if let range { return (range.lowerBound, range.upperBound, range.upperBound - range.lowerBound + 1) }
        return size == 0 ? nil : (0, size - 1, size)
    }
}

/// Sizes download chunks so their buffers share one memory budget: a lone pull reads 1 MiB at
/// a time (measured: 2.6 GB/s against 2.0 GB/s with 256 KiB chunks, fewer trips through the
/// event loop per byte), and as pulls multiply the chunks shrink, down to 16 KiB, so memory
/// stays near the budget however many pulls run (each holds two chunks, and a third while
/// the socket still holds one). This is the buffered path (S3, `server.sendfile` off); local
/// files normally go out with `sendfile(2)` and hold no buffers at all. (With a 64 KiB floor,
/// 256 slow readers peaked at 132 MiB in a debug build.)
enum DownloadBudget {
    static let bytes = 16 * 1024 * 1024
    static let largest = 1024 * 1024
    static let smallest = 16 * 1024
    private static let active = Atomic<Int>(0)

    static func started() { active.add(1, ordering: .relaxed) }
    static func finished() { active.subtract(1, ordering: .relaxed) }

    /// The chunk size now: the budget split over the running pulls' two buffers each,
    /// rounded down to a power of two within `smallest...largest`.
    static func chunkSize() -> Int { chunkSize(activeDownloads: active.load(ordering: .relaxed)) }

    static func chunkSize(activeDownloads: Int) -> Int {
        let share = bytes / (2 * max(activeDownloads, 1))
        var size = largest
        while size > smallest && size > share { size /= 2 }
        return size
    }
}

/// Chunk buffers of finished downloads, kept for the next ones (up to 8 MiB): a short pull
/// (say 1 MiB in four chunks) would otherwise map, fault in and unmap two fresh buffers per
/// request — measured as a third of the CPU of `GET` of 1 MiB files under load. A buffer
/// the socket still holds is harmless here: `clear()` then allocates instead of reusing.
enum SpareChunks {
    static let maxBytes = 8 * 1024 * 1024
    private static let spares = NIOLockedValueBox([ByteBuffer]())

    static func take() -> ByteBuffer {
        spares.withLockedValue { $0.popLast() } ?? ByteBuffer()
    }

    static func give(_ buffers: [ByteBuffer]) {
        spares.withLockedValue { spares in
            var total = spares.reduce(0) { $0 + $1.capacity }
            for buffer in buffers where buffer.capacity > 0 && total + buffer.capacity <= maxBytes {
                spares.append(buffer)
                total += buffer.capacity
            }
        }
    }
}

/// One open file and its two reusable buffers. Only one thread touches it at a time: the
/// download task hands it to the thread pool and waits for it back.
private final class OpenBlobFile: @unchecked Sendable {
    private var descriptor: CInt = -1
    private(set) var size: Int64 = 0
    private(set) var buffers = [ByteBuffer(), ByteBuffer()]

    func adopt(_ first: ByteBuffer, _ second: ByteBuffer) { buffers = [first, second] }

    func openFile(_ path: String) throws {
        descriptor = path.withCString { open($0, O_RDONLY | O_CLOEXEC) }
        guard descriptor >= 0 else {
            throw errno == ENOENT ? StorageError.notFound : StorageError.io("open \(path): errno \(errno)")
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw StorageError.io("fstat \(path): errno \(errno)") }
        guard info.st_mode & S_IFMT == S_IFREG else { throw StorageError.notFound }
        size = Int64(info.st_size)
    }

    /// Empties buffer `slot` for `length` bytes, reusing its memory when the socket is done
    /// with it and dropping it when the chunk size has shrunk well below its capacity.
    private func prepare(_ slot: Int, for length: Int) {
        if buffers[slot].capacity > 2 * length { buffers[slot] = ByteBuffer() }
        buffers[slot].clear(minimumCapacity: length)
    }

    /// Fills buffer `slot` with exactly `length` bytes from `offset`.
    func read(into slot: Int, at offset: Int64, length: Int) throws {
        prepare(slot, for: length)
        var done = 0
        while done < length {
            var count = 0
            buffers[slot].writeWithUnsafeMutableBytes(minimumWritableBytes: length - done) { memory in
                count = pread(descriptor, memory.baseAddress, length - done, off_t(offset) + off_t(done))
                return max(count, 0)
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw StorageError.io(count == 0 ? "file ended early" : "read failed: errno \(errno)") }
            done += count
        }
    }

    func closeFile() {
        if descriptor >= 0 { _ = close(descriptor) }
        descriptor = -1
    }
}
