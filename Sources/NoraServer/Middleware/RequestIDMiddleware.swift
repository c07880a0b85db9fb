import HTTPTypes
import Hummingbird
import NoraCore
import Synchronization

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

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
        // One id per log line: Hummingbird's own (never sent to the client) is dropped in
        // favour of the one echoed in X-Request-ID. Nothing here reads `context.id`.
        context.logger[metadataKey: "hb.request.id"] = nil
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

    /// A random per-process prefix and a counter: unique across replicas and restarts for
    /// practical purposes, and no system call per request (ids are not secrets).
    static func generate() -> String {
        let number = counter.wrappingAdd(1, ordering: .relaxed).newValue
        let digits = String(UInt64(truncatingIfNeeded: number), radix: 16)
        return prefix + digits.leftPadded(to: 12)
    }

    private static let prefix: String = {
        var generator = SystemRandomNumberGenerator()
        return String(generator.next() >> 16, radix: 16, uppercase: false).leftPadded(to: 12)
    }()
    private static let counter = Atomic<Int>(0)
}
