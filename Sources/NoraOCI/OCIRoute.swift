import HTTPTypes
import NoraCore

/// A repository name by the distribution-spec grammar: path components
/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*` joined by `/`, any depth, at most 255 characters.
public struct RepositoryName: Hashable, Sendable, CustomStringConvertible {
    public let value: String
    public var description: String { value }

    public init(_ text: some StringProtocol) throws(OCIError) {
        guard !text.isEmpty, text.utf8.count <= 255 else { throw OCIError(.nameInvalid, "repository name must be 1-255 characters") }
        for component in text.split(separator: "/", omittingEmptySubsequences: false) {
            guard Self.isValidComponent(component) else {
                throw OCIError(.nameInvalid, "invalid repository name '\(text.prefix(255))'")
            }
        }
        value = String(text)
    }

    /// `[a-z0-9]+` runs separated by exactly `.`, `_`, `__` or one or more `-`.
    static func isValidComponent(_ component: some StringProtocol) -> Bool {
        let bytes = Array(component.utf8)
        func alnum(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) }
        guard let first = bytes.first, let last = bytes.last, alnum(first), alnum(last) else { return false }
        var i = 0
        while i < bytes.count {
            if alnum(bytes[i]) { i += 1; continue }
            var j = i
            while j < bytes.count && !alnum(bytes[j]) { j += 1 }
            let separator = String(decoding: bytes[i..<j], as: UTF8.self)
            guard separator == "." || separator == "_" || separator == "__" || separator.allSatisfy({ $0 == "-" }) else { return false }
            i = j
        }
        return true
    }
}

/// A manifest reference: a tag (`[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`) or a digest.
public enum ManifestReference: Hashable, Sendable, CustomStringConvertible {
    case tag(String)
    case digest(Digest)

    public init(_ text: some StringProtocol) throws(OCIError) {
        if text.contains(":") {
            do { self = .digest(try Digest(parsing: text)) } catch { throw OCIError(.digestInvalid, error.description) }
            return
        }
        guard Self.isValidTag(text) else { throw OCIError(.manifestInvalid, "invalid tag '\(text.prefix(140))'", status: .badRequest) }
        self = .tag(String(text))
    }

    static func isValidTag(_ text: some StringProtocol) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...128).contains(bytes.count) else { return false }
        func word(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || (b >= 0x30 && b <= 0x39) || b == 0x5f }
        return word(bytes[0]) && bytes.dropFirst().allSatisfy { word($0) || $0 == 0x2e || $0 == 0x2d }
    }

    public var description: String {
        switch self { case .tag(let t): t; case .digest(let d): d.description }
    }
}

/// What a `/v2/<name>/…` path asks for, parsed from the right: repository names may
/// themselves contain `blobs`, `manifests` or `tags` components.
public enum OCIRoute: Equatable, Sendable {
    case manifest(RepositoryName, String)
    case blob(RepositoryName, String)
    case uploads(RepositoryName)
    case upload(RepositoryName, String)
    case tags(RepositoryName)
    case referrers(RepositoryName, String)

    public var repository: String? {
        switch self {
        case .manifest(let n, _), .blob(let n, _), .uploads(let n), .upload(let n, _), .tags(let n), .referrers(let n, _): n.value
        }
    }

    /// `path` is the raw request path starting with `/v2/`.
    public init(_ path: String, method: HTTPRequest.Method) throws(OCIError) {
        guard path.hasPrefix("/v2/") else { throw OCIError(.unsupported, "not an OCI path", status: .notFound) }
        var parts = path.dropFirst(4).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let trailingSlash = parts.last == ""
        if trailingSlash { parts.removeLast() }
        let n = parts.count
        func name(_ count: Int) throws(OCIError) -> RepositoryName {
            guard count > 0 else { throw OCIError(.nameInvalid, "missing repository name") }
            return try RepositoryName(parts[..<count].joined(separator: "/"))
        }
        if n >= 3, parts[n - 2] == "blobs", parts[n - 1] == "uploads", method == .post {
            self = .uploads(try name(n - 2))
        } else if n >= 3, parts[n - 2] == "blobs", let digest = PercentEncoding.decode(parts[n - 1]), digest.contains(":") {
            self = .blob(try name(n - 2), digest)
        } else if n >= 4, parts[n - 3] == "blobs", parts[n - 2] == "uploads" {
            self = .upload(try name(n - 3), parts[n - 1])
        } else if n >= 3, parts[n - 2] == "blobs" {
            self = .blob(try name(n - 2), parts[n - 1])
        } else if n >= 3, parts[n - 2] == "manifests" {
            self = .manifest(try name(n - 2), PercentEncoding.decode(parts[n - 1]) ?? parts[n - 1])
        } else if n >= 3, parts[n - 2] == "tags", parts[n - 1] == "list" {
            self = .tags(try name(n - 2))
        } else if n >= 3, parts[n - 2] == "referrers" {
            self = .referrers(try name(n - 2), PercentEncoding.decode(parts[n - 1]) ?? parts[n - 1])
        } else {
            throw OCIError(.unsupported, "unknown endpoint \(path.prefix(300))", status: .notFound)
        }
    }
}
