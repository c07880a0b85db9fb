/// Maven's version ordering (`org.apache.maven.artifact.versioning.ComparableVersion`, as in
/// Maven 3.8), so `<versions>`, `<latest>` and `<release>` come out as mvn itself would order them.
///
/// A version is split into items at `.`, `-` and digit/letter transitions; `-` and transitions
/// open a nested list. Numbers compare numerically, known qualifiers in the order
/// alpha < beta < milestone < rc < snapshot < "" (release) < sp, unknown ones after those
/// (alphabetically). Trailing zeros and release qualifiers are dropped (`1.0-ga` = `1`).
public struct MavenVersion: Comparable, Hashable, Sendable, CustomStringConvertible {
    public let text: String
    let items: Item

    public init(_ text: String) {
        self.text = text
        self.items = Self.parse(text)
    }

    public var description: String { text }
    public var isSnapshot: Bool { text.hasSuffix("-SNAPSHOT") || text == "SNAPSHOT" }

    public static func < (a: MavenVersion, b: MavenVersion) -> Bool { a.items.compare(b.items) < 0 }
    /// Equality is Maven's (`1.0` == `1`), not textual.
    public static func == (a: MavenVersion, b: MavenVersion) -> Bool { a.items.compare(b.items) == 0 }
    public func hash(into hasher: inout Hasher) { hasher.combine(items.canonical) }

    // MARK: Items

    indirect enum Item: Sendable {
        /// Digits without leading zeros, compared by length then text (arbitrary size, like BigInteger).
        case number(String)
        case string(String)
        case list([Item])

        static let qualifiers = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"]
        static let releaseIndex = "5"

        var isNull: Bool {
            switch self {
            case .number(let n): n == "0"
            case .string(let s): Self.comparable(s) == Self.releaseIndex
            case .list(let l): l.isEmpty
            }
        }

        static func comparable(_ qualifier: String) -> String {
            if let i = qualifiers.firstIndex(of: qualifier) { return String(i) }
            return "\(qualifiers.count)-\(qualifier)"
        }

        var canonical: String {
            switch self {
            case .number(let n): n
            case .string(let s): Self.comparable(s)
            case .list(let l): "[" + l.map(\.canonical).joined(separator: ",") + "]"
            }
        }

        /// `other == nil` means "nothing here" (the shorter version ran out of items).
        func compare(_ other: Item?) -> Int {
            switch self {
            case .number(let n):
                guard let other else { return n == "0" ? 0 : 1 }
                switch other {
                case .number(let m): return Self.compareNumbers(n, m)
                case .string, .list: return 1  // 1.1 > 1-sp, 1.1 > 1-1
                }
            case .string(let s):
                guard let other else { return Self.order(Self.comparable(s), Self.releaseIndex) }  // 1-rc < 1 < 1-sp
                switch other {
                case .number, .list: return -1
                case .string(let t): return Self.order(Self.comparable(s), Self.comparable(t))
                }
            case .list(let l):
                guard let other else {
                    guard let first = l.first else { return 0 }
                    return first.compare(nil)
                }
                switch other {
                case .number: return -1  // 1-1 < 1.0.x
                case .string: return 1   // 1-1 > 1-sp
                case .list(let r):
                    for i in 0..<max(l.count, r.count) {
                        let left = i < l.count ? l[i] : nil, right = i < r.count ? r[i] : nil
                        let result: Int
                        if let left { result = left.compare(right) } else if let right { result = -right.compare(nil) } else { result = 0 }
                        if result != 0 { return result }
                    }
                    return 0
                }
            }
        }

        static func compareNumbers(_ a: String, _ b: String) -> Int {
            if a.count != b.count { return a.count < b.count ? -1 : 1 }
            return order(a, b)
        }

        static func order(_ a: String, _ b: String) -> Int { a == b ? 0 : (a < b ? -1 : 1) }
    }

    // MARK: Parsing

    /// A list under construction; nested lists are appended to their parent when closed.
    private final class Builder {
        var items: [Item] = []
        var children: [(index: Int, builder: Builder)] = []
        func build() -> Item {
            var result = items
            for (index, child) in children { result[index] = child.build() }
            // normalize(): drop trailing null items, stopping at the first non-null, non-list one.
            var i = result.count - 1
            while i >= 0 {
                if result[i].isNull { result.remove(at: i) } else if case .list = result[i] {} else { break }
                i -= 1
            }
            return .list(result)
        }
        func open() -> Builder {
            let child = Builder()
            children.append((items.count, child))
            items.append(.list([]))
            return child
        }
    }

    static func parse(_ raw: String) -> Item {
        let version = Array(raw.lowercased())
        let root = Builder()
        var list = root
        var isDigit = false
        var start = 0
        func item(_ digits: Bool, _ from: Int, _ to: Int, followedByDigit: Bool = false) -> Item {
            let text = String(version[from..<to])
            return digits ? number(text) : string(text, followedByDigit: followedByDigit)
        }
        for (i, c) in version.enumerated() {
            if c == "." || c == "-" {
                list.items.append(i == start ? .number("0") : item(isDigit, start, i))
                start = i + 1
                if c == "-" { list = list.open() }
            } else if c.isASCII && c.isNumber {
                if !isDigit && i > start {
                    list.items.append(item(false, start, i, followedByDigit: true))
                    start = i
                    list = list.open()
                }
                isDigit = true
            } else {
                if isDigit && i > start {
                    list.items.append(item(true, start, i))
                    start = i
                    list = list.open()
                }
                isDigit = false
            }
        }
        if version.count > start { list.items.append(item(isDigit, start, version.count)) }
        return root.build()
    }

    static func number(_ digits: String) -> Item {
        let trimmed = digits.drop(while: { $0 == "0" })
        return .number(trimmed.isEmpty ? "0" : String(trimmed))
    }

    static func string(_ value: String, followedByDigit: Bool) -> Item {
        var value = value
        if followedByDigit && value.count == 1 {
            switch value {
            case "a": value = "alpha"
            case "b": value = "beta"
            case "m": value = "milestone"
            default: break
            }
        }
        switch value {
        case "ga", "final", "release": value = ""
        case "cr": value = "rc"
        default: break
        }
        return .string(value)
    }
}
