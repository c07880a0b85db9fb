/// One challenge of a `WWW-Authenticate` header (RFC 9110 §11.6.1): a scheme and its
/// parameters. Registries answer `Bearer realm="…",service="…",scope="…"`; a header may
/// carry several challenges, and quoted values may hold commas and escaped quotes, so the
/// header is parsed rather than split.
public struct AuthChallenge: Sendable, Equatable {
    /// Lower-cased (`bearer`, `basic`).
    public let scheme: String
    /// Parameter names lower-cased; values unquoted.
    public let parameters: [String: String]

    public init(scheme: String, parameters: [String: String]) {
        self.scheme = scheme.lowercased(); self.parameters = parameters
    }

    /// Every challenge in `header`; parsing stops at the first text that is neither a scheme
    /// nor a parameter (a token68 credential, stray bytes).
    public static func parse(_ header: String) -> [AuthChallenge] {
        var scanner = Scanner(Array(header.utf8))
        var challenges: [AuthChallenge] = []
        while true {
            scanner.skip { $0 == .space || $0 == .tab || $0 == .comma }
            guard let scheme = scanner.token() else { break }
            var parameters: [String: String] = [:]
            scanner.skip { $0 == .space || $0 == .tab }
            // Parameters follow until a token that is not followed by "=" (the next scheme).
            while true {
                let mark = scanner.position
                scanner.skip { $0 == .space || $0 == .tab || $0 == .comma }
                guard let name = scanner.token() else { scanner.position = mark; break }
                scanner.skip { $0 == .space || $0 == .tab }
                guard scanner.take(.equals) else { scanner.position = mark; break }
                scanner.skip { $0 == .space || $0 == .tab }
                guard let value = scanner.quoted() ?? scanner.token() else { break }
                parameters[name.lowercased()] = value
            }
            challenges.append(AuthChallenge(scheme: scheme, parameters: parameters))
        }
        return challenges
    }

    /// The first challenge of `scheme` in `header`.
    public static func first(_ scheme: String, in header: String) -> AuthChallenge? {
        parse(header).first { $0.scheme == scheme.lowercased() }
    }

    private struct Scanner {
        let bytes: [UInt8]
        var position = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }

        mutating func skip(while predicate: (UInt8) -> Bool) {
            while position < bytes.count, predicate(bytes[position]) { position += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard position < bytes.count, bytes[position] == byte else { return false }
            position += 1
            return true
        }

        /// RFC 9110 tchar run (token68's `/` and trailing `=` are not needed for Bearer/Basic params).
        mutating func token() -> String? {
            let start = position
            skip { Self.isTokenChar($0) }
            return position > start ? String(decoding: bytes[start..<position], as: UTF8.self) : nil
        }

        mutating func quoted() -> String? {
            guard take(.quote) else { return nil }
            var value: [UInt8] = []
            while position < bytes.count {
                let byte = bytes[position]
                position += 1
                if byte == .quote { return String(decoding: value, as: UTF8.self) }
                if byte == .backslash, position < bytes.count { value.append(bytes[position]); position += 1; continue }
                value.append(byte)
            }
            return nil  // unterminated
        }

        static func isTokenChar(_ b: UInt8) -> Bool {
            if (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) { return true }
            return "!#$%&'*+-.^_`|~".utf8.contains(b)
        }
    }
}

private extension UInt8 {
    static let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t"), comma = UInt8(ascii: ","),
               equals = UInt8(ascii: "="), quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
}
