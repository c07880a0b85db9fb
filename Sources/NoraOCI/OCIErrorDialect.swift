import HTTPTypes
import Hummingbird
import NoraCore

/// Generic failures (auth, limits, unknown routes) on `/v2/` in OCI's error shape, with
/// the Bearer challenge that sends docker, skopeo, helm and oras to the token service.
struct OCIErrorDialect: ErrorDialect {
    let publicURL: String?

    func response(for error: AppError, request: Request) -> Response {
        var headers = error.headers
        let code: OCIError.Code
        switch error.kind {
        case .unauthorized:
            code = .unauthorized
            headers[.wwwAuthenticate] = Self.challenge(for: request, publicURL: publicURL)
        case .forbidden: code = .denied
        case .tooManyRequests: code = .tooManyRequests
        case .payloadTooLarge: code = .sizeInvalid
        case .rangeNotSatisfiable: code = .blobUnknown
        case .notFound: code = .nameUnknown
        case .methodNotAllowed: code = .unsupported
        case .badRequest: code = .unsupported
        case .internalError, .unavailable, .badGateway, .gatewayTimeout: code = .unknown
        default: code = .unsupported
        }
        let rendered = OCIError(code, error.message, status: error.status, headers: headers)
        return rendered.render(for: request)
    }

    /// `Bearer realm="<base>/v2/token",service="nora"[,scope="repository:<name>:pull[,push]"]`.
    static func challenge(for request: Request, publicURL: String?) -> String {
        let base = BaseURL.of(request, publicURL: publicURL)
        var value = "Bearer realm=\"\(base)/v2/token\",service=\"\(TokenService.serviceName)\""
        // Always pull,push: a client that keeps its first token (oras) can then push with it;
        // the token service grants only what the caller's role allows.
        if let route = try? OCIRoute(request.uri.path, method: request.method), let name = route.repository {
            value += ",scope=\"repository:\(name):pull,push\""
        }
        return value
    }
}

