/// Finds what would crash TOMLKit's parser before it sees it.
///
/// toml++ (inside TOMLKit) assumes two things it does not check: that a table header's key
/// starts with a bare-key character or a quote once its brackets are read (`[[[garbage`,
/// `[{x}]`, `[=]`), and that an array never meets a `}` where a value should be (`a = [}`).
/// Either hits an assertion and stops the process (exit 134, no message). Headers are found
/// the way the parser finds them: a `[` that starts a line at the top level, not inside a
/// string or a multi-line array or inline table of a value.
enum TOMLHeaderCheck {
    struct Problem: Error, Equatable { let line: Int; let reason: String }

    static func check(_ text: String) throws(Problem) {
        let bytes = Array(text.utf8)
        // A UTF-8 byte order mark is skipped, as the parser skips it.
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0, line = 1
        var open: [UInt8] = []  // the value brackets and braces not yet closed
        var atLineStart = true
        func peek(_ offset: Int) -> UInt8? { i + offset < bytes.count ? bytes[i + offset] : nil }
        while i < bytes.count {
            let byte = bytes[i]
            // TOMLKit hands the text to C++ as a C string: a NUL would silently end the file there.
            if byte == 0 { throw Problem(line: line, reason: "a NUL byte (this is not a text file)") }
            switch byte {
            case UInt8(ascii: "\n"):
                line += 1; atLineStart = true; i += 1; continue
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                i += 1; continue
            case UInt8(ascii: "#"):
                while i < bytes.count && bytes[i] != UInt8(ascii: "\n") { i += 1 }
                continue
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                let triple = peek(1) == byte && peek(2) == byte
                let delimiter = triple ? [byte, byte, byte] : [byte]
                i += delimiter.count
                while i < bytes.count {
                    if bytes[i] == UInt8(ascii: "\n") {
                        if !triple { break }  // an unterminated string: the parser reports it
                        line += 1
                    }
                    if byte == UInt8(ascii: "\""), bytes[i] == UInt8(ascii: "\\") { i += 2; continue }
                    if bytes[i] == byte, Array(bytes[i..<min(bytes.count, i + delimiter.count)]) == delimiter {
                        i += delimiter.count
                        break
                    }
                    i += 1
                }
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                if byte == UInt8(ascii: "["), atLineStart, open.isEmpty {
                    try checkHeader(bytes, at: i, line: line)
                    // Skip the header itself: its brackets are not a value's.
                    while i < bytes.count && bytes[i] != UInt8(ascii: "\n") && bytes[i] != UInt8(ascii: "#") { i += 1 }
                } else {
                    open.append(byte); i += 1
                }
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                if byte == UInt8(ascii: "}"), open.last == UInt8(ascii: "[") {
                    throw Problem(line: line, reason: "'}' inside an array: an array holds values separated by ',' and ends with ']'")
                }
                _ = open.popLast(); i += 1
            default:
                i += 1
            }
            atLineStart = false
        }
    }

    /// `[` or `[[`, optional spaces, then a key: a bare-key character, a quote, or `]` (which
    /// the parser reports itself).
    private static func checkHeader(_ bytes: [UInt8], at start: Int, line: Int) throws(Problem) {
        var i = start + 1
        func skipSpaces() { while i < bytes.count && (bytes[i] == 0x20 || bytes[i] == 0x09) { i += 1 } }
        skipSpaces()
        if i < bytes.count && bytes[i] == UInt8(ascii: "[") { i += 1; skipSpaces() }
        guard i < bytes.count else { return }
        let c = bytes[i]
        let bare = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c == 0x5f || c == 0x2d
        if bare || c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") || c == UInt8(ascii: "]") { return }
        throw Problem(line: line, reason: "a table header must name a table: [section] or [[section]]")
    }
}
