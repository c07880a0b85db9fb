import HTTPTypes
import Hummingbird
import NIOCore
import NoraCore
import NoraStorage

/// The PyPI error table, rendered as PyPI's upload API does: a status and a plain-text body
/// `<code> <reason>` (uv prints the body, twine prints it with `--verbose`, and twine's
/// `--skip-existing` looks for "already exist" in it). Handlers throw these; nothing else
/// picks a status. (PyPI also puts the reason in the status line; NIO writes the standard
/// reason phrase for standard codes, so here it is the body alone.)
public struct PyPIError: HTTPResponseError, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable {
        public let status: HTTPResponse.Status
        public let message: String

        public static let fileExists = Code(status: .badRequest, message: "File already exists")
        public static let invalidFilename = Code(status: .badRequest, message: "Invalid distribution file name")
        public static let invalidName = Code(status: .badRequest, message: "Invalid project name")
        public static let invalidVersion = Code(status: .badRequest, message: "Invalid version")
        public static let invalidForm = Code(status: .badRequest, message: "Invalid upload form")
        public static let digestMismatch = Code(status: .badRequest, message: "Digest mismatch")
        public static let invalidDistribution = Code(status: .badRequest, message: "Invalid distribution file")
        /// PyPI answers 400 for an oversize file, so twine shows the reason instead of failing on 413.
        public static let fileTooLarge = Code(status: .badRequest, message: "File too large")
        public static let projectNotFound = Code(status: .notFound, message: "Project not found")
        public static let fileNotFound = Code(status: .notFound, message: "File not found")
        public static let versionNotFound = Code(status: .notFound, message: "Version not found")
        public static let notAcceptable = Code(status: .notAcceptable, message: "Not acceptable")
    }

    public let code: Code
    public let detail: String?

    public init(_ code: Code, _ detail: String? = nil) { self.code = code; self.detail = detail }

    public var status: HTTPResponse.Status { code.status }
    public var headers: HTTPFields { [:] }
    public var description: String { detail.map { "\(code.message): \($0)" } ?? code.message }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        PyPIText.response(status: code.status, message: description, request: request, headers: [:])
    }
}

/// Generic failures under `/simple/` (auth, limits, unknown routes) as PyPI-style text,
/// with a Basic challenge so twine, pip and uv send their configured credentials.
struct PyPIErrorDialect: ErrorDialect {
    func response(for error: AppError, request: Request) -> Response {
        var headers = error.headers
        if error.kind == .unauthorized { headers[.wwwAuthenticate] = "Basic realm=\"nora\", charset=\"UTF-8\"" }
        return PyPIText.response(status: error.status, message: error.message, request: request, headers: headers)
    }
}

enum PyPIText {
    /// `<code> <message>\n` as a plain-text body.
    static func response(status: HTTPResponse.Status, message: String, request: Request, headers: HTTPFields) -> Response {
        PlainTextError.response(status: status, text: "\(status.code) \(message)\n", headers: headers, request: request)
    }
}

extension StorageError {
    /// Storage failures in PyPI's words (the ones an upload or download can meet).
    var pypiError: any Error {
        switch self {
        case .notFound: PyPIError(.fileNotFound, "the file's content is missing from storage")
        case .tooLarge(let limit): PyPIError(.fileTooLarge, "the limit is \(limit) bytes (NORA_PYPI_MAX_FILE_SIZE)")
        default: self
        }
    }
}
