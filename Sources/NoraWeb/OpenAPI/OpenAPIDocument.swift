import Foundation

/// The OpenAPI 3.1 document served at `/api-docs/openapi.json`, built from the operation
/// table (`management` + `registry`) that the route test compares with the router.
enum OpenAPIDocument {
    static var operations: [APIOperation] { management + registry }

    static func json(serverURL: String, version: String) -> [UInt8] {
        var paths: [String: [String: any Sendable]] = [:]
        for operation in operations {
            paths[operation.path, default: [:]][operation.method.lowercased()] = describe(operation)
        }
        let document: [String: any Sendable] = [
            "openapi": "3.1.0",
            "info": ["title": "nora", "version": version,
                     "description": "Management API of the nora registry, and the registry endpoints of every format it serves. "
                        + "With auth on, send `Authorization: Basic` (htpasswd user or any name with a token as password) or "
                        + "`Bearer <token>`; the read endpoints also accept the web UI's session cookie."] as [String: any Sendable],
            "servers": [["url": serverURL]],
            "tags": [["name": "management", "description": "JSON management API (one error shape: {\"error\": …})"],
                     ["name": "operations", "description": "Health, readiness, metrics"],
                     ["name": "ui", "description": "Web UI pages and this document"],
                     ["name": "oci"], ["name": "npm"], ["name": "pypi"], ["name": "cargo"], ["name": "go"], ["name": "maven"], ["name": "raw"]],
            "paths": paths,
            "components": ["schemas": schemas,
                           "securitySchemes": ["basic": ["type": "http", "scheme": "basic"],
                                               "bearer": ["type": "http", "scheme": "bearer"]]] as [String: any Sendable],
            "security": [[String: [String]](), ["basic": [String]()], ["bearer": [String]()]],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return Array(data)
    }

    static func describe(_ operation: APIOperation) -> [String: any Sendable] {
        var result: [String: any Sendable] = [
            "summary": operation.summary, "tags": [operation.tag],
            "operationId": operationID(operation),
        ]
        let parameters = operation.pathParameters + operation.parameters
        if !parameters.isEmpty {
            result["parameters"] = parameters.map { p -> [String: any Sendable] in
                ["name": p.name, "in": p.location.rawValue, "description": p.description, "required": p.required, "schema": p.schema]
            }
        }
        var responses: [String: any Sendable] = [:]
        for (status, description, schema, media) in operation.responses {
            var response: [String: any Sendable] = ["description": description]
            if let schema { response["content"] = [media: ["schema": ref(schema)]] }
            responses[status] = response
        }
        result["responses"] = responses
        if let (media, schema) = operation.requestBody {
            let body: [String: any Sendable] = schema == "binary" ? ["type": "string", "contentMediaType": media] : ref(schema)
            result["requestBody"] = ["required": true, "content": [media: ["schema": body]]] as [String: any Sendable]
        }
        return result
    }

    /// `getApiPackagesFormatName`-style ids, unique per method and path.
    static func operationID(_ operation: APIOperation) -> String {
        let words = operation.path.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map { $0.prefix(1).uppercased() + $0.dropFirst() }
        return operation.method.lowercased() + (words.isEmpty ? "Root" : words.joined())
    }
}
