import HTTPTypes
import Hummingbird
import NIOCore
import NoraCore
import NoraStorage

/// The Maven error table. Maven clients show only the status line (`Return code is: 409,
/// ReasonPhrase: …`), so the message travels in the reason phrase as well as in a plain-text body.
public struct MavenError: HTTPResponseError, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable {
        public let name: String
        public let status: HTTPResponse.Status

        public static let invalidPath = Code(name: "invalid path", status: .badRequest)
        public static let checksumMismatch = Code(name: "checksum mismatch", status: .badRequest)
        public static let invalidChecksum = Code(name: "invalid checksum", status: .badRequest)
        /// A checksum that contradicts one that already matched: refused, the file unchanged.
        public static let checksumConflict = Code(name: "checksum conflict", status: .conflict)
        public static let notFound = Code(name: "not found", status: .notFound)
        public static let checksumWithoutFile = Code(name: "no such file", status: .notFound)
        public static let releaseExists = Code(name: "release already deployed", status: .conflict)
        /// A file whose uploaded checksum did not match: not served until one matches.
        public static let untrusted = Code(name: "file not trusted", status: .conflict)
        public static let notAllowed = Code(name: "method not allowed", status: .methodNotAllowed)
        public static let tooLarge = Code(name: "too large", status: .contentTooLarge)
    }

    public let code: Code
    public let message: String
    public var headers: HTTPFields

    public init(_ code: Code, _ message: String, headers: HTTPFields = [:]) {
        self.code = code; self.message = message; self.headers = headers
    }

    public var status: HTTPResponse.Status { code.status }
    public var description: String { "\(status.code) \(code.name): \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Self.render(status: status, message: message, headers: headers, request: request)
    }

    static func render(status: HTTPResponse.Status, message: String, headers: HTTPFields, request: Request) -> Response {
        let phrase = String(message.prefix(200).map { $0.isASCII && !$0.isNewline ? $0 : " " })
        return PlainTextError.response(status: status, text: message + "\n", headers: headers, request: request, reasonPhrase: phrase)
    }
}

/// Generic failures under `/maven2/` as Maven reads them: status line plus plain text, and
/// for 401 the `Basic` challenge without which mvn never sends its server credentials.
struct MavenErrorDialect: ErrorDialect {
    let realm: String

    func response(for error: AppError, request: Request) -> Response {
        var headers = error.headers
        if error.kind == .unauthorized { headers[.wwwAuthenticate] = "Basic realm=\"\(realm)\", charset=\"UTF-8\"" }
        return MavenError.render(status: error.status, message: error.message, headers: headers, request: request)
    }
}

extension StorageError {
    /// Storage failures in Maven's words (the rest become generic errors).
    var mavenError: (any Error) {
        switch self {
        case .notFound: MavenError(.notFound, "stored content is missing")
        case .tooLarge(let limit): MavenError(.tooLarge, "file exceeds \(limit) bytes")
        default: self
        }
    }
}
