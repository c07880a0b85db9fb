import Foundation
import NoraCore

/// Any JSON document, kept as a value so package manifests (whose fields we do not all
/// know) pass through unchanged, compare for equality, and re-encode with sorted keys.
enum JSONValue: Sendable, Equatable, Codable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null; return }
        if let b = try? c.decode(Bool.self) { self = .bool(b); return }
        if let i = try? c.decode(Int64.self) { self = .int(i); return }
        if let d = try? c.decode(Double.self) { self = .double(d); return }
        if let s = try? c.decode(String.self) { self = .string(s); return }
        if let a = try? c.decode([JSONValue].self) { self = .array(a); return }
        self = .object(try c.decode([String: JSONValue].self))
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    /// Parses a document; nil when the bytes are not JSON.
    static func parse(_ bytes: some Sequence<UInt8>) -> JSONValue? {
        try? JSON.decode(JSONValue.self, from: bytes)
    }

    var encoded: [UInt8] { JSON.encode(self) }
    var encodedString: String { String(decoding: encoded, as: UTF8.self) }

    var object: [String: JSONValue]? { if case .object(let o) = self { o } else { nil } }
    var string: String? { if case .string(let s) = self { s } else { nil } }
    var array: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    var int: Int64? {
        switch self {
        case .int(let i): i
        case .double(let d) where d == d.rounded() && abs(d) < 9e15: Int64(d)
        default: nil
        }
    }

    subscript(key: String) -> JSONValue? {
        get { object?[key] }
        set {
            guard case .object(var o) = self else { return }
            o[key] = newValue
            self = .object(o)
        }
    }

    /// The strings of an array value (or the words of a string), e.g. `keywords`.
    var stringList: [String] {
        switch self {
        case .array(let a): a.compactMap(\.string)
        case .string(let s): s.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
        default: []
        }
    }
}
