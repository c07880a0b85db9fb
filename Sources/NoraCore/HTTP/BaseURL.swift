import HTTPTypes
import Hummingbird

/// The URL clients use to reach this registry, for links and challenges:
/// `NORA_PUBLIC_URL` when set, else the scheme and `Host` of the request.
public enum BaseURL {
    public static func of(_ request: Request, publicURL: String?) -> String {
        if let publicURL { return publicURL }
        let scheme = request.headers[HTTPField.Name("X-Forwarded-Proto")!] == "https" ? "https" : "http"
        let host = request.head.authority ?? "127.0.0.1"
        return "\(scheme)://\(host)"
    }
}
