import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A blob (or a byte range of it) held open as a local file, so its bytes can go to a socket
/// with `sendfile(2)` (`FileRegion`) instead of being copied through buffers.
///
/// Opened before the response is answered: a blob missing from the disk becomes an error
/// response rather than a 200 cut short, and a blob deleted afterwards (garbage collection
/// renames nothing, it unlinks) is still sent whole from the open descriptor.
/// Whoever holds one must `close()` it, once; `FileRegionWriter` does after the send.
public final class LocalBlobFile: Sendable {
    /// Owns the descriptor. `NIOFileHandle` is the type `FileRegion` takes.
    public let handle: NIOFileHandle
    /// Where the bytes to send start, and how many there are.
    public let offset: Int64
    public let length: Int64

    private init(handle: NIOFileHandle, offset: Int64, length: Int64) {
        self.handle = handle
        self.offset = offset
        self.length = length
    }

    /// Opens `path` read-only on NIO's blocking-I/O pool, for `range` (all of it when nil).
    /// `StorageError.notFound` when there is no regular file there, `rangeNotSatisfiable`
    /// when the range does not lie within it.
    static func opening(path: String, range: ClosedRange<Int64>?) async throws -> LocalBlobFile {
        try await NIOThreadPool.singleton.runIfActive {
            let (descriptor, size) = try openRegularFile(path)
            let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: descriptor)
            guard let range else { return LocalBlobFile(handle: handle, offset: 0, length: size) }
            guard range.lowerBound >= 0, range.upperBound < size else {
                try? handle.close()
                throw StorageError.rangeNotSatisfiable(size: size)
            }
            return LocalBlobFile(handle: handle, offset: range.lowerBound, length: range.upperBound - range.lowerBound + 1)
        }
    }

    /// Closes the descriptor (a second call is a no-op).
    public func close() {
        try? handle.close()
    }

    /// A response dropped before its body was written (the client left first) never ran the
    /// code that closes the file.
    deinit { close() }
}

/// `open(2)` + `fstat(2)`: the descriptor and length of a regular file.
private func openRegularFile(_ path: String) throws -> (CInt, Int64) {
    let descriptor = path.withCString { open($0, O_RDONLY | O_CLOEXEC) }
    guard descriptor >= 0 else {
        throw errno == ENOENT ? StorageError.notFound : StorageError.io("open \(path): errno \(errno)")
    }
    var info = stat()
    guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
        _ = close(descriptor)
        throw StorageError.notFound
    }
    return (descriptor, Int64(info.st_size))
}
