import Foundation
import NoraArchive
import NoraCore
import NoraStorage
import Testing
@testable import NoraPyPI

@Suite struct UploadFormTests {
    static func received(_ fields: [String: String], filename: String = "demo-1.0-py3-none-any.whl", content: [UInt8] = [1, 2, 3])
        throws -> (ReceivedUpload, ReceivedFile) {
        var upload = ReceivedUpload()
        for (k, v) in fields { upload.fields[k] = [v] }
        var blake = Blake2b()
        blake.update(content)
        let file = ReceivedFile(filename: filename, upload: try UploadID(validating: "test-upload-1"), size: Int64(content.count),
                                sha256: Digest.of(content), md5: content == [1, 2, 3] ? "5289df737df57326fcdd22597afb1fac" : "",
                                blake2b256: blake.finalize())
        return (upload, file)
    }

    static let good = [":action": "file_upload", "protocol_version": "1", "name": "Demo", "version": "1.0", "filetype": "bdist_wheel"]

    @Test func acceptsAMatchingForm() throws {
        let (upload, file) = try Self.received(Self.good.merging(["sha256_digest": Digest.of([1, 2, 3]).hex.uppercased(),
                                                                  "md5_digest": "5289df737df57326fcdd22597afb1fac",
                                                                  "requires_python": ">=3.8"]) { $1 })
        let form = try UploadForm(upload, file: file)
        #expect(form.project.normalized == "demo" && form.version == "1.0")
        #expect(form.requiresPython == ">=3.8")
    }

    @Test(arguments: [
        [":action": "submit"], ["protocol_version": "2"], ["name": ""], ["version": "1 0"], ["filetype": "sdist"],
        ["name": "other"], ["version": "2.0"], ["sha256_digest": String(repeating: "0", count: 64)],
        ["md5_digest": String(repeating: "0", count: 32)], ["blake2_256_digest": String(repeating: "a", count: 64)],
    ])
    func refusesEachMismatch(_ change: [String: String]) throws {
        let (upload, file) = try Self.received(Self.good.merging(change) { $1 })
        #expect(throws: PyPIError.self) { try UploadForm(upload, file: file) }
    }

    @Test func readsWheelMetadataAndRefusesNonZips() throws {
        let path = try TestArchives.write(TestArchives.wheel(requires: ">=3.9"))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bytes = try DistributionInspector.coreMetadata(path: path, distribution: try DistributionFilename("demo-1.0-py3-none-any.whl"))
        #expect(try CoreMetadata(bytes).requiresPython == ">=3.9")
        // The .dist-info folder spelled differently from the file name is still found.
        #expect(try DistributionInspector.coreMetadata(path: path, distribution: try DistributionFilename("Demo-1.0-py3-none-any.whl")) == bytes)

        let junk = try TestArchives.write(Array("not a zip at all".utf8))
        defer { try? FileManager.default.removeItem(atPath: junk) }
        #expect(throws: PyPIError.self) {
            try DistributionInspector.coreMetadata(path: junk, distribution: try DistributionFilename("demo-1.0-py3-none-any.whl"))
        }
        let empty = try TestArchives.write(TestArchives.zip([("demo/__init__.py", [1])]))
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect(throws: PyPIError.self) {
            try DistributionInspector.coreMetadata(path: empty, distribution: try DistributionFilename("demo-1.0-py3-none-any.whl"))
        }
        #expect(throws: PyPIError.self) {
            try DistributionInspector.coreMetadata(path: junk, distribution: try DistributionFilename("demo-1.0.tar.gz"))
        }
    }

    @Test func zipEntriesAreBoundedByTheCallersLimit() throws {
        let path = try TestArchives.write(TestArchives.zip([("big", [UInt8](repeating: 7, count: 5000)), ("dir/", [])]))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let zip = try ZipEntries(path: path)
        #expect(zip.paths == ["big", "dir/"])
        #expect(try zip.contents(of: "big", limit: 5000)?.count == 5000)
        #expect(try zip.contents(of: "absent", limit: 10) == nil)
        #expect(throws: ZipEntriesError.entryTooLarge(path: "big", limit: 4999)) { try zip.contents(of: "big", limit: 4999) }
    }
}
