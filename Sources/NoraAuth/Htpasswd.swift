import HummingbirdBcrypt
import NIOPosix
import NoraCore

/// Users from an Apache htpasswd file. Only bcrypt hashes (`htpasswd -B`) are accepted:
/// the weak MD5/SHA1/crypt forms are refused at start-up with the offending user named.
public struct Htpasswd: Sendable {
    public struct Error: Swift.Error, CustomStringConvertible {
        public let description: String
    }

    /// user → bcrypt hash, normalised to the `$2b$` prefix the bcrypt implementation reads.
    let hashes: [String: String]

    public var userNames: [String] { hashes.keys.sorted() }

    public init(contents: String, source: String = "htpasswd") throws {
        var hashes: [String: String] = [:]
        // "\r\n" is one Character in Swift, so CRLF must be matched explicitly as a separator.
        let lines = contents.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        for (number, rawLine) in lines.enumerated() {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":") else {
                throw Error(description: "\(source):\(number + 1): expected 'user:hash'")
            }
            let user = String(line[..<colon])
            var hash = String(line[line.index(after: colon)...])
            guard !user.isEmpty else { throw Error(description: "\(source):\(number + 1): empty user name") }
            for prefix in ["$2y$", "$2a$", "$2b$"] where hash.hasPrefix(prefix) {
                hash = "$2b$" + hash.dropFirst(4)
            }
            guard hash.hasPrefix("$2b$"), hash.utf8.count == 60 else {
                throw Error(description: "\(source):\(number + 1): user '\(user)' has an unsupported password hash; only bcrypt is accepted (create it with 'htpasswd -B')")
            }
            if let problem = Self.bcryptProblem(hash) {
                throw Error(description: "\(source):\(number + 1): user '\(user)' has a malformed bcrypt hash (\(problem)); create it again with 'htpasswd -B'")
            }
            hashes[user] = hash
        }
        self.hashes = hashes
    }

    public static let empty = try! Htpasswd(contents: "")

    /// What is wrong with a `$2b$` hash of the right length, if anything: the cost must be two
    /// digits from 04 to 31 (bcrypt's range) and the rest `$` plus 53 characters of bcrypt's
    /// base64 alphabet (`./A-Za-z0-9`). Anything else could never match a password.
    static func bcryptProblem(_ hash: String) -> String? {
        let bytes = Array(hash.utf8)
        guard bytes[4] >= 0x30, bytes[4] <= 0x39, bytes[5] >= 0x30, bytes[5] <= 0x39, bytes[6] == UInt8(ascii: "$") else {
            return "the cost must be two digits followed by '$'"
        }
        let cost = Int(bytes[4] - 0x30) * 10 + Int(bytes[5] - 0x30)
        guard (4...31).contains(cost) else { return "cost \(cost) is outside 04-31" }
        func base64(_ b: UInt8) -> Bool {
            (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b == 0x2e || b == 0x2f
        }
        guard bytes[7...].allSatisfy(base64) else { return "salt and hash may hold only ./A-Za-z0-9" }
        return nil
    }

    public func contains(_ user: String) -> Bool { hashes[user] != nil }

    /// Checks a password off the event loop (bcrypt is deliberately slow). Unknown users
    /// still cost one bcrypt round, so timing does not reveal which names exist.
    public func verify(user: String, password: String) async -> Bool {
        let hash = hashes[user] ?? Self.decoyHash
        let ok = (try? await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }) ?? false
        return ok && hashes[user] != nil
    }

    /// A bcrypt hash of a random string, used when the user is unknown.
    private static let decoyHash = Bcrypt.hash("decoy-\(UInt64.random(in: 0...UInt64.max))", cost: 10)
}
