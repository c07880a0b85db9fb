import HTTPTypes

/// A failure that is not specific to one protocol (auth, limits, storage, bad paths).
/// Each format's `ErrorDialect` renders it in the shape that format's clients read;
/// protocol-specific errors (OCI codes, …) are the formats' own types.
public struct AppError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case badRequest, unauthorized, forbidden, notFound, methodNotAllowed, conflict, gone
        case preconditionFailed, payloadTooLarge, unsupportedMediaType, rangeNotSatisfiable
        case tooManyRequests, internalError, unavailable, insufficientStorage

        public var status: HTTPResponse.Status {
            switch self {
            case .badRequest: .badRequest
            case .unauthorized: .unauthorized
            case .forbidden: .forbidden
            case .notFound: .notFound
            case .methodNotAllowed: .methodNotAllowed
            case .conflict: .conflict
            case .gone: .gone
            case .preconditionFailed: .preconditionFailed
            case .payloadTooLarge: .contentTooLarge
            case .unsupportedMediaType: .unsupportedMediaType
            case .rangeNotSatisfiable: .rangeNotSatisfiable
            case .tooManyRequests: .tooManyRequests
            case .internalError: .internalServerError
            case .unavailable: .serviceUnavailable
            case .insufficientStorage: HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage")
            }
        }
    }

    public let kind: Kind
    public let message: String
    /// Extra response headers (`Retry-After`, `Content-Range`, …).
    public var headers: HTTPFields

    public init(_ kind: Kind, _ message: String, headers: HTTPFields = [:]) {
        self.kind = kind; self.message = message; self.headers = headers
    }

    public var status: HTTPResponse.Status { kind.status }
    public var description: String { "\(status.code) \(message)" }
}
