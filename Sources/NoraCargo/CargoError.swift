import HTTPTypes
import Hummingbird
import NIOCore
import NoraCore
import NoraStorage

/// The cargo registry error table: each code declared once with its HTTP status, rendered as
/// `{"errors":[{"detail":"…"}]}`, which cargo prints after "the remote server responded with
/// an error". Handlers throw these; nothing else picks a status.
public struct CargoError: HTTPResponseError, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable {
        public let name: String
        public let status: HTTPResponse.Status

        static let invalidName = Code(name: "invalid_name", status: .badRequest)
        static let invalidVersion = Code(name: "invalid_version", status: .badRequest)
        static let invalidFraming = Code(name: "invalid_framing", status: .badRequest)
        static let invalidMetadata = Code(name: "invalid_metadata", status: .badRequest)
        static let invalidCrate = Code(name: "invalid_crate", status: .badRequest)
        static let invalidRequest = Code(name: "invalid_request", status: .badRequest)
        static let unknownUser = Code(name: "unknown_user", status: .badRequest)
        static let versionExists = Code(name: "version_exists", status: .conflict)
        static let nameConflict = Code(name: "name_conflict", status: .conflict)
        static let lastOwner = Code(name: "last_owner", status: .conflict)
        static let notOwner = Code(name: "not_owner", status: .forbidden)
        static let crateNotFound = Code(name: "crate_not_found", status: .notFound)
        static let versionNotFound = Code(name: "version_not_found", status: .notFound)
        static let notFound = Code(name: "not_found", status: .notFound)
        static let tooLarge = Code(name: "too_large", status: .contentTooLarge)
    }

    public let code: Code
    public let detail: String
    public let status: HTTPResponse.Status
    public var headers: HTTPFields

    init(_ code: Code, _ detail: String, status: HTTPResponse.Status? = nil, headers: HTTPFields = [:]) {
        self.code = code; self.detail = detail; self.status = status ?? code.status; self.headers = headers
    }

    public var description: String { "\(code.name): \(detail)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Self.render(status: status, detail: detail, headers: headers, request: request)
    }

    struct Body: Encodable {
        struct Entry: Encodable { let detail: String }
        let errors: [Entry]
    }

    static func render(status: HTTPResponse.Status, detail: String, headers: HTTPFields, request: Request) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        if request.method == .head {
            headers[.contentLength] = "0"
            return Response(status: status, headers: headers, body: .init())
        }
        let bytes = JSON.encode(Body(errors: [.init(detail: detail)]))
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// Generic failures under `/cargo/` in cargo's shape. A 401 carries the challenge of
/// RFC 3231 (`Cargo login_url="…"`), which cargo shows to a user without a token.
struct CargoErrorDialect: ErrorDialect {
    let publicURL: String?

    func response(for error: AppError, request: Request) -> Response {
        var headers = error.headers
        if error.kind == .unauthorized {
            headers[.wwwAuthenticate] = Self.challenge(for: request, publicURL: publicURL)
        }
        return CargoError.render(status: error.status, detail: error.message, headers: headers, request: request)
    }

    static func challenge(for request: Request, publicURL: String?) -> String {
        "Cargo login_url=\"\(BaseURL.of(request, publicURL: publicURL))/cargo/me\""
    }
}

extension StorageError {
    /// Storage failures in cargo's words.
    var cargoError: CargoError {
        switch self {
        case .notFound: CargoError(.notFound, "the crate file is missing from storage")
        case .tooLarge(let limit): CargoError(.tooLarge, "the crate exceeds \(limit) bytes")
        case .rangeNotSatisfiable(let size):
            CargoError(.invalidRequest, "range not satisfiable", status: .rangeNotSatisfiable, headers: [.contentRange: "bytes */\(size)"])
        default: CargoError(.invalidRequest, description, status: appError.status)
        }
    }
}
