import Foundation

/// Shared JSON settings: stable key order and unescaped slashes, so documents are
/// byte-identical between runs (ETags stay valid) and URLs read naturally.
public enum JSON {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    public static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        // Encoding plain Codable values of our own cannot fail.
        (try? Array(encoder().encode(value))) ?? Array("{}".utf8)
    }

    public static func decode<T: Decodable>(_ type: T.Type, from bytes: some Sequence<UInt8>) throws -> T {
        try JSONDecoder().decode(type, from: Data(bytes))
    }
}
