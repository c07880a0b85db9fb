/// Every route the server registers, as the OpenAPI document describes it.
extension OpenAPIDocument {
    typealias P = APIOperation.Parameter

    static let errors: [(String, String, String?, String)] = [
        ("400", "Bad request", "Error", json), ("401", "Authentication required", "Error", json),
        ("403", "Not allowed", "Error", json), ("404", "Not found", "Error", json),
    ]
    static let json = "application/json"
    static let listingParameters = [
        P(name: "q", location: .query, description: "Case-insensitive name fragment: three or more characters match anywhere in a name, one or two match its start."),
        P(name: "sort", location: .query, description: "name (default) or updated (newest first).",
          schema: ["type": "string", "enum": ["name", "updated"]]),
        P(name: "limit", location: .query, description: "Page size, 1–200 (default 50).",
          schema: ["type": "integer", "minimum": 1, "maximum": 200]),
        P(name: "offset", location: .query, description: "Items to skip (0–1000000).",
          schema: ["type": "integer", "minimum": 0, "maximum": 1_000_000]),
    ]

    /// The management API, in full detail.
    static let management: [APIOperation] = [
        APIOperation(method: "GET", route: "/api/stats", path: "/api/stats", tag: "management",
                     summary: "Counts per format, storage, version and uptime",
                     responses: [("200", "Statistics", "Stats", json)] + errors),
        APIOperation(method: "GET", route: "/api/packages", path: "/api/packages", tag: "management",
                     summary: "A page of packages of one format, or of all formats (one page per format, merged)",
                     parameters: [P(name: "format", location: .query, description: "docker (or oci), npm, pypi, cargo, go, maven, raw; empty for all.",
                                    schema: ["type": "string", "enum": ["", "docker", "oci", "npm", "pypi", "cargo", "go", "maven", "raw"]])]
                        + listingParameters,
                     responses: [("200", "A page of packages", "ListingPage", json)] + errors),
        APIOperation(method: "GET", route: "/api/packages/:format/**", path: "/api/packages/{format}/{name}", tag: "management",
                     summary: "One package: versions, tags, files, dependencies, install snippets",
                     responses: [("200", "The package", "PackageDetail", json)] + errors),
        APIOperation(method: "GET", route: "/api/activity", path: "/api/activity", tag: "management",
                     summary: "Activity events, newest first (downloads: first per client, version and hour)",
                     parameters: [P(name: "format", location: .query, description: "Only this format.",
                                    schema: ["type": "string", "enum": ["", "docker", "oci", "npm", "pypi", "cargo", "go", "maven", "raw"]]),
                                  P(name: "limit", location: .query, description: "1–500 (default 50).",
                                    schema: ["type": "integer", "minimum": 1, "maximum": 500]),
                                  P(name: "before", location: .query, description: "Only events with a smaller id (paging: next_before).",
                                    schema: ["type": "integer", "minimum": 1, "maximum": Int64.max])],
                     responses: [("200", "Events", "ActivityPage", json)] + errors),
        APIOperation(method: "GET", route: "/api/tokens", path: "/api/tokens", tag: "management", summary: "List API tokens (admin; no secrets)",
                     responses: [("200", "Tokens", "TokenList", json)] + errors),
        APIOperation(method: "POST", route: "/api/tokens", path: "/api/tokens", tag: "management",
                     summary: "Create an API token (admin); the secret is in this response only",
                     responses: [("201", "Created", "TokenCreated", json)] + errors, requestBody: (json, "TokenCreate")),
        APIOperation(method: "DELETE", route: "/api/tokens/:id", path: "/api/tokens/{id}", tag: "management", summary: "Revoke a token (admin)",
                     responses: [("204", "Revoked", nil, json)] + errors),
    ]

    static func plain(_ method: String, _ route: String, _ path: String, _ tag: String, _ summary: String,
                    ok: String = "200", body: Bool = false) -> APIOperation {
        APIOperation(method: method, route: route, path: path, tag: tag, summary: summary,
                     responses: [(ok, "Success (the format's own body)", nil, "*/*"), ("default", "An error in the format's own shape", nil, "*/*")],
                     requestBody: body ? ("application/octet-stream", "binary") : nil)
    }

    static func each(_ methods: [String], _ route: String, _ path: String, _ tag: String, _ summary: String) -> [APIOperation] {
        methods.map { plain($0, route, path, tag, summary, body: ["PUT", "POST", "PATCH"].contains($0)) }
    }

    /// Operations, health and metrics, the UI, and each format's registry endpoints (summarised:
    /// their bodies are the formats' own wire formats, documented by each protocol).
    static let registry: [APIOperation] = operationsAndUI + oci + npmAndPyPI + cargo + goMavenRaw

    static let operationsAndUI: [APIOperation] = [
        plain("GET", "/health", "/health", "operations", "Liveness"), plain("HEAD", "/health", "/health", "operations", "Liveness"),
        plain("GET", "/ready", "/ready", "operations", "Readiness (database and storage reachable)"),
        plain("HEAD", "/ready", "/ready", "operations", "Readiness"),
        plain("GET", "/metrics", "/metrics", "operations", "Prometheus metrics (text exposition format)"),
        plain("GET", "/", "/", "ui", "Redirects to /ui/", ok: "302"),
        plain("GET", "/api-docs/openapi.json", "/api-docs/openapi.json", "ui", "This document"),
        plain("GET", "/api-docs", "/api-docs/", "ui", "API explorer (HTML)"),
        plain("GET", "/swagger-ui", "/swagger-ui/", "ui", "API explorer (HTML; the seed's path)"),
        plain("GET", "/ui", "/ui/", "ui", "Dashboard (HTML)"),
        plain("GET", "/ui/static/nora.css", "/ui/static/nora.css", "ui", "Stylesheet"),
        plain("GET", "/ui/static/nora.js", "/ui/static/nora.js", "ui", "Script (optional enhancements)"),
        plain("GET", "/ui/login", "/ui/login", "ui", "Login form (HTML)"),
        plain("POST", "/ui/login", "/ui/login", "ui", "Log in (form: username, password, _csrf); sets the session cookie", ok: "303"),
        plain("POST", "/ui/logout", "/ui/logout", "ui", "Log out (form: _csrf)", ok: "303"),
        plain("GET", "/ui/search", "/ui/search", "ui", "Search all formats (HTML)"),
        plain("GET", "/ui/activity", "/ui/activity", "ui", "Activity (HTML)"),
        plain("GET", "/ui/tokens", "/ui/tokens", "ui", "Tokens (HTML, admin)"),
        plain("POST", "/ui/tokens", "/ui/tokens", "ui", "Create a token (form: name, role, expires, _csrf)", ok: "201"),
        plain("POST", "/ui/tokens/revoke", "/ui/tokens/revoke", "ui", "Revoke a token (form: id, _csrf)", ok: "303"),
        plain("GET", "/ui/:format", "/ui/{format}", "ui", "Browse a format (HTML)"),
        plain("GET", "/ui/:format/**", "/ui/{format}/{name}", "ui", "Package page (HTML)"),
    ]

    static let oci: [APIOperation] = [
        plain("GET", "/v2", "/v2/", "oci", "OCI distribution API version check"),
        plain("HEAD", "/v2", "/v2/", "oci", "OCI distribution API version check"),
        plain("GET", "/v2/_catalog", "/v2/_catalog", "oci", "Repository catalog (n, last)"),
        plain("GET", "/v2/token", "/v2/token", "oci", "Bearer token service (Docker token auth)"),
        plain("POST", "/v2/token", "/v2/token", "oci", "Bearer token service (OAuth2 form)"),
    ] + each(["GET", "HEAD", "PUT", "POST", "PATCH", "DELETE"], "/v2/**", "/v2/{path}", "oci",
             "OCI distribution: {name}/manifests/{reference}, {name}/blobs/{digest}, {name}/blobs/uploads/[{id}], {name}/tags/list, {name}/referrers/{digest}")

    static let npmAndPyPI: [APIOperation] = each(["GET", "HEAD", "PUT", "POST", "DELETE"], "/npm/**", "/npm/{path}", "npm",
           "npm registry: packuments, tarballs (-/{file}), dist-tags, publish/unpublish, login, whoami, search, audit")
    + [plain("GET", "/simple", "/simple/", "pypi", "PEP 503/691 project list"), plain("HEAD", "/simple", "/simple/", "pypi", "Project list"),
       plain("POST", "/simple", "/simple/", "pypi", "Upload (twine legacy API, multipart form)", body: true),
       plain("GET", "/simple/:project", "/simple/{project}/", "pypi", "Project page (PEP 503/691)"),
       plain("HEAD", "/simple/:project", "/simple/{project}/", "pypi", "Project page"),
       plain("GET", "/simple/:project/:item", "/simple/{project}/{item}", "pypi", "Distribution file or its .metadata (PEP 658)"),
       plain("HEAD", "/simple/:project/:item", "/simple/{project}/{item}", "pypi", "Distribution file"),
       plain("POST", "/simple/:project/:item/yank", "/simple/{project}/{item}/yank", "pypi", "Yank a version (PEP 592)"),
       plain("POST", "/simple/:project/:item/unyank", "/simple/{project}/{item}/unyank", "pypi", "Unyank a version")]

    static let cargo: [APIOperation] = [
       plain("GET", "/cargo/me", "/cargo/me", "cargo", "Where to get a token (cargo login)"),
       plain("GET", "/cargo/index/**", "/cargo/index/{path}", "cargo", "Sparse index: config.json and index files"),
       plain("HEAD", "/cargo/index/**", "/cargo/index/{path}", "cargo", "Sparse index"),
       plain("PUT", "/cargo/api/v1/crates/new", "/cargo/api/v1/crates/new", "cargo", "Publish a crate", body: true),
       plain("GET", "/cargo/api/v1/crates", "/cargo/api/v1/crates", "cargo", "Search crates (q, per_page)"),
       plain("GET", "/cargo/api/v1/crates/:name/:version/download", "/cargo/api/v1/crates/{name}/{version}/download", "cargo", "Download a .crate"),
       plain("HEAD", "/cargo/api/v1/crates/:name/:version/download", "/cargo/api/v1/crates/{name}/{version}/download", "cargo", "Download a .crate"),
       plain("DELETE", "/cargo/api/v1/crates/:name/:version/yank", "/cargo/api/v1/crates/{name}/{version}/yank", "cargo", "Yank"),
       plain("PUT", "/cargo/api/v1/crates/:name/:version/unyank", "/cargo/api/v1/crates/{name}/{version}/unyank", "cargo", "Unyank"),
       plain("GET", "/cargo/api/v1/crates/:name/owners", "/cargo/api/v1/crates/{name}/owners", "cargo", "List owners"),
       plain("PUT", "/cargo/api/v1/crates/:name/owners", "/cargo/api/v1/crates/{name}/owners", "cargo", "Add owners", body: true),
       plain("DELETE", "/cargo/api/v1/crates/:name/owners", "/cargo/api/v1/crates/{name}/owners", "cargo", "Remove owners", body: true)]

    static let goMavenRaw: [APIOperation] = each(["GET", "HEAD", "PUT"], "/go/**", "/go/{path}", "go",
           "GOPROXY protocol: {module}/@v/list, {module}/@v/{version}.info|.mod|.zip, {module}/@latest; PUT .mod then .zip to publish")
    + each(["GET", "HEAD", "PUT", "DELETE"], "/maven2", "/maven2/", "maven", "Maven repository root listing")
    + each(["GET", "HEAD", "PUT", "DELETE"], "/maven2/**", "/maven2/{path}", "maven",
           "Maven 2 layout: group/artifact/version/files, checksums (.sha1, .md5, .sha256, .sha512), maven-metadata.xml")
    + each(["GET", "HEAD", "PUT", "DELETE"], "/raw", "/raw/", "raw", "Raw files root listing")
    + each(["GET", "HEAD", "PUT", "DELETE"], "/raw/**", "/raw/{path}", "raw", "Raw files: GET/HEAD (ranges), PUT (streamed), DELETE; folders list as JSON/HTML")
}
