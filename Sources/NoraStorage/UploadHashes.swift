import NIOConcurrencyHelpers
import NoraCore

/// SHA-256 of each upload as far as this process has seen it being written, so committing a
/// chunked upload does not read the whole file back to hash it.
///
/// Only a shortcut, never the truth: an entry is used at commit only when it covers exactly
/// the bytes the upload file holds. An append handled by another replica, a failed append
/// (rolled back on disk) or a restart leaves no entry or one of the wrong length, and the
/// commit then hashes the file as before.
final class UploadHashes: Sendable {
    struct Running: Sendable {
        var hasher: DigestHasher
        var size: Int64
    }

    /// Bounded like the upload sessions themselves; past this, uploads are hashed at commit.
    static let maxEntries = 1024

    private let entries = NIOLockedValueBox([UploadID: Running]())

    /// Takes the running hash of `upload` for an append starting at `offset` (the upload's
    /// current size). Nil when there is none that covers exactly those bytes.
    func take(_ upload: UploadID, at offset: Int64) -> Running? {
        let running = entries.withLockedValue { $0.removeValue(forKey: upload) }
        if let running, running.size == offset { return running }
        return offset == 0 ? Running(hasher: DigestHasher(.sha256), size: 0) : nil
    }

    /// Keeps the hash after a successful append.
    func keep(_ running: Running, for upload: UploadID) {
        entries.withLockedValue { entries in
            if entries.count < Self.maxEntries || entries[upload] != nil { entries[upload] = running }
        }
    }

    /// The digest of `upload` when the running hash covers all of its `size` bytes.
    func digest(of upload: UploadID, size: Int64, algorithm: Digest.Algorithm) -> Digest? {
        guard let running = forget(upload), running.size == size, algorithm == .sha256 else { return nil }
        return running.hasher.finalize()
    }

    @discardableResult
    func forget(_ upload: UploadID) -> Running? {
        entries.withLockedValue { $0.removeValue(forKey: upload) }
    }

    /// Drops entries of uploads that no longer exist (swept as abandoned).
    func retain(only isLive: (UploadID) -> Bool) {
        entries.withLockedValue { entries in entries = entries.filter { isLive($0.key) } }
    }
}
