import Foundation
import NIOCore
import NoraCore
import NoraStorageConformance
@testable import NoraStorage
import Testing

let s3TestServerURL: String? = ProcessInfo.processInfo.environment["NORA_TEST_S3_URL"].flatMap { $0.isEmpty ? nil : $0 }
/// Credentials for that server; when the server checks signatures (moto with its IAM on, as
/// scripts/test.sh runs it), `NORA_TEST_S3_CHECKS_SIGNATURES=1` also runs the refusal test.
let s3TestCredentials = SigV4Signer.Credentials(
    accessKey: ProcessInfo.processInfo.environment["NORA_TEST_S3_ACCESS_KEY"] ?? "testing",
    secretKey: ProcessInfo.processInfo.environment["NORA_TEST_S3_SECRET_KEY"] ?? "testing")
let s3TestChecksSignatures = ProcessInfo.processInfo.environment["NORA_TEST_S3_CHECKS_SIGNATURES"] == "1"

/// The S3 client against a real S3-compatible server: `NORA_TEST_S3_URL` names it
/// (scripts/test.sh starts moto's server for these tests; any S3 works, e.g. MinIO).
/// Each test works in a bucket of its own.
@Suite(.enabled(if: s3TestServerURL != nil, "set NORA_TEST_S3_URL to an S3-compatible server"))
struct S3ClientTests {
    static var serverURL: String? { s3TestServerURL }

    static func client() async throws -> S3Client {
        let endpoint = try S3Client.Endpoint(url: serverURL!, bucket: "nora-test-\(UUID().uuidString.lowercased().prefix(12))")
        let signer = SigV4Signer(credentials: s3TestCredentials, region: "us-east-1")
        let client = S3Client(endpoint: endpoint, signer: signer)
        try await client.createBucket()
        return client
    }

    static func read(_ client: S3Client, _ key: String, range: ClosedRange<Int64>? = nil) async throws -> [UInt8]? {
        var bytes: [UInt8] = []
        let found = try await client.get(key, range: range) { bytes += Array($0.readableBytesView) }
        return found ? bytes : nil
    }

    @Test func objectsRoundTripWithRangesAndDeletes() async throws {
        let s3 = try await Self.client()
        let content = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try await s3.put("blobs/sha256/ab/a b+é", ByteBuffer(bytes: content))
        #expect(try await Self.read(s3, "blobs/sha256/ab/a b+é") == content)
        #expect(try await Self.read(s3, "blobs/sha256/ab/a b+é", range: 100...199) == Array(content[100...199]))
        let info = try #require(try await s3.head("blobs/sha256/ab/a b+é"))
        #expect(info.size == 70_000)
        #expect(abs((info.lastModified ?? 0) - Clock.nowSeconds()) < 300)
        try await s3.delete("blobs/sha256/ab/a b+é")
        #expect(try await s3.head("blobs/sha256/ab/a b+é") == nil)
        #expect(try await Self.read(s3, "blobs/sha256/ab/a b+é") == nil)
    }

    @Test func conditionalPutNeverOverwrites() async throws {
        let s3 = try await Self.client()
        #expect(try await s3.put("once", ByteBuffer(string: "first"), ifAbsent: true))
        #expect(try await s3.put("once", ByteBuffer(string: "second"), ifAbsent: true) == false)
        #expect(try await Self.read(s3, "once") == Array("first".utf8))
    }

    @Test func listingFollowsContinuationTokens() async throws {
        let s3 = try await Self.client()
        let keys = (0..<7).map { "blobs/k\($0)" }
        for key in keys { try await s3.put(key, ByteBuffer(string: key)) }
        try await s3.put("uploads/other", ByteBuffer(string: "x"))
        let first = try await s3.list(prefix: "blobs/", maxKeys: 3)
        #expect(first.objects.count == 3 && first.next != nil)
        var seen: [String] = []
        var token: String?
        repeat {
            let page = try await s3.list(prefix: "blobs/", continuation: token, maxKeys: 3)
            seen += page.objects.map(\.key)
            token = page.next
        } while token != nil
        #expect(seen.sorted() == keys)
        var all: [String] = []
        try await s3.listAll(prefix: "") { all.append($0.key) }
        #expect(all.sorted() == (keys + ["uploads/other"]).sorted())
    }

    @Test func multipartUploadsCompleteOrAbortLeavingNothing() async throws {
        let s3 = try await Self.client()
        let part1 = [UInt8](repeating: 1, count: 5 * 1024 * 1024), part2 = [UInt8](repeating: 2, count: 1000)
        let id = try await s3.createMultipartUpload("tmp/big")
        let etags = [try await s3.uploadPart("tmp/big", uploadID: id, number: 1, ByteBuffer(bytes: part1)),
                     try await s3.uploadPart("tmp/big", uploadID: id, number: 2, ByteBuffer(bytes: part2))]
        try await s3.completeMultipartUpload("tmp/big", uploadID: id, etags: etags)
        #expect(try await s3.head("tmp/big")?.size == Int64(part1.count + part2.count))
        #expect(try await Self.read(s3, "tmp/big", range: 5 * 1024 * 1024 - 2 ... 5 * 1024 * 1024 + 1) == [1, 1, 2, 2])

        let abandoned = try await s3.createMultipartUpload("tmp/abandoned")
        _ = try await s3.uploadPart("tmp/abandoned", uploadID: abandoned, number: 1, ByteBuffer(bytes: part2))
        #expect(try await s3.pendingMultipartUploads(prefix: "tmp/") == ["tmp/abandoned"])
        try await s3.abortMultipartUpload("tmp/abandoned", uploadID: abandoned)
        #expect(try await s3.pendingMultipartUploads(prefix: "tmp/").isEmpty)
        #expect(try await s3.head("tmp/abandoned") == nil)
    }

    @Test func largeCopiesGoInRanges() async throws {
        let s3 = try await Self.client()
        let content = (0..<(12 * 1024 * 1024 + 5)).map { UInt8(truncatingIfNeeded: $0 / 7) }
        try await s3.put("tmp/source", ByteBuffer(bytes: content))
        // Past the single-copy limit (lowered here): ranges of 5 MiB, the last one short.
        try await s3.copy(from: "tmp/source", to: "blobs/copied", size: Int64(content.count), singleCopyLimit: 1024, partSize: 5 * 1024 * 1024)
        #expect(try await Self.read(s3, "blobs/copied") == content)
        try await s3.copy(from: "tmp/source", to: "blobs/whole", size: Int64(content.count))
        #expect(try await s3.head("blobs/whole")?.size == Int64(content.count))
        #expect(try await s3.pendingMultipartUploads(prefix: "").isEmpty)
    }

    @Test func errorsCarryTheServersCode() async throws {
        let endpoint = try S3Client.Endpoint(url: Self.serverURL!, bucket: "nora-missing-\(UUID().uuidString.lowercased().prefix(8))")
        let s3 = S3Client(endpoint: endpoint, signer: SigV4Signer(credentials: s3TestCredentials, region: "us-east-1"))
        let error = await #expect(throws: S3Client.Failure.self) { try await s3.put("x", ByteBuffer(string: "x")) }
        #expect(error?.status == 404 && error?.code == "NoSuchBucket")
    }

    @Test(.enabled(if: s3TestChecksSignatures, "the server does not check signatures"))
    func aWrongSecretIsRefusedAndTheRightOneAccepted() async throws {
        let s3 = try await Self.client()  // signed with the right secret: accepted
        try await s3.put("signed", ByteBuffer(string: "ok"))
        let forged = S3Client(endpoint: s3.endpoint, signer: SigV4Signer(
            credentials: .init(accessKey: s3TestCredentials.accessKey, secretKey: s3TestCredentials.secretKey + "x"), region: "us-east-1"))
        let error = await #expect(throws: S3Client.Failure.self) { try await forged.put("forged", ByteBuffer(string: "no")) }
        #expect(error?.status == 403 && error?.code == "SignatureDoesNotMatch")
        #expect(try await s3.head("forged") == nil)
    }
}

/// The shared `BlobStore` suite, unchanged, against `S3BlobStore` behind the validating
/// wrapper: a bucket per check, and nothing may stay in `tmp/`, `uploads/` or as an
/// unfinished multipart upload afterwards.
@Suite(.enabled(if: s3TestServerURL != nil, "set NORA_TEST_S3_URL to an S3-compatible server"))
struct S3BlobStoreConformanceTests {
    @Test(arguments: BlobStoreConformance.names)
    func conformance(_ check: String) async throws {
        let client = try await S3ClientTests.client()
        let store = ValidatingBlobStore(S3BlobStore(client: client))
        let subject = BlobStoreConformance.Subject(store: store) {
            var left: [String] = []
            for prefix in ["tmp/", "uploads/"] { try await client.listAll(prefix: prefix) { left.append($0.key) } }
            return left + (try await client.pendingMultipartUploads(prefix: "")).map { "multipart:\($0)" }
        }
        try await BlobStoreConformance.run(check, on: subject)
    }
}
