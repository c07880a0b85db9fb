import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import NoraCore

/// The S3 operations a blob store needs, signed with SigV4 and sent with AsyncHTTPClient.
///
/// Path-style addressing (`http://host:port/bucket/key`) by default, as MinIO, Garage, Ceph
/// and moto expect; virtual-hosted (`http://bucket.host/key`) for AWS when configured.
/// Payloads this client sends are small documents or single parts already in memory, so
/// each is hashed and signed; downloads stream.
public final class S3Client: Sendable {
    public struct Endpoint: Sendable, Equatable {
        public let scheme: String
        public let host: String
        public let port: Int?
        public let bucket: String
        public let virtualHosted: Bool

        /// `http(s)://host[:port]` plus the bucket.
        public init(url: String, bucket: String, virtualHosted: Bool = false) throws {
            guard let parts = URLComponents(string: url), let scheme = parts.scheme, ["http", "https"].contains(scheme),
                  let host = parts.host, !host.isEmpty, !bucket.isEmpty else {
                throw StorageError.io("S3 endpoint must be http(s)://host[:port] with a bucket, not '\(url)'")
            }
            self.scheme = scheme; self.host = host; self.port = parts.port; self.bucket = bucket
            self.virtualHosted = virtualHosted
        }

        var authority: String {
            let name = virtualHosted ? "\(bucket).\(host)" : host
            return port.map { "\(name):\($0)" } ?? name
        }

        /// The decoded path of `key` (or of the bucket itself when nil).
        func path(_ key: String?) -> String {
            let base = virtualHosted ? "" : "/\(bucket)"
            guard let key else { return base.isEmpty ? "/" : base }
            return "\(base)/\(key)"
        }
    }

    public struct ObjectInfo: Sendable, Equatable {
        public let key: String
        public let size: Int64
        public let lastModified: Int64?
    }

    public struct Failure: Error, CustomStringConvertible {
        public let status: Int
        public let code: String
        public let message: String
        public var description: String { "S3 answered \(status) \(code): \(message)" }
    }

    let http: HTTPClient
    let signer: SigV4Signer
    public let endpoint: Endpoint
    static let timeout: TimeAmount = .minutes(10)

    public init(endpoint: Endpoint, signer: SigV4Signer, http: HTTPClient = .shared) {
        self.endpoint = endpoint; self.signer = signer; self.http = http
    }

    // MARK: Objects

    /// Stores `body` at `key`. With `ifAbsent`, an existing object is left alone (the store
    /// answers 412 to `If-None-Match: *`) and the result is false.
    @discardableResult
    public func put(_ key: String, _ body: ByteBuffer, ifAbsent: Bool = false) async throws -> Bool {
        let response = try await send("PUT", key: key, headers: ifAbsent ? [("If-None-Match", "*")] : [], body: body,
                                      accept: [200, 412])
        return response.status.code == 200
    }

    /// Size and last write of `key`, or nil when there is no such object.
    public func head(_ key: String) async throws -> ObjectInfo? {
        let response = try await send("HEAD", key: key, accept: [200, 404])
        guard response.status.code == 200 else { return nil }
        let size = response.headers.first(name: "content-length").flatMap(Int64.init) ?? 0
        let modified = response.headers.first(name: "last-modified").flatMap(Self.httpDate)
        return ObjectInfo(key: key, size: size, lastModified: modified)
    }

    /// Streams `key` (or its inclusive byte `range`) to `sink`; false when there is no such object.
    public func get(_ key: String, range: ClosedRange<Int64>? = nil, into sink: (ByteBuffer) async throws -> Void) async throws -> Bool {
        let headers = range.map { [("Range", "bytes=\($0.lowerBound)-\($0.upperBound)")] } ?? []
        let response = try await send("GET", key: key, headers: headers, accept: [200, 206, 404], collectBody: false)
        guard response.status.code != 404 else { return false }
        for try await chunk in response.body { try await sink(chunk) }
        return true
    }

    /// S3 copies at most 5 GiB in one request; larger objects are copied in ranges.
    public static let largestSingleCopy: Int64 = 5 * 1024 * 1024 * 1024
    public static let copyPartSize: Int64 = 1024 * 1024 * 1024

    /// Server-side copy of one object (of `size` bytes) to another key: one CopyObject up to
    /// `singleCopyLimit`, else a multipart upload whose parts are ranges of the source.
    /// Gives `key` a new write time by copying it onto itself (S3 has no touch; a self-copy
    /// must replace the metadata to be allowed). The garbage collector reads that time.
    public func touch(_ key: String, size: Int64) async throws {
        try await copy(from: key, to: key, size: size)
    }

    public func copy(from source: String, to target: String, size: Int64,
                     singleCopyLimit: Int64 = largestSingleCopy, partSize: Int64 = copyPartSize) async throws {
        let copySource = ("x-amz-copy-source", SigV4Signer.encodePath(endpoint.path(source)))
        guard size > singleCopyLimit else {
            let headers = source == target ? [copySource, ("x-amz-metadata-directive", "REPLACE")] : [copySource]
            let xml = try await Self.text(try await send("PUT", key: target, headers: headers, accept: [200]))
            if xml.contains("<Error>") { throw Self.failure(200, xml) }
            return
        }
        let id = try await createMultipartUpload(target)
        do {
            var etags: [String] = [], offset: Int64 = 0
            while offset < size {
                let end = min(offset + partSize, size) - 1
                let response = try await send("PUT", key: target, query: [("partNumber", String(etags.count + 1)), ("uploadId", id)],
                                              headers: [copySource, ("x-amz-copy-source-range", "bytes=\(offset)-\(end)")], accept: [200])
                let xml = try await Self.text(response)
                guard let etag = MiniS3XML.value("ETag", in: xml) else { throw Self.failure(200, xml) }
                etags.append(etag)
                offset = end + 1
            }
            try await completeMultipartUpload(target, uploadID: id, etags: etags)
        } catch {
            try? await abortMultipartUpload(target, uploadID: id)
            throw error
        }
    }

    public func delete(_ key: String) async throws {
        _ = try await send("DELETE", key: key, accept: [204, 200, 404])
    }

    /// One page of ListObjectsV2 under `prefix`, and the token of the next page.
    public func list(prefix: String, continuation: String? = nil, maxKeys: Int = 1000) async throws -> (objects: [ObjectInfo], next: String?) {
        var query = [("list-type", "2"), ("prefix", prefix), ("max-keys", String(maxKeys))]
        if let continuation { query.append(("continuation-token", continuation)) }
        let response = try await send("GET", key: nil, query: query, accept: [200])
        let xml = try await Self.text(response)
        let objects = MiniS3XML.elements("Contents", in: xml).map { item in
            ObjectInfo(key: MiniS3XML.value("Key", in: item) ?? "", size: Int64(MiniS3XML.value("Size", in: item) ?? "") ?? 0,
                       lastModified: MiniS3XML.value("LastModified", in: item).flatMap(Self.isoDate))
        }
        let truncated = MiniS3XML.value("IsTruncated", in: xml) == "true"
        return (objects, truncated ? MiniS3XML.value("NextContinuationToken", in: xml) : nil)
    }

    /// Every object under `prefix`, page by page (continuation tokens), to `each`.
    public func listAll(prefix: String, _ each: (ObjectInfo) async throws -> Void) async throws {
        var token: String?
        repeat {
            let page = try await list(prefix: prefix, continuation: token)
            for object in page.objects { try await each(object) }
            token = page.next
        } while token != nil
    }

    // MARK: Multipart uploads

    public func createMultipartUpload(_ key: String) async throws -> String {
        let response = try await send("POST", key: key, query: [("uploads", "")], accept: [200])
        guard let id = MiniS3XML.value("UploadId", in: try await Self.text(response)) else {
            throw StorageError.io("S3 CreateMultipartUpload answered without an UploadId")
        }
        return id
    }

    /// Uploads part `number` (1-based) and returns its ETag.
    public func uploadPart(_ key: String, uploadID: String, number: Int, _ body: ByteBuffer) async throws -> String {
        let response = try await send("PUT", key: key, query: [("partNumber", String(number)), ("uploadId", uploadID)], body: body, accept: [200])
        guard let etag = response.headers.first(name: "etag") else { throw StorageError.io("S3 UploadPart answered without an ETag") }
        return etag
    }

    public func completeMultipartUpload(_ key: String, uploadID: String, etags: [String]) async throws {
        let parts = etags.enumerated().map { "<Part><PartNumber>\($0.offset + 1)</PartNumber><ETag>\(MiniS3XML.escape($0.element))</ETag></Part>" }
        let body = ByteBuffer(string: "<CompleteMultipartUpload>\(parts.joined())</CompleteMultipartUpload>")
        let response = try await send("POST", key: key, query: [("uploadId", uploadID)], body: body, accept: [200])
        // S3 may answer 200 and still report a failure in the body.
        let xml = try await Self.text(response)
        if xml.contains("<Error>") { throw Self.failure(200, xml) }
    }

    public func abortMultipartUpload(_ key: String, uploadID: String) async throws {
        _ = try await send("DELETE", key: key, query: [("uploadId", uploadID)], accept: [204, 200, 404])
    }

    /// Keys of multipart uploads not completed or aborted, under `prefix`.
    public func pendingMultipartUploads(prefix: String) async throws -> [String] {
        let response = try await send("GET", key: nil, query: [("uploads", ""), ("prefix", prefix)], accept: [200])
        return MiniS3XML.elements("Upload", in: try await Self.text(response)).compactMap { MiniS3XML.value("Key", in: $0) }
    }

    /// Creates the bucket (tests and first start against an empty server); an existing one is fine.
    public func createBucket() async throws {
        _ = try await send("PUT", key: nil, accept: [200, 409])
    }

    // MARK: Requests

    func send(_ method: String, key: String?, query: [(String, String)] = [], headers: [(String, String)] = [],
              body: ByteBuffer? = nil, accept: Set<UInt>, collectBody: Bool = true) async throws -> HTTPClientResponse {
        let payloadHash = body.map { Array(SHA256.hash(data: $0.readableBytesView)).hexString } ?? SigV4Signer.emptyPayloadHash
        let path = endpoint.path(key)
        let signed = signer.sign(method: method, path: path, query: query, headers: [("host", endpoint.authority)] + headers,
                                 payloadHash: payloadHash, date: Date())
        let encodedQuery = query.map { "\(SigV4Signer.encode($0.0))=\(SigV4Signer.encode($0.1))" }.joined(separator: "&")
        var request = HTTPClientRequest(url: "\(endpoint.scheme)://\(endpoint.authority)\(SigV4Signer.encodePath(path))"
                                        + (encodedQuery.isEmpty ? "" : "?\(encodedQuery)"))
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in signed where name != "host" { request.headers.add(name: name, value: value) }
        if let body {
            request.body = .bytes(body)
        } else if method == "PUT" || method == "POST" {
            request.headers.add(name: "content-length", value: "0")
        }
        let response = try await http.execute(request, timeout: Self.timeout)
        guard accept.contains(response.status.code) else {
            let text = (try? await Self.text(response)) ?? ""
            throw Self.failure(Int(response.status.code), text)
        }
        return response
    }

    static func text(_ response: HTTPClientResponse) async throws -> String {
        String(buffer: try await response.body.collect(upTo: 16 * 1024 * 1024))
    }

    static func failure(_ status: Int, _ xml: String) -> Failure {
        Failure(status: status, code: MiniS3XML.value("Code", in: xml) ?? "", message: MiniS3XML.value("Message", in: xml) ?? "")
    }

    static func isoDate(_ text: String) -> Int64? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return Int64(date.timeIntervalSince1970) }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text).map { Int64($0.timeIntervalSince1970) }
    }

    static func httpDate(_ text: String) -> Int64? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text).map { Int64($0.timeIntervalSince1970) }
    }
}

/// The few S3 XML answers read here have flat, known shapes: `<Tag>text</Tag>` inside
/// repeated elements. Values are unescaped; nothing else of XML is needed.
enum MiniS3XML {
    static func elements(_ name: String, in xml: String) -> [Substring] {
        var found: [Substring] = [], rest = xml[...]
        while let start = rest.range(of: "<\(name)>"), let end = rest[start.upperBound...].range(of: "</\(name)>") {
            found.append(rest[start.upperBound..<end.lowerBound])
            rest = rest[end.upperBound...]
        }
        return found
    }

    static func value(_ name: String, in xml: some StringProtocol) -> String? {
        guard let start = xml.range(of: "<\(name)>"), let end = xml[start.upperBound...].range(of: "</\(name)>") else { return nil }
        return unescape(String(xml[start.upperBound..<end.lowerBound]))
    }

    static func unescape(_ text: String) -> String {
        guard text.contains("&") else { return text }
        return text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
