import NoraCore

/// Why a proxied read failed. Formats render it through `appError` (their error dialect
/// turns that into the body their clients read) or map it to their own error type.
public enum ProxyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Every upstream answered 404 (or none is configured): the format's own "not found".
    case notFound(String)
    /// Offline mode and not cached.
    case notCached(String)
    /// Upstreams failed (connection, 5xx, open circuit) and nothing is cached.
    case unavailable(String)
    /// An upstream refused the credentials sent (401): a registry token may have expired,
    /// so a format that obtains tokens can get a fresh one and ask again.
    case unauthorized(String)
    /// An upstream did not answer in time and nothing is cached.
    case timedOut(String)
    /// What an upstream sent did not match the digest its metadata promised; nothing was stored.
    case digestMismatch(expected: String, actual: String)
    /// The body exceeded the size allowed for this kind of object.
    case tooLarge(limit: Int64)

    public var description: String {
        switch self {
        case .notFound(let what): "\(what) not found upstream"
        case .notCached(let what): "\(what) is not cached and the registry is offline (NORA_OFFLINE)"
        case .unavailable(let why): "upstream unavailable: \(why)"
        case .unauthorized(let why): "upstream refused the credentials: \(why)"
        case .timedOut(let why): "upstream timed out: \(why)"
        case .digestMismatch(let expected, let actual): "upstream content does not match its digest: expected \(expected), got \(actual)"
        case .tooLarge(let limit): "upstream content exceeds \(limit) bytes"
        }
    }

    /// The generic failure for this error: 404, 502 or 504 in the format's dialect.
    public var appError: AppError {
        switch self {
        case .notFound, .notCached: AppError(.notFound, description)
        case .unavailable, .unauthorized, .digestMismatch, .tooLarge: AppError(.badGateway, description)
        case .timedOut: AppError(.gatewayTimeout, description)
        }
    }
}
