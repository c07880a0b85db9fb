import Foundation

/// A streaming `multipart/form-data` parser (RFC 7578): bytes go in as they arrive, events
/// come out — a part's headers, its data in pieces, its end. It keeps only a window the
/// size of the delimiter between calls, so a file part of any size passes through in
/// bounded memory. It does no I/O; the upload handler decides where the data goes.
struct MultipartParser {
    struct PartHeaders: Sendable, Equatable {
        /// The form field name (`content`, `name`, `sha256_digest`, …).
        let name: String
        /// Present for file parts.
        let filename: String?
        let contentType: String?
    }

    enum Event: Equatable {
        case partStart(PartHeaders)
        case data([UInt8])
        case partEnd
    }

    private enum State { case preamble, afterDelimiter, headers, body, done }

    /// Header blocks longer than this are refused: they are a few hundred bytes in practice.
    static let maxHeaderBytes = 16 * 1024

    private let delimiter: [UInt8]
    private var buffer: [UInt8]
    private var position = 0
    private var state = State.preamble

    init(boundary: String) {
        delimiter = Array("\r\n--\(boundary)".utf8)
        // The first delimiter has no CRLF before it; pretending one was there makes every delimiter alike.
        buffer = [13, 10]
    }

    var isComplete: Bool { state == .done }

    /// The boundary parameter of a `multipart/form-data` content type.
    static func boundary(contentType: String?) throws(PyPIError) -> String {
        guard let contentType, let parameters = HeaderParameters(contentType),
              parameters.value.lowercased() == "multipart/form-data" else {
            throw PyPIError(.invalidForm, "uploads must be multipart/form-data")
        }
        guard let boundary = parameters["boundary"], (1...200).contains(boundary.utf8.count),
              !boundary.contains("\r"), !boundary.contains("\n") else {
            throw PyPIError(.invalidForm, "the multipart boundary is missing or invalid")
        }
        return boundary
    }

    mutating func feed(_ bytes: some Sequence<UInt8>) throws(PyPIError) -> [Event] {
        buffer.append(contentsOf: bytes)
        var events: [Event] = []
        parsing: while true {
            switch state {
            case .preamble:
                if let found = find(delimiter) {
                    position = found + delimiter.count
                    state = .afterDelimiter
                } else {
                    position = max(position, buffer.count - (delimiter.count - 1))
                    break parsing
                }
            case .afterDelimiter:
                // Transport padding (spaces, tabs) may follow a delimiter before its CRLF.
                while position < buffer.count, buffer[position] == 0x20 || buffer[position] == 0x09 { position += 1 }
                guard buffer.count - position >= 2 else { break parsing }
                if buffer[position] == 0x2d && buffer[position + 1] == 0x2d {
                    state = .done
                } else if buffer[position] == 13 && buffer[position + 1] == 10 {
                    position += 2
                    state = .headers
                } else {
                    throw PyPIError(.invalidForm, "malformed multipart delimiter")
                }
            case .headers:
                let end: Int
                if buffer.count - position >= 2 && buffer[position] == 13 && buffer[position + 1] == 10 {
                    end = position  // a part without headers
                } else if let found = find([13, 10, 13, 10]) {
                    end = found + 2
                } else {
                    guard buffer.count - position <= Self.maxHeaderBytes else { throw PyPIError(.invalidForm, "multipart part headers too long") }
                    break parsing
                }
                guard end - position <= Self.maxHeaderBytes else { throw PyPIError(.invalidForm, "multipart part headers too long") }
                events.append(.partStart(try Self.partHeaders(buffer[position..<end])))
                position = end + 2
                state = .body
            case .body:
                if let found = find(delimiter) {
                    if found > position { events.append(.data(Array(buffer[position..<found]))) }
                    events.append(.partEnd)
                    position = found + delimiter.count
                    state = .afterDelimiter
                } else {
                    let safe = buffer.count - (delimiter.count - 1)
                    if safe > position {
                        events.append(.data(Array(buffer[position..<safe])))
                        position = safe
                    }
                    break parsing
                }
            case .done:
                position = buffer.count  // the epilogue is ignored
                break parsing
            }
        }
        buffer.removeFirst(position)
        position = 0
        return events
    }

    /// Throws unless the closing delimiter was seen: a body cut short is not an upload.
    func finish() throws(PyPIError) {
        guard state == .done else { throw PyPIError(.invalidForm, "the multipart body ended before its closing boundary") }
    }

    /// First occurrence of `needle` at or after `position` (memchr for its first byte, then memcmp).
    private func find(_ needle: [UInt8]) -> Int? {
        guard buffer.count - position >= needle.count else { return nil }
        return buffer.withUnsafeBufferPointer { hay -> Int? in
            needle.withUnsafeBufferPointer { pattern -> Int? in
                let base = hay.baseAddress!, last = hay.count - pattern.count
                var i = position
                while i <= last {
                    guard let hit = memchr(base + i, Int32(pattern[0]), last - i + 1) else { return nil }
                    i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    if memcmp(base + i, pattern.baseAddress!, pattern.count) == 0 { return i }
                    i += 1
                }
                return nil
            }
        }
    }

    static func partHeaders(_ block: ArraySlice<UInt8>) throws(PyPIError) -> PartHeaders {
        var disposition: HeaderParameters?
        var contentType: String?
        for line in String(decoding: block, as: UTF8.self).split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { throw PyPIError(.invalidForm, "malformed multipart header line") }
            let name = line[..<colon].lowercased()
            let value = String(line[line.index(after: colon)...])
            if name == "content-disposition" { disposition = HeaderParameters(value) }
            if name == "content-type" { contentType = value.trimmingCharacters(in: .whitespaces) }
        }
        guard let disposition, disposition.value.lowercased() == "form-data", let name = disposition["name"] else {
            throw PyPIError(.invalidForm, "a multipart part lacks Content-Disposition: form-data; name=…")
        }
        return PartHeaders(name: name, filename: disposition["filename"], contentType: contentType)
    }
}

/// `value; key=token; key="quoted \"string\""` as in Content-Type and Content-Disposition.
struct HeaderParameters: Equatable {
    let value: String
    private(set) var parameters: [String: String] = [:]

    subscript(key: String) -> String? { parameters[key.lowercased()] }

    init?(_ text: String) {
        var chars = Substring(text)
        func skipSpaces() { while chars.first == " " || chars.first == "\t" { chars.removeFirst() } }
        skipSpaces()
        let head = chars.prefix { $0 != ";" }
        value = head.trimmingCharacters(in: .whitespaces)
        chars = chars.dropFirst(head.count)
        while chars.first == ";" {
            chars.removeFirst()
            skipSpaces()
            let key = chars.prefix { $0 != "=" && $0 != ";" }
            chars = chars.dropFirst(key.count)
            guard chars.first == "=" else { continue }
            chars.removeFirst()
            var parsed = ""
            if chars.first == "\"" {
                chars.removeFirst()
                var closed = false
                while let c = chars.first {
                    chars.removeFirst()
                    if c == "\\", let next = chars.first { parsed.append(next); chars.removeFirst() }
                    else if c == "\"" { closed = true; break }
                    else { parsed.append(c) }
                }
                guard closed else { return nil }
                skipSpaces()
            } else {
                let token = chars.prefix { $0 != ";" }
                parsed = token.trimmingCharacters(in: .whitespaces)
                chars = chars.dropFirst(token.count)
            }
            parameters[key.trimmingCharacters(in: .whitespaces).lowercased()] = parsed
        }
        if value.isEmpty { return nil }
    }
}
