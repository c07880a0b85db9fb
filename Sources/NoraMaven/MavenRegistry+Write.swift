import Hummingbird
import NIOCore
import NoraCore
import NoraStorage

/// PUT: artifact files (streamed, four checksums computed on the way), uploaded checksums
/// (verified), and client metadata (accepted; the generated document stays authoritative).
extension MavenRegistry {
    /// Largest POM read back to learn its packaging, and largest client metadata document read.
    static let smallDocumentLimit = 2 * 1024 * 1024

    func put(_ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try context.require(.write)
        let target = try MavenTarget(request)
        guard !target.isFolder else { throw MavenError(.invalidPath, "PUT needs a file path, not a folder") }
        switch target.route {
        case .file(let file):
            return try await putFile(file, request, context)
        case .checksum(of: .file(let file), let algorithm):
            return try await putChecksum(file, algorithm, request)
        case .checksum(of: .metadata, _):
            _ = try await request.body.collect(upTo: 1024)  // the generated document's own checksums are served
            return Response(status: .created)
        case .metadata(let folder):
            let bytes = try await request.body.collect(upTo: min(config.bodyLimitBytes, Self.smallDocumentLimit))
            _ = try await index.db.transaction(locking: "maven:\(folder.joined(separator: "."))") { db in
                try await index.adoptPlugins(from: Array(buffer: bytes), folder: folder, in: db)
            }
            return Response(status: .created)
        case .checksum(of: .folder(let segments), _), .folder(let segments):
            _ = try MavenFile(segments: segments)  // throws the precise layout error
            throw MavenError(.invalidPath, "\(target.displayPath) is not a deployable Maven path")
        case .checksum:
            throw MavenError(.invalidPath, "\(target.displayPath) is not a deployable Maven path")
        }
    }

    func putFile(_ file: MavenFile, _ request: Request, _ context: NoraRequestContext) async throws -> Response {
        let immutable = config.maven.immutableReleases && !file.isSnapshot
        // Checked before streaming to spare the upload, and again in the transaction, which decides.
        if immutable, let existing = try await index.file(file.path, in: index.db.reader) { try Self.checkReplaceable(existing, file) }
        let hashing = HashingBody(request.body)
        let blob: BlobInfo
        do {
            blob = try await store.put(hashing, algorithm: .sha256, expected: nil, limit: nil)
        } catch let error as StorageError {
            throw error.mavenError
        }
        let ref = BlobRef(digest: blob.digest, size: blob.size, checksums: hashing.checksums)
        let pom = file.fileExtension == "pom" && blob.size <= Self.smallDocumentLimit ? PomSummary(try await readBlob(blob.digest)) : nil
        let uploader = context.identity?.name
        let replaced = try await index.db.transaction(locking: "maven:\(file.groupId)") { db in
            let current = try await index.file(file.path, in: db)
            if immutable, let current { try Self.checkReplaceable(current, file) }
            try await index.upsert(file, blob: ref, uploader: uploader, replacing: current != nil, in: db)
            if let pom, pom.packaging == "maven-plugin" {
                try await index.upsertPlugin(groupId: file.groupId, artifactId: file.artifactId,
                                             prefix: pom.goalPrefix ?? MavenMetadata.defaultPrefix(artifactId: file.artifactId),
                                             name: pom.name ?? file.artifactId, replace: pom.goalPrefix != nil, in: db)
            }
            try await index.regenerate(after: file, in: db)
            return current != nil
        }
        context.logger.info("maven file deployed", metadata: ["path": .string(file.path), "size": .stringConvertible(blob.size)])
        context.annotations.note(ActivityNote(.publish, .maven, name: "\(file.groupId):\(file.artifactId)", version: file.version))
        return Response(status: replaced ? .ok : .created, headers: [.eTag: EntityTag.quoted(ref.checksums.sha256)])
    }

    /// A release file may be replaced only while it is untrusted: its uploaded checksum
    /// did not match and none ever has.
    static func checkReplaceable(_ existing: MavenIndex.StoredFile, _ file: MavenFile) throws(MavenError) {
        guard existing.untrustedBy != nil, existing.verifiedBy == nil else {
            throw MavenError(.releaseExists, "\(file.fileName) of release \(file.groupId):\(file.artifactId):\(file.version) "
                             + "is already deployed and releases are immutable")
        }
    }

    enum ChecksumOutcome: Sendable { case matched, mismatched(actual: String), conflicting(actual: String), missing }

    /// An uploaded checksum is compared with the stored file's. A match verifies the file (and
    /// lifts a quarantine set by the same algorithm). A mismatch quarantines a file that no
    /// checksum ever matched, so a corrupted upload can be fixed by uploading again; once
    /// verified, a file is never taken down by a conflicting checksum: that is refused.
    func putChecksum(_ file: MavenFile, _ algorithm: ChecksumAlgorithm, _ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 1024)
        guard let uploaded = MavenChecksums.parseUploaded(String(buffer: body), algorithm) else {
            throw MavenError(.invalidChecksum, "a .\(algorithm.rawValue) file holds \(algorithm.hexLength) hex digits")
        }
        let outcome: ChecksumOutcome = try await index.db.transaction(locking: "maven:\(file.groupId)") { db in
            guard let stored = try await index.file(file.path, in: db) else { return .missing }
            let actual = stored.checksums[algorithm]
            if actual == uploaded {
                if stored.untrustedBy == algorithm.rawValue {
                    try await index.setUntrusted(file.path, by: nil, in: db)
                    try await index.regenerate(after: file, in: db)
                }
                if stored.verifiedBy == nil, stored.untrustedBy == nil || stored.untrustedBy == algorithm.rawValue {
                    try await index.setVerified(file.path, by: algorithm.rawValue, in: db)
                }
                return .matched
            }
            if stored.verifiedBy != nil { return .conflicting(actual: actual) }
            if stored.untrustedBy == nil {
                try await index.setUntrusted(file.path, by: algorithm.rawValue, in: db)
                try await index.regenerate(after: file, in: db)
            }
            return .mismatched(actual: actual)
        }
        switch outcome {
        case .matched: return Response(status: .created)
        case .missing: throw MavenError(.checksumWithoutFile, "deploy \(file.fileName) before its checksum")
        case .conflicting(let actual):
            throw MavenError(.checksumConflict, "\(algorithm.rawValue) of \(file.fileName) is \(actual), verified earlier; "
                             + "the uploaded \(uploaded) is refused and the file is unchanged")
        case .mismatched(let actual):
            throw MavenError(.checksumMismatch, "\(algorithm.rawValue) mismatch for \(file.fileName): uploaded \(uploaded), "
                             + "content is \(actual); the file is not served until a matching checksum or a new upload arrives")
        }
    }

    /// A small stored document, read whole (POMs only, under `smallDocumentLimit`).
    func readBlob(_ digest: Digest) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        try await store.read(digest, range: nil) { chunk in bytes.append(contentsOf: chunk.readableBytesView) }
        return bytes
    }
}
