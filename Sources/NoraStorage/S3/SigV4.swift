import Crypto
import Foundation
import NoraCore

/// AWS Signature Version 4 for request headers (the `Authorization` header form), as S3 and
/// every S3-compatible store (MinIO, Ceph RGW, Garage, R2, moto) check it.
///
/// Pure: it takes the request's parts and a time and returns the headers to send, so it is
/// tested against AWS's published vectors without any network. The path is given decoded
/// (`/bucket/a b/é`) and encoded here once per segment, as S3 wants (S3 does not normalise
/// or double-encode paths); query names and values are given decoded too.
public struct SigV4Signer: Sendable {
    public struct Credentials: Sendable, Equatable {
        public let accessKey: String
        public let secretKey: String
        public init(accessKey: String, secretKey: String) { self.accessKey = accessKey; self.secretKey = secretKey }
    }

    public let credentials: Credentials
    public let region: String
    public let service: String

    public init(credentials: Credentials, region: String, service: String = "s3") {
        self.credentials = credentials; self.region = region; self.service = service
    }

    /// The SHA-256 of an empty payload, and the marker for a payload sent unsigned.
    public static let emptyPayloadHash = Array(SHA256.hash(data: [UInt8]())).hexString
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"

    /// Signs a request. `headers` must include `host`; `x-amz-date` is added (and signed).
    /// With `contentHashHeader`, `x-amz-content-sha256` (which S3 requires) is added as well.
    /// Returns every header to send, `authorization` included.
    public func sign(method: String, path: String, query: [(String, String)] = [], headers: [(String, String)],
                     payloadHash: String, date: Date, contentHashHeader: Bool = true) -> [(String, String)] {
        let (stamp, day) = Self.timestamps(date)
        var all = headers.filter { $0.0.lowercased() != "authorization" }
        all.append(("x-amz-date", stamp))
        if contentHashHeader { all.append(("x-amz-content-sha256", payloadHash)) }
        let canonical = canonicalRequest(method: method, path: path, query: query, headers: all, payloadHash: payloadHash)
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let toSign = ["AWS4-HMAC-SHA256", stamp, scope, Array(SHA256.hash(data: Array(canonical.request.utf8))).hexString].joined(separator: "\n")
        let signature = Array(HMAC<SHA256>.authenticationCode(for: Array(toSign.utf8), using: signingKey(day: day))).hexString
        all.append(("authorization", "AWS4-HMAC-SHA256 Credential=\(credentials.accessKey)/\(scope), "
                    + "SignedHeaders=\(canonical.signedHeaders), Signature=\(signature)"))
        return all
    }

    /// The canonical request and its signed-header list (step 1 of the algorithm).
    func canonicalRequest(method: String, path: String, query: [(String, String)], headers: [(String, String)],
                          payloadHash: String) -> (request: String, signedHeaders: String) {
        var byName: [String: [String]] = [:]
        for (name, value) in headers { byName[name.lowercased(), default: []].append(Self.trimmed(value)) }
        let names = byName.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(byName[$0]!.joined(separator: ","))\n" }.joined()
        let encoded: [(name: String, value: String)] = query.map { (Self.encode($0.0), Self.encode($0.1)) }
        let ordered = encoded.sorted { (a, b) -> Bool in a.name == b.name ? a.value < b.value : a.name < b.name }
        let canonicalQuery = ordered.map { pair -> String in pair.name + "=" + pair.value }.joined(separator: "&")
        let signed = names.joined(separator: ";")
        let request = [method, Self.encodePath(path), canonicalQuery, canonicalHeaders, signed, payloadHash].joined(separator: "\n")
        return (request, signed)
    }

    func signingKey(day: String) -> SymmetricKey {
        var key = SymmetricKey(data: Array("AWS4\(credentials.secretKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        return key
    }

    // MARK: Encoding

    /// RFC 3986 percent-encoding of every byte but the unreserved `A-Z a-z 0-9 - . _ ~`.
    public static func encode(_ text: String, keepSlash: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where keepSlash:
                out.append("/")
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// A path as it goes on the wire and into the canonical request: each segment encoded.
    public static func encodePath(_ path: String) -> String {
        path.isEmpty ? "/" : encode(path, keepSlash: true)
    }

    /// Header values: surrounding spaces dropped, inner runs of spaces made one.
    static func trimmed(_ value: String) -> String {
        value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            .trimmingCharacters(in: .whitespaces)
    }

    /// `yyyyMMdd'T'HHmmss'Z'` and `yyyyMMdd`, in UTC.
    static func timestamps(_ date: Date) -> (stamp: String, day: String) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let day = String(format: "%04d%02d%02d", c.year!, c.month!, c.day!)
        return ("\(day)T" + String(format: "%02d%02d%02dZ", c.hour!, c.minute!, c.second!), day)
    }
}
