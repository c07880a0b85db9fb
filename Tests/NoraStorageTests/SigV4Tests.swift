import Crypto
import Foundation
import NoraCore
@testable import NoraStorage
import Testing

/// The signer against AWS's published vectors: the Signature Version 4 test suite
/// (service "service", 2015-08-30T12:36:00Z) and the S3 API reference's worked examples
/// ("Signature Calculations for the Authorization Header", 2013-05-24).
@Suite struct SigV4Tests {
    static let suite = SigV4Signer(credentials: .init(accessKey: "AKIDEXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
                                   region: "us-east-1", service: "service")
    static let suiteDate = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z
    static let s3 = SigV4Signer(credentials: .init(accessKey: "AKIAIOSFODNN7EXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
                                region: "us-east-1")
    static let s3Date = Date(timeIntervalSince1970: 1_369_353_600)  // 2013-05-24T00:00:00Z
    static let s3Host = "examplebucket.s3.amazonaws.com"

    static func signature(_ headers: [(String, String)]) -> (signed: String, signature: String) {
        let authorization = headers.first { $0.0 == "authorization" }!.1
        let signed = authorization.components(separatedBy: "SignedHeaders=")[1].components(separatedBy: ",")[0]
        return (signed, authorization.components(separatedBy: "Signature=")[1])
    }

    struct SuiteCase: Sendable, CustomStringConvertible {
        let name: String, method: String, path: String, query: [(String, String)], signature: String
        var description: String { name }
    }

    static let unreserved = "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

    static let suiteCases: [SuiteCase] = [
        .init(name: "get-vanilla", method: "GET", path: "/", query: [],
              signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        .init(name: "post-vanilla", method: "POST", path: "/", query: [],
              signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
        .init(name: "get-vanilla-query-order-key-case", method: "GET", path: "/", query: [("Param2", "value2"), ("Param1", "value1")],
              signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
        .init(name: "get-vanilla-empty-query-key", method: "GET", path: "/", query: [("Param1", "value1")],
              signature: "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"),
        .init(name: "get-vanilla-query-unreserved", method: "GET", path: "/", query: [(unreserved, unreserved)],
              signature: "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"),
        .init(name: "get-vanilla-utf8-query", method: "GET", path: "/", query: [("\u{1234}", "bar")],
              signature: "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"),
        .init(name: "get-unreserved", method: "GET", path: "/" + unreserved, query: [],
              signature: "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"),
        .init(name: "get-utf8", method: "GET", path: "/\u{1234}", query: [],
              signature: "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
        .init(name: "get-space", method: "GET", path: "/example space/", query: [],
              signature: "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"),
    ]

    @Test(arguments: suiteCases)
    func signatureVersion4TestSuite(_ vector: SuiteCase) {
        let headers = Self.suite.sign(method: vector.method, path: vector.path, query: vector.query,
                                      headers: [("Host", "example.amazonaws.com")], payloadHash: SigV4Signer.emptyPayloadHash,
                                      date: Self.suiteDate, contentHashHeader: false)
        let (signed, signature) = Self.signature(headers)
        #expect(signed == "host;x-amz-date")
        #expect(signature == vector.signature)
        #expect(headers.contains { $0 == ("x-amz-date", "20150830T123600Z") })
        #expect(headers.first { $0.0 == "authorization" }!.1
            .hasPrefix("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "))
    }

    @Test func headerValuesAreTrimmedAndDuplicatesJoined() {
        // get-header-value-trim and get-header-key-duplicate of the suite.
        let trim = Self.suite.sign(method: "GET", path: "/", headers: [("Host", "example.amazonaws.com"),
                                   ("My-Header1", " value1"), ("My-Header2", " \"a   b   c\"")],
                                   payloadHash: SigV4Signer.emptyPayloadHash, date: Self.suiteDate, contentHashHeader: false)
        #expect(Self.signature(trim) == ("host;my-header1;my-header2;x-amz-date",
                                         "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"))
        let duplicate = Self.suite.sign(method: "GET", path: "/", headers: [("Host", "example.amazonaws.com"),
                                        ("My-Header1", "value2"), ("My-Header1", "value2"), ("My-Header1", "value1")],
                                        payloadHash: SigV4Signer.emptyPayloadHash, date: Self.suiteDate, contentHashHeader: false)
        #expect(Self.signature(duplicate) == ("host;my-header1;x-amz-date",
                                              "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"))
    }

    @Test func s3GetObjectWithRange() {
        let headers = Self.s3.sign(method: "GET", path: "/test.txt", headers: [("Host", Self.s3Host), ("Range", "bytes=0-9")],
                                   payloadHash: SigV4Signer.emptyPayloadHash, date: Self.s3Date)
        #expect(Self.signature(headers) == ("host;range;x-amz-content-sha256;x-amz-date",
                                            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"))
    }

    @Test func s3PutObjectWithAReservedCharacterInTheKey() {
        let payload = Array(SHA256.hash(data: Array("Welcome to Amazon S3.".utf8))).hexString
        let headers = Self.s3.sign(method: "PUT", path: "/test$file.text",
                                   headers: [("Host", Self.s3Host), ("Date", "Fri, 24 May 2013 00:00:00 GMT"),
                                             ("x-amz-storage-class", "REDUCED_REDUNDANCY")],
                                   payloadHash: payload, date: Self.s3Date)
        #expect(Self.signature(headers) == ("date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
                                            "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"))
    }

    @Test func s3BucketQueries() {
        let lifecycle = Self.s3.sign(method: "GET", path: "/", query: [("lifecycle", "")], headers: [("Host", Self.s3Host)],
                                     payloadHash: SigV4Signer.emptyPayloadHash, date: Self.s3Date)
        #expect(Self.signature(lifecycle).signature == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
        let list = Self.s3.sign(method: "GET", path: "/", query: [("prefix", "J"), ("max-keys", "2")], headers: [("Host", Self.s3Host)],
                                payloadHash: SigV4Signer.emptyPayloadHash, date: Self.s3Date)
        #expect(Self.signature(list).signature == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    @Test func keysAreEncodedOncePerSegment() {
        #expect(SigV4Signer.encodePath("/bucket/a b/é+x~y") == "/bucket/a%20b/%C3%A9%2Bx~y")
        #expect(SigV4Signer.encodePath("") == "/")
        #expect(SigV4Signer.encode("a/b") == "a%2Fb")
    }
}
