import HTTPTypes
import Hummingbird
import NIOCore
import NoraCore
import NoraStorage

/// The npm error table: each failure with its status, rendered as `{"error": "…"}`,
/// which the npm CLI prints verbatim after the status line. Handlers throw these;
/// nothing else picks a status.
struct NpmError: HTTPResponseError, Sendable, CustomStringConvertible {
    struct Code: Hashable, Sendable {
        let name: String
        let status: HTTPResponse.Status

        static let notFound = Code(name: "not_found", status: .notFound)
        static let invalidName = Code(name: "invalid_name", status: .badRequest)
        static let invalidVersion = Code(name: "invalid_version", status: .badRequest)
        static let invalidDocument = Code(name: "invalid_document", status: .badRequest)
        static let invalidTag = Code(name: "invalid_tag", status: .badRequest)
        static let integrityMismatch = Code(name: "integrity_mismatch", status: .badRequest)
        static let nameMismatch = Code(name: "name_mismatch", status: .badRequest)
        /// npm's registry answers 403 to a republish; the CLI shows the message as is.
        static let versionExists = Code(name: "version_exists", status: .forbidden)
        static let forbidden = Code(name: "forbidden", status: .forbidden)
        static let revisionConflict = Code(name: "conflict", status: .conflict)
        static let tooLarge = Code(name: "too_large", status: .contentTooLarge)
        static let unauthorized = Code(name: "unauthorized", status: .unauthorized)
        static let methodNotAllowed = Code(name: "method_not_allowed", status: .methodNotAllowed)
        static let rangeNotSatisfiable = Code(name: "range_not_satisfiable", status: .rangeNotSatisfiable)
        static let storage = Code(name: "storage", status: .internalServerError)
    }

    let code: Code
    let message: String
    var headers: HTTPFields

    init(_ code: Code, _ message: String, headers: HTTPFields = [:]) {
        self.code = code; self.message = message; self.headers = headers
    }

    var status: HTTPResponse.Status { code.status }
    var description: String { "\(status.code) \(message)" }

    static func notFound(_ name: PackageName) -> NpmError { NpmError(.notFound, "package '\(name)' not found") }

    static func versionExists(_ version: String) -> NpmError {
        NpmError(.versionExists, "You cannot publish over the previously published versions: \(version).")
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        render(for: request, realm: "nora")
    }

    func render(for request: Request, realm: String) -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json"
        if status == .unauthorized { headers[.wwwAuthenticate] = "Basic realm=\"\(realm)\", charset=\"UTF-8\"" }
        guard request.method != .head else {
            headers[.contentLength] = "0"
            return Response(status: status, headers: headers, body: .init())
        }
        let body = ByteBuffer(bytes: JSON.encode(["error": message]))
        return Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }
}

/// Generic failures under `/npm/` (auth, limits, unknown routes) in npm's shape, with the
/// Basic challenge that makes npm report "Unable to authenticate".
struct NpmErrorDialect: ErrorDialect {
    func response(for error: AppError, request: Request) -> Response {
        let code: NpmError.Code
        switch error.kind {
        case .unauthorized: code = .unauthorized
        case .forbidden: code = .forbidden
        case .notFound: code = .notFound
        case .payloadTooLarge: code = .tooLarge
        case .conflict: code = .revisionConflict
        case .methodNotAllowed: code = .methodNotAllowed
        case .rangeNotSatisfiable: code = .rangeNotSatisfiable
        case .internalError, .unavailable: code = .storage
        default: code = NpmError.Code(name: "error", status: error.status)
        }
        let rendered = NpmError(NpmError.Code(name: code.name, status: error.status), error.message, headers: error.headers)
        return rendered.render(for: request, realm: "nora")
    }
}

extension StorageError {
    /// Storage failures in npm's words.
    var npmError: NpmError {
        switch self {
        case .notFound: NpmError(.notFound, "tarball not found")
        case .tooLarge(let limit): NpmError(.tooLarge, "content exceeds \(limit) bytes")
        case .rangeNotSatisfiable(let size): NpmError(.rangeNotSatisfiable, "range not satisfiable",
                                                      headers: [.contentRange: "bytes */\(size)"])
        default: NpmError(.storage, "storage error")
        }
    }
}
