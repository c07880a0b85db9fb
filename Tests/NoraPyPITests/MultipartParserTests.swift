import Testing
@testable import NoraPyPI

@Suite struct MultipartParserTests {
    static let boundary = "----b0undary"
    static let body: [UInt8] = Array("""
    preamble is ignored\r
    ------b0undary\r
    Content-Disposition: form-data; name=":action"\r
    \r
    file_upload\r
    ------b0undary\r
    Content-Disposition: form-data; name="content"; filename="my_pkg-1.0-py3-none-any.whl"\r
    Content-Type: application/octet-stream\r
    \r

    """.utf8) + [0x00, 0x0d, 0x0a, 0x2d, 0x2d, 0xff] + Array("\r\n------b0undary--\r\nepilogue".utf8)

    /// Parses `body` fed in pieces of `size` and folds the events back into parts.
    static func parse(_ body: [UInt8], pieceSize size: Int) throws -> [(MultipartParser.PartHeaders, [UInt8])] {
        var parser = MultipartParser(boundary: boundary)
        var parts: [(MultipartParser.PartHeaders, [UInt8])] = []
        for start in stride(from: 0, to: body.count, by: size) {
            for event in try parser.feed(body[start..<min(start + size, body.count)]) {
                switch event {
                case .partStart(let headers): parts.append((headers, []))
                case .data(let bytes): parts[parts.count - 1].1 += bytes
                case .partEnd: break
                }
            }
        }
        try parser.finish()
        return parts
    }

    @Test(arguments: [1, 2, 7, 64, 100_000])
    func splitsFieldsAndFilesWhateverTheChunking(_ size: Int) throws {
        let parts = try Self.parse(Self.body, pieceSize: size)
        #expect(parts.count == 2)
        #expect(parts[0].0 == .init(name: ":action", filename: nil, contentType: nil))
        #expect(String(decoding: parts[0].1, as: UTF8.self) == "file_upload")
        #expect(parts[1].0.name == "content")
        #expect(parts[1].0.filename == "my_pkg-1.0-py3-none-any.whl")
        #expect(parts[1].0.contentType == "application/octet-stream")
        // Binary content with CR LF and dashes inside survives untouched.
        #expect(parts[1].1 == [0x00, 0x0d, 0x0a, 0x2d, 0x2d, 0xff])
    }

    @Test func keepsOnlyAWindowBetweenCalls() throws {
        var parser = MultipartParser(boundary: Self.boundary)
        _ = try parser.feed(Array("------b0undary\r\nContent-Disposition: form-data; name=\"content\"; filename=\"f\"\r\n\r\n".utf8))
        var streamed = 0
        for _ in 0..<100 {
            for case .data(let bytes) in try parser.feed([UInt8](repeating: 0x61, count: 10_000)) { streamed += bytes.count }
        }
        // All but the last delimiter-length window has been handed out already.
        #expect(streamed >= 1_000_000 - Self.boundary.utf8.count - 4)
    }

    @Test func refusesATruncatedBody() throws {
        var parser = MultipartParser(boundary: Self.boundary)
        _ = try parser.feed(Self.body.prefix(Self.body.count - 30))
        #expect(!parser.isComplete)
        #expect(throws: PyPIError.self) { try parser.finish() }
    }

    @Test func refusesPartsWithoutAName() throws {
        var parser = MultipartParser(boundary: "x")
        #expect(throws: PyPIError.self) { _ = try parser.feed(Array("--x\r\nContent-Type: text/plain\r\n\r\nv\r\n--x--".utf8)) }
    }

    @Test func readsTheBoundaryFromTheContentType() throws {
        #expect(try MultipartParser.boundary(contentType: "multipart/form-data; boundary=abc") == "abc")
        #expect(try MultipartParser.boundary(contentType: "Multipart/Form-Data; charset=utf-8; boundary=\"a b;c\"") == "a b;c")
        #expect(throws: PyPIError.self) { try MultipartParser.boundary(contentType: "application/json") }
        #expect(throws: PyPIError.self) { try MultipartParser.boundary(contentType: "multipart/form-data") }
        #expect(throws: PyPIError.self) { try MultipartParser.boundary(contentType: nil) }
    }

    @Test func parsesQuotedParameters() {
        let p = HeaderParameters(#"form-data; name="content"; filename="a\"b.whl""#)
        #expect(p?.value == "form-data")
        #expect(p?["name"] == "content")
        #expect(p?["filename"] == "a\"b.whl")
        #expect(HeaderParameters(#"form-data; name="unterminated"#) == nil)
    }
}
