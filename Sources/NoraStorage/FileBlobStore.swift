import NIOCore
import NIOPosix
import NoraCore
import _NIOFileSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Blobs as files under one root folder (layout in `README.md` beside this file):
///
///     blobs/<alg>/<2 hex>/<hex>   immutable content, written once
///     uploads/<id>                resumable uploads, appended to
///     tmp/<random>                writes in flight; never visible as a blob
///
/// A write goes to `tmp/`, is hashed on the way, fsynced, and only then renamed into
/// `blobs/`; `rename(2)` is atomic, so a reader or a crash never sees half a blob.
public struct FileBlobStore: BlobStore {
    public let root: String
    private let fs = FileSystem.shared
    private let uploadHashes = UploadHashes()

    /// Creates the folder layout when missing.
    public init(root: String) async throws {
        self.root = root.hasSuffix("/") ? String(root.dropLast()) : root
        for folder in ["blobs", "uploads", "tmp"] {
            try await fs.createDirectory(at: FilePath("\(self.root)/\(folder)"), withIntermediateDirectories: true, permissions: nil)
        }
    }

    private func path(_ key: StorageKey) -> FilePath { FilePath("\(root)/\(key.path)") }

    // MARK: Blobs

    public func put<Body: AsyncSequence & Sendable>(
        _ body: Body, algorithm: Digest.Algorithm, expected: Digest?, limit: Int64?
    ) async throws -> BlobInfo where Body.Element == ByteBuffer {
        let temp = try StorageKey(validating: "tmp/\(Self.randomName())")
        do {
            let (hasher, size) = try await write(body, to: path(temp), startingAt: 0, limit: limit,
                                                 hashing: DigestHasher(expected?.algorithm ?? algorithm), replace: false)
            guard let digest = hasher?.finalize() else { throw StorageError.io("no digest computed") }
            if let expected, expected != digest { throw StorageError.digestMismatch(expected: expected, actual: digest) }
            try await place(temp, as: digest)
            return BlobInfo(digest: digest, size: size)
        } catch {
            _ = try? await fs.removeItem(at: path(temp), strategy: .platformDefault, recursively: false)
            throw Self.mapped(error)
        }
    }

    public func stat(_ digest: Digest) async throws -> BlobInfo? {
        guard let info = try await fs.info(forFileAt: path(.blob(digest)), infoAboutSymbolicLink: false),
              info.type == .regular else { return nil }
        return BlobInfo(digest: digest, size: info.size, modifiedAt: Int64(info.lastDataModificationTime.seconds))
    }

    public func read(_ digest: Digest, range: ClosedRange<Int64>?,
                     into sink: (ByteBuffer) async throws -> Void) async throws {
        try await BlobFileReader.stream(path: path(.blob(digest)).string, range: range, checkSize: { size in
            if let range, range.lowerBound < 0 || range.upperBound >= size || range.lowerBound > range.upperBound {
                throw StorageError.rangeNotSatisfiable(size: size)
            }
        }, into: sink)
    }

    public func openLocalFile(_ digest: Digest, range: ClosedRange<Int64>?) async throws -> LocalBlobFile? {
        try await LocalBlobFile.opening(path: path(.blob(digest)).string, range: range)
    }

    @discardableResult
    public func delete(_ digest: Digest) async throws -> Bool {
        try await fs.removeItem(at: path(.blob(digest)), strategy: .platformDefault, recursively: false) > 0
    }

    public func quarantine(_ digest: Digest) async throws -> String {
        let key = "quarantine/\(digest.algorithm.rawValue)-\(digest.hex)-\(Clock.nowSeconds())"
        try await fs.createDirectory(at: FilePath("\(root)/quarantine"), withIntermediateDirectories: true, permissions: nil)
        do {
            try await fs.moveItem(at: path(.blob(digest)), to: FilePath("\(root)/\(key)"))
        } catch {
            throw Self.mapped(error)
        }
        return key
    }

    public func list(_ each: @Sendable (BlobInfo) async throws -> Void) async throws {
        for algorithm in Digest.Algorithm.allCases {
            let base = "\(root)/blobs/\(algorithm.rawValue)"
            for fanout in try await names(in: base) {
                for name in try await names(in: "\(base)/\(fanout)") {
                    if let digest = try? Digest(algorithm: algorithm, hex: name), let info = try await stat(digest) {
                        try await each(info)
                    }
                }
            }
        }
    }

    // MARK: Uploads

    public func startUpload() async throws -> UploadID {
        let id = try UploadID(validating: Self.randomName())
        try await fs.withFileHandle(forWritingAt: path(.upload(id)), options: .newFile(replaceExisting: false)) { _ in }
        return id
    }

    public func append<Body: AsyncSequence & Sendable>(
        _ body: Body, to upload: UploadID, limit: Int64?
    ) async throws -> Int64 where Body.Element == ByteBuffer {
        guard let current = try await uploadSize(upload) else { throw StorageError.uploadUnknown }
        let file = path(try .upload(upload))
        let running = uploadHashes.take(upload, at: current)
        do {
            let (hasher, written) = try await write(body, to: file, startingAt: current,
                                                    limit: limit.map { $0 - current }, hashing: running?.hasher, replace: true)
            if let hasher { uploadHashes.keep(.init(hasher: hasher, size: current + written), for: upload) }
            return current + written
        } catch {
            // Roll back to the size before this append, so a refused chunk leaves no trace.
            _ = file.string.withCString { truncate($0, off_t(current)) }
            throw Self.mapped(error)
        }
    }

    public func uploadSize(_ upload: UploadID) async throws -> Int64? {
        guard let info = try await fs.info(forFileAt: path(.upload(upload)), infoAboutSymbolicLink: false) else { return nil }
        return info.size
    }

    public func commit(_ upload: UploadID, expected: Digest) async throws -> BlobInfo {
        let key = try StorageKey.upload(upload)
        guard let size = try await uploadSize(upload) else { throw StorageError.uploadUnknown }
        let actual: Digest
        if let known = uploadHashes.digest(of: upload, size: size, algorithm: expected.algorithm) {
            actual = known
        } else {
            actual = try await hashFile(key, algorithm: expected.algorithm)
        }
        guard actual == expected else {
            try await cancel(upload)
            throw StorageError.digestMismatch(expected: expected, actual: actual)
        }
        try await place(key, as: actual)
        return BlobInfo(digest: actual, size: size)
    }

    public func cancel(_ upload: UploadID) async throws {
        uploadHashes.forget(upload)
        try await fs.removeItem(at: path(.upload(upload)), strategy: .platformDefault, recursively: false)
    }

    public func sweep(olderThan cutoffSeconds: Int64) async throws -> Int {
        let now = Int64(time(nil))
        var removed = 0
        for folder in ["uploads", "tmp"] {
            for name in try await names(in: "\(root)/\(folder)") {
                let file = FilePath("\(root)/\(folder)/\(name)")
                guard let info = try await fs.info(forFileAt: file, infoAboutSymbolicLink: true) else { continue }
                if now - Int64(info.lastDataModificationTime.seconds) >= cutoffSeconds {
                    removed += try await fs.removeItem(at: file, strategy: .platformDefault, recursively: true)
                }
            }
        }
        uploadHashes.retain { upload in "\(root)/uploads/\(upload.value)".withCString { access($0, F_OK) } == 0 }
        return removed
    }

    public func checkHealth() async throws {
        let ok = "\(root)/tmp".withCString { access($0, W_OK) } == 0
        if !ok { throw StorageError.io("storage folder \(root)/tmp is not writable") }
    }

    public func withBlobFile<T: Sendable>(_ digest: Digest, _ body: (String) async throws -> T) async throws -> T {
        guard try await stat(digest) != nil else { throw StorageError.notFound }
        return try await body(path(.blob(digest)).string)
    }

    public func withUploadFile<T: Sendable>(_ upload: UploadID, _ body: (String) async throws -> T) async throws -> T {
        guard try await uploadSize(upload) != nil else { throw StorageError.uploadUnknown }
        return try await body(path(.upload(upload)).string)
    }

    // MARK: Helpers

    /// Streams `body` into `file` at `offset`, fsyncs, and returns `hasher` fed with the
    /// bytes (when given) and the number of bytes written.
    private func write<Body: AsyncSequence & Sendable>(
        _ body: Body, to file: FilePath, startingAt offset: Int64, limit: Int64?,
        hashing hasher: DigestHasher?, replace: Bool
    ) async throws -> (DigestHasher?, Int64) where Body.Element == ByteBuffer {
        var hasher = hasher
        var written: Int64 = 0
        let options: OpenOptions.Write = replace ? .modifyFile(createIfNecessary: false) : .newFile(replaceExisting: false)
        try await fs.withFileHandle(forWritingAt: file, options: options) { handle in
            try await handle.withBufferedWriter(startingAtAbsoluteOffset: offset) { writer in
                for try await buffer in body {
                    written += Int64(buffer.readableBytes)
                    if let limit, written > limit { throw StorageError.tooLarge(limit: limit) }
                    if hasher != nil { buffer.withUnsafeReadableBytes { hasher!.update($0) } }
                    _ = try await writer.write(contentsOf: buffer)
                }
            }
            try await handle.synchronize()
        }
        return (hasher, written)
    }

    private func hashFile(_ key: StorageKey, algorithm: Digest.Algorithm) async throws -> Digest {
        var hasher = DigestHasher(algorithm)
        try await BlobFileReader.stream(path: path(key).string, range: nil, checkSize: { _ in }) { chunk in
            chunk.withUnsafeReadableBytes { hasher.update($0) }
        }
        return hasher.finalize()
    }

    /// Atomically moves a finished file to its blob path. Content addressing makes a
    /// concurrent writer of the same digest harmless: both renames leave identical bytes.
    private func place(_ source: StorageKey, as digest: Digest) async throws {
        let target = try StorageKey.blob(digest)
        let folder = FilePath("\(root)/\(target.path)").removingLastComponent()
        try await fs.createDirectory(at: folder, withIntermediateDirectories: true, permissions: nil)
        let result = path(source).string.withCString { from in path(target).string.withCString { to in rename(from, to) } }
        guard result == 0 else { throw StorageError.io("rename into \(target.path) failed (errno \(errno))") }
        // A committed upload keeps the time of its last append; the garbage collector's grace
        // period counts from the moment the blob became visible, so say that it is now.
        _ = path(target).string.withCString { utimensat(AT_FDCWD, $0, nil, 0) }
    }

    private func names(in folder: String) async throws -> [String] {
        do {
            return try await fs.withDirectoryHandle(atPath: FilePath(folder)) { dir in
                var names: [String] = []
                for try await entry in dir.listContents() { names.append(entry.name.string) }
                return names
            }
        } catch let error as FileSystemError where error.code == .notFound {
            return []
        }
    }

    /// ENOSPC or EDQUOT anywhere in the error's causes.
    static func isOutOfSpace(_ error: FileSystemError) -> Bool {
        var cause: (any Error)? = error
        while let current = cause {
            if let call = current as? FileSystemError.SystemCallError, call.errno == .noSpace || call.errno == .diskQuotaExceeded {
                return true
            }
            cause = (current as? FileSystemError)?.cause
        }
        return false
    }

    static func randomName() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }.hexString
    }

    static func mapped(_ error: any Error) -> any Error {
        if error is StorageError || error is CancellationError { return error }
        if let fsError = error as? FileSystemError {
            if isOutOfSpace(fsError) { return StorageError.full }
            return fsError.code == .notFound ? StorageError.notFound : StorageError.io(fsError.message)
        }
        return error
    }
}
