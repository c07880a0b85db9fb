/// One documented operation: the router path it is registered under, and what the OpenAPI
/// document says about it. `OpenAPIDocument.operations` is checked against the router's
/// routes by a test, so a route cannot exist without a document entry, nor the reverse.
struct APIOperation: Sendable {
    struct Parameter: Sendable {
        enum Location: String, Sendable { case path, query, header }
        let name: String
        let location: Location
        let description: String
        var required = false
        var schema: [String: any Sendable] = ["type": "string"]
    }

    let method: String
    /// As registered with Hummingbird (`/api/packages/:format/**`).
    let route: String
    /// As the document names it (`/api/packages/{format}/{name}`).
    let path: String
    let tag: String
    let summary: String
    var parameters: [Parameter] = []
    /// Status → (description, schema reference or nil, media type).
    var responses: [(String, String, String?, String)] = []
    var requestBody: (String, String)?  // (media type, schema ref or "binary")
    var security: Bool = true

    /// Path parameters, derived from the document path.
    var pathParameters: [Parameter] {
        var result: [Parameter] = []
        var rest = Substring(path)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            let name = String(rest[rest.index(after: open)..<close])
            result.append(Parameter(name: name, location: .path, description: Self.pathParameterText[name] ?? name, required: true))
            rest = rest[rest.index(after: close)...]
        }
        return result
    }

    static let pathParameterText: [String: String] = [
        "path": "The rest of the path (may contain `/`); see the operation's description for its forms.",
        "format": "A format: docker (or oci), npm, pypi, cargo, go, maven, raw.",
        "name": "The package name as the format writes it (slashes allowed: `@scope/pkg`, `group:artifact`, `org/repo`).",
        "id": "Token id (or a unique token name).",
        "project": "PyPI project name (any spelling; redirects to the normalized one).",
        "item": "A distribution file name, or a version before /yank and /unyank.",
        "version": "A version.",
    ]
}
