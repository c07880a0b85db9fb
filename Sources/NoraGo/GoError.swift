import HTTPTypes
import Hummingbird
import NIOCore
import NoraCore

/// The GOPROXY error table. The protocol has no error body: the go command prints the
/// status and the plain-text body ("server response: …"), and treats 404 and 410 as "not
/// here", moving on to the next proxy of a `GOPROXY` list. So every failure is a status
/// from this table and one line saying why.
public struct GoError: HTTPResponseError, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable {
        public let status: HTTPResponse.Status

        /// Unknown module or version: 404 so a `GOPROXY` list falls through.
        public static let notFound = Code(status: .notFound)
        /// A path that can never name a module or version (on reads this is also a 404).
        public static let invalidRequest = Code(status: .badRequest)
        /// An upload that breaks the module zip rules.
        public static let invalidModule = Code(status: .badRequest)
        /// The version exists already: versions are immutable.
        public static let versionExists = Code(status: .conflict)
        public static let tooLarge = Code(status: .contentTooLarge)
        public static let methodNotAllowed = Code(status: .methodNotAllowed)
    }

    public let code: Code
    public let message: String
    public var headers: HTTPFields

    public init(_ code: Code, _ message: String, headers: HTTPFields = [:]) {
        self.code = code; self.message = message; self.headers = headers
    }

    public var status: HTTPResponse.Status { code.status }
    public var description: String { "\(status.code) \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        GoErrorDialect.plainText(status: status, message: message, headers: headers, request: request)
    }
}

/// Generic failures (auth, rate limits, unknown routes) under `/go/` as plain text, with the
/// Basic challenge the go command answers from `.netrc` or `GOAUTH`.
struct GoErrorDialect: ErrorDialect {
    func response(for error: AppError, request: Request) -> Response {
        var headers = error.headers
        if error.kind == .unauthorized { headers[.wwwAuthenticate] = "Basic realm=\"nora\", charset=\"UTF-8\"" }
        return Self.plainText(status: error.status, message: error.message, headers: headers, request: request)
    }

    static func plainText(status: HTTPResponse.Status, message: String, headers: HTTPFields, request: Request) -> Response {
        var headers = headers
        headers[.cacheControl] = "no-store"
        return PlainTextError.response(status: status, text: message.hasSuffix("\n") ? message : message + "\n",
                                       headers: headers, request: request)
    }
}
