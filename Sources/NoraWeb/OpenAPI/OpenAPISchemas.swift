/// JSON Schemas (OpenAPI 3.1 = JSON Schema 2020-12) of the management API's bodies. They
/// mirror the Codable types (`FormatStats`, `ListingPage`, `PackageDetail`, `ActivityEvent`,
/// the token views); optional fields are omitted from the JSON when absent, so not required.
extension OpenAPIDocument {
    static func object(_ properties: [String: any Sendable], required: [String]) -> [String: any Sendable] {
        ["type": "object", "properties": properties, "required": required]
    }
    static func ref(_ name: String) -> [String: any Sendable] { ["$ref": "#/components/schemas/\(name)"] }
    static func array(_ items: [String: any Sendable]) -> [String: any Sendable] { ["type": "array", "items": items] }
    static let string: [String: any Sendable] = ["type": "string"]
    static let integer: [String: any Sendable] = ["type": "integer"]
    static let boolean: [String: any Sendable] = ["type": "boolean"]
    static let nullableInteger: [String: any Sendable] = ["type": ["integer", "null"]]

    static let schemas: [String: any Sendable] = [
        "Error": object(["error": string], required: ["error"]),
        "FormatStats": object(["format": string, "packages": integer, "versions": integer, "bytes": integer],
                              required: ["format", "packages", "versions", "bytes"]),
        "Stats": object([
            "version": string, "uptime_seconds": integer,
            "storage": object(["path": string, "total_bytes": integer, "free_bytes": integer], required: ["path"]),
            "formats": array(ref("FormatStats")),
        ], required: ["version", "uptime_seconds", "storage", "formats"]),
        "PackageSummary": object(["format": string, "name": string, "latest_version": string, "description": string, "updated_at": integer],
                                 required: ["format", "name", "updated_at"]),
        "ListingPage": object(["items": array(ref("PackageSummary")), "offset": integer, "limit": integer, "has_more": boolean],
                              required: ["items", "offset", "limit", "has_more"]),
        "FileEntry": object(["name": string, "size": integer, "digest": string, "kind": string], required: ["name", "size"]),
        "VersionDetail": object([
            "version": string, "published_at": integer, "size": integer, "digest": string, "yanked": boolean, "note": string,
            "files": array(ref("FileEntry")), "platforms": array(string), "referrers": array(ref("FileEntry")),
        ], required: ["version", "yanked", "files", "platforms", "referrers"]),
        "InstallSnippet": object(["label": string, "text": string], required: ["label", "text"]),
        "PackageDetail": object([
            "format": string, "name": string, "description": string, "readme": string,
            "versions": array(ref("VersionDetail")), "tags": ["type": "object", "additionalProperties": string] as [String: any Sendable],
            "dependencies": array(string), "install": array(ref("InstallSnippet")), "truncated": boolean,
        ], required: ["format", "name", "versions", "tags", "dependencies", "install", "truncated"]),
        "ActivityEvent": object([
            "id": integer, "at": ["type": "integer", "description": "Unix milliseconds"] as [String: any Sendable],
            "kind": ["type": "string", "enum": ["publish", "download", "delete", "yank", "unyank", "tag", "proxy_fetch", "cache_hit",
                                                 "login_failure", "token_create", "token_revoke"]] as [String: any Sendable],
            "format": string, "name": string, "version": string, "identity": string, "client": string,
            "source": ["type": "string", "enum": ["local", "proxy"]] as [String: any Sendable],
        ], required: ["at", "kind", "format", "name", "source"]),
        "ActivityPage": object(["items": array(ref("ActivityEvent")), "next_before": integer], required: ["items"]),
        "Token": object(["id": string, "name": string, "owner": string, "role": string, "created_at": integer,
                         "expires_at": integer, "last_used_at": integer], required: ["id", "name", "owner", "role", "created_at"]),
        "TokenList": array(ref("Token")),
        "TokenCreate": object(["name": ["type": "string", "minLength": 1, "maxLength": 100] as [String: any Sendable], "role": ["type": "string", "enum": ["read", "write", "admin"]] as [String: any Sendable],
                               "expires": ["type": "string", "description": "Lifetime like 30d, 12h or 90m"] as [String: any Sendable]],
                              required: ["name"]),
        "TokenCreated": object(["id": string, "name": string, "owner": string, "role": string, "expires_at": integer,
                                "token": ["type": "string", "description": "The secret; shown only in this response"] as [String: any Sendable]],
                               required: ["id", "name", "owner", "role", "token"]),
    ]
}
