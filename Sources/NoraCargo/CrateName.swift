/// A crate name as cargo and crates.io accept it: 1-64 ASCII letters, digits, `-` and `_`,
/// starting with a letter, and not a name Windows reserves for devices (the crate would not
/// unpack there).
public struct CrateName: Sendable, Hashable, CustomStringConvertible {
    static let maxLength = 64
    static let reserved: Set<String> = ["nul", "con", "prn", "aux", "com1", "com2", "com3", "com4", "com5", "com6",
                                        "com7", "com8", "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6",
                                        "lpt7", "lpt8", "lpt9"]

    /// As published (case kept): what the index and downloads show.
    let value: String

    init(_ text: String) throws(CargoError) {
        guard !text.isEmpty else { throw CargoError(.invalidName, "the crate name is empty") }
        guard text.utf8.count <= Self.maxLength else {
            throw CargoError(.invalidName, "crate name '\(text.prefix(80))…' is longer than \(Self.maxLength) characters")
        }
        guard text.utf8.allSatisfy({ Self.isNameByte($0) }) else {
            throw CargoError(.invalidName, "invalid crate name '\(text)': only ASCII letters, digits, '-' and '_' are allowed")
        }
        guard let first = text.utf8.first, Self.isLetter(first) else {
            throw CargoError(.invalidName, "invalid crate name '\(text)': it must start with a letter")
        }
        guard !Self.reserved.contains(text.lowercased()) else {
            throw CargoError(.invalidName, "'\(text)' is a reserved name")
        }
        value = text
    }

    /// Names equal up to case and `-`/`_` are the same crate (cargo treats them so when resolving).
    var key: String { Self.key(value) }

    static func key(_ text: String) -> String {
        String(text.lowercased().map { $0 == "-" ? "_" : $0 })
    }

    /// The index file path (RFC 2789 sparse layout): `1/a`, `2/ab`, `3/a/abc`, `ab/cd/abcd…`, lowercase.
    var indexPath: String { Self.indexPath(value.lowercased()) }

    /// The sparse index path of a lowercase crate name (also what `nora mirror` requests).
    public static func indexPath(_ lower: String) -> String {
        let chars = Array(lower)
        switch chars.count {
        case 1: return "1/\(lower)"
        case 2: return "2/\(lower)"
        case 3: return "3/\(chars[0])/\(lower)"
        default: return "\(String(chars[0..<2]))/\(String(chars[2..<4]))/\(lower)"
        }
    }

    public var description: String { value }

    static func isLetter(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) }
    static func isNameByte(_ b: UInt8) -> Bool { isLetter(b) || (b >= 0x30 && b <= 0x39) || b == 0x2d || b == 0x5f }
}
