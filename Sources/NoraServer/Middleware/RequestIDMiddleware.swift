import HTTPTypes
import Hummingbird
import NoraCore

/// Gives each request an id: the client's `X-Request-ID` when it is sane, else a new one.
/// It is echoed in the response and attached to every log line of the request.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = NoraRequestContext
    static let header = HTTPField.Name("X-Request-ID")!

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let id = request.headers[Self.header].flatMap(Self.acceptable) ?? Self.generate()
        context.requestID = id
        context.logger[metadataKey: "request_id"] = .string(id)
        var response = try await next(request, context)
        response.headers[Self.header] = id
        return response
    }

    /// Client ids are echoed into headers and logs, so only short plain tokens are kept.
    static func acceptable(_ id: String) -> String? {
        guard (1...128).contains(id.utf8.count),
              id.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") })
        else { return nil }
        return id
    }

    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<12).map { _ in UInt8.random(in: 0...255, using: &generator) }.hexString
    }
}
