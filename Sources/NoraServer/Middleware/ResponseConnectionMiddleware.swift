import Hummingbird
import NoraCore
import NoraStorage

/// Makes the request's connection known to the handlers below (`ResponseConnection.current`),
/// so blob bodies can be sent with `sendfile(2)` and streamed ones keep to a bounded number
/// of chunks in flight. Outermost, so every handler sees it.
struct ResponseConnectionMiddleware: RouterMiddleware {
    typealias Context = NoraRequestContext
    let sendfile: Bool

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        try await ResponseConnection.$current.withValue(ResponseConnection(channel: context.channel, sendfile: sendfile)) {
            try await next(request, context)
        }
    }
}
