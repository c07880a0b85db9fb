import NoraCore

/// What a `/go/…` URL asks for, decoded and validated. Module paths and versions arrive
/// case-encoded (`!x` for `X`), and the go command sends `!` as `%21`.
///
///     /go/<module>/@v/list
///     /go/<module>/@v/<version>.info | .mod | .zip
///     /go/<module>/@latest
///     /go/sumdb/<name>/…               (no checksum database proxying yet)
enum GoRoute: Equatable {
    enum FileKind: String, Equatable { case info, mod, zip }

    case list(module: String)
    case latest(module: String)
    case file(module: String, version: GoSemver, kind: FileKind)
    case sumdb

    static let prefix = "/go/"

    /// Throws `invalidRequest` with the reason when the path cannot name a module file.
    init(path rawPath: String) throws(GoError) {
        guard rawPath.hasPrefix(Self.prefix) else { throw GoError(.notFound, "not found: not a /go/ path") }
        guard let path = PercentEncoding.decode(rawPath.dropFirst(Self.prefix.count)) else {
            throw GoError(.invalidRequest, "malformed percent-encoding in the path")
        }
        if path.hasPrefix("sumdb/") { self = .sumdb; return }
        if path.hasSuffix("/@latest") {
            self = .latest(module: try Self.module(String(path.dropLast("/@latest".count))))
            return
        }
        guard let marker = path.range(of: "/@v/") else {
            throw GoError(.notFound, "not found: expected /go/<module>/@v/… or /go/<module>/@latest")
        }
        let module = try Self.module(String(path[..<marker.lowerBound]))
        let file = String(path[marker.upperBound...])
        if file == "list" { self = .list(module: module); return }
        guard let dot = file.lastIndex(of: "."), let kind = FileKind(rawValue: String(file[file.index(after: dot)...])) else {
            throw GoError(.notFound, "not found: expected @v/list or @v/<version>.info, .mod or .zip")
        }
        let version = try Self.version(String(file[..<dot]))
        self = .file(module: module, version: version, kind: kind)
    }

    static func module(_ escaped: String) throws(GoError) -> String {
        guard let module = GoModulePath.unescape(escaped) else {
            throw GoError(.invalidRequest, "malformed module path \"\(escaped)\": upper-case letters must be written !x (case-encoded)")
        }
        do {
            try GoModulePath.check(module)
        } catch {
            throw GoError(.invalidRequest, error.reason)
        }
        return module
    }

    static func version(_ escaped: String) throws(GoError) -> GoSemver {
        guard let text = GoModulePath.unescape(escaped) else {
            throw GoError(.invalidRequest, "malformed version \"\(escaped)\": upper-case letters must be written !x (case-encoded)")
        }
        do {
            return try GoSemver(canonical: text)
        } catch {
            throw GoError(.invalidRequest, error.reason)
        }
    }

    var module: String? {
        switch self {
        case .list(let m), .latest(let m), .file(let m, _, _): m
        case .sumdb: nil
        }
    }
}
