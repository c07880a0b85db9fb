import HTTPTypes
import Hummingbird
import NIOCore
import NoraCore
import NoraStorage

/// The OCI distribution error table: each code with its HTTP status and standard message,
/// rendered as `{"errors":[{"code","message","detail"}]}`. Handlers throw these; nothing
/// else picks a status.
public struct OCIError: HTTPResponseError, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable {
        public let name: String
        public let status: HTTPResponse.Status
        public let message: String

        public static let blobUnknown = Code(name: "BLOB_UNKNOWN", status: .notFound, message: "blob unknown to registry")
        public static let blobUploadInvalid = Code(name: "BLOB_UPLOAD_INVALID", status: .badRequest, message: "blob upload invalid")
        public static let blobUploadUnknown = Code(name: "BLOB_UPLOAD_UNKNOWN", status: .notFound, message: "blob upload unknown to registry")
        public static let digestInvalid = Code(name: "DIGEST_INVALID", status: .badRequest, message: "provided digest did not match uploaded content")
        public static let manifestBlobUnknown = Code(name: "MANIFEST_BLOB_UNKNOWN", status: .badRequest, message: "manifest references a manifest or blob unknown to registry")
        public static let manifestInvalid = Code(name: "MANIFEST_INVALID", status: .badRequest, message: "manifest invalid")
        public static let manifestUnknown = Code(name: "MANIFEST_UNKNOWN", status: .notFound, message: "manifest unknown to registry")
        public static let nameInvalid = Code(name: "NAME_INVALID", status: .badRequest, message: "invalid repository name")
        public static let nameUnknown = Code(name: "NAME_UNKNOWN", status: .notFound, message: "repository name not known to registry")
        public static let sizeInvalid = Code(name: "SIZE_INVALID", status: .badRequest, message: "provided length did not match content length")
        public static let unauthorized = Code(name: "UNAUTHORIZED", status: .unauthorized, message: "authentication required")
        public static let denied = Code(name: "DENIED", status: .forbidden, message: "requested access to the resource is denied")
        public static let unsupported = Code(name: "UNSUPPORTED", status: .methodNotAllowed, message: "the operation is unsupported")
        public static let tooManyRequests = Code(name: "TOOMANYREQUESTS", status: .tooManyRequests, message: "too many requests")
        /// Not in the spec's table; distribution uses it for unexpected failures.
        public static let unknown = Code(name: "UNKNOWN", status: .internalServerError, message: "unknown error")
    }

    public let code: Code
    public let detail: String?
    public let status: HTTPResponse.Status
    public var headers: HTTPFields

    public init(_ code: Code, _ detail: String? = nil, status: HTTPResponse.Status? = nil, headers: HTTPFields = [:]) {
        self.code = code; self.detail = detail; self.status = status ?? code.status; self.headers = headers
    }

    public var description: String { "\(code.name): \(detail ?? code.message)" }

    struct Body: Encodable {
        struct Entry: Encodable { let code: String; let message: String; let detail: String? }
        let errors: [Entry]
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        render(for: request)
    }

    func render(for request: Request) -> Response {
        var headers = self.headers
        headers[.contentLength] = nil
        headers[.contentType] = "application/json"
        headers[OCIHeaders.apiVersion] = "registry/2.0"
        let bytes = JSON.encode(Body(errors: [.init(code: code.name, message: code.message, detail: detail)]))
        if request.method == .head {
            headers[.contentLength] = "0"
            return Response(status: status, headers: headers, body: .init())
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

enum OCIHeaders {
    static let apiVersion = HTTPField.Name("Docker-Distribution-API-Version")!
    static let contentDigest = HTTPField.Name("Docker-Content-Digest")!
    static let uploadUUID = HTTPField.Name("Docker-Upload-UUID")!
    static let subject = HTTPField.Name("OCI-Subject")!
    static let filtersApplied = HTTPField.Name("OCI-Filters-Applied")!
    static let range = HTTPField.Name("Range")!
    static let link = HTTPField.Name("Link")!
}

extension StorageError {
    /// Storage failures in OCI's words.
    var ociError: OCIError {
        switch self {
        case .notFound: OCIError(.blobUnknown)
        case .uploadUnknown: OCIError(.blobUploadUnknown)
        case .digestMismatch(let expected, let actual): OCIError(.digestInvalid, "expected \(expected), content is \(actual)")
        case .tooLarge(let limit): OCIError(.sizeInvalid, "content exceeds \(limit) bytes", status: .contentTooLarge)
        case .invalidKey(let reason): OCIError(.nameInvalid, reason)
        case .rangeNotSatisfiable(let size): OCIError(.blobUnknown, "range not satisfiable", status: .rangeNotSatisfiable,
                                                      headers: [.contentRange: "bytes */\(size)"])
        case .io: OCIError(.unknown, "storage error")
        case .full: OCIError(.unknown, "the registry's storage is full: nothing was stored", status: HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage"))
        }
    }
}
