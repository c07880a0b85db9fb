import Crypto
import Foundation
import NoraCore
import NoraGo

/// Hashes a body while it streams past and compares it with what the lockfile promised.
/// Module zips are also written to a temporary file: their go.sum hash covers the files
/// inside, so it can only be computed from the whole archive.
struct BodyCheck {
    let check: MirrorCheck
    private var hasher: DigestHasher?
    private var sha1: Insecure.SHA1?
    private var collected: [UInt8]?
    private var zip: (handle: FileHandle, path: String)?

    init(_ check: MirrorCheck) throws {
        self.check = check
        switch check {
        case .none: break
        case .digest(let digest): hasher = DigestHasher(digest.algorithm)
        case .anyOf(let digests): hasher = DigestHasher(digests.first?.algorithm ?? .sha256)
        case .sha1: sha1 = Insecure.SHA1()
        case .goModH1: collected = []
        case .goZipH1:
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("nora-mirror-\(UUID().uuidString).zip").path
            guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
                throw MirrorInputError("temporary file", "cannot create \(path)")
            }
            zip = (handle, path)
        }
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) throws {
        hasher?.update(bytes)
        sha1?.update(bufferPointer: bytes)
        collected?.append(contentsOf: bytes)
        if let zip { try zip.handle.write(contentsOf: Data(bytes)) }
    }

    /// Removes the temporary zip, if any (also when the body broke off).
    func removeTemporaryFile() {
        if let zip { try? zip.handle.close(); try? FileManager.default.removeItem(atPath: zip.path) }
    }

    /// Nil when the body is what was promised, else the mismatch in words. The caller then
    /// calls `removeTemporaryFile` (once).
    func finish() -> String? {
        switch check {
        case .none: return nil
        case .digest(let expected):
            let actual = hasher!.finalize()
            return actual == expected ? nil : "got \(actual), expected \(expected)"
        case .anyOf(let expected):
            let actual = hasher!.finalize()
            return expected.contains(actual) ? nil : "got \(actual), not one of the listed hashes"
        case .sha1(let expected):
            let actual = sha1!.finalize().hexString
            return actual == expected ? nil : "got sha1 \(actual), expected \(expected)"
        case .goModH1(let expected):
            let actual = GoSum.goModH1(collected ?? [])
            return actual == expected ? nil : "go.mod hash \(actual), go.sum says \(expected)"
        case .goZipH1(let expected, let module, let version):
            guard let zip else { return "no zip" }
            try? zip.handle.synchronize()
            do {
                let semver = try GoSemver(canonical: version)
                let actual = try GoModuleZip.check(zipAt: zip.path, module: module, version: semver, limit: Int64.max).h1
                return actual == expected ? nil : "zip hash \(actual), go.sum says \(expected)"
            } catch {
                return "not a valid module zip (\(error))"
            }
        }
    }
}
