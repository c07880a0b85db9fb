import HTTPTypes
import Hummingbird
import NIOCore
import NoraCore

/// `/api-docs/openapi.json` and the explorer at `/api-docs/` and `/swagger-ui/`: a page of
/// our own, rendered on the server from the same operation table (so it lists every
/// operation with JavaScript off); with JavaScript each operation's form sends a request
/// and shows the answer. Both are public: they describe the API, not the registry's content.
struct APIDocs {
    let web: NoraWeb

    func register(on router: Router<NoraRequestContext>) {
        router.get("api-docs/openapi.json") { request, _ in
            Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-cache"],
                     body: .init(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.json(serverURL: web.baseURL(request), version: web.settings.version))))
        }
        router.get("api-docs") { request, context in try await explorer(request, context) }
        router.get("swagger-ui") { request, context in try await explorer(request, context) }
    }

    func explorer(_ request: Request, _ context: NoraRequestContext) async throws -> Response {
        let viewer = try await web.access.viewer(request, context)
        let layout = Layout(formats: web.formats, viewer: viewer, access: web.access, version: web.settings.version)
        let operations = OpenAPIDocument.operations
        return layout.page(title: "API", current: "api") { h in
            h.element("h1", "API explorer")
            h.raw("<p>The OpenAPI 3.1 document: <a href=\"/api-docs/openapi.json\">/api-docs/openapi.json</a>. ")
            h.raw("Each form below sends its request from this page (JavaScript needed for sending; the list needs none).</p>")
            h.raw("<p><label for=\"explorer-auth\">Authorization header for the requests (optional, e.g. <code>Bearer nora_…</code>)</label>")
            h.raw("<input id=\"explorer-auth\" size=\"60\" autocomplete=\"off\"></p>")
            var tags: [String] = []
            for op in operations where !tags.contains(op.tag) { tags.append(op.tag) }
            for tag in tags {
                h.raw("<section><h2>"); h.text(tag); h.raw("</h2><ul class=\"ops\">")
                for op in operations where op.tag == tag { operation(&h, op) }
                h.raw("</ul></section>")
            }
        }
    }

    func operation(_ h: inout HTMLBuilder, _ op: APIOperation) {
        let id = OpenAPIDocument.operationID(op)
        h.raw("<li><details><summary><span class=\"method\">"); h.text(op.method); h.raw("</span> <code>"); h.text(op.path)
        h.raw("</code> <span class=\"muted\">"); h.text(op.summary); h.raw("</span></summary>")
        h.raw("<form class=\"inline\" data-explorer data-method=\""); h.text(op.method); h.raw("\" data-path=\""); h.text(op.path)
        h.raw("\" aria-label=\""); h.text("\(op.method) \(op.path)"); h.raw("\">")
        for p in op.pathParameters + op.parameters where p.location != .header {
            let field = "\(id)-\(p.name)"
            h.raw("<div><label for=\""); h.text(field); h.raw("\">"); h.text(p.name + (p.required ? " *" : ""))
            h.raw("</label><input id=\""); h.text(field); h.raw("\" name=\""); h.text(p.name); h.raw("\" data-in=\"")
            h.text(p.location.rawValue); h.raw("\" title=\""); h.text(p.description); h.raw("\"\(p.required ? " required" : "")></div>")
        }
        if let body = op.requestBody, body.1 != "binary" {
            h.raw("<div><label for=\"\(id)-body\">JSON body</label><textarea id=\"\(id)-body\" name=\"body\" rows=\"3\" cols=\"40\"></textarea></div>")
        }
        h.raw("<button type=\"submit\">Send</button><output class=\"mono\" aria-live=\"polite\"></output></form>")
        h.raw("</details></li>")
    }
}
