import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NoraCore

/// An `application/x-www-form-urlencoded` body (the UI's forms), read whole under a small limit.
struct FormData {
    private(set) var fields: [String: String] = [:]

    init(_ text: String) {
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = Self.decode(parts[0]) else { continue }
            fields[key] = parts.count > 1 ? Self.decode(parts[1]) ?? "" : ""
        }
    }

    static func read(_ request: Request, limit: Int = 16 * 1024) async throws -> FormData {
        let type = request.headers[.contentType] ?? ""
        guard type.lowercased().hasPrefix("application/x-www-form-urlencoded") else {
            throw AppError(.unsupportedMediaType, "forms must be sent as application/x-www-form-urlencoded")
        }
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: limit) } catch { throw AppError(.payloadTooLarge, "form too large") }
        return FormData(String(decoding: body.readableBytesView, as: UTF8.self))
    }

    subscript(_ key: String) -> String? { fields[key] }

    static func decode(_ text: Substring) -> String? {
        PercentEncoding.decode(text.replacingOccurrences(of: "+", with: " "))
    }
}
