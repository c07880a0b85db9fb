import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import NoraCore
import Testing

/// The PyPI routes in the production router: upload form in, simple pages and files out.
@Suite struct PyPIRouterTests {
    static let boundary = "nora-test-boundary"

    /// A legacy upload form as twine sends it.
    static func form(_ fields: [(String, String)], file: (String, [UInt8])) -> ByteBuffer {
        var body = ""
        for (name, value) in fields {
            body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
        }
        var buffer = ByteBuffer(string: body + "--\(boundary)\r\nContent-Disposition: form-data; name=\"content\"; filename=\"\(file.0)\"\r\nContent-Type: application/octet-stream\r\n\r\n")
        buffer.writeBytes(file.1)
        buffer.writeString("\r\n--\(boundary)--\r\n")
        return buffer
    }

    static func uploadFields(_ content: [UInt8], version: String = "1.0") -> [(String, String)] {
        [(":action", "file_upload"), ("protocol_version", "1"), ("name", "Demo_Pkg"), ("version", version),
         ("filetype", "bdist_wheel"), ("sha256_digest", Digest.of(content).hex)]
    }

    static let headers: HTTPFields = [.contentType: "multipart/form-data; boundary=\(boundary)"]

    @Test func uploadThenServePagesFilesAndMetadata() async throws {
        try await TestRegistry.run { client, _ in
            let wheel = PyPIWheel.make(version: "1.0")
            let name = "demo_pkg-1.0-py3-none-any.whl"
            let upload = try await client.execute(uri: "/simple/", method: .post, headers: Self.headers,
                                                  body: Self.form(Self.uploadFields(wheel), file: (name, wheel)))
            #expect(upload.status == .ok, "\(upload.text)")

            let page = try await client.execute(uri: "/simple/demo-pkg/", method: .get,
                                                headers: [.accept: "application/vnd.pypi.simple.v1+json"])
            #expect(page.headers[.contentType] == "application/vnd.pypi.simple.v1+json")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: page.body)) as? [String: Any])
            let file = try #require((json["files"] as? [[String: Any]])?.first)
            #expect(file["filename"] as? String == name)
            #expect(file["requires-python"] as? String == ">=3.8")
            #expect(json["versions"] as? [String] == ["1.0"])

            let head = try await client.execute(uri: "/simple/demo-pkg/\(name)", method: .head)
            #expect(head.status == .ok && head.headers[.contentLength] == String(wheel.count))
            let metadata = try await client.execute(uri: "/simple/demo-pkg/\(name).metadata", method: .get)
            #expect(metadata.text.contains("Requires-Python: >=3.8"))
            let expected = (file["core-metadata"] as? [String: String])?["sha256"]
            #expect(Digest.of(Array(buffer: metadata.body)).hex == expected)

            let redirect = try await client.execute(uri: "/simple/Demo.Pkg/", method: .get)
            #expect(redirect.status == .movedPermanently)
            #expect(redirect.headers[.location]?.hasSuffix("/simple/demo-pkg/") == true)

            let again = try await client.execute(uri: "/simple/", method: .post, headers: Self.headers,
                                                 body: Self.form(Self.uploadFields(wheel), file: (name, wheel)))
            #expect(again.status == .badRequest)
            #expect(again.text.contains("File already exists"))
        }
    }

    @Test func yankAndUnyankOverHTTP() async throws {
        try await TestRegistry.run { client, _ in
            let wheel = PyPIWheel.make(version: "2.0")
            _ = try await client.execute(uri: "/simple/", method: .post, headers: Self.headers,
                                         body: Self.form(Self.uploadFields(wheel, version: "2.0"), file: ("demo_pkg-2.0-py3-none-any.whl", wheel)))
            let yank = try await client.execute(uri: "/simple/demo-pkg/2.0/yank?reason=bad%20one", method: .post)
            #expect(yank.status == .ok)
            #expect(yank.text.contains("\"yanked\":true"))
            let html = try await client.execute(uri: "/simple/demo-pkg/", method: .get)
            #expect(html.text.contains("data-yanked=\"bad one\""))
            #expect(try await client.execute(uri: "/simple/demo-pkg/2.0/unyank", method: .post).status == .ok)
            #expect(!(try await client.execute(uri: "/simple/demo-pkg/", method: .get).text.contains("data-yanked")))
            let missing = try await client.execute(uri: "/simple/demo-pkg/3.0/yank", method: .post)
            #expect(missing.status == .notFound && missing.text.contains("Version not found"))
        }
    }

    @Test func authChallengesWithBasic() async throws {
        try await TestRegistry.run(configure: { $0.auth.enabled = true }) { client, _ in
            let anonymous = try await client.execute(uri: "/simple/", method: .get)
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.headers[.wwwAuthenticate]?.hasPrefix("Basic") == true)
            #expect(anonymous.headers[.contentType] == "text/plain; charset=utf-8")
            let upload = try await client.execute(uri: "/simple/", method: .post, headers: Self.headers, body: ByteBuffer())
            #expect(upload.status == .unauthorized)
            let signedIn = try await client.execute(uri: "/simple/", method: .get,
                                                    headers: [.authorization: TestRegistry.basic("alice", TestRegistry.password)])
            #expect(signedIn.status == .ok)
        }
    }
}

/// A minimal wheel (stored zip) with METADATA requiring Python 3.8.
enum PyPIWheel {
    static func make(version: String) -> [UInt8] {
        let metadata = Array("Metadata-Version: 2.1\nName: Demo_Pkg\nVersion: \(version)\nRequires-Python: >=3.8\n\n".utf8)
        return zip([("demo_pkg-\(version).dist-info/METADATA", metadata)])
    }

    static func zip(_ entries: [(String, [UInt8])]) -> [UInt8] {
        var out: [UInt8] = [], central: [UInt8] = []
        for (name, data) in entries {
            let offset = UInt32(out.count), crc = crc32(data), nameBytes = Array(name.utf8)
            let common = le16(20) + le16(0) + le16(0) + le16(0) + le16(0x21) + le32(crc) + le32(UInt32(data.count))
                + le32(UInt32(data.count)) + le16(UInt16(nameBytes.count)) + le16(0)
            out += le32(0x0403_4b50) + common + nameBytes + data
            central += le32(0x0201_4b50) + le16(20) + common + le16(0) + le16(0) + le16(0) + le32(0) + le32(offset) + nameBytes
        }
        return out + central + le32(0x0605_4b50) + le16(0) + le16(0) + le16(UInt16(entries.count)) + le16(UInt16(entries.count))
            + le32(UInt32(central.count)) + le32(UInt32(out.count)) + le16(0)
    }

    static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xffff_ffff
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xedb8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }

    static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8)] }
    static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xff) } }
}
