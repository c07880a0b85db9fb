import Hummingbird
import Logging
import NoraCore
import NoraStorage

/// The last resort: every error leaves here as a response in the shape of the protocol
/// the request was for (chosen by URL prefix). Unexpected errors are logged at `error`
/// with the request id, and the client gets a 500 naming that id instead of an empty body.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = NoraRequestContext

    let dialects: [(prefix: String, dialect: any ErrorDialect)]
    let fallback: any ErrorDialect

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as AppError {
            return dialect(for: request).response(for: error, request: request)
        } catch let error as StorageError {
            if case .io = error { context.logger.error("storage failure", metadata: ["error": .string(error.description)]) }
            if case .full = error { context.logger.error("the storage is full", metadata: ["error": .string(error.description)]) }
            return dialect(for: request).response(for: error.appError, request: request)
        } catch let error as HTTPError {
            // Hummingbird's own errors (unknown route, body too large, …) in our shape.
            let kind = AppError.Kind(status: error.status)
            return dialect(for: request).response(for: AppError(kind, error.body ?? Self.defaultMessage(kind), headers: error.headers), request: request)
        } catch let error as any HTTPResponseError {
            // A format's own protocol error: it knows its wire shape.
            return try error.response(from: request, context: context)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            context.logger.error("unhandled error", metadata: ["error": .string(String(reflecting: error))])
            let failure = AppError(.internalError, "internal error; request id \(context.requestID)")
            return dialect(for: request).response(for: failure, request: request)
        }
    }

    func dialect(for request: Request) -> any ErrorDialect {
        let path = request.uri.path
        for (prefix, dialect) in dialects where path == prefix || path.hasPrefix(prefix + "/") { return dialect }
        return fallback
    }

    static func defaultMessage(_ kind: AppError.Kind) -> String {
        switch kind {
        case .notFound: "not found"
        case .payloadTooLarge: "request body too large"
        case .methodNotAllowed: "method not allowed"
        default: "request failed"
        }
    }
}

extension AppError.Kind {
    init(status: HTTPResponse.Status) {
        switch status.code {
        case 400: self = .badRequest
        case 401: self = .unauthorized
        case 403: self = .forbidden
        case 404: self = .notFound
        case 405: self = .methodNotAllowed
        case 409: self = .conflict
        case 410: self = .gone
        case 412: self = .preconditionFailed
        case 413: self = .payloadTooLarge
        case 415: self = .unsupportedMediaType
        case 416: self = .rangeNotSatisfiable
        case 429: self = .tooManyRequests
        case 503: self = .unavailable
        case 507: self = .insufficientStorage
        case 400..<500: self = .badRequest
        default: self = .internalError
        }
    }
}
